/* SPDX-License-Identifier: MIT */
/*
 * A cache of the disk in 64 KiB extents, under the ext2 library's own block
 * cache: file data read in large runs (which the library sends straight to
 * the device) stays here for the next reader, and a small read brings its
 * whole extent (read-ahead).  Write-through: writes update the extents
 * they touch.  Least recently used extents go first; memory is taken as
 * extents are first used, up to the limit.
 */
#ifndef _FS_BCACHE_H_
#define _FS_BCACHE_H_

#include <stddef.h>
#include <stdint.h>

#define BCACHE_EXTENT (64u * 1024)
#define BCACHE_BUCKETS 1024

struct bc_extent {
    struct bc_extent *hnext;            /* hash chain */
    struct bc_extent *prev, *next;      /* LRU list, most recent first */
    uint64_t index;                     /* extent number: byte offset / BCACHE_EXTENT */
    uint8_t *data;
};

struct fs_bcache {
    size_t max, used;                   /* extents allowed, extents made */
    struct bc_extent lru;               /* list head: the extents holding data */
    struct bc_extent *free;             /* made, holding nothing (through hnext) */
    struct bc_extent *hash[BCACHE_BUCKETS];
    uint64_t hits, misses;
};

/* An empty cache of at most max_bytes (0: the cache is off). */
void bcache_init(struct fs_bcache *c, size_t max_bytes);

/* The data of extent `index`, or NULL if it is not cached. */
uint8_t *bcache_find(struct fs_bcache *c, uint64_t index);

/*
 * A buffer for extent `index`, not yet holding anything (the caller fills
 * it, or calls bcache_drop on failure): a new one, or the least recently
 * used one.  NULL if the cache is off or memory is out.
 */
uint8_t *bcache_claim(struct fs_bcache *c, uint64_t index);

/* Forget extent `index` (its contents are wrong). */
void bcache_drop(struct fs_bcache *c, uint64_t index);

/* Copy [buf, buf + len) written at byte offset `off` into the cached extents it touches. */
void bcache_update(struct fs_bcache *c, uint64_t off, const void *buf, size_t len);

#endif /* _FS_BCACHE_H_ */
