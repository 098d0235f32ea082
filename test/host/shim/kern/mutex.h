/* SPDX-License-Identifier: MIT */
/* Host stand-in for kern/mutex.h: a pthread mutex with an owner check. */
#ifndef _KERN_MUTEX_H_
#define _KERN_MUTEX_H_

#include <pthread.h>
#include <kern/panic.h>
#include <kern/types.h>

struct mutex {
    pthread_mutex_t m;
    pthread_t owner;
    bool held;
    const char *name;
};

#define MUTEX_INITIALIZER(n) { PTHREAD_MUTEX_INITIALIZER, 0, false, (n) }

static inline void mutex_init(struct mutex *m, const char *name)
{
    pthread_mutex_init(&m->m, NULL);
    m->held = false;
    m->name = name;
}

static inline void mutex_lock(struct mutex *m)
{
    if (m->held && pthread_equal(m->owner, pthread_self()))
        panic("mutex '%s': taken twice by one thread", m->name);
    pthread_mutex_lock(&m->m);
    m->owner = pthread_self();
    m->held = true;
}

static inline bool mutex_trylock(struct mutex *m)
{
    if (pthread_mutex_trylock(&m->m) != 0)
        return false;
    m->owner = pthread_self();
    m->held = true;
    return true;
}

static inline void mutex_unlock(struct mutex *m)
{
    if (!m->held || !pthread_equal(m->owner, pthread_self()))
        panic("mutex '%s': released by a thread that does not hold it", m->name);
    m->held = false;
    pthread_mutex_unlock(&m->m);
}

static inline bool mutex_held(const struct mutex *m)
{
    return m->held && pthread_equal(m->owner, pthread_self());
}

#endif /* _KERN_MUTEX_H_ */
