/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for kern/spinlock.h: the same API over a pthread mutex, so
 * machine-independent kernel code can be tested with several host threads.
 */
#ifndef _KERN_SPINLOCK_H_
#define _KERN_SPINLOCK_H_

#include <pthread.h>
#include <kern/types.h>

struct spinlock {
    pthread_mutex_t mutex;
    pthread_t holder;
    bool held;
    const char *name;
};

#define SPINLOCK_INITIALIZER(n) { PTHREAD_MUTEX_INITIALIZER, 0, false, (n) }

static inline void spin_lock_init(struct spinlock *l, const char *name)
{
    pthread_mutex_init(&l->mutex, NULL);
    l->held = false;
    l->name = name;
}

static inline void spin_lock(struct spinlock *l)
{
    pthread_mutex_lock(&l->mutex);
    l->holder = pthread_self();
    l->held = true;
}

static inline bool spin_trylock(struct spinlock *l)
{
    if (pthread_mutex_trylock(&l->mutex) != 0)
        return false;
    l->holder = pthread_self();
    l->held = true;
    return true;
}

static inline void spin_unlock(struct spinlock *l)
{
    l->held = false;
    pthread_mutex_unlock(&l->mutex);
}

static inline bool spin_lock_held(const struct spinlock *l)
{
    return l->held && pthread_equal(l->holder, pthread_self());
}

#endif /* _KERN_SPINLOCK_H_ */
