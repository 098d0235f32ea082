// SPDX-License-Identifier: MIT
/* Sleeping locks (see kern/mutex.h). */
#include <kern/cpu.h>
#include <kern/mutex.h>
#include <kern/panic.h>
#include <kern/sched.h>
#include <kern/thread.h>

/* The owner recorded while the kernel boots and no thread exists yet. */
static struct thread boot_owner_store;
#define BOOT_OWNER (&boot_owner_store)

static struct thread *me(void)
{
    struct cpu *c = cpu_this();
    return c != NULL && c->thread != NULL ? c->thread : BOOT_OWNER;
}

void mutex_init(struct mutex *m, const char *name)
{
    spin_lock_init(&m->lock, name);
    m->owner = NULL;
    m->waiters = 0;
    m->name = name;
}

/*
 * The fast paths are one compare-and-swap of `owner`.  The slow path, and
 * only it, uses m->lock and the wait queue.  No wake-up is lost between a
 * sleeper and the releaser because both sides write, then read, with
 * sequentially consistent atomics:
 *   sleeper:  waiters++,  then try owner NULL -> self  (sleep only if that fails)
 *   releaser: owner = NULL,  then read waiters  (wake if nonzero)
 * Either the sleeper's retry sees owner NULL, or the releaser sees the
 * sleeper counted and wakes it under m->lock, which the sleeper holds from
 * its count until it is waiting (assert_wait) — so the wake-up finds it.
 */
static bool try_take(struct mutex *m, struct thread *self)
{
    struct thread *expected = NULL;
    return __atomic_compare_exchange_n(&m->owner, &expected, self, false, __ATOMIC_SEQ_CST,
                                       __ATOMIC_RELAXED);
}

__noinline static void mutex_lock_slow(struct mutex *m, struct thread *self)
{
    if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) == self)
        panic("mutex '%s': thread %u takes it again while holding it", m->name,
              self->tid);
    if (self == BOOT_OWNER)
        panic("mutex '%s': contended before the scheduler runs", m->name);
    spin_lock(&m->lock);
    __atomic_fetch_add(&m->waiters, 1, __ATOMIC_SEQ_CST);
    while (!try_take(m, self)) {
        assert_wait((event_t)m, false);
        spin_unlock(&m->lock);
        thread_block();
        spin_lock(&m->lock);
    }
    __atomic_fetch_sub(&m->waiters, 1, __ATOMIC_RELAXED);
    spin_unlock(&m->lock);
}

void mutex_lock(struct mutex *m)
{
    struct thread *self = me();
    if (unlikely(!try_take(m, self)))
        mutex_lock_slow(m, self);
}

bool mutex_trylock(struct mutex *m)
{
    return try_take(m, me());
}

__noinline static void mutex_wake(struct mutex *m)
{
    spin_lock(&m->lock);
    thread_wakeup_one((event_t)m);
    spin_unlock(&m->lock);
}

void mutex_unlock(struct mutex *m)
{
    struct thread *self = me();
    if (unlikely(__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != self))
        panic("mutex '%s': released by thread %u, which does not hold it", m->name,
              self->tid);
    __atomic_store_n(&m->owner, NULL, __ATOMIC_SEQ_CST);
    if (unlikely(__atomic_load_n(&m->waiters, __ATOMIC_SEQ_CST) != 0))
        mutex_wake(m);
}

bool mutex_held(const struct mutex *m)
{
    return __atomic_load_n(&m->owner, __ATOMIC_RELAXED) == me();
}
