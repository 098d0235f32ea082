/* SPDX-License-Identifier: MIT */
/*
 * A binary buddy allocator over page frames.
 *
 * Memory is a set of segments (one per free range of RAM); each segment has
 * an array of struct vm_page, one per frame.  A block of order k is 2^k
 * frames whose first physical frame number (pfn = pa >> PAGE_SHIFT) is a
 * multiple of 2^k, so blocks are naturally aligned in physical memory; a
 * segment whose ends are not so aligned just holds smaller blocks there.
 * Freeing a block merges it with its buddy (pfn ^ 2^k) while the buddy is
 * free and of the same order.  Blocks never merge across segments.
 *
 * Descriptors: every frame of a block carries the block's state
 * (VM_PAGE_FREE or VM_PAGE_ALLOCATED); the first (head) frame's `order` is
 * the block's order, the others' is BUDDY_ORDER_NONE, as is a reserved
 * frame's.  The holder of an allocated block may use `link` but must leave
 * `state`, `order`, `phys` and `seg` alone: buddy_free() checks them.
 *
 * This file holds no lock: the caller serialises every call (the kernel wraps
 * it in vm/vm_page.c under vm_page_lock; the host tests call it directly).
 * Misuse (freeing a page that is not allocated, a wrong order, a page outside
 * every segment) is a broken invariant and panics.
 */
#ifndef _KERN_BUDDY_H_
#define _KERN_BUDDY_H_

#include <kern/list.h>
#include <kern/types.h>
#include <vm/vm_page.h>

#define BUDDY_ORDERS    11      /* orders 0..10: 4 KiB .. 4 MiB blocks */
#define BUDDY_MAX_SEGS  32
#define BUDDY_ORDER_NONE 0xff   /* `order` of a frame that heads no block */

struct buddy_seg {
    paddr_t start;              /* page aligned */
    size_t npages;
    struct vm_page *pages;      /* npages descriptors */
};

struct buddy {
    struct buddy_seg segs[BUDDY_MAX_SEGS];
    unsigned nsegs;
    struct list free[BUDDY_ORDERS];     /* heads of free blocks, per order */
    size_t nfree_blocks[BUDDY_ORDERS];
    size_t free_pages;
    size_t total_pages;                 /* pages in every segment */
};

/* Make `b` an allocator with no segments and nothing free. */
void buddy_init(struct buddy *b);

/*
 * Add a segment of `npages` frames from `start`, described by `pages`.  The
 * frames start out VM_PAGE_RESERVED; buddy_release() frees them.
 * Returns KERN_SUCCESS, KERN_INVALID_ARGUMENT (unaligned, empty, no
 * descriptors, running past the top of the physical address space,
 * overlapping another segment) or KERN_RESOURCE_SHORTAGE (BUDDY_MAX_SEGS
 * reached).
 */
kern_return_t buddy_add_seg(struct buddy *b, paddr_t start, size_t npages,
                            struct vm_page *pages);

/*
 * Free the reserved frames of [start, end) (page aligned) into the allocator,
 * as the largest aligned blocks that fit (merging with free neighbours).
 * Panics if a frame of the range is in no segment or is not reserved.
 */
void buddy_release(struct buddy *b, paddr_t start, paddr_t end);

/* A block of 2^order frames, or NULL if none is free (or order too large). */
struct vm_page *buddy_alloc(struct buddy *b, unsigned order);

/*
 * Give back a block obtained from buddy_alloc() with the same order.  Panics,
 * naming the physical address, if `page` is in no segment, is not allocated
 * (double free), is not the head of its block, or was allocated with
 * another order.
 */
void buddy_free(struct buddy *b, struct vm_page *page, unsigned order);

/* The descriptor of the frame holding `pa`, or NULL if it is in no segment. */
struct vm_page *buddy_lookup(struct buddy *b, paddr_t pa);

#endif /* _KERN_BUDDY_H_ */
