/* SPDX-License-Identifier: MIT */
/*
 * Tasks: an address space (vm_map), a port name space, threads, and special
 * ports.  A task does nothing by itself; its threads run.
 *
 * Life cycle: task_create makes an empty task (or one whose memory is
 * inherited from a parent, entry by entry: none, share or copy);
 * task_terminate stops every thread, and when the last thread is off every
 * hart the reaper takes the address space and the name space down.  The
 * struct itself goes when the last reference does.
 *
 * Locking: `lock` (a mutex) guards threads, thread_count, suspend_count and
 * active.  Order: task lock -> thread lock.  tasks_lock (all_tasks) comes
 * before any task lock.  ref_count is atomic.
 */
#ifndef _KERN_TASK_H_
#define _KERN_TASK_H_

#include <kern/list.h>
#include <kern/mutex.h>
#include <kern/types.h>
#include <vm/pmap.h>

#define TASK_NAME_MAX 32

struct vm_map;
struct thread;
struct ipc_space;
struct ipc_port;

struct task {
    struct mutex lock;
    uint32_t ref_count;
    unsigned id;
    char name[TASK_NAME_MAX];
    struct vm_map *map;             /* NULL for the kernel task */
    pmap_t pmap;                    /* the map's pmap; NULL for the kernel task */
    struct list threads;
    unsigned thread_count;          /* threads on `threads` (not yet ending) */
    unsigned live_threads;          /* thread structs not yet freed (atomic) */
    int suspend_count;
    bool active;                    /* false once terminating */
    struct list all_link;           /* on all_tasks (tasks_lock) */
    struct list reap_link;
    uint32_t reap_queued;           /* 1: handed to the reaper (atomic; set once) */

    /* CPU time of threads that have ended. */
    uint64_t dead_user_ticks, dead_sys_ticks;

    /* IPC. */
    struct ipc_space *space;
    struct ipc_port *self_port;         /* the task port (kernel object) */
    struct ipc_port *bootstrap_port;    /* send right handed to new tasks */
    struct ipc_port *exception_port;
};

extern struct task *kernel_task;

void task_bootstrap(void);

/* The pmap behind a task's map (NULL for the kernel task). */
pmap_t task_pmap(struct task *task);

/*
 * A new task.  `parent` NULL or inherit false: an empty address space;
 * else the parent's memory per entry inheritance.  The new task has no
 * threads and one reference (the caller's).  KERN_RESOURCE_SHORTAGE when
 * out of memory; KERN_INVALID_ARGUMENT for a parent that is terminating.
 */
kern_return_t task_create(struct task *parent, bool inherit, struct task **out);

kern_return_t task_terminate(struct task *task);
kern_return_t task_suspend(struct task *task);
kern_return_t task_resume(struct task *task);

void task_reference(struct task *task);
void task_deallocate(struct task *task);

void task_set_name(struct task *task, const char *name);

/* Thread membership (kern/thread.c).  task_add_thread: KERN_TERMINATED if ending. */
kern_return_t task_add_thread(struct task *task, struct thread *thread);
void task_remove_thread(struct task *task, struct thread *thread);
void task_thread_freed(struct task *task);

/* Called by the reaper when a terminated task's last thread is gone. */
void task_reap(struct task *task);

/* Send rights to every thread's port, in a kmem_alloc'd array (for task_threads). */
kern_return_t task_threads_ports(struct task *task, struct ipc_port ***list, unsigned *count);

/* CPU ticks of every thread, live and dead, and the live thread count. */
void task_times(struct task *task, uint64_t *user, uint64_t *sys, int32_t *nthreads);

/* Tasks in existence (for leak checks); a visitor over all of them. */
size_t task_count(void);
void task_foreach(void (*fn)(struct task *task, void *arg), void *arg);

#endif /* _KERN_TASK_H_ */
