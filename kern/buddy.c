// SPDX-License-Identifier: MIT
/*
 * The binary buddy allocator of page frames (see kern/buddy.h): one free list
 * per order, blocks aligned on their physical frame number, merging on free.
 */
#include <kern/buddy.h>
#include <kern/panic.h>
#include <machine/vm_param.h>

/* Frame numbers below this have a physical address that fits in paddr_t. */
#define PFN_LIMIT   ((uint64_t)1 << (64 - PAGE_SHIFT))

static inline uint64_t pa_to_pfn(paddr_t pa)
{
    return pa >> PAGE_SHIFT;
}

static inline paddr_t pfn_to_pa(uint64_t pfn)
{
    return (paddr_t)pfn << PAGE_SHIFT;
}

/* For printing a physical address with %llx on every host and target. */
static inline unsigned long long pa_arg(paddr_t pa)
{
    return (unsigned long long)pa;
}

static inline uint64_t order_pages(unsigned order)
{
    return (uint64_t)1 << order;
}

static inline uint64_t seg_first_pfn(const struct buddy_seg *s)
{
    return pa_to_pfn(s->start);
}

static inline uint64_t seg_end_pfn(const struct buddy_seg *s)
{
    return seg_first_pfn(s) + s->npages;
}

static inline struct vm_page *seg_page(const struct buddy_seg *s, uint64_t pfn)
{
    return &s->pages[pfn - seg_first_pfn(s)];
}

static struct buddy_seg *seg_of_pfn(struct buddy *b, uint64_t pfn)
{
    for (unsigned i = 0; i < b->nsegs; i++) {
        struct buddy_seg *s = &b->segs[i];
        if (pfn >= seg_first_pfn(s) && pfn < seg_end_pfn(s))
            return s;
    }
    return NULL;
}

/* The segment whose descriptor array holds `page`; panics if none does. */
static struct buddy_seg *seg_of_page(struct buddy *b, const struct vm_page *page)
{
    uintptr_t p = (uintptr_t)page;
    for (unsigned i = 0; i < b->nsegs; i++) {
        struct buddy_seg *s = &b->segs[i];
        uintptr_t first = (uintptr_t)s->pages;
        if (p >= first && p < (uintptr_t)(s->pages + s->npages)) {
            if ((p - first) % sizeof(*page) != 0 || page->seg != i ||
                page->phys != s->start + pfn_to_pa(page - s->pages))
                panic("buddy: descriptor %p (pa 0x%llx) is corrupt",
                      (const void *)page, pa_arg(page->phys));
            return s;
        }
    }
    panic("buddy_free: page at pa 0x%llx (descriptor %p) is in no segment",
          pa_arg(page->phys), (const void *)page);
}

/* Mark the 2^order frames from `head` as one block in state `st`. */
static void set_block(struct vm_page *head, unsigned order,
                      enum vm_page_state st)
{
    uint64_t n = order_pages(order);
    for (uint64_t i = 0; i < n; i++) {
        head[i].state = (uint8_t)st;
        head[i].order = BUDDY_ORDER_NONE;
    }
    head->order = (uint8_t)order;
}

static void push_free(struct buddy *b, struct vm_page *head, unsigned order)
{
    set_block(head, order, VM_PAGE_FREE);
    list_insert_head(&b->free[order], &head->link);
    b->nfree_blocks[order]++;
    b->free_pages += order_pages(order);
}

static void unlink_free(struct buddy *b, struct vm_page *head, unsigned order)
{
    list_remove(&head->link);
    b->nfree_blocks[order]--;
    b->free_pages -= order_pages(order);
}

/*
 * Free the block of 2^order frames at `pfn` in segment `s`, merging it with
 * its buddy while the buddy is a free block of the same order.
 */
static void free_block(struct buddy *b, struct buddy_seg *s, uint64_t pfn,
                       unsigned order)
{
    while (order + 1 < BUDDY_ORDERS) {
        uint64_t bpfn = pfn ^ order_pages(order);
        if (bpfn < seg_first_pfn(s) || bpfn + order_pages(order) > seg_end_pfn(s))
            break;
        struct vm_page *bp = seg_page(s, bpfn);
        if (bp->state != VM_PAGE_FREE || bp->order != order)
            break;
        unlink_free(b, bp, order);
        pfn &= ~order_pages(order);
        order++;
    }
    push_free(b, seg_page(s, pfn), order);
}

void buddy_init(struct buddy *b)
{
    b->nsegs = 0;
    for (unsigned k = 0; k < BUDDY_ORDERS; k++) {
        list_init(&b->free[k]);
        b->nfree_blocks[k] = 0;
    }
    b->free_pages = 0;
    b->total_pages = 0;
}

static bool seg_overlaps(const struct buddy *b, uint64_t first, uint64_t end)
{
    for (unsigned i = 0; i < b->nsegs; i++) {
        const struct buddy_seg *s = &b->segs[i];
        if (first < seg_end_pfn(s) && seg_first_pfn(s) < end)
            return true;
    }
    return false;
}

kern_return_t buddy_add_seg(struct buddy *b, paddr_t start, size_t npages,
                            struct vm_page *pages)
{
    uint64_t first = pa_to_pfn(start);
    if (npages == 0 || pages == NULL || !IS_ALIGNED(start, PAGE_SIZE))
        return KERN_INVALID_ARGUMENT;
    if (npages > PFN_LIMIT - first ||
        seg_overlaps(b, first, first + npages))
        return KERN_INVALID_ARGUMENT;
    if (b->nsegs == BUDDY_MAX_SEGS)
        return KERN_RESOURCE_SHORTAGE;

    unsigned idx = b->nsegs++;
    b->segs[idx] = (struct buddy_seg){ start, npages, pages };
    for (size_t i = 0; i < npages; i++) {
        list_init(&pages[i].link);
        pages[i].phys = start + pfn_to_pa(i);
        pages[i].order = BUDDY_ORDER_NONE;
        pages[i].state = VM_PAGE_RESERVED;
        pages[i].seg = (uint16_t)idx;
    }
    b->total_pages += npages;
    return KERN_SUCCESS;
}

/* The largest order of an aligned block at `pfn` that ends by `limit`. */
static unsigned release_order(uint64_t pfn, uint64_t limit)
{
    unsigned k = 0;
    while (k + 1 < BUDDY_ORDERS && (pfn & (order_pages(k + 1) - 1)) == 0 &&
           pfn + order_pages(k + 1) <= limit)
        k++;
    return k;
}

void buddy_release(struct buddy *b, paddr_t start, paddr_t end)
{
    if (!IS_ALIGNED(start | end, PAGE_SIZE) || end < start)
        panic("buddy_release: bad range [0x%llx, 0x%llx)", pa_arg(start),
              pa_arg(end));
    uint64_t pfn = pa_to_pfn(start), last = pa_to_pfn(end);
    while (pfn < last) {
        struct buddy_seg *s = seg_of_pfn(b, pfn);
        if (s == NULL)
            panic("buddy_release: frame at pa 0x%llx is in no segment",
                  pa_arg(pfn_to_pa(pfn)));
        unsigned k = release_order(pfn, MIN(last, seg_end_pfn(s)));
        struct vm_page *head = seg_page(s, pfn);
        for (uint64_t i = 0; i < order_pages(k); i++) {
            if (head[i].state != VM_PAGE_RESERVED)
                panic("buddy_release: frame at pa 0x%llx is not reserved",
                      pa_arg(head[i].phys));
        }
        free_block(b, s, pfn, k);
        pfn += order_pages(k);
    }
}

struct vm_page *buddy_alloc(struct buddy *b, unsigned order)
{
    if (order >= BUDDY_ORDERS)
        return NULL;
    unsigned k = order;
    while (k < BUDDY_ORDERS && list_empty(&b->free[k]))
        k++;
    if (k == BUDDY_ORDERS)
        return NULL;

    struct vm_page *head = list_entry(list_first(&b->free[k]), struct vm_page,
                                      link);
    unlink_free(b, head, k);
    while (k > order) {             /* split: the upper halves stay free */
        k--;
        push_free(b, head + order_pages(k), k);
    }
    set_block(head, order, VM_PAGE_ALLOCATED);
    return head;
}

/* Panic unless `page` heads an allocated block of exactly this order. */
static void check_allocated(const struct vm_page *page, unsigned order)
{
    unsigned long long pa = pa_arg(page->phys);
    if (order >= BUDDY_ORDERS)
        panic("buddy_free: pa 0x%llx freed with order %u (max %u)", pa, order,
              BUDDY_ORDERS - 1);
    if (page->state != VM_PAGE_ALLOCATED)
        panic("buddy_free: pa 0x%llx is not allocated (%s)", pa,
              page->state == VM_PAGE_FREE ? "double free" : "reserved frame");
    if (page->order == BUDDY_ORDER_NONE)
        panic("buddy_free: pa 0x%llx is inside an allocated block, not its head",
              pa);
    if ((pa_to_pfn(page->phys) & (order_pages(order) - 1)) != 0)
        panic("buddy_free: pa 0x%llx is not aligned for order %u", pa, order);
    if (page->order != order)
        panic("buddy_free: pa 0x%llx freed with order %u, allocated with %u",
              pa, order, page->order);
}

void buddy_free(struct buddy *b, struct vm_page *page, unsigned order)
{
    struct buddy_seg *s = seg_of_page(b, page);
    check_allocated(page, order);
    free_block(b, s, pa_to_pfn(page->phys), order);
}

struct vm_page *buddy_lookup(struct buddy *b, paddr_t pa)
{
    uint64_t pfn = pa_to_pfn(pa);
    struct buddy_seg *s = seg_of_pfn(b, pfn);
    return s == NULL ? NULL : seg_page(s, pfn);
}
