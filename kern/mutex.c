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

void mutex_lock(struct mutex *m)
{
    struct thread *self = me();
    spin_lock(&m->lock);
    if (m->owner == self)
        panic("mutex '%s': thread %u takes it again while holding it", m->name,
              self->tid);
    while (m->owner != NULL) {
        if (self == BOOT_OWNER)
            panic("mutex '%s': contended before the scheduler runs", m->name);
        m->waiters++;
        assert_wait((event_t)m, false);
        spin_unlock(&m->lock);
        thread_block();
        spin_lock(&m->lock);
        m->waiters--;
    }
    m->owner = self;
    spin_unlock(&m->lock);
}

bool mutex_trylock(struct mutex *m)
{
    spin_lock(&m->lock);
    bool got = m->owner == NULL;
    if (got)
        m->owner = me();
    spin_unlock(&m->lock);
    return got;
}

void mutex_unlock(struct mutex *m)
{
    struct thread *self = me();
    spin_lock(&m->lock);
    if (m->owner != self)
        panic("mutex '%s': released by thread %u, which does not hold it", m->name,
              self->tid);
    m->owner = NULL;
    if (m->waiters > 0)
        thread_wakeup_one((event_t)m);
    spin_unlock(&m->lock);
}

bool mutex_held(const struct mutex *m)
{
    return m->owner == me();
}
