// SPDX-License-Identifier: MIT
/* Spinlocks with interrupt masking and misuse checks (see kern/spinlock.h). */
#include <kern/cpu.h>
#include <kern/panic.h>
#include <kern/spinlock.h>

/* How long a hart may spin before we call it a deadlock: about 5 s of timebase. */
extern uint64_t timebase_hz;
#define SPIN_CHECK_EVERY 4096

void spin_lock_init(struct spinlock *lock, const char *name)
{
    lock->locked = 0;
    lock->holder = NULL;
    lock->name = name;
}

/* Contention: spin until the lock looks free (kept out of line: the fast path stays short). */
__attribute__((noinline)) static void spin_wait(struct spinlock *lock)
{
    uint64_t start = cpu_time();
    uint64_t limit = timebase_hz != 0 ? 5 * timebase_hz : UINT64_MAX;
    unsigned n = 0;
    while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0) {
        cpu_relax();
        if (++n % SPIN_CHECK_EVERY != 0)
            continue;
        if (panic_in_progress())
            cpu_halt();
        if (cpu_time() - start > limit) {
            struct cpu *h = lock->holder;
            panic("spinlock '%s': waited 5 s; held by hart %ld (deadlock?)",
                  lock->name, h != NULL ? (long)h->hartid : -1L);
        }
    }
}

/*
 * The lock was taken when we tried: either another hart holds it (wait for
 * it), or this one does (a bug: say so).  Out of line, so spin_lock() itself
 * is a leaf with no stack frame.
 */
__attribute__((noinline)) static void spin_lock_contended(struct spinlock *lock)
{
    struct cpu *self = cpu_this();
    if (lock->holder == self)
        panic("spinlock '%s': hart %lu takes it again while holding it", lock->name,
              self->hartid);
    do
        spin_wait(lock);
    while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0);
    lock->holder = self;
}

/*
 * spin_lock() and spin_unlock() run dozens of times per IPC round trip; on
 * their fast paths they call nothing that returns, so they go without a
 * frame record (__hot_leaf).
 */
__hot_leaf void spin_lock(struct spinlock *lock)
{
    intr_push();
    if (unlikely(__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0))
        return spin_lock_contended(lock);
    lock->holder = cpu_this();
}

/* spin_trylock() found the lock taken: undo its intr_push (out of line, like the misuse checks). */
__attribute__((noinline)) static bool trylock_failed(void)
{
    intr_pop();
    return false;
}

__hot_leaf bool spin_trylock(struct spinlock *lock)
{
    intr_push();
    if (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0)
        return trylock_failed();
    lock->holder = cpu_this();
    return true;
}

/*
 * A release by a hart that does not hold the lock, or with the interrupt
 * nesting broken: panics.  Not declared noreturn, so that spin_unlock()
 * reaches it by a tail call and keeps no frame of its own.
 */
__attribute__((noinline)) static void bad_release(struct spinlock *lock)
{
    struct cpu *self = cpu_this();
    if (lock->holder == self)
        intr_pop_misuse();              /* released, but nothing to pop */
    if (!__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
        panic("spinlock '%s': released by hart %lu but not held", lock->name,
              self->hartid);
    panic("spinlock '%s': released by hart %lu but held by hart %lu", lock->name,
          self->hartid, lock->holder != NULL ? lock->holder->hartid : ~0UL);
}

/*
 * A check of spin_unlock() failed.  Reached by a tail call, so that
 * spin_unlock() keeps no frame: noipa keeps the compiler from finding out
 * that it never returns (it would then call it instead of jumping).
 */
__attribute__((noipa)) static void unlock_misuse(struct spinlock *lock)
{
    if (lock->holder != cpu_this())
        bad_release(lock);
    intr_pop_misuse();
}

/* intr_pop() written out, its check folded into the lock's. */
__hot_leaf void spin_unlock(struct spinlock *lock)
{
    struct cpu *c = cpu_this();
    /* holder is NULL while the lock is free, so this catches both misuses. */
    if (unlikely(lock->holder != c || intr_enabled() || c->intr_depth <= 0))
        return unlock_misuse(lock);
    lock->holder = NULL;
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
    if (--c->intr_depth == 0 && c->intr_saved)
        intr_enable();
}
