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

static void spin_wait(struct spinlock *lock)
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

void spin_lock(struct spinlock *lock)
{
    intr_push();
    struct cpu *self = cpu_this();
    if (lock->holder == self && __atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
        panic("spinlock '%s': hart %lu takes it again while holding it",
              lock->name, self->hartid);
    while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0)
        spin_wait(lock);
    lock->holder = self;
}

bool spin_trylock(struct spinlock *lock)
{
    intr_push();
    if (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0) {
        intr_pop();
        return false;
    }
    lock->holder = cpu_this();
    return true;
}

void spin_unlock(struct spinlock *lock)
{
    struct cpu *self = cpu_this();
    if (!__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
        panic("spinlock '%s': released by hart %lu but not held", lock->name,
              self->hartid);
    if (lock->holder != self)
        panic("spinlock '%s': released by hart %lu but held by hart %lu",
              lock->name, self->hartid,
              lock->holder != NULL ? lock->holder->hartid : ~0UL);
    lock->holder = NULL;
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
    intr_pop();
}

bool spin_lock_held(const struct spinlock *lock)
{
    return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) &&
           lock->holder == cpu_this();
}
