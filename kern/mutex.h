/* SPDX-License-Identifier: MIT */
/*
 * Sleeping locks, for data held across operations that may block (a vm_map
 * during a fault, a task's thread list during termination).  A thread that
 * cannot take the mutex sleeps instead of spinning; so a mutex must never be
 * taken with a spinlock held or with interrupts off, and never from an
 * interrupt handler.
 */
#ifndef _KERN_MUTEX_H_
#define _KERN_MUTEX_H_

#include <kern/spinlock.h>
#include <kern/types.h>

struct thread;

/*
 * Taking a free mutex, and releasing one nobody waits for, is one atomic
 * operation on `owner`; `lock` is taken only when threads must sleep (see
 * kern/mutex.c for why no wake-up is lost).
 */
struct mutex {
    struct spinlock lock;       /* serialises sleepers and wakers */
    struct thread *owner;       /* NULL when free; changed with atomics */
    unsigned waiters;           /* threads in the slow path (atomic) */
    const char *name;
};

#define MUTEX_INITIALIZER(n) { SPINLOCK_INITIALIZER(n), NULL, 0, (n) }

void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);        /* panics if this thread does not hold it */
bool mutex_held(const struct mutex *m);    /* by the current thread */

#endif /* _KERN_MUTEX_H_ */
