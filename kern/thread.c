// SPDX-License-Identifier: MIT
/*
 * Threads: creation, suspension, termination, the checks made on the way
 * back to user mode, and the reaper that frees what halted threads leave.
 */
#include <mach/mach_types.h>
#include <kern/clock.h>
#include <kern/ipc_tt.h>
#include <kern/cpu.h>
#include <kern/kstack.h>
#include <kern/panic.h>
#include <kern/printf.h>
#include <kern/string.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <kern/zalloc.h>

static struct zone thread_zone;
static uint32_t next_tid = 1;
static size_t threads_alive;

/* reap_lock guards reap_list (halted threads and dead tasks to free).  Leaf lock. */
static struct spinlock reap_lock = SPINLOCK_INITIALIZER("reap");
static struct list reap_threads = LIST_INITIALIZER(reap_threads);
static struct list reap_tasks = LIST_INITIALIZER(reap_tasks);

static void thread_init_fields(struct thread *t, struct task *task, const char *name)
{
    memset(t, 0, sizeof(*t));
    spin_lock_init(&t->lock, "thread");
    list_init(&t->wait_link);
    list_init(&t->timeout_link);
    list_init(&t->runq_link);
    list_init(&t->task_link);
    list_init(&t->reap_link);
    t->task = task;
    t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
    t->base_pri = t->sched_pri = BASEPRI_USER;
    t->policy = POLICY_TIMESHARE;
    t->ref_count = 1;
    strlcpy(t->name, name, sizeof(t->name));
    __atomic_fetch_add(&threads_alive, 1, __ATOMIC_RELAXED);
}

/* A thread struct with a kernel stack, or NULL. */
static struct thread *thread_alloc(struct task *task, const char *name)
{
    struct thread *t = zalloc(&thread_zone);
    if (t == NULL)
        return NULL;
    thread_init_fields(t, task, name);
    t->kstack = kstack_alloc();
    if (t->kstack == 0) {
        __atomic_fetch_sub(&threads_alive, 1, __ATOMIC_RELAXED);
        zfree(&thread_zone, t);
        return NULL;
    }
    return t;
}

/* Make the code running on this hart (boot or idle) a thread of the kernel task. */
static struct thread *adopt_current(const char *name, bool idle)
{
    struct cpu *c = cpu_this();
    struct thread *t = zalloc(&thread_zone);
    if (t == NULL)
        panic("thread: no memory for the first thread of hart %lu", c->hartid);
    thread_init_fields(t, kernel_task, name);
    t->state = TH_RUN;
    t->kstack = c->stack_hi;
    t->is_idle = idle;
    t->base_pri = t->sched_pri = idle ? NRQS - 1 : BASEPRI_KERNEL;
    t->policy = POLICY_FIXEDPRI;
    t->last_cpu = c;
    t->quantum = SCHED_QUANTUM;
    c->thread = t;
    task_add_thread(kernel_task, t);
    return t;
}

static void idle_thread_main(void *arg)
{
    (void)arg;
    sched_idle_loop();
}

/* Give hart `c` its idle thread (a kernel thread that only ever runs there). */
static void make_idle_thread(struct cpu *c)
{
    struct thread *t = thread_alloc(kernel_task, "idle");
    if (t == NULL)
        panic("thread: no memory for the idle thread of hart %lu", c->hartid);
    t->state = TH_RUN;
    t->is_idle = true;
    t->base_pri = t->sched_pri = NRQS - 1;
    t->policy = POLICY_FIXEDPRI;
    pcb_init_kernel(&t->pcb, t->kstack, idle_thread_main, NULL);
    task_add_thread(kernel_task, t);
    c->idle_thread = t;
}

void thread_bootstrap(void)
{
    zone_init(&thread_zone, "thread", sizeof(struct thread));
    for (unsigned i = 0; i < ncpus; i++) {
        sched_init_cpu(&cpus[i]);
        make_idle_thread(&cpus[i]);
    }
    adopt_current("kern_main", false);
}

/* A secondary hart's boot stack becomes its idle thread's stack. */
void thread_start_hart(void)
{
    struct cpu *c = cpu_this();
    struct thread *spare = c->idle_thread;
    c->idle_thread = adopt_current("idle", true);
    /* The idle thread made at bootstrap is not needed: this stack serves. */
    task_remove_thread(kernel_task, spare);
    spare->state = TH_HALTED;
    thread_deallocate(spare);
}

struct thread *kernel_thread_start(const char *name, void (*fn)(void *), void *arg, int pri)
{
    struct thread *t = thread_alloc(kernel_task, name);
    if (t == NULL)
        return NULL;
    t->base_pri = t->sched_pri = pri;
    t->policy = POLICY_FIXEDPRI;
    pcb_init_kernel(&t->pcb, t->kstack, fn, arg);
    thread_reference(t);                /* the caller's */
    task_add_thread(kernel_task, t);
    thread_setrun(t);
    return t;
}

kern_return_t thread_create(struct task *task, struct thread **out)
{
    struct thread *t = thread_alloc(task, task->name);
    if (t == NULL)
        return KERN_RESOURCE_SHORTAGE;
    t->suspend_count = 1;               /* Mach: a new thread starts suspended */
    t->state = TH_SUSP;
    pcb_init_user(&t->pcb, t->kstack, 0, 0, 0);
    kern_return_t kr = ipc_thread_init(t);
    if (kr == KERN_SUCCESS)
        kr = task_add_thread(task, t);
    if (kr != KERN_SUCCESS) {
        /* Never part of the task: free it here, without task accounting. */
        ipc_thread_terminate(t);
        kstack_free(t->kstack);
        __atomic_fetch_sub(&threads_alive, 1, __ATOMIC_RELAXED);
        zfree(&thread_zone, t);
        return kr;
    }
    thread_reference(t);                /* the caller's */
    *out = t;
    return KERN_SUCCESS;
}

kern_return_t thread_set_user_entry(struct thread *t, uintptr_t pc, uintptr_t sp,
                                    uintptr_t arg)
{
    struct trapframe *tf = t->pcb.utf;
    if (tf == NULL)
        return KERN_INVALID_ARGUMENT;
    spin_lock(&t->lock);
    bool stopped = !(t->state & TH_RUN) && (t->state & TH_SUSP);
    if (stopped) {
        tf->sepc = pc;
        tf->sp = sp;
        tf->a0 = arg;
    }
    spin_unlock(&t->lock);
    return stopped ? KERN_SUCCESS : KERN_FAILURE;
}

void thread_reference(struct thread *t)
{
    __atomic_fetch_add(&t->ref_count, 1, __ATOMIC_RELAXED);
}

/*
 * A reference to a thread found through a pointer that does not hold one
 * (its kernel port): fails once the count has reached 0, when the thread
 * is already queued for the reaper and its port not yet shut.  Taking a
 * plain reference there would bring it back to life and queue it twice.
 */
bool thread_reference_live(struct thread *t)
{
    uint32_t n = __atomic_load_n(&t->ref_count, __ATOMIC_RELAXED);
    while (n != 0)
        if (__atomic_compare_exchange_n(&t->ref_count, &n, n + 1, true, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return true;
    return false;
}

/* The last reference: hand it to the reaper (we may be in a switch, interrupts off). */
void thread_deallocate(struct thread *t)
{
    if (t == NULL || __atomic_sub_fetch(&t->ref_count, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    kassert(t->state & TH_HALTED);
    spin_lock(&reap_lock);
    list_insert_tail(&reap_threads, &t->reap_link);
    spin_unlock(&reap_lock);
    thread_wakeup((event_t)&reap_threads);
}

/* Recompute TH_SUSP from the thread's and its task's suspend counts.  Thread lock held. */
static bool update_hold(struct thread *t)
{
    bool held = !t->halt_requested &&
                (t->suspend_count > 0 ||
                 __atomic_load_n(&t->task->suspend_count, __ATOMIC_RELAXED) > 0);
    if (held) {
        t->state |= TH_SUSP;
        if (t->runq != NULL)
            sched_remove_queued(t);
        else if ((t->state & TH_RUN) && t->last_cpu != NULL)
            sched_kick(t->last_cpu);    /* running: stop at its next return check */
    } else {
        t->state &= ~TH_SUSP;
    }
    return held;
}

void thread_hold_changed(struct thread *t)
{
    spin_lock(&t->lock);
    bool held = update_hold(t);
    spin_unlock(&t->lock);
    if (!held)
        thread_setrun(t);
}

kern_return_t thread_suspend(struct thread *t)
{
    spin_lock(&t->lock);
    if (t->state & TH_HALTED) {
        spin_unlock(&t->lock);
        return KERN_TERMINATED;
    }
    t->suspend_count++;
    update_hold(t);
    spin_unlock(&t->lock);
    return KERN_SUCCESS;
}

kern_return_t thread_resume(struct thread *t)
{
    spin_lock(&t->lock);
    kern_return_t kr = KERN_SUCCESS;
    if (t->state & TH_HALTED)
        kr = KERN_TERMINATED;
    else if (t->suspend_count == 0)
        kr = KERN_FAILURE;              /* Mach: resuming a thread that is not suspended */
    else
        t->suspend_count--;
    spin_unlock(&t->lock);
    if (kr == KERN_SUCCESS)
        thread_hold_changed(t);
    return kr;
}

kern_return_t thread_terminate(struct thread *t)
{
    if (t == current_thread()) {
        t->halt_requested = true;       /* ends on its way back to user mode */
        return KERN_SUCCESS;
    }
    spin_lock(&t->lock);
    if (t->state & TH_HALTED) {
        spin_unlock(&t->lock);
        return KERN_TERMINATED;
    }
    if (!t->started) {
        /* Never queued, so on no hart and no queue: end it right here. */
        t->state = TH_HALTED;
        spin_unlock(&t->lock);
        task_remove_thread(t->task, t);
        thread_deallocate(t);           /* its own reference */
        return KERN_SUCCESS;
    }
    t->halt_requested = true;
    spin_unlock(&t->lock);
    clear_wait(t, THREAD_INTERRUPTED, true);
    thread_hold_changed(t);             /* a held thread must run to end itself */
    return KERN_SUCCESS;
}

void thread_terminate_self(void)
{
    struct thread *self = current_thread();
    task_remove_thread(self->task, self);
    intr_disable();
    spin_lock(&self->lock);
    self->state |= TH_HALTED;
    spin_unlock(&self->lock);
    thread_block();                     /* sched_dispatch drops the last scheduler reference */
    panic("thread %u ran after it halted", self->tid);
}

void thread_return_check(void)
{
    for (;;) {
        struct thread *self = current_thread();
        intr_disable();
        if (self->halt_requested) {
            intr_enable();
            thread_terminate_self();
        }
        if (self->state & TH_SUSP) {
            intr_enable();
            thread_block();             /* held: sleeps until resumed */
            continue;
        }
        if (cpu_this()->need_resched) {
            intr_enable();
            thread_yield();
            continue;
        }
        return;                         /* interrupts stay off */
    }
}

static void free_thread(struct thread *t)
{
    struct task *task = t->task;
    ipc_thread_terminate(t);
    kstack_free(t->kstack);
    __atomic_fetch_sub(&threads_alive, 1, __ATOMIC_RELAXED);
    zfree(&thread_zone, t);
    task_thread_freed(task);
}

void thread_queue_task_reap(struct task *task)
{
    spin_lock(&reap_lock);
    list_insert_tail(&reap_tasks, &task->reap_link);
    spin_unlock(&reap_lock);
    thread_wakeup((event_t)&reap_threads);
}

/* Take one item off the reap lists; false when both are empty (lock held). */
static bool reap_one(void)
{
    spin_lock(&reap_lock);
    struct list *l = list_first(&reap_threads);
    struct list *k = l == NULL ? list_first(&reap_tasks) : NULL;
    if (l != NULL)
        list_remove(l);
    else if (k != NULL)
        list_remove(k);
    else
        assert_wait((event_t)&reap_threads, false);
    spin_unlock(&reap_lock);
    if (l != NULL)
        free_thread(list_entry(l, struct thread, reap_link));
    else if (k != NULL)
        task_reap(list_entry(k, struct task, reap_link));
    return l != NULL || k != NULL;
}

static void reaper_main(void *arg)
{
    (void)arg;
    for (;;)
        if (!reap_one())
            thread_block();
}

void thread_reaper_start(void)
{
    struct thread *t = kernel_thread_start("reaper", reaper_main, NULL, BASEPRI_KERNEL);
    if (t == NULL)
        panic("thread: cannot start the reaper");
    thread_deallocate(t);
}

size_t thread_count(void)
{
    return __atomic_load_n(&threads_alive, __ATOMIC_RELAXED);
}

kern_return_t thread_wait_stopped(struct thread *t)
{
    for (int tries = 0; tries < 200; tries++) {
        spin_lock(&t->lock);
        unsigned state = t->state;
        bool stopped = t->exception_wait || !(state & TH_RUN) ||
                       ((state & TH_WAIT) && t != current_thread());
        spin_unlock(&t->lock);
        if (state & TH_HALTED)
            return KERN_TERMINATED;
        if (stopped && ((state & TH_SUSP) || t->exception_wait))
            return KERN_SUCCESS;
        if (!(state & TH_SUSP) && !t->exception_wait)
            return KERN_FAILURE;        /* Mach: suspend the thread first */
        thread_sleep_ns(1000000);       /* suspended but still on its way out */
    }
    return KERN_FAILURE;
}

void thread_basic_info(struct thread *t, struct thread_basic_info *bi)
{
    spin_lock(&t->lock);
    unsigned state = t->state;
    bi->suspend_count = t->suspend_count;
    bi->base_priority = t->base_pri;
    bi->cur_priority = t->sched_pri;
    bi->tid = (int32_t)t->tid;
    bi->user_time_us = t->user_ticks * (1000000 / HZ);
    bi->system_time_us = t->sys_ticks * (1000000 / HZ);
    bool interruptible = t->wait_interruptible;
    spin_unlock(&t->lock);
    if (state & TH_HALTED)
        bi->run_state = TH_STATE_HALTED;
    else if (state & TH_SUSP)
        bi->run_state = TH_STATE_STOPPED;
    else if (state & TH_WAIT)
        bi->run_state = interruptible ? TH_STATE_WAITING : TH_STATE_UNINTERRUPTIBLE;
    else
        bi->run_state = TH_STATE_RUNNING;
}
