/* SPDX-License-Identifier: MIT */
/*
 * vm_page: one descriptor per physical page frame of RAM.
 *
 * States:
 *   VM_PAGE_RESERVED   never given to the allocator (firmware, kernel image,
 *                      device tree, initrd, the descriptor arrays themselves)
 *   VM_PAGE_FREE       in the buddy allocator; `order` is valid on the first
 *                      page of a free block, which sits on a free list
 *   VM_PAGE_ALLOCATED  handed out by vm_page_alloc()
 *
 * Invariants: a free block of order k is 2^k pages, naturally aligned within
 * its segment, and never overlaps another free or allocated block.
 *
 * Locking: while free, `link` and `order` belong to the allocator and are
 * guarded by vm_page_lock (vm/vm_page.c).  While allocated, they belong to
 * whoever holds the page.
 */
#ifndef _VM_VM_PAGE_H_
#define _VM_VM_PAGE_H_

#include <kern/list.h>
#include <kern/types.h>

enum vm_page_state {
    VM_PAGE_RESERVED = 0,
    VM_PAGE_FREE,
    VM_PAGE_ALLOCATED,
};

struct vm_page {
    struct list link;       /* free list (buddy) or the owner's list */
    paddr_t phys;           /* physical address of the frame */
    uint8_t order;          /* order of the free block this page heads */
    uint8_t state;          /* enum vm_page_state */
    uint16_t seg;           /* index of the segment holding the frame */
};

/* The kernel's physical page allocator (vm/vm_page.c), over struct buddy. */
struct vm_page *vm_page_alloc(unsigned order);     /* NULL when out of memory */
void vm_page_free(struct vm_page *page, unsigned order);
struct vm_page *vm_page_lookup(paddr_t pa);        /* NULL if not RAM we manage */
size_t vm_page_free_count(void);
size_t vm_page_total_count(void);

#endif /* _VM_VM_PAGE_H_ */
