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
 *
 * Resident pages (vm/vm_resident.h): a page allocated with vm_page_grab()
 * and inserted into a vm_object is "tabled": `object` and `offset` name it,
 * it is on its object's `memq` (listq) and in the object/offset hash
 * (hash_next), and it sits on one page queue (link, queue).  Guards:
 *   object, offset, listq      the owning object's lock
 *   hash_next                  the hash bucket's lock (vm_resident.c)
 *   link, queue                vm_page_queue_lock (vm_resident.c)
 *   vm_flags                   the owning object's lock
 * Page-table pages (arch/riscv/pmap_user.c) are never tabled; their pmap's
 * lock guards pt_count.  `order`, `state`, `phys` and `seg` stay the
 * allocator's.
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

struct vm_object;

struct vm_page {
    struct list link;       /* free list (buddy), or the page queue */
    paddr_t phys;           /* physical address of the frame */
    uint8_t order;          /* order of the free block this page heads */
    uint8_t state;          /* enum vm_page_state */
    uint16_t seg;           /* index of the segment holding the frame */
    /* Owner's fields: not touched by the allocator. */
    uint8_t queue;          /* enum vm_page_queue (vm/vm_resident.h) */
    uint8_t vm_flags;       /* VM_PAGE_TABLED ... (vm/vm_resident.h) */
    uint16_t pt_count;      /* page-table page: valid entries in it */
    struct vm_object *object;   /* the object holding it, or NULL */
    uintptr_t offset;       /* its byte offset in that object */
    struct vm_page *hash_next;  /* next page in the same hash bucket */
    struct list listq;      /* on object->memq */
};

/* The kernel's physical page allocator (vm/vm_page.c), over struct buddy. */
struct vm_page *vm_page_alloc(unsigned order);     /* NULL when out of memory */
void vm_page_free(struct vm_page *page, unsigned order);
struct vm_page *vm_page_lookup(paddr_t pa);        /* NULL if not RAM we manage */
size_t vm_page_free_count(void);
/* Free pages plus the empty pages zones keep (kern/zalloc.h): all free memory. */
size_t vm_page_available_count(void);
size_t vm_page_total_count(void);

#endif /* _VM_VM_PAGE_H_ */
