/* SPDX-License-Identifier: MIT */
/*
 * Zones: per-type allocators of fixed-size kernel objects (Mach's zalloc).
 *
 * Every kind of kernel object (task, thread, port, map entry ...) gets its own
 * zone, so the kernel can say how many of each exist and a leak shows up as a
 * count that does not come back.  A zone takes whole pages from the page
 * allocator; each page starts with a small header (the owning zone, its free
 * elements) and holds as many elements as fit.  A zone keeps at most one
 * page whose elements are all free (so use going up and down by one does
 * not churn pages); any further empty page goes straight back to the page
 * allocator.  Free memory is counted as the allocator's free pages plus
 * those kept empty pages (vm_page_available_count), so "free pages before
 * == free pages after" holds across a test.
 *
 * Elements are 16-byte aligned.  The page header takes a few dozen bytes, so
 * a zone of 2048-byte elements (kalloc.2048) holds one element per page.
 *
 * kalloc()/kfree() serve variable sizes up to KALLOC_MAX from power-of-two
 * zones named kalloc.16 ... kalloc.2048.
 *
 * Locking: each zone has its own spinlock guarding its page lists and
 * counters; zone_list_lock guards the list of all zones and is taken before
 * a zone's lock, never after.  No zone lock is held while the page source
 * (zone_page_alloc/zone_page_free) runs, nor when a misuse panics.
 */
#ifndef _KERN_ZALLOC_H_
#define _KERN_ZALLOC_H_

#include <kern/list.h>
#include <kern/spinlock.h>
#include <kern/types.h>

#define ZONE_NAME_MAX   24
#define KALLOC_MIN      16
#define KALLOC_MAX      2048

struct zone {
    struct spinlock lock;
    char name[ZONE_NAME_MAX];
    size_t elem_size;           /* rounded up to 16 bytes */
    size_t per_page;            /* elements in one page */
    struct list partial;        /* pages with at least one free element */
    struct list full;           /* pages with none */
    struct list zones_link;     /* on the list of all zones (zone_list_lock) */
    /* Counters, under `lock`. */
    size_t in_use;              /* elements handed out now */
    size_t peak;                /* largest in_use seen */
    size_t pages;               /* pages held now */
    size_t empty_pages;         /* of those, with every element free (0 or 1) */
    uint64_t allocs;            /* zalloc() successes, ever */
    uint64_t frees;             /* zfree() calls, ever */
    uint64_t failures;          /* zalloc() that found no memory */
};

/* A copy of a zone's counters, taken under its lock. */
struct zone_info {
    char name[ZONE_NAME_MAX];
    size_t elem_size, in_use, peak, pages;
    uint64_t allocs, frees, failures;
};

/*
 * Set up a zone for elements of `size` bytes (1 .. KALLOC_MAX; anything else
 * panics) and add it to the list of zones.  Takes zone_list_lock.
 */
void zone_init(struct zone *z, const char *name, size_t size);

/*
 * Take an empty zone off the list of zones (it holds no pages then).  Panics
 * if elements are still in use.  Takes zone_list_lock, then the zone's lock.
 */
void zone_destroy(struct zone *z);

/*
 * An element (contents undefined), or NULL (and `failures` counted) when no
 * page can be had.  Takes the zone's lock; calls zone_page_alloc() without it.
 */
void *zalloc(struct zone *z);

/*
 * Give back an element of this zone.  Panics, naming the zone, if `elem` is
 * NULL, not in a page of this zone, not the start of an element slot, or
 * already free.  A page left with no element in use goes back through
 * zone_page_free() at once (called without the zone's lock).
 */
void zfree(struct zone *z, void *elem);

/*
 * Copy the counters of up to `max` zones into `out`; returns how many zones
 * exist.  Takes zone_list_lock, then each zone's lock in turn.
 */
size_t zone_info_all(struct zone_info *out, size_t max);

/*
 * Over every zone: the pages holding at least one element in use, and the
 * elements in use.  The first changes with how elements happen to be
 * spread over pages; free pages plus it does not (a leak check uses that).
 * Takes zone_list_lock, then each zone's lock in turn.
 */
void zone_totals(size_t *pages_in_use, size_t *elements);

/* Set up the kalloc.* zones: at boot, before the first kalloc(); again: no-op. */
/*
 * Pages zones keep with every element free (at most one per zone): free
 * memory for all purposes; zone_drain_cached() gives them back (it takes
 * zone_list_lock and each zone's lock: call it holding no zone lock).
 */
size_t zone_cached_pages(void);
size_t zone_drain_cached(void);

void kalloc_init(void);

/*
 * A 16-byte aligned block of at least `size` bytes, from the smallest kalloc
 * zone that fits; NULL if size is 0 or > KALLOC_MAX, or if memory is short.
 */
void *kalloc(size_t size);

/*
 * Free a block from kalloc(); the zone comes from the page header.  NULL is
 * ignored; a pointer kalloc() did not return (or a double free) panics.
 */
void kfree(void *ptr);

/*
 * The page source under the zones, provided by the kernel (vm/vm_page.c,
 * through the direct map) or by a host test.  One page, PAGE_SIZE aligned;
 * zone_page_alloc() returns NULL when there is none.  Called with no zone
 * lock held.
 */
void *zone_page_alloc(void);
void zone_page_free(void *page);

#endif /* _KERN_ZALLOC_H_ */
