// SPDX-License-Identifier: MIT
/*
 * The buddy allocator (kern/buddy.c) against a model: a state per frame.
 * Physical addresses are just numbers here; descriptors live in host arrays.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kern/buddy.h>
#include <machine/vm_param.h>
#include "host_support.h"

/* Segments, in frame numbers: unaligned ends, a gap, two that touch (B, D). */
struct segdef {
    uint64_t pfn;
    size_t npages;
};

static const struct segdef segdefs[] = {
    { 0x80003, 1500 },          /* A: odd start and end */
    { 0x81000, 4100 },          /* B: starts on an order-10 boundary */
    { 0x90001, 37 },            /* C: small, odd */
    { 0x82004, 1024 },          /* D: touches the end of B */
};
#define NSEG ARRAY_SIZE(segdefs)

/* What is released at boot, in frame numbers; the rest stays reserved. */
static const struct { uint64_t start, end; } releases[] = {
    { 0x80003, 0x80100 },       /* A, minus the hole [0x80100, 0x80120) */
    { 0x80120, 0x80003 + 1500 },
    { 0x81400, 0x81800 },       /* B in pieces, out of order, hole at 0x81800 */
    { 0x81801, 0x82404 },       /* ... the end of B and all of D, in one call */
    { 0x81000, 0x81234 },
    { 0x81234, 0x81400 },
    { 0x90001, 0x90001 + 37 },  /* C */
};

enum { M_RESERVED, M_FREE, M_ALLOC };

struct fixture {
    struct buddy b;
    struct vm_page *pages[NSEG];
    uint8_t *model[NSEG];       /* M_* per frame */
};

struct block {
    uint64_t pfn;
    unsigned order;
};

static paddr_t pfn_pa(uint64_t pfn)
{
    return (paddr_t)pfn << PAGE_SHIFT;
}

static uint64_t page_pfn(const struct vm_page *p)
{
    return p->phys >> PAGE_SHIFT;
}

/* The model's segment and index of a frame, or -1. */
static int model_seg(uint64_t pfn, size_t *idx)
{
    for (unsigned s = 0; s < NSEG; s++) {
        if (pfn >= segdefs[s].pfn && pfn < segdefs[s].pfn + segdefs[s].npages) {
            *idx = pfn - segdefs[s].pfn;
            return (int)s;
        }
    }
    return -1;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static struct fixture *fixture_new(void)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    buddy_init(&f->b);
    for (unsigned s = 0; s < NSEG; s++) {
        f->pages[s] = calloc(segdefs[s].npages, sizeof(struct vm_page));
        f->model[s] = calloc(segdefs[s].npages, 1);
        assert_non_null(f->pages[s]);
        assert_non_null(f->model[s]);
        assert_int_equal(buddy_add_seg(&f->b, pfn_pa(segdefs[s].pfn),
                                       segdefs[s].npages, f->pages[s]),
                         KERN_SUCCESS);
    }
    for (unsigned r = 0; r < ARRAY_SIZE(releases); r++) {
        buddy_release(&f->b, pfn_pa(releases[r].start), pfn_pa(releases[r].end));
        for (uint64_t pfn = releases[r].start; pfn < releases[r].end; pfn++) {
            size_t i;
            int s = model_seg(pfn, &i);
            assert_true(s >= 0);
            f->model[s][i] = M_FREE;
        }
    }
    return f;
}

static void fixture_free(struct fixture *f)
{
    for (unsigned s = 0; s < NSEG; s++) {
        free(f->pages[s]);
        free(f->model[s]);
    }
    free(f);
}

static size_t model_count(const struct fixture *f, uint8_t state)
{
    size_t n = 0;
    for (unsigned s = 0; s < NSEG; s++)
        for (size_t i = 0; i < segdefs[s].npages; i++)
            n += f->model[s][i] == state;
    return n;
}

/* Cheap check, every step: the counters agree with the lists and the model. */
static void check_counters(const struct fixture *f)
{
    size_t pages = 0;
    for (unsigned k = 0; k < BUDDY_ORDERS; k++) {
        size_t n = 0;
        list_for_each(&f->b.free[k], it)
            n++;
        assert_int_equal(n, f->b.nfree_blocks[k]);
        pages += n << k;
    }
    assert_int_equal(pages, f->b.free_pages);
}

static int block_cmp(const void *a, const void *b)
{
    const struct block *x = a, *y = b;
    return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* The free lists as a sorted array of blocks, checking each block. */
static size_t free_layout(const struct fixture *f, struct block *out, size_t max)
{
    size_t n = 0;
    for (unsigned k = 0; k < BUDDY_ORDERS; k++) {
        list_for_each(&f->b.free[k], it) {
            const struct vm_page *head = list_entry(it, struct vm_page, link);
            uint64_t pfn = page_pfn(head);
            size_t i;
            int s = model_seg(pfn, &i);
            assert_true(s >= 0);
            assert_ptr_equal(head, &f->pages[s][i]);
            assert_int_equal(pfn & ((1u << k) - 1), 0);         /* aligned */
            assert_true(i + (1u << k) <= segdefs[s].npages);    /* inside */
            assert_int_equal(head->order, k);
            for (size_t j = 0; j < (1u << k); j++) {
                assert_int_equal(head[j].state, VM_PAGE_FREE);
                assert_int_equal(f->model[s][i + j], M_FREE);
                if (j > 0)
                    assert_int_equal(head[j].order, BUDDY_ORDER_NONE);
            }
            assert_true(n < max);
            out[n++] = (struct block){ pfn, k };
        }
    }
    qsort(out, n, sizeof(*out), block_cmp);
    return n;
}

/* The unique fully merged layout of the model's free frames. */
static size_t canonical_layout(const struct fixture *f, struct block *out,
                               size_t max)
{
    size_t n = 0;
    for (unsigned s = 0; s < NSEG; s++) {
        size_t i = 0, np = segdefs[s].npages;
        while (i < np) {
            if (f->model[s][i] != M_FREE) {
                i++;
                continue;
            }
            size_t end = i;
            while (end < np && f->model[s][end] == M_FREE)
                end++;
            while (i < end) {   /* greedy: largest aligned block that fits */
                uint64_t pfn = segdefs[s].pfn + i;
                unsigned k = 0;
                while (k + 1 < BUDDY_ORDERS && (pfn & ((2u << k) - 1)) == 0 &&
                       i + (2u << k) <= end)
                    k++;
                assert_true(n < max);
                out[n++] = (struct block){ pfn, k };
                i += 1u << k;
            }
        }
    }
    qsort(out, n, sizeof(*out), block_cmp);
    return n;
}

#define MAX_BLOCKS 8192

/* Thorough check: free lists == the fully merged layout of the model. */
static void check_layout(const struct fixture *f)
{
    static struct block got[MAX_BLOCKS], want[MAX_BLOCKS];
    check_counters(f);
    assert_int_equal(model_count(f, M_FREE), f->b.free_pages);
    size_t ng = free_layout(f, got, MAX_BLOCKS);
    size_t nw = canonical_layout(f, want, MAX_BLOCKS);
    assert_int_equal(ng, nw);
    assert_memory_equal(got, want, ng * sizeof(*got));
}

/* Does the model hold a free, aligned block of this order in one segment? */
static bool model_has_block(const struct fixture *f, unsigned order)
{
    for (unsigned s = 0; s < NSEG; s++) {
        for (size_t i = 0; i < segdefs[s].npages; i++) {
            uint64_t pfn = segdefs[s].pfn + i;
            if ((pfn & ((1u << order) - 1)) != 0 ||
                i + (1u << order) > segdefs[s].npages)
                continue;
            size_t j = 0;
            while (j < (1u << order) && f->model[s][i + j] == M_FREE)
                j++;
            if (j == (1u << order))
                return true;
        }
    }
    return false;
}

/* Check a fresh allocation against the model and mark it allocated. */
static void model_alloc(struct fixture *f, const struct vm_page *head,
                        unsigned order)
{
    uint64_t pfn = page_pfn(head);
    size_t i;
    int s = model_seg(pfn, &i);
    assert_true(s >= 0);
    assert_ptr_equal(head, &f->pages[s][i]);
    assert_int_equal(pfn & ((1u << order) - 1), 0);
    assert_true(i + (1u << order) <= segdefs[s].npages);
    assert_int_equal(head->order, order);
    for (size_t j = 0; j < (1u << order); j++) {
        assert_int_equal(f->model[s][i + j], M_FREE);   /* no overlap */
        assert_int_equal(head[j].state, VM_PAGE_ALLOCATED);
        f->model[s][i + j] = M_ALLOC;
    }
}

static void model_free(struct fixture *f, const struct vm_page *head,
                       unsigned order)
{
    size_t i;
    int s = model_seg(page_pfn(head), &i);
    for (size_t j = 0; j < (1u << order); j++) {
        assert_int_equal(f->model[s][i + j], M_ALLOC);
        f->model[s][i + j] = M_FREE;
    }
}

/* Boot layout: the canonical one, and no merge across touching segments. */
static void test_initial_layout(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    check_layout(f);
    assert_int_equal(f->b.total_pages, 1500 + 4100 + 37 + 1024);
    assert_int_equal(f->b.free_pages, 1500 - 0x20 + 4100 - 1 + 37 + 1024);
    /* B ends at 0x82004 and D starts there: two order-2 blocks, not one. */
    struct vm_page *endb = buddy_lookup(&f->b, pfn_pa(0x82000));
    struct vm_page *startd = buddy_lookup(&f->b, pfn_pa(0x82004));
    assert_int_equal(endb->state, VM_PAGE_FREE);
    assert_int_equal(endb->order, 2);
    assert_int_equal(startd->order, 2);
    /* B starts on a boundary of the largest order: a whole block there. */
    assert_int_equal(buddy_lookup(&f->b, pfn_pa(0x81000))->order,
                     BUDDY_ORDERS - 1);
    fixture_free(f);
}

struct live {
    struct vm_page *page;
    unsigned order;
};

static size_t real_nulls;      /* buddy_alloc() of a valid order gave NULL */

static unsigned random_order(void)
{
    /* Mostly small orders, sometimes large ones, sometimes too large. */
    uint64_t r = rng();
    if (r % 64 == 0)
        return BUDDY_ORDERS + (unsigned)(r >> 8) % 3;
    unsigned k = (unsigned)__builtin_ctzll(rng() | (1ull << 12));
    return k < BUDDY_ORDERS ? k : (unsigned)(r >> 16) % BUDDY_ORDERS;
}

static void random_step(struct fixture *f, struct live *live, size_t *nlive,
                        size_t max_live, unsigned free_pct)
{
    if (*nlive > 0 && (*nlive == max_live || rng() % 100 < free_pct)) {
        size_t j = rng() % *nlive;
        buddy_free(&f->b, live[j].page, live[j].order);
        model_free(f, live[j].page, live[j].order);
        live[j] = live[--*nlive];
        return;
    }
    unsigned order = random_order();
    struct vm_page *p = buddy_alloc(&f->b, order);
    if (order >= BUDDY_ORDERS) {
        assert_null(p);
    } else if (p == NULL) {
        assert_false(model_has_block(f, order));    /* truly none left */
        real_nulls++;
    } else {
        model_alloc(f, p, order);
        live[(*nlive)++] = (struct live){ p, order };
    }
}

/* Tens of thousands of random allocations and frees against the model. */
static void test_random(void **state)
{
    (void)state;
    enum { STEPS = 40000, MAX_LIVE = 3000 };
    struct fixture *f = fixture_new();
    static struct block initial[MAX_BLOCKS], now[MAX_BLOCKS];
    size_t ninit = free_layout(f, initial, MAX_BLOCKS);
    struct live *live = calloc(MAX_LIVE, sizeof(*live));
    size_t nlive = 0;
    rng_state = 0x9e3779b97f4a7c15ull;
    real_nulls = 0;

    for (int step = 0; step < STEPS; step++) {
        /* Phases that fill memory up and phases that drain it. */
        random_step(f, live, &nlive, MAX_LIVE, (step / 4000) % 2 ? 65 : 35);
        check_counters(f);
        if (step % 500 == 0)
            check_layout(f);
    }
    assert_true(real_nulls > 30);           /* memory did run out at times */
    while (nlive > 0) {
        nlive--;
        buddy_free(&f->b, live[nlive].page, live[nlive].order);
        model_free(f, live[nlive].page, live[nlive].order);
    }
    check_layout(f);
    assert_int_equal(free_layout(f, now, MAX_BLOCKS), ninit);
    assert_memory_equal(now, initial, ninit * sizeof(*now));
    free(live);
    fixture_free(f);
}

/* Run dry with one order, check every block, give it all back. */
static void exhaust(struct fixture *f, unsigned order, size_t want)
{
    struct vm_page **got = calloc(f->b.free_pages + 1, sizeof(*got));
    size_t n = 0, free0 = f->b.free_pages;
    struct vm_page *p;
    while ((p = buddy_alloc(&f->b, order)) != NULL) {
        model_alloc(f, p, order);
        got[n++] = p;
    }
    assert_int_equal(n, want);
    assert_int_equal(f->b.free_pages, free0 - (n << order));
    assert_null(buddy_alloc(&f->b, order));
    check_layout(f);
    for (size_t i = 0; i < n; i++) {
        buddy_free(&f->b, got[i], order);
        model_free(f, got[i], order);
    }
    assert_int_equal(f->b.free_pages, free0);
    check_layout(f);
    free(got);
}

static void test_exhaustion(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    static struct block initial[MAX_BLOCKS], now[MAX_BLOCKS];
    size_t ninit = free_layout(f, initial, MAX_BLOCKS);
    const unsigned top = BUDDY_ORDERS - 1;
    size_t ntop = f->b.nfree_blocks[top];
    assert_true(ntop >= 3);
    exhaust(f, 0, f->b.free_pages);
    exhaust(f, top, ntop);
    assert_null(buddy_alloc(&f->b, BUDDY_ORDERS));
    assert_null(buddy_alloc(&f->b, 200));
    assert_int_equal(free_layout(f, now, MAX_BLOCKS), ninit);
    assert_memory_equal(now, initial, ninit * sizeof(*now));
    fixture_free(f);
}

/* The panic message names the physical address of the page. */
static void assert_msg_names(paddr_t pa)
{
    char hex[32];
    snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)pa);
    if (strstr(host_panic_msg, hex) == NULL)
        fail_msg("panic message \"%s\" does not name %s", host_panic_msg, hex);
}

static void test_misuse(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    struct vm_page *p = buddy_alloc(&f->b, 2);
    assert_non_null(p);
    size_t free0 = f->b.free_pages;

    EXPECT_PANIC(buddy_free(&f->b, p, 1));              /* wrong order */
    assert_msg_names(p->phys);
    EXPECT_PANIC(buddy_free(&f->b, p, 3));
    EXPECT_PANIC(buddy_free(&f->b, p, BUDDY_ORDERS));
    EXPECT_PANIC(buddy_free(&f->b, p + 1, 0));          /* not the head */
    assert_msg_names(p[1].phys);
    EXPECT_PANIC(buddy_free(&f->b, p + 2, 1));
    assert_int_equal(f->b.free_pages, free0);           /* nothing changed */

    buddy_free(&f->b, p, 2);
    EXPECT_PANIC(buddy_free(&f->b, p, 2));              /* double free */
    assert_msg_names(p->phys);
    assert_int_equal(f->b.free_pages, free0 + 4);

    struct vm_page *hole = buddy_lookup(&f->b, pfn_pa(0x80100));
    assert_int_equal(hole->state, VM_PAGE_RESERVED);
    EXPECT_PANIC(buddy_free(&f->b, hole, 0));           /* reserved frame */
    assert_msg_names(pfn_pa(0x80100));

    struct vm_page foreign = { .phys = 0x12345000, .state = VM_PAGE_ALLOCATED };
    EXPECT_PANIC(buddy_free(&f->b, &foreign, 0));       /* in no segment */
    assert_msg_names(0x12345000);

    EXPECT_PANIC(buddy_release(&f->b, pfn_pa(0x80100), pfn_pa(0x80200)));
    EXPECT_PANIC(buddy_release(&f->b, pfn_pa(0x70000), pfn_pa(0x70001)));
    assert_msg_names(pfn_pa(0x70000));
    EXPECT_PANIC(buddy_release(&f->b, pfn_pa(0x80100) + 8, pfn_pa(0x80101)));
    check_layout(f);
    fixture_free(f);
}

static void test_lookup(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    for (unsigned s = 0; s < NSEG; s++) {
        uint64_t first = segdefs[s].pfn, last = first + segdefs[s].npages - 1;
        assert_ptr_equal(buddy_lookup(&f->b, pfn_pa(first)), &f->pages[s][0]);
        assert_ptr_equal(buddy_lookup(&f->b, pfn_pa(last) + PAGE_SIZE - 1),
                         &f->pages[s][segdefs[s].npages - 1]);
        assert_ptr_equal(buddy_lookup(&f->b, pfn_pa(first + 5) + 123),
                         &f->pages[s][5]);
        assert_int_equal(f->pages[s][5].phys, pfn_pa(first + 5));
        assert_int_equal(f->pages[s][5].seg, s);
    }
    assert_null(buddy_lookup(&f->b, 0));
    assert_null(buddy_lookup(&f->b, pfn_pa(0x80003) - 1));
    assert_null(buddy_lookup(&f->b, pfn_pa(0x80003 + 1500)));   /* gap */
    assert_null(buddy_lookup(&f->b, pfn_pa(0x90001 + 37)));
    assert_null(buddy_lookup(&f->b, ~(paddr_t)0));
    fixture_free(f);
}

static void test_add_seg(void **state)
{
    (void)state;
    static struct vm_page pages[BUDDY_MAX_SEGS + 1][16];
    struct buddy b;
    buddy_init(&b);
    assert_int_equal(buddy_add_seg(&b, 0x100000, 16, pages[0]), KERN_SUCCESS);
    assert_int_equal(buddy_add_seg(&b, 0x200800, 4, pages[1]),
                     KERN_INVALID_ARGUMENT);                    /* unaligned */
    assert_int_equal(buddy_add_seg(&b, 0x200000, 0, pages[1]),
                     KERN_INVALID_ARGUMENT);                    /* empty */
    assert_int_equal(buddy_add_seg(&b, 0x200000, 4, NULL),
                     KERN_INVALID_ARGUMENT);
    assert_int_equal(buddy_add_seg(&b, 0xfe000, 4, pages[1]),
                     KERN_INVALID_ARGUMENT);                    /* overlaps start */
    assert_int_equal(buddy_add_seg(&b, 0x10f000, 4, pages[1]),
                     KERN_INVALID_ARGUMENT);                    /* overlaps end */
    assert_int_equal(buddy_add_seg(&b, 0x104000, 1, pages[1]),
                     KERN_INVALID_ARGUMENT);                    /* inside */
    assert_int_equal(buddy_add_seg(&b, 0xf0000, 64, pages[1]),
                     KERN_INVALID_ARGUMENT);                    /* around */
    assert_int_equal(buddy_add_seg(&b, ~(paddr_t)0 - 0xfff, 2, pages[1]),
                     KERN_INVALID_ARGUMENT);                    /* wraps */
    assert_int_equal(b.nsegs, 1);
    assert_int_equal(b.total_pages, 16);
    /* Touching is fine; then fill every slot. */
    assert_int_equal(buddy_add_seg(&b, 0x110000, 16, pages[1]), KERN_SUCCESS);
    for (unsigned i = 2; i < BUDDY_MAX_SEGS; i++)
        assert_int_equal(buddy_add_seg(&b, 0x1000000 * (paddr_t)i, 4, pages[i]),
                         KERN_SUCCESS);
    assert_int_equal(buddy_add_seg(&b, 0x7000000000, 4, pages[BUDDY_MAX_SEGS]),
                     KERN_RESOURCE_SHORTAGE);
    assert_int_equal(b.nsegs, BUDDY_MAX_SEGS);
    assert_int_equal(pages[0][3].state, VM_PAGE_RESERVED);
    assert_int_equal(pages[0][3].phys, 0x103000);
    assert_int_equal(b.free_pages, 0);
    assert_null(buddy_alloc(&b, 0));            /* nothing released yet */
    /* Across the touching pair: buddies by address, but never merged. */
    buddy_release(&b, 0x100000, 0x120000);
    assert_int_equal(b.free_pages, 32);
    assert_int_equal(b.nfree_blocks[4], 2);
    assert_int_equal(b.nfree_blocks[5], 0);
    struct vm_page *p = buddy_alloc(&b, 4), *q = buddy_alloc(&b, 4);
    assert_non_null(p);
    assert_non_null(q);
    buddy_free(&b, p, 4);
    buddy_free(&b, q, 4);
    assert_int_equal(b.nfree_blocks[4], 2);
    assert_null(buddy_alloc(&b, 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_layout),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_exhaustion),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_add_seg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
