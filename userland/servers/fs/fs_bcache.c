// SPDX-License-Identifier: MIT
/* The fs server's cache of disk extents (see fs_bcache.h). */
#include <stdlib.h>
#include <string.h>
#include "fs_bcache.h"

static unsigned bucket(uint64_t index)
{
    return (unsigned)((index * 0x9e3779b97f4a7c15ULL) >> 54) % BCACHE_BUCKETS;
}

static void lru_unlink(struct bc_extent *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void lru_push(struct fs_bcache *c, struct bc_extent *e)
{
    e->next = c->lru.next;
    e->prev = &c->lru;
    c->lru.next->prev = e;
    c->lru.next = e;
}

static void unhash(struct fs_bcache *c, struct bc_extent *e)
{
    struct bc_extent **pp = &c->hash[bucket(e->index)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
}

void bcache_init(struct fs_bcache *c, size_t max_bytes)
{
    memset(c, 0, sizeof(*c));
    c->max = max_bytes / BCACHE_EXTENT;
    c->lru.next = c->lru.prev = &c->lru;
}

static struct bc_extent *lookup(struct fs_bcache *c, uint64_t index)
{
    struct bc_extent *e = c->hash[bucket(index)];
    while (e != NULL && e->index != index)
        e = e->hnext;
    return e;
}

uint8_t *bcache_find(struct fs_bcache *c, uint64_t index)
{
    struct bc_extent *e = lookup(c, index);
    if (e == NULL) {
        c->misses++;
        return NULL;
    }
    c->hits++;
    lru_unlink(e);
    lru_push(c, e);
    return e->data;
}

/* A free extent, a new one while under the limit, else the least recently used one. */
static struct bc_extent *take(struct fs_bcache *c)
{
    struct bc_extent *e = c->free;
    if (e != NULL) {
        c->free = e->hnext;
        return e;
    }
    if (c->used < c->max) {
        e = malloc(sizeof(*e));
        uint8_t *data = malloc(BCACHE_EXTENT);
        if (e != NULL && data != NULL) {
            c->used++;
            e->data = data;
            return e;
        }
        free(e);
        free(data);
    }
    if (c->lru.prev == &c->lru)
        return NULL;                    /* off, or memory is out */
    e = c->lru.prev;
    lru_unlink(e);
    unhash(c, e);
    return e;
}

uint8_t *bcache_claim(struct fs_bcache *c, uint64_t index)
{
    bcache_drop(c, index);
    struct bc_extent *e = take(c);
    if (e == NULL)
        return NULL;
    e->index = index;
    e->hnext = c->hash[bucket(index)];
    c->hash[bucket(index)] = e;
    lru_push(c, e);
    return e->data;
}

void bcache_drop(struct fs_bcache *c, uint64_t index)
{
    struct bc_extent *e = lookup(c, index);
    if (e == NULL)
        return;
    unhash(c, e);
    lru_unlink(e);
    e->hnext = c->free;
    c->free = e;
}

void bcache_update(struct fs_bcache *c, uint64_t off, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        uint64_t index = off / BCACHE_EXTENT;
        size_t in = (size_t)(off % BCACHE_EXTENT);
        size_t n = BCACHE_EXTENT - in < len ? BCACHE_EXTENT - in : len;
        struct bc_extent *e = lookup(c, index);
        if (e != NULL)
            memcpy(e->data + in, p, n);
        off += n;
        p += n;
        len -= n;
    }
}
