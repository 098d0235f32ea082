// SPDX-License-Identifier: MIT
/*
 * picolibc's locks, so malloc and buffered stdio work from several threads
 * of one task.  picolibc calls the __retarget_lock_* functions around its
 * shared state (the malloc arena through the one global recursive lock
 * __lock___libc_recursive_mutex, each buffered FILE through its own); its
 * own versions do nothing, which is right only for one thread.  Defining
 * every symbol of that library member here keeps it out of the link.
 *
 * A lock is a word holding its owner (the thread pointer `tp`, unique per
 * thread because each has its own TLS block) or 0 when free.  Taking it is
 * one compare-and-swap; a thread that finds it held yields the hart
 * (swtch) a few times, then sleeps 1 ms at a time (thread_switch with
 * SWITCH_OPTION_WAIT), so a waiter never burns a hart for long.  There is
 * no queue of waiters: these locks are held for short stretches, and
 * fairness is not promised.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/lock.h>
#include <mach.h>

struct __lock {
    _Atomic uintptr_t owner;    /* tp of the holder; 0: free */
    unsigned depth;             /* recursive holds beyond the first (holder only) */
};

/* The C library's global lock (malloc's arena, environment, time zone). */
struct __lock __lock___libc_recursive_mutex;

static inline uintptr_t self(void)
{
    uintptr_t tp;
    __asm__ volatile("mv %0, tp" : "=r"(tp));
    return tp;
}

static bool try_take(struct __lock *l)
{
    uintptr_t free = 0;
    return atomic_compare_exchange_strong_explicit(&l->owner, &free, self(),
                                                   memory_order_acquire, memory_order_relaxed);
}

static void take(struct __lock *l)
{
    for (unsigned tries = 0; !try_take(l); tries++) {
        if (tries < 8)
            swtch();
        else
            thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1);
    }
}

static void give(struct __lock *l)
{
    atomic_store_explicit(&l->owner, 0, memory_order_release);
}

void __retarget_lock_init(_LOCK_T *lock)
{
    /* A lock that cannot be allocated is NULL: then taking it does nothing. */
    *lock = calloc(1, sizeof(struct __lock));
}

void __retarget_lock_init_recursive(_LOCK_T *lock)
{
    __retarget_lock_init(lock);
}

void __retarget_lock_close(_LOCK_T lock)
{
    free(lock);
}

void __retarget_lock_close_recursive(_LOCK_T lock)
{
    free(lock);
}

void __retarget_lock_acquire(_LOCK_T lock)
{
    if (lock != NULL)
        take(lock);
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
    return lock == NULL || try_take(lock);
}

void __retarget_lock_release(_LOCK_T lock)
{
    if (lock != NULL)
        give(lock);
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
    if (lock == NULL)
        return;
    if (atomic_load_explicit(&lock->owner, memory_order_relaxed) == self()) {
        lock->depth++;
        return;
    }
    take(lock);
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
    if (lock == NULL)
        return 1;
    if (atomic_load_explicit(&lock->owner, memory_order_relaxed) == self()) {
        lock->depth++;
        return 1;
    }
    return try_take(lock);
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
    if (lock == NULL)
        return;
    if (lock->depth > 0)
        lock->depth--;
    else
        give(lock);
}
