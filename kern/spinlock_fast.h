/* SPDX-License-Identifier: MIT */
/*
 * The fast paths of spinlocks (see kern/spinlock.h), inline.  Included by
 * kern/cpu.h once struct cpu is complete; include kern/spinlock.h, not this.
 */
#ifndef _KERN_SPINLOCK_FAST_H_
#define _KERN_SPINLOCK_FAST_H_

static inline __attribute__((always_inline)) void spin_lock(struct spinlock *lock)
{
    intr_push();
    if (unlikely(__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0)) {
        /*
         * spin_lock_contended() (waits, or panics if this hart holds the
         * lock), through spin_lock_slow (arch/riscv/spinlock.S), which keeps
         * every register but ra: the callers need not save theirs for it.
         */
        register struct spinlock *a0 __asm__("a0") = lock;
        __asm__ volatile("call spin_lock_slow" : "+r"(a0) : : "ra", "memory");
    } else {
        lock->holder = cpu_this();
    }
}

static inline __attribute__((always_inline)) bool spin_trylock(struct spinlock *lock)
{
    intr_push();
    if (unlikely(__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0))
        return spin_trylock_failed();
    lock->holder = cpu_this();
    return true;
}

/* intr_pop() written out, its checks folded into the lock's. */
static inline __attribute__((always_inline)) void spin_unlock(struct spinlock *lock)
{
    struct cpu *c = cpu_this();
    /* holder is NULL while the lock is free, so this catches both misuses. */
    if (unlikely(lock->holder != c || intr_enabled() || c->intr_depth <= 0))
        spin_unlock_misuse(lock);       /* panics */
    lock->holder = NULL;
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
    if (--c->intr_depth == 0 && c->intr_saved)
        intr_enable();
}

#endif /* _KERN_SPINLOCK_FAST_H_ */
