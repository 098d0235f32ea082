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
 * it), or this one does (a bug: say so).
 */
void spin_lock_contended(struct spinlock *lock)
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

/* spin_trylock() found the lock taken: undo its intr_push. */
bool spin_trylock_failed(void)
{
    intr_pop();
    return false;
}

/*
 * A check of spin_unlock() failed: a release by a hart that does not hold
 * the lock, or with the interrupt nesting broken.
 */
void spin_unlock_misuse(struct spinlock *lock)
{
    struct cpu *self = cpu_this();
    if (lock->holder == self)
        intr_pop_misuse();              /* held, but the nesting is broken */
    if (!__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
        panic("spinlock '%s': released by hart %lu but not held", lock->name,
              self->hartid);
    panic("spinlock '%s': released by hart %lu but held by hart %lu", lock->name,
          self->hartid, lock->holder != NULL ? lock->holder->hartid : ~0UL);
}
