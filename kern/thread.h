/* SPDX-License-Identifier: MIT */
/*
 * Threads: the unit of execution.  A thread belongs to one task, has a
 * kernel stack (with guard pages) holding its user registers on a trap, and
 * is scheduled by kern/sched.c.
 *
 * Life cycle: thread_create makes a thread suspended once (as in Mach);
 * thread_resume lets it run.  It ends by thread_terminate (of
 * itself, or of another thread: then it ends at its next return towards
 * user mode or at the end of an interruptible wait).  A halted thread is
 * freed by the reaper once it is off every hart and every reference is gone.
 *
 * Locking: `lock` (spinlock) guards state, suspend_count, halt_requested,
 * the wait fields and the scheduling fields; the owning task's mutex guards
 * task_link.  `ref_count` is atomic.
 */
#ifndef _KERN_THREAD_H_
#define _KERN_THREAD_H_

#include <kern/list.h>
#include <kern/sched.h>
#include <kern/spinlock.h>
#include <kern/types.h>
#include <machine/pcb.h>

#define TH_RUN          0x01
#define TH_WAIT         0x02
#define TH_SUSP         0x04
#define TH_HALTED       0x08

#define THREAD_NAME_MAX 24

struct task;
struct ipc_port;
struct ipc_rcv_wait;

struct thread {
    struct pcb pcb;                 /* registers: switch, FP, user frame */
    struct spinlock lock;
    unsigned state;                 /* TH_* bits */
    int suspend_count;              /* > 0: held */
    bool halt_requested;            /* terminate at the next chance */
    bool started;                   /* has been queued to run at least once */
    bool exception_wait;            /* stopped in the kernel, waiting on an exception handler */

    /* Waiting (event bucket lock for wait_link). */
    event_t wait_event;
    bool wait_interruptible;
    wait_result_t wait_result;
    struct list wait_link;
    uint64_t timeout_at;            /* cpu_time() deadline, 0 = none (timeout_lock) */
    struct list timeout_link;

    /* Scheduling (runq_link and runq under the run queue's lock). */
    struct list runq_link;
    struct runq *runq;              /* the run queue holding it, or NULL */
    int base_pri, sched_pri;
    enum sched_policy policy;
    unsigned cpu_usage;             /* decaying measure of recent CPU use (ticks << 8) */
    uint64_t usage_stamp;           /* scheduler tick (kern/sched.c) of its last decay */
    int quantum;                    /* ticks left of its timeslice */
    struct cpu *last_cpu;
    bool is_idle;                   /* a hart's idle thread: never queued */

    /* Identity and accounting. */
    struct task *task;
    struct list task_link;
    unsigned tid;
    char name[THREAD_NAME_MAX];
    vaddr_t kstack;                 /* top of its kernel stack */
    uint64_t user_ticks, sys_ticks; /* CPU time, in ticks */
    uint32_t ref_count;
    struct list reap_link;          /* on the reaper's list once halted */

    /* IPC: the thread's own port and its exception port. */
    struct ipc_port *self_port;
    struct ipc_port *exception_port;
    struct ipc_port *reply_port;    /* kept for mig_get_reply_port() */
    /*
     * A receive waiting on a port, for a sender's hand-off (ipc/ipc_mqueue.c):
     * set by the thread itself under that port's lock before it waits, read
     * by senders under the port lock and this thread's lock while it waits,
     * cleared by the thread once awake.
     */
    struct ipc_rcv_wait *ipc_wait;
};

void thread_bootstrap(void);        /* zones and the boot hart's first thread */

/*
 * A kernel thread of kernel_task running fn(arg) at priority `pri`;
 * started at once.  NULL when out of memory.
 */
struct thread *kernel_thread_start(const char *name, void (*fn)(void *), void *arg, int pri);

/* A new thread in `task`, not yet runnable (suspend_count 1). */
kern_return_t thread_create(struct task *task, struct thread **out);

void thread_reference(struct thread *thread);
bool thread_reference_live(struct thread *thread);
void thread_deallocate(struct thread *thread);

kern_return_t thread_suspend(struct thread *thread);
kern_return_t thread_resume(struct thread *thread);
kern_return_t thread_terminate(struct thread *thread);

/* Set up a user thread that is not running: pc, sp, a0 (thread_set_state's core). */
kern_return_t thread_set_user_entry(struct thread *thread, uintptr_t pc, uintptr_t sp,
                                    uintptr_t arg);

/*
 * Wait until a suspended thread (or one stopped on an exception) is off
 * every hart, so its user registers may be read or written.
 * KERN_FAILURE if it is not suspended; KERN_TERMINATED if it ended.
 */
kern_return_t thread_wait_stopped(struct thread *thread);

struct thread_basic_info;
void thread_basic_info(struct thread *thread, struct thread_basic_info *info);

/* The task or thread suspend counts changed: hold or release the thread. */
void thread_hold_changed(struct thread *thread);

/* A secondary hart adopts its boot stack as its idle thread. */
void thread_start_hart(void);

/* Queue a dead task for task_reap() in the reaper's context. */
void thread_queue_task_reap(struct task *task);

/* End the current thread now. */
__noreturn void thread_terminate_self(void);

/*
 * Checks made before returning to user mode: termination, suspension,
 * preemption.  Returns with interrupts disabled.
 */
void thread_return_check(void);

/* The one reaper: frees halted threads and dead tasks in thread context. */
void thread_reaper_start(void);

/* Threads in existence (for leak checks). */
size_t thread_count(void);

#endif /* _KERN_THREAD_H_ */
