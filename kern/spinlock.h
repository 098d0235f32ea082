/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks.  Taking one masks interrupts on this hart (nested: interrupts
 * come back when the last lock is released), so an interrupt handler can never
 * spin on a lock its own hart holds.  Misuse is caught, not tolerated:
 * taking a lock this hart already holds, or releasing one held by another
 * hart (or by nobody), panics with the lock's name.
 *
 * Every lock is declared next to the data it guards, with a comment naming
 * what it guards and where it sits in the lock order.
 */
#ifndef _KERN_SPINLOCK_H_
#define _KERN_SPINLOCK_H_

#include <kern/types.h>
#include <machine/cpu.h>

struct cpu;

struct spinlock {
    uint32_t locked;            /* 0 free, 1 held; changed with atomics only */
    struct cpu *holder;         /* the hart holding it, for the misuse checks */
    const char *name;           /* printed when something goes wrong */
};

#define SPINLOCK_INITIALIZER(n) { 0, NULL, (n) }

void spin_lock_init(struct spinlock *lock, const char *name);
/*
 * spin_lock(), spin_trylock() and spin_unlock() are inlines (below): they
 * run dozens of times per IPC round trip, and a call costs about as much
 * as their fast path.  Contention and misuse go out of line, here
 * (contention through spin_lock_slow, arch/riscv/spinlock.S).
 */
__attribute__((cold)) void spin_lock_contended(struct spinlock *lock);
__attribute__((cold)) bool spin_trylock_failed(void);
__attribute__((cold)) __noreturn void spin_unlock_misuse(struct spinlock *lock);
/* Whether this hart holds the lock (for assertions). */
static inline bool spin_lock_held(const struct spinlock *lock)
{
    return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) && lock->holder == cpu_this();
}

/*
 * The inlines need struct cpu: kern/cpu.h, which includes this file
 * through kern/sched.h, includes kern/spinlock_fast.h once struct cpu
 * is complete.  (When kern/sched.h is what included this file, it
 * includes kern/cpu.h itself, once struct runq is declared.)
 */
#ifndef _KERN_SCHED_H_
#include <kern/cpu.h>
#endif

#endif /* _KERN_SPINLOCK_H_ */
