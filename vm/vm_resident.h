/* SPDX-License-Identifier: MIT */
/*
 * Resident pages: the physical pages that hold the contents of vm_objects,
 * found by (object, offset) through one hash table, and kept on page queues
 * for a page-out daemon to come.
 *
 * States of a page (struct vm_page in vm/vm_page.h):
 *   untabled   just taken by vm_page_grab(): object == NULL, on no queue,
 *              in no bucket; only the caller knows it
 *   tabled     inserted in an object at a page-aligned offset: on the
 *              object's memq, in the hash bucket of (object, offset), and on
 *              the active or the inactive queue
 * Invariants:
 *   - at most one tabled page per (object, offset);
 *   - page->object != NULL  <=>  VM_PAGE_TABLED is set  <=>  queue != NONE;
 *   - object->resident_count == length of object->memq;
 *   - vm_page_resident_total() == sum of every object's resident_count.
 *
 * Locking, in lock order (vm/vm_object.h has the whole order):
 *   the object's mutex     guards object/offset/listq of its pages; held by
 *                          the caller of every function here but
 *                          vm_page_grab() and the statistics
 *   a hash bucket lock     guards the bucket's chain (hash_next); a spinlock,
 *                          one for each of VM_PAGE_HASH_LOCKS stripes of
 *                          buckets; leaf, never held with the queue lock
 *   vm_page_queue_lock     guards the two queues, page->link and ->queue and
 *                          the global counters; a spinlock; leaf
 *   vm_page_lock           (vm/vm_page.c) under all of these
 */
#ifndef _VM_VM_RESIDENT_H_
#define _VM_VM_RESIDENT_H_

#include <kern/types.h>
#include <mach/vm_types.h>
#include <vm/vm_page.h>

enum vm_page_queue {
    VM_PAGE_Q_NONE = 0,     /* not tabled */
    VM_PAGE_Q_ACTIVE,       /* recently faulted in */
    VM_PAGE_Q_INACTIVE,     /* candidates for page-out */
};

#define VM_PAGE_TABLED      0x01    /* in an object, the hash and a queue */

struct vm_resident_stats {
    size_t resident;        /* tabled pages */
    size_t active;          /* on the active queue */
    size_t inactive;        /* on the inactive queue */
    size_t buckets;         /* hash buckets (fixed at boot) */
};

/*
 * Size the (object, offset) hash table from the number of physical pages
 * and take its memory from the page allocator.  Once, at boot, after
 * vm_page_bootstrap() and before any object exists.  Falls back to a
 * smaller table when memory is short; panics only if not a single page
 * can be had (the kernel cannot run without it).
 */
void vm_resident_init(void);

/*
 * A fresh untabled page (contents undefined), or NULL when memory is out.
 * Takes vm_page_lock only; callable with object locks held.
 */
struct vm_page *vm_page_grab(void);

/*
 * Give back a page from vm_page_grab(), removing it from its object first
 * if it is tabled.  The caller holds the object's lock if it is tabled,
 * and makes sure no pmap maps the page any more.
 */
void vm_page_release(struct vm_page *page);

/*
 * The page of `object` at `offset` (page aligned), or NULL.  Object lock
 * held.
 */
struct vm_page *vm_page_resident_lookup(struct vm_object *object,
                                        vm_offset_t offset);

/*
 * Table an untabled page as `object`'s page at `offset`, and put it on the
 * active queue.  Object lock held; no page may be there yet.
 */
void vm_page_insert(struct vm_page *page, struct vm_object *object,
                    vm_offset_t offset);

/* Untable a page: off its object, its bucket and its queue.  Object lock held. */
void vm_page_remove(struct vm_page *page);

/*
 * Move a tabled page to `object` at `offset` (shadow-chain collapse).  The
 * locks of both objects held; `object` has no page at `offset`.
 */
void vm_page_rename(struct vm_page *page, struct vm_object *object,
                    vm_offset_t offset);

/* Move a tabled page to the inactive / the active queue.  Object lock held. */
void vm_page_deactivate(struct vm_page *page);
void vm_page_activate(struct vm_page *page);

/* Global counts (for the shell's `vm` and the tests).  Any context. */
size_t vm_page_resident_total(void);
void vm_resident_stats(struct vm_resident_stats *out);

#endif /* _VM_VM_RESIDENT_H_ */
