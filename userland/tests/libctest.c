// SPDX-License-Identifier: MIT
/*
 * System tests of the C library glue (userland/lib/libc_lock.c): malloc,
 * realloc and free from several threads of one task at once, with every
 * block filled and checked, and picolibc's recursive locks.  Boot with
 * init=libctest; each test prints TEST <name> PASS|FAIL.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/lock.h>
#include "testlib.h"

#define THREADS 4
#define ROUNDS 30000
#define SLOTS 32

static volatile uint32_t done;
static volatile uint32_t bad;

static uint32_t next_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static bool intact(const unsigned char *p, size_t n, unsigned char tag)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != tag)
            return false;
    return true;
}

/* Keeps SLOTS blocks alive, replacing one at random each round. */
static void hammer(void *arg)
{
    uint32_t seed = 0x9e3779b9u * ((uint32_t)(uintptr_t)arg + 1);
    unsigned char tag = (unsigned char)(0x40 + (uintptr_t)arg);
    unsigned char *block[SLOTS] = { 0 };
    size_t size[SLOTS] = { 0 };
    for (unsigned r = 0; r < ROUNDS && bad == 0; r++) {
        unsigned s = next_random(&seed) % SLOTS;
        if (block[s] != NULL && !intact(block[s], size[s], tag)) {
            __atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
            break;
        }
        size_t n = 1 + next_random(&seed) % 600;
        if (block[s] != NULL && (r & 1)) {
            unsigned char *q = realloc(block[s], n);    /* keeps the old bytes */
            if (q == NULL)
                continue;
            block[s] = q;
            if (!intact(q, n < size[s] ? n : size[s], tag)) {
                __atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
                break;
            }
        } else {
            free(block[s]);
            block[s] = malloc(n);
            if (block[s] == NULL)
                continue;
        }
        memset(block[s], tag, n);
        size[s] = n;
    }
    for (unsigned s = 0; s < SLOTS; s++) {
        if (block[s] != NULL && !intact(block[s], size[s], tag))
            __atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
        free(block[s]);
    }
    __atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
}

static void test_malloc_threads(void)
{
    done = 0;
    bad = 0;
    for (uintptr_t t = 0; t < THREADS; t++)
        CHECK_KR(rvmach_thread_spawn(hammer, (void *)t, 32 * 1024, NULL));
    for (unsigned ms = 0; done < THREADS && ms < 60000; ms += 5)
        rvmach_sleep_ms(5);
    CHECK(done == THREADS, "only %u of %u threads finished", (unsigned)done, THREADS);
    CHECK(bad == 0, "%u blocks were overwritten by another thread", (unsigned)bad);
}

/* A recursive lock taken twice by its holder, and refused to nobody else. */
static volatile int other_got;

static void try_other(void *lock)
{
    other_got = __retarget_lock_try_acquire_recursive(lock) ? 1 : 2;
    if (other_got == 1)
        __retarget_lock_release_recursive(lock);
}

/* Whether another thread can take `lock` now. */
static bool other_can_take(_LOCK_T lock)
{
    other_got = 0;
    kern_return_t kr = rvmach_thread_spawn(try_other, lock, 16 * 1024, NULL);
    if (!CHECK(kr == KERN_SUCCESS, "spawn: %s", mach_error_string(kr)))
        return false;                   /* the failed check fails the test */
    while (other_got == 0)
        rvmach_sleep_ms(1);
    return other_got == 1;
}

static void test_recursive_lock(void)
{
    _LOCK_T lock;
    __retarget_lock_init_recursive(&lock);
    if (!CHECK(lock != NULL, "no lock"))
        return;
    __retarget_lock_acquire_recursive(lock);
    __retarget_lock_acquire_recursive(lock);
    CHECK(__retarget_lock_try_acquire_recursive(lock), "the holder is refused");
    __retarget_lock_release_recursive(lock);
    __retarget_lock_release_recursive(lock);
    CHECK(!other_can_take(lock), "another thread took a lock still held once");
    __retarget_lock_release_recursive(lock);
    CHECK(other_can_take(lock), "the lock stayed held after the last release");
    __retarget_lock_close_recursive(lock);
}

int main(void)
{
    tl_run("libc.malloc_threads", test_malloc_threads);
    tl_run("libc.recursive_lock", test_recursive_lock);
    rvmach_thread_reap_stacks();
    return tl_finish();
}
