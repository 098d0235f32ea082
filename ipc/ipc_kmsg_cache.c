// SPDX-License-Identifier: MIT
/*
 * Each hart keeps a few freed small kmsgs for its next messages, so that
 * an RPC does not go through the zone allocator twice per message (see
 * ipc/ipc_kmsg.h).  Kernel only: the host tests have a cache that never
 * keeps anything.
 */
#include <kern/cpu.h>
#include <ipc/ipc_kmsg.h>

#define KMSG_CACHE_DEPTH 7      /* with the count, 64 bytes: one line, a shift to index */

/*
 * One hart's cache.  Only that hart touches it, with interrupts off (an
 * interrupt handler may send a message); other harts only read `count`
 * for statistics.
 */
static struct kmsg_cache {
    unsigned long count;
    struct ipc_kmsg *free[KMSG_CACHE_DEPTH];
} caches[MAX_CPUS] __attribute__((aligned(64)));

struct ipc_kmsg *ipc_kmsg_cache_get(void)
{
    bool on = intr_disable();
    struct kmsg_cache *c = &caches[cpu_this()->id];
    struct ipc_kmsg *k = c->count > 0 ? c->free[--c->count] : NULL;
    if (on)
        intr_enable();
    return k;
}

bool ipc_kmsg_cache_put(struct ipc_kmsg *k)
{
    bool on = intr_disable();
    struct kmsg_cache *c = &caches[cpu_this()->id];
    bool kept = c->count < KMSG_CACHE_DEPTH;
    if (kept)
        c->free[c->count++] = k;
    if (on)
        intr_enable();
    return kept;
}

size_t ipc_kmsg_cached(void)
{
    size_t n = 0;
    for (unsigned i = 0; i < MAX_CPUS; i++)
        n += __atomic_load_n(&caches[i].count, __ATOMIC_RELAXED);
    return n;
}
