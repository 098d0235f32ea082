// SPDX-License-Identifier: MIT
/* Tasks: creation (with inherited memory), suspension, termination, reaping. */
#include <kern/cpu.h>
#include <kern/device.h>
#include <kern/ipc_tt.h>
#include <kern/kmem.h>
#include <ipc/ipc_port.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <kern/zalloc.h>
#include <machine/vm_param.h>
#include <vm/vm_map.h>

static struct zone task_zone;
static struct task kernel_task_store;
struct task *kernel_task = &kernel_task_store;

/* tasks_lock guards all_tasks and ntasks.  It comes before any task's lock. */
static struct mutex tasks_lock = MUTEX_INITIALIZER("tasks");
static struct list all_tasks = LIST_INITIALIZER(all_tasks);
static size_t ntasks;
static unsigned next_task_id;

static void task_init_fields(struct task *t, const char *name)
{
    memset(t, 0, sizeof(*t));
    mutex_init(&t->lock, "task");
    list_init(&t->threads);
    list_init(&t->reap_link);
    t->ref_count = 1;                   /* its existence: dropped when reaped */
    t->active = true;
    t->id = __atomic_fetch_add(&next_task_id, 1, __ATOMIC_RELAXED);
    strlcpy(t->name, name, sizeof(t->name));
}

static void task_list_add(struct task *t)
{
    mutex_lock(&tasks_lock);
    list_insert_tail(&all_tasks, &t->all_link);
    ntasks++;
    mutex_unlock(&tasks_lock);
}

void task_bootstrap(void)
{
    zone_init(&task_zone, "task", sizeof(struct task));
    task_init_fields(kernel_task, "kernel");
    task_list_add(kernel_task);
}

pmap_t task_pmap(struct task *task)
{
    return task->pmap;
}

void task_set_name(struct task *task, const char *name)
{
    mutex_lock(&task->lock);
    strlcpy(task->name, name, sizeof(task->name));
    mutex_unlock(&task->lock);
}

/* The address space of a new task: empty, or inherited from `parent`. */
static kern_return_t task_make_map(struct task *t, struct task *parent, bool inherit)
{
    t->pmap = pmap_create();
    if (t->pmap == NULL)
        return KERN_RESOURCE_SHORTAGE;
    kern_return_t kr;
    if (inherit && parent != NULL && parent->map != NULL) {
        mutex_lock(&parent->lock);
        kr = parent->active ? vm_map_fork(parent->map, t->pmap, &t->map)
                            : KERN_INVALID_ARGUMENT;
        mutex_unlock(&parent->lock);
    } else {
        t->map = vm_map_create(t->pmap, USER_VA_MIN, USER_VA_END);
        kr = t->map != NULL ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
    }
    if (kr != KERN_SUCCESS) {
        pmap_destroy(t->pmap);
        t->pmap = NULL;
    }
    return kr;
}

kern_return_t task_create(struct task *parent, bool inherit, struct task **out)
{
    struct task *t = zalloc(&task_zone);
    if (t == NULL)
        return KERN_RESOURCE_SHORTAGE;
    task_init_fields(t, parent != NULL ? parent->name : "task");
    kern_return_t kr = task_make_map(t, parent, inherit);
    if (kr != KERN_SUCCESS) {
        zfree(&task_zone, t);
        return kr;
    }
    kr = ipc_task_init(t, parent);
    if (kr != KERN_SUCCESS) {
        vm_map_deallocate(t->map);
        pmap_destroy(t->pmap);
        zfree(&task_zone, t);
        return kr;
    }
    task_list_add(t);
    task_reference(t);                  /* the caller's */
    *out = t;
    return KERN_SUCCESS;
}

void task_reference(struct task *t)
{
    __atomic_fetch_add(&t->ref_count, 1, __ATOMIC_RELAXED);
}

void task_deallocate(struct task *t)
{
    if (t == NULL || __atomic_sub_fetch(&t->ref_count, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    kassert(!t->active && t->map == NULL && t != kernel_task);
    zfree(&task_zone, t);
}

kern_return_t task_add_thread(struct task *task, struct thread *thread)
{
    mutex_lock(&task->lock);
    bool ok = task->active;
    if (ok) {
        list_insert_tail(&task->threads, &thread->task_link);
        task->thread_count++;
        __atomic_fetch_add(&task->live_threads, 1, __ATOMIC_RELAXED);
        task_reference(task);           /* the thread's */
    }
    mutex_unlock(&task->lock);
    return ok ? KERN_SUCCESS : KERN_TERMINATED;
}

void task_remove_thread(struct task *task, struct thread *thread)
{
    mutex_lock(&task->lock);
    if (!list_empty(&thread->task_link)) {
        list_remove(&thread->task_link);
        task->thread_count--;
        task->dead_user_ticks += thread->user_ticks;
        task->dead_sys_ticks += thread->sys_ticks;
    }
    mutex_unlock(&task->lock);
    thread_wakeup((event_t)&task->threads);     /* task_terminate may be waiting */
}

/*
 * Hand a dead task with no threads left to the reaper.  Two paths get here
 * (its last thread freed after task_terminate marked it dead, or
 * task_terminate finding no thread left) and both may, racing: only the
 * first queues it.
 */
static void queue_reap_once(struct task *task)
{
    if (__atomic_exchange_n(&task->reap_queued, 1, __ATOMIC_ACQ_REL) == 0)
        thread_queue_task_reap(task);
}

/* A thread struct of `task` was freed: the last one of a dead task reaps it. */
void task_thread_freed(struct task *task)
{
    if (__atomic_sub_fetch(&task->live_threads, 1, __ATOMIC_ACQ_REL) == 0 &&
        !__atomic_load_n(&task->active, __ATOMIC_ACQUIRE))
        queue_reap_once(task);
    task_deallocate(task);              /* the thread's reference */
}

/* References to every thread of `task` (task lock held); returns how many. */
static unsigned grab_threads(struct task *task, struct thread **out, unsigned max)
{
    unsigned n = 0;
    list_for_each(&task->threads, it) {
        if (n == max)
            break;
        out[n] = list_entry(it, struct thread, task_link);
        thread_reference(out[n++]);
    }
    return n;
}

#define GRAB_BATCH 32
#define TERMINATE_POLL_NS (5 * 1000 * 1000)

kern_return_t task_terminate(struct task *task)
{
    if (task == kernel_task)
        return KERN_INVALID_ARGUMENT;
    mutex_lock(&task->lock);
    bool was_active = task->active;
    __atomic_store_n(&task->active, false, __ATOMIC_RELEASE);
    mutex_unlock(&task->lock);
    if (!was_active)
        return KERN_TERMINATED;

    struct thread *self = current_thread();
    struct thread *batch[GRAB_BATCH];
    for (;;) {
        mutex_lock(&task->lock);
        unsigned n = grab_threads(task, batch, GRAB_BATCH);
        bool only_self = n == 1 && batch[0] == self;
        mutex_unlock(&task->lock);
        for (unsigned i = 0; i < n; i++) {
            if (batch[i] != self)
                thread_terminate(batch[i]);
            thread_deallocate(batch[i]);
        }
        if (n == 0 || only_self)
            break;
        /*
         * Let them reach their end: each must run to its way out of the
         * kernel.  Sleep rather than yield, so that they get the hart even
         * if they have a worse priority than ours; a thread leaving the
         * task wakes us (the timeout covers one leaving before we wait).
         */
        assert_wait((event_t)&task->threads, false);
        thread_set_timeout(TERMINATE_POLL_NS);
        thread_block();
    }
    ipc_task_disable(task);
    if (__atomic_load_n(&task->live_threads, __ATOMIC_ACQUIRE) == 0)
        queue_reap_once(task);
    if (self->task == task)
        self->halt_requested = true;    /* ends on its way back to user mode */
    return KERN_SUCCESS;
}

/* Apply a change of the task's suspend count to each of its threads. */
static void rehold_threads(struct task *task)
{
    list_for_each(&task->threads, it)
        thread_hold_changed(list_entry(it, struct thread, task_link));
}

kern_return_t task_suspend(struct task *task)
{
    mutex_lock(&task->lock);
    kern_return_t kr = task->active ? KERN_SUCCESS : KERN_TERMINATED;
    if (kr == KERN_SUCCESS) {
        __atomic_fetch_add(&task->suspend_count, 1, __ATOMIC_RELAXED);
        rehold_threads(task);
    }
    mutex_unlock(&task->lock);
    return kr;
}

kern_return_t task_resume(struct task *task)
{
    mutex_lock(&task->lock);
    kern_return_t kr = KERN_SUCCESS;
    if (!task->active)
        kr = KERN_TERMINATED;
    else if (task->suspend_count == 0)
        kr = KERN_FAILURE;
    else {
        __atomic_fetch_sub(&task->suspend_count, 1, __ATOMIC_RELAXED);
        rehold_threads(task);
    }
    mutex_unlock(&task->lock);
    return kr;
}

void task_reap(struct task *task)
{
    device_task_terminated(task);
    ipc_task_terminate(task);
    struct vm_map *map = task->map;
    task->map = NULL;
    if (map != NULL)
        vm_map_deallocate(map);
    if (task->pmap != NULL)
        pmap_destroy(task->pmap);
    task->pmap = NULL;
    mutex_lock(&tasks_lock);
    list_remove(&task->all_link);
    ntasks--;
    mutex_unlock(&tasks_lock);
    task_deallocate(task);              /* its existence */
}

size_t task_count(void)
{
    return ntasks;
}

void task_foreach(void (*fn)(struct task *task, void *arg), void *arg)
{
    mutex_lock(&tasks_lock);
    list_for_each(&all_tasks, it)
        fn(list_entry(it, struct task, all_link), arg);
    mutex_unlock(&tasks_lock);
}

kern_return_t task_threads_ports(struct task *task, struct ipc_port ***list, unsigned *count)
{
    for (;;) {
        mutex_lock(&task->lock);
        unsigned n = task->thread_count;
        mutex_unlock(&task->lock);
        struct ipc_port **ports = n > 0 ? kmem_zalloc(n * sizeof(*ports)) : NULL;
        if (n > 0 && ports == NULL)
            return KERN_RESOURCE_SHORTAGE;
        mutex_lock(&task->lock);
        bool same = n == task->thread_count;
        if (same) {
            unsigned i = 0;
            list_for_each(&task->threads, it)
                ports[i++] = ipc_port_make_send(
                    list_entry(it, struct thread, task_link)->self_port);
        }
        mutex_unlock(&task->lock);
        if (same) {
            *list = ports;
            *count = n;
            return KERN_SUCCESS;
        }
        kmem_free(ports, n * sizeof(*ports));   /* threads came or went: again */
    }
}

void task_times(struct task *task, uint64_t *user, uint64_t *sys, int32_t *nthreads)
{
    mutex_lock(&task->lock);
    *user = task->dead_user_ticks;
    *sys = task->dead_sys_ticks;
    list_for_each(&task->threads, it) {
        struct thread *t = list_entry(it, struct thread, task_link);
        *user += t->user_ticks;
        *sys += t->sys_ticks;
    }
    *nthreads = (int32_t)task->thread_count;
    mutex_unlock(&task->lock);
}
