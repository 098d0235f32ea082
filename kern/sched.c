// SPDX-License-Identifier: MIT
/*
 * The scheduler (see kern/sched.h for the state machine and lock order):
 * run queues, choosing the next thread, switching, waiting on events,
 * timeouts, the timer tick, and each hart's idle thread.
 */
#include <kern/clock.h>
#include <kern/cpu.h>
#include <kern/panic.h>
#include <kern/sched.h>
#include <kern/smp.h>
#include <kern/thread.h>
#include <kern/task.h>
#include <vm/pmap.h>

/* ---- run queues (each under its own lock) ---- */

static void buckets_init(void);

void sched_init_cpu(struct cpu *c)
{
    static bool buckets_ready;
    if (!buckets_ready) {
        buckets_init();
        buckets_ready = true;
    }
    spin_lock_init(&c->runq.lock, "runq");
    for (int p = 0; p < NRQS; p++)
        list_init(&c->runq.queues[p]);
}

static inline __attribute__((always_inline)) void runq_insert(struct runq *rq, struct thread *t, bool at_head)
{
    kassert(spin_lock_held(&rq->lock) && t->runq == NULL);
    if (at_head)
        list_insert_head(&rq->queues[t->sched_pri], &t->runq_link);
    else
        list_insert_tail(&rq->queues[t->sched_pri], &t->runq_link);
    rq->bitmap |= 1u << t->sched_pri;
    rq->count++;
    t->runq = rq;
}

static inline __attribute__((always_inline)) void runq_remove(struct runq *rq, struct thread *t)
{
    kassert(spin_lock_held(&rq->lock) && t->runq == rq);
    list_remove(&t->runq_link);
    if (list_empty(&rq->queues[t->sched_pri]))
        rq->bitmap &= ~(1u << t->sched_pri);
    rq->count--;
    t->runq = NULL;
}

/* The index of the lowest set bit of a non-zero word (no Zbb: a de Bruijn table). */
static int lowest_bit(uint32_t v)
{
    static const uint8_t table[32] = {
        0, 1, 28, 2, 29, 14, 24, 3, 30, 22, 20, 15, 25, 17, 4, 8,
        31, 27, 13, 23, 21, 19, 16, 7, 26, 12, 18, 6, 11, 5, 10, 9,
    };
    return table[((v & -v) * 0x077CB531u) >> 27];
}

/* The best priority queued (NRQS if none). */
static int runq_best(const struct runq *rq)
{
    return rq->bitmap != 0 ? lowest_bit(rq->bitmap) : NRQS;
}

/* Take the most urgent thread off `rq` if it beats `limit` (lower is better). */
static struct thread *runq_take(struct runq *rq, int limit)
{
    int p = runq_best(rq);
    if (p >= limit)
        return NULL;
    struct thread *t = list_entry(list_first(&rq->queues[p]), struct thread, runq_link);
    runq_remove(rq, t);
    return t;
}

static bool cpu_is_idle(const struct cpu *c)
{
    return c->thread == NULL || c->thread->is_idle;
}

/*
 * Harts running their idle thread, one bit per cpus[] index: a hint for
 * choose_cpu() (checked again with cpu_is_idle), so that placing a thread
 * looks at no hart when none is idle.  Changed with atomics by each hart
 * for itself, when it switches to or from its idle thread.
 */
static uint32_t idle_harts;
_Static_assert(MAX_CPUS <= 32, "idle_harts has one bit per hart");

static void note_idle(struct cpu *c, bool idle)
{
    uint32_t bit = 1u << c->id;
    if (idle)
        __atomic_fetch_or(&idle_harts, bit, __ATOMIC_RELAXED);
    else
        __atomic_fetch_and(&idle_harts, ~bit, __ATOMIC_RELAXED);
}

void sched_kick(struct cpu *c)
{
    if (c == cpu_this())
        c->need_resched = true;
    else
        cpu_send_ipi(c, IPI_RESCHED);
}

/* Where a runnable thread should wait: an idle hart, else where it last ran. */
static struct cpu *choose_cpu(struct thread *t)
{
    struct cpu *last = t->last_cpu != NULL && t->last_cpu->online ? t->last_cpu : cpu_this();
    if (cpu_is_idle(last))
        return last;
    for (uint32_t idle = __atomic_load_n(&idle_harts, __ATOMIC_RELAXED); idle != 0;
         idle &= idle - 1) {
        struct cpu *c = &cpus[lowest_bit(idle)];
        if (c->online && cpu_is_idle(c) && c->runq.count == 0)
            return c;
    }
    return last;
}

/* Queue a thread that has TH_RUN set and is on no hart.  Thread lock held. */
static void enqueue(struct thread *t, bool at_head)
{
    struct cpu *c = choose_cpu(t);
    t->started = true;
    spin_lock(&c->runq.lock);
    runq_insert(&c->runq, t, at_head);
    spin_unlock(&c->runq.lock);
    struct thread *running = c->thread;
    if (running == NULL || running->is_idle || t->sched_pri < running->sched_pri)
        sched_kick(c);
}

void thread_setrun(struct thread *t)
{
    spin_lock(&t->lock);
    if (!(t->state & (TH_RUN | TH_WAIT | TH_SUSP | TH_HALTED))) {
        t->state |= TH_RUN;
        sched_update_priority(t);
        enqueue(t, false);
    }
    spin_unlock(&t->lock);
}

void sched_remove_queued(struct thread *t)
{
    kassert(spin_lock_held(&t->lock));
    struct runq *rq = t->runq;
    if (rq == NULL)
        return;
    spin_lock(&rq->lock);
    if (t->runq == rq) {
        runq_remove(rq, t);
        t->state &= ~TH_RUN;
    }
    spin_unlock(&rq->lock);
}

/* ---- choosing and switching ---- */

/* Steal the most urgent thread from the busiest other hart, if any beats `limit`. */
static struct thread *steal(int limit)
{
    struct cpu *self = cpu_this(), *victim = NULL;
    for (unsigned i = 0; i < ncpus; i++) {
        struct cpu *c = &cpus[i];
        if (c != self && c->runq.count > 0 && (victim == NULL || c->runq.count > victim->runq.count))
            victim = c;
    }
    if (victim == NULL || !spin_trylock(&victim->runq.lock))
        return NULL;
    struct thread *t = runq_take(&victim->runq, limit);
    spin_unlock(&victim->runq.lock);
    return t;
}

/*
 * Switch from the current thread to `next`; returns when switched back.
 * `runq_held`: `next` came off this hart's run queue, whose lock stays held
 * across the switch; sched_dispatch(), on `next`, puts `self` back in the
 * same critical section and releases it (one lock round trip per switch,
 * not two).  On the way only the ASID lock, a leaf, may be taken.
 */
static inline __attribute__((always_inline)) void switch_to(struct thread *self,
                                                          struct thread *next, bool runq_held)
{
    struct cpu *c = cpu_this();
    pcb_switch_out(&self->pcb);
    if (next->task != self->task)
        pmap_activate(task_pmap(next->task));
    c->switched_from = self;
    c->dispatch_runq_held = runq_held;
    if (next->is_idle != self->is_idle)
        note_idle(c, next->is_idle);
    c->thread = next;
    c->kstack_top = next->kstack;
    next->last_cpu = c;
    next->quantum = SCHED_QUANTUM;
    switch_context(&self->pcb.ctx, &next->pcb.ctx);
    sched_dispatch();
}

/*
 * Lock `old` for sched_dispatch().  With this hart's run queue lock held
 * (`*runq_held`), the thread lock comes first in the lock order, so it is
 * only tried; if that fails, the run queue lock goes and the thread lock is
 * waited for as usual.
 */
static void lock_switched_from(struct cpu *c, struct thread *old, bool *runq_held)
{
    if (*runq_held) {
        if (spin_trylock(&old->lock))
            return;
        spin_unlock(&c->runq.lock);
        *runq_held = false;
    }
    spin_lock(&old->lock);
}

/*
 * Would choose_cpu() keep `old`, which just left hart `c`, on `c`?  Without
 * a look at the other harts when none is idle (the usual case).
 */
static bool stays_here(struct cpu *c, struct thread *old)
{
    if (__atomic_load_n(&idle_harts, __ATOMIC_RELAXED) == 0 || c->thread->is_idle)
        return true;
    return choose_cpu(old) == c;
}

/*
 * After a switch, on the new thread: look at the thread we left, now that its
 * registers are saved, and queue it again, or leave it blocked, or hand it to
 * the reaper.  Interrupts are off.
 */
void sched_dispatch(void)
{
    struct cpu *c = cpu_this();
    struct thread *old = c->switched_from;
    bool runq_held = c->dispatch_runq_held;
    c->switched_from = NULL;
    c->dispatch_runq_held = false;
    pcb_switch_in(&c->thread->pcb);
    if (old == NULL || old->is_idle) {
        if (runq_held)
            spin_unlock(&c->runq.lock);
        return;
    }
    lock_switched_from(c, old, &runq_held);
    unsigned state = old->state;
    if (state & (TH_WAIT | TH_SUSP | TH_HALTED)) {
        old->state = state & ~TH_RUN;
    } else if (runq_held && stays_here(c, old)) {
        runq_insert(&c->runq, old, false);      /* the usual case of a yield */
        if (old->sched_pri < c->thread->sched_pri || c->thread->is_idle)
            c->need_resched = true;
    } else {
        if (runq_held)
            spin_unlock(&c->runq.lock);         /* enqueue may take another hart's */
        runq_held = false;
        enqueue(old, false);
    }
    if (runq_held)
        spin_unlock(&c->runq.lock);
    spin_unlock(&old->lock);
    if (state & TH_HALTED)
        thread_deallocate(old);     /* the scheduler's reference: the reaper frees it */
}

/*
 * Give up the hart: to the most urgent thread of this hart's queue, else of
 * another hart's, else to the idle thread.  `may_continue`: the current
 * thread may go on (yield or preemption) if it is still runnable; then
 * another is chosen only if at least as urgent.
 */
static inline __attribute__((always_inline)) wait_result_t block(bool may_continue)
{
    struct thread *self = current_thread();
    struct cpu *c = cpu_this();
    bool was_on = intr_disable();
    c->need_resched = false;
    /*
     * A glance without the thread lock is enough: if a wake-up races with
     * it, sched_dispatch() decides again under the lock once we are off
     * this hart (and queues us if we turned out runnable).
     */
    unsigned state = __atomic_load_n(&self->state, __ATOMIC_RELAXED);
    bool stay = may_continue && !(state & (TH_WAIT | TH_SUSP | TH_HALTED));
    int limit = stay && !self->is_idle ? self->sched_pri + 1 : NRQS;
    spin_lock(&c->runq.lock);
    struct thread *next = runq_take(&c->runq, limit);
    if (next != NULL) {
        switch_to(self, next, true);
    } else {
        spin_unlock(&c->runq.lock);
        next = steal(limit);
        if (next == NULL)
            next = stay ? self : c->idle_thread;
        if (next != self)
            switch_to(self, next, false);
    }
    if (was_on)
        intr_enable();
    return self->wait_result;
}

static void timeout_cancel(struct thread *t);

wait_result_t thread_block(void)
{
    wait_result_t r = block(true);
    struct thread *self = current_thread();
    if (__atomic_load_n(&self->timeout_at, __ATOMIC_RELAXED) != 0)
        timeout_cancel(self);
    return r;
}

void thread_yield(void)
{
    block(true);
}

bool sched_need_resched(void)
{
    return cpu_this()->need_resched;
}

/* ---- waiting on events ---- */

#define EVENT_BUCKETS 64

/* bucket.lock guards the list of threads waiting on events hashing there. */
static struct event_bucket {
    struct spinlock lock;
    struct list waiters;
} buckets[EVENT_BUCKETS];

static void buckets_init(void)
{
    for (unsigned i = 0; i < EVENT_BUCKETS; i++) {
        spin_lock_init(&buckets[i].lock, "event_bucket");
        list_init(&buckets[i].waiters);
    }
}

static struct event_bucket *bucket_of(event_t e)
{
    return &buckets[((e >> 4) ^ (e >> 12)) % EVENT_BUCKETS];
}

void assert_wait(event_t event, bool interruptible)
{
    struct thread *self = current_thread();
    struct event_bucket *b = bucket_of(event);
    spin_lock(&b->lock);
    spin_lock(&self->lock);
    self->state |= TH_WAIT;
    self->wait_event = event;
    self->wait_interruptible = interruptible;
    self->wait_result = THREAD_AWAKENED;
    list_insert_tail(&b->waiters, &self->wait_link);
    spin_unlock(&self->lock);
    spin_unlock(&b->lock);
}

/* End t's wait (bucket and thread locks held): unlink, set the result, queue it. */
static void end_wait(struct thread *t, wait_result_t result)
{
    list_remove(&t->wait_link);
    t->state &= ~TH_WAIT;
    t->wait_event = 0;
    t->wait_result = result;
    if (!(t->state & (TH_RUN | TH_SUSP | TH_HALTED))) {
        t->state |= TH_RUN;
        sched_update_priority(t);
        enqueue(t, false);
    }
}

static void wakeup(event_t event, bool one)
{
    struct event_bucket *b = bucket_of(event);
    spin_lock(&b->lock);
    list_for_each_safe(&b->waiters, it, tmp) {
        struct thread *t = list_entry(it, struct thread, wait_link);
        if (t->wait_event != event)
            continue;
        spin_lock(&t->lock);
        end_wait(t, THREAD_AWAKENED);
        spin_unlock(&t->lock);
        if (one)
            break;
    }
    spin_unlock(&b->lock);
}

void thread_wakeup(event_t event)
{
    wakeup(event, false);
}

void thread_wakeup_one(event_t event)
{
    wakeup(event, true);
}

void clear_wait(struct thread *t, wait_result_t result, bool interrupt_only)
{
    for (;;) {
        event_t e = __atomic_load_n(&t->wait_event, __ATOMIC_ACQUIRE);
        if (e == 0)
            return;
        struct event_bucket *b = bucket_of(e);
        spin_lock(&b->lock);
        spin_lock(&t->lock);
        bool same = t->wait_event == e && (t->state & TH_WAIT);
        if (same && (!interrupt_only || t->wait_interruptible))
            end_wait(t, result);
        spin_unlock(&t->lock);
        spin_unlock(&b->lock);
        if (same || t->wait_event == 0)
            return;
    }
}

/* ---- hand-off: waking a thread and running it at once (IPC) ---- */

struct thread *thread_wakeup_handoff(event_t event, bool (*accept)(struct thread *, void *),
                                     void *arg)
{
    struct event_bucket *b = bucket_of(event);
    struct thread *found = NULL;
    spin_lock(&b->lock);
    list_for_each(&b->waiters, it) {
        struct thread *t = list_entry(it, struct thread, wait_link);
        if (t->wait_event != event)
            continue;
        /* The longest waiter, as thread_wakeup_one() would choose. */
        spin_lock(&t->lock);
        if (t->state == TH_WAIT && accept(t, arg)) {
            list_remove(&t->wait_link);
            t->state = TH_RUN;          /* runnable, but on no run queue: the caller's */
            t->wait_event = 0;
            t->wait_result = THREAD_AWAKENED;
            sched_update_priority(t);
            found = t;
        } else {
            end_wait(t, THREAD_AWAKENED);
        }
        spin_unlock(&t->lock);
        break;
    }
    spin_unlock(&b->lock);
    return found;
}

void thread_handoff_release(struct thread *t)
{
    spin_lock(&t->lock);
    kassert((t->state & TH_RUN) && t->runq == NULL);
    if (t->state & (TH_WAIT | TH_SUSP | TH_HALTED))
        t->state &= ~TH_RUN;            /* as sched_dispatch() would leave it */
    else
        enqueue(t, false);
    spin_unlock(&t->lock);
}

wait_result_t thread_block_handoff(struct thread *next)
{
    struct thread *self = current_thread();
    kassert(next != self && (next->state & TH_RUN) && next->runq == NULL);
    bool was_on = intr_disable();
    /*
     * need_resched stays as it is: the run queue was not looked at, so a
     * more urgent thread queued meanwhile still gets the hart when `next`
     * next passes a preemption point (its return to user mode).
     */
    switch_to(self, next, false);
    if (was_on)
        intr_enable();
    if (__atomic_load_n(&self->timeout_at, __ATOMIC_RELAXED) != 0)
        timeout_cancel(self);
    return self->wait_result;
}

/* ---- timeouts ---- */

/* timeout_lock guards timeouts (sorted by deadline) and each thread's timeout_at. */
static struct spinlock timeout_lock = SPINLOCK_INITIALIZER("timeout");
static struct list timeouts = LIST_INITIALIZER(timeouts);

static void timeout_cancel(struct thread *t)
{
    spin_lock(&timeout_lock);
    if (t->timeout_at != 0) {
        list_remove(&t->timeout_link);
        t->timeout_at = 0;
    }
    spin_unlock(&timeout_lock);
}

void thread_set_timeout(uint64_t ns)
{
    struct thread *self = current_thread();
    uint64_t at = cpu_time() + ns * timebase_hz / 1000000000ULL + 1;
    spin_lock(&timeout_lock);
    if (self->timeout_at != 0)
        list_remove(&self->timeout_link);
    self->timeout_at = at;
    struct list *pos = &timeouts;
    list_for_each(&timeouts, it) {
        if (list_entry(it, struct thread, timeout_link)->timeout_at > at) {
            pos = it;
            break;
        }
    }
    list_insert_tail(pos, &self->timeout_link);    /* i.e. just before `pos` */
    spin_unlock(&timeout_lock);
}

/* Wake every thread whose timeout has passed. */
static void fire_timeouts(void)
{
    uint64_t now = cpu_time();
    for (;;) {
        spin_lock(&timeout_lock);
        struct list *first = list_first(&timeouts);
        struct thread *t = first ? list_entry(first, struct thread, timeout_link) : NULL;
        if (t == NULL || t->timeout_at > now) {
            spin_unlock(&timeout_lock);
            return;
        }
        list_remove(&t->timeout_link);
        t->timeout_at = 0;
        thread_reference(t);
        spin_unlock(&timeout_lock);
        clear_wait(t, THREAD_TIMED_OUT, false);
        thread_deallocate(t);
    }
}

void thread_sleep_ns(uint64_t ns)
{
    assert_wait((event_t)&current_thread()->timeout_at, false);
    thread_set_timeout(ns);
    thread_block();
}

/* ---- priorities and the tick ---- */

#define USAGE_SHIFT 8           /* cpu_usage counts ticks << 8 */
#define USAGE_PER_PRI (4 << USAGE_SHIFT)

/*
 * Timer ticks since boot, counted by the hart that fires timeouts: the
 * clock of priority aging.  Cheaper than the `time` CSR, which some harts
 * (the VisionFive 2's U74) do not implement: firmware emulates it there,
 * one trap per read.  Written with atomics, read relaxed.
 */
static uint64_t sched_ticks;

void sched_update_priority(struct thread *t)
{
    /* Decay by 5/8 for each whole second (HZ ticks) since the last decay. */
    uint64_t elapsed = __atomic_load_n(&sched_ticks, __ATOMIC_RELAXED) - t->usage_stamp;
    if (unlikely(elapsed >= HZ)) {
        uint64_t seconds = elapsed / HZ;
        t->usage_stamp += seconds * HZ;         /* the part of a second left still counts */
        for (; seconds > 0 && t->cpu_usage != 0; seconds--)
            t->cpu_usage = t->cpu_usage * 5 / 8;
    }
    int pri = t->base_pri;
    if (t->policy == POLICY_TIMESHARE)
        pri += t->cpu_usage / USAGE_PER_PRI;
    t->sched_pri = pri > MAXPRI_USER && !t->is_idle ? MAXPRI_USER : pri;
}

void sched_tick(bool from_user)
{
    struct cpu *c = cpu_this();
    struct thread *t = c->thread;
    if (c->id == 0 || !cpus[0].online) {
        __atomic_fetch_add(&sched_ticks, 1, __ATOMIC_RELAXED);
        fire_timeouts();
    }
    if (t == NULL || t->is_idle) {
        if (c->runq.count > 0)
            c->need_resched = true;
        return;
    }
    if (from_user)
        t->user_ticks++;
    else
        t->sys_ticks++;
    spin_lock(&t->lock);
    t->cpu_usage += 1 << USAGE_SHIFT;
    sched_update_priority(t);
    spin_unlock(&t->lock);
    if (--t->quantum <= 0 || runq_best(&c->runq) < t->sched_pri)
        c->need_resched = true;
}

/* ---- idle ---- */

void sched_idle_loop(void)
{
    struct cpu *c = cpu_this();
    note_idle(c, true);
    for (;;) {
        intr_disable();
        if (smp_run_pending()) {
            intr_enable();
            continue;
        }
        bool work = c->runq.count > 0 || c->need_resched;
        if (!work) {
            for (unsigned i = 0; i < ncpus && !work; i++)
                work = cpus[i].runq.count > 1;      /* someone else is busy: steal */
        }
        if (!work)
            wfi();                  /* a pending interrupt wakes it even with SIE off */
        intr_enable();
        if (work)
            thread_block();
    }
}
