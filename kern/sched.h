/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: per-hart run queues of Mach-style priorities, waiting on
 * events (assert_wait / thread_block / thread_wakeup), timeouts, yield.
 *
 * Priorities: 0 is the most urgent, NRQS-1 the least.  A timesharing
 * thread's priority is its base priority plus a penalty that grows with the
 * CPU time it used recently and decays by 5/8 every second; a fixed-priority
 * thread always runs at its base.
 *
 * Thread state bits (thread->state, under thread->lock):
 *   TH_RUN     on a hart or on a run queue ("wants a CPU and may have one")
 *   TH_WAIT    waiting for an event
 *   TH_SUSP    held by thread_suspend/task_suspend: must not run
 *   TH_HALTED  terminated: will never run again
 * A thread can be TH_RUN|TH_WAIT: it asserted a wait and has not yet switched
 * away.  The hart that switches away from a thread looks at it once its
 * registers are saved (sched_dispatch) and then either puts it back on a run
 * queue (no longer waiting) or clears TH_RUN (now truly blocked).  A waker
 * only queues a thread whose TH_RUN is clear, so a wake-up that races with
 * the switch is never lost and a thread is never on two harts.
 *
 * Lock order: event bucket lock -> thread lock -> run queue lock;
 * timeout_lock is a leaf (expired threads are woken after releasing it).
 * A hart that switches to a thread taken from its own run queue keeps that
 * queue's lock across the switch (interrupts off), and sched_dispatch() on
 * the new thread releases it; meanwhile it takes a thread lock only with
 * spin_trylock, and no other lock but the ASID allocator's (a leaf).
 */
#ifndef _KERN_SCHED_H_
#define _KERN_SCHED_H_

#include <kern/list.h>
#include <kern/spinlock.h>
#include <kern/types.h>

#define NRQS            32
#define BASEPRI_KERNEL  4       /* kernel service threads */
#define BASEPRI_USER    12      /* default for user threads */
#define MAXPRI_USER     (NRQS - 2)
#define SCHED_QUANTUM   2       /* ticks of timeslice */

struct thread;
struct cpu;

typedef uintptr_t event_t;

typedef enum {
    THREAD_AWAKENED = 0,        /* the event happened */
    THREAD_TIMED_OUT,           /* the timeout expired first */
    THREAD_INTERRUPTED,         /* aborted (termination, suspension) */
} wait_result_t;

enum sched_policy {
    POLICY_TIMESHARE = 1,
    POLICY_FIXEDPRI = 2,
};

/* One hart's run queue. */
struct runq {
    struct spinlock lock;           /* guards everything below */
    struct list queues[NRQS];       /* runnable threads, per priority */
    uint32_t bitmap;                /* bit p set: queues[p] is not empty */
    unsigned count;                 /* threads queued */
};

void sched_init_cpu(struct cpu *c);

/* The thread running on this hart. */
/*
 * The thread running on this hart: an inline in kern/cpu.h (one load through
 * tp); the host unit tests provide a function instead.
 */
#ifdef RVMACH_HOST
struct thread *current_thread(void);
#endif

/*
 * Declare that the current thread is about to wait for `event`.  Then call
 * thread_block().  A wake-up that arrives in between is not lost: the
 * block returns at once.  `interruptible`: thread_abort() may end the wait.
 */
void assert_wait(event_t event, bool interruptible);

/* Wake the current thread's wait after `ns` nanoseconds at the latest. */
void thread_set_timeout(uint64_t ns);

/*
 * Give up the hart: if the current thread is waiting, until it is woken;
 * otherwise (yield) to a thread of the same or better priority, if any.
 * Returns how the wait ended.  Interrupts must be enabled on entry and no
 * spinlock held.
 */
wait_result_t thread_block(void);

/* Wake every thread waiting on `event` / the one that waited longest. */
void thread_wakeup(event_t event);
void thread_wakeup_one(event_t event);

/* End `thread`'s wait with `result`, whatever it waits for (no-op if it does not). */
void clear_wait(struct thread *thread, wait_result_t result, bool interrupt_only);

/*
 * thread_wakeup_one() with a hand-off (IPC, see docs/ipc.md): if the thread
 * that has waited longest on `event` is fully off its hart (state exactly
 * TH_WAIT) and accept(thread, arg) agrees (called with the thread locked),
 * end its wait and return it, TH_RUN but on no run queue: the caller must
 * pass it to thread_block_handoff() or thread_handoff_release().
 * Otherwise that thread, if any, is woken as by thread_wakeup_one(), and
 * the result is NULL.
 */
struct thread *thread_wakeup_handoff(event_t event, bool (*accept)(struct thread *, void *),
                                     void *arg);

/*
 * thread_block(), but switch to `next` (from thread_wakeup_handoff) at once,
 * without looking at the run queue (a pending request to reschedule stays
 * for `next` to honour).  The current thread may have asserted a wait or
 * not: it is queued again or left blocked as after thread_block().
 */
wait_result_t thread_block_handoff(struct thread *next);

/* Give a thread from thread_wakeup_handoff() to the run queues after all. */
void thread_handoff_release(struct thread *thread);

/* Let others run; returns at once if nobody of equal or better priority waits. */
void thread_yield(void);

/* Sleep for `ns` nanoseconds. */
void thread_sleep_ns(uint64_t ns);

/* Make a newly created or resumed thread runnable (state has no TH_RUN). */
void thread_setrun(struct thread *thread);

/* Take a queued thread off its run queue (it stays TH_RUN only if it is running). */
void sched_remove_queued(struct thread *thread);

/* Called by each thread once the switch to it is complete (see sched.c). */
void sched_dispatch(void);

/* The timer tick: charge the running thread, fire timeouts, ask for preemption. */
void sched_tick(bool from_user);

/* True when this hart should switch threads at the next chance. */
bool sched_need_resched(void);

/* Ask hart `c` to look at its run queue soon (IPI if it is not this hart). */
void sched_kick(struct cpu *c);

/* The body of each hart's idle thread. */
__noreturn void sched_idle_loop(void);

/* Recompute a timesharing thread's priority from its CPU usage. */
void sched_update_priority(struct thread *thread);

/* For current_thread(), an inline there (which includes this file first). */
#ifndef RVMACH_HOST
#include <kern/cpu.h>
#endif

#endif /* _KERN_SCHED_H_ */
