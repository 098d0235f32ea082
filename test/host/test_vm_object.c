// SPDX-License-Identifier: MIT
/*
 * vm_object (vm/vm_object.c, vm/vm_resident.c): shadow chains made by
 * repeated copy-on-write generations stay short (collapse), pages keep
 * their contents through every generation, objects and pages are freed at
 * the end, and a shadow left to the object in front of it alone is folded
 * into it at once; pages under an unmapped range are freed at once when
 * nothing else maps them; a random tree of forks against a model; rounds
 * of many children sharing a region that end exactly where they began.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <machine/vm_param.h>
#include <vm/pmap.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_resident.h>
#include <vm/vm_user.h>
#include "fake_pmap.h"
#include "host_support.h"
#include "vm_host.h"

#define P PAGE_SIZE
#define NPAGES 16

static size_t baseline;
static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int group_setup(void **state)
{
    vm_host_init(8192);
    return 0;
}

static int test_setup(void **state)
{
    baseline = vm_page_available_count();
    return 0;
}

static int test_teardown(void **state)
{
    vm_host_check_clean(baseline);
    return 0;
}

/* The object chain length behind the entry holding va (0: no object). */
static unsigned chain_at(vm_map_t map, vaddr_t va)
{
    struct vm_map_entry *e;
    mutex_lock(&map->lock);
    bool found = vm_map_lookup_entry(map, va, &e);
    struct vm_object *o = found ? e->object : NULL;
    mutex_unlock(&map->lock);
    assert_true(found);
    return vm_object_chain_length(o);
}

static void expect_model(vm_map_t map, vaddr_t base, const uint8_t *model, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!vm_host_page_is(map, base + i * P, model[i]))
            fail_msg("page %zu is not 0x%02x", i, model[i]);
}

/*
 * 100 fork generations: the child and the parent each write a few pages,
 * then the parent dies and the child goes on.  The chain behind the child
 * must stay short, and every page hold what was last written in its line.
 */
static void generations(void **state)
{
    uint8_t model[NPAGES];
    vm_map_t map = vm_host_map_create();
    vaddr_t base = 0;
    assert_int_equal(vm_allocate(map, &base, NPAGES * P, true), KERN_SUCCESS);
    for (size_t i = 0; i < NPAGES; i++) {
        model[i] = (uint8_t)(i + 1);
        assert_int_equal(vm_host_fill(map, base + i * P, model[i]), KERN_SUCCESS);
    }
    unsigned longest = 0;
    for (unsigned g = 1; g <= 100; g++) {
        vm_map_t child;
        assert_int_equal(vm_host_map_fork(map, &child), KERN_SUCCESS);
        size_t pc = (g * 7) % NPAGES, pp = (g * 3 + 1) % NPAGES;
        uint8_t vc = (uint8_t)(g * 2), vp = (uint8_t)(g * 2 + 1);
        assert_int_equal(vm_host_fill(child, base + pc * P, vc), KERN_SUCCESS);
        assert_int_equal(vm_host_fill(map, base + pp * P, vp), KERN_SUCCESS);
        uint8_t parent_model[NPAGES];
        memcpy(parent_model, model, sizeof(model));
        parent_model[pp] = vp;
        model[pc] = vc;
        if (g % 3 == 0)     /* some generations map everything before */
            expect_model(child, base, model, NPAGES);
        expect_model(map, base, parent_model, NPAGES);
        vm_host_check_map(map);
        vm_host_map_destroy(map);
        map = child;
        expect_model(map, base, model, NPAGES);
        vm_host_check_map(map);
        unsigned len = chain_at(map, base);
        longest = MAX(longest, len);
        if (len > 2)
            fail_msg("generation %u: chain of %u objects", g, len);
        /* Only the child's objects are left, and no page beyond them. */
        assert_true(vm_object_total_count() <= 2);
        assert_true(vm_page_resident_total() <= 2 * NPAGES);
    }
    print_message("longest chain: %u\n", longest);
    vm_host_map_destroy(map);
}

/*
 * Two live generations at a time (the grandparent dies when the grandchild
 * is born): chains may be one longer, never longer than that.
 */
static void overlapping_generations(void **state)
{
    uint8_t model[NPAGES];
    unsigned longest = 0;
    vm_map_t old = NULL, map = vm_host_map_create();
    vaddr_t base = 0;
    assert_int_equal(vm_allocate(map, &base, NPAGES * P, true), KERN_SUCCESS);
    for (size_t i = 0; i < NPAGES; i++) {
        model[i] = (uint8_t)(0x80 + i);
        assert_int_equal(vm_host_fill(map, base + i * P, model[i]), KERN_SUCCESS);
    }
    for (unsigned g = 1; g <= 100; g++) {
        vm_map_t child;
        assert_int_equal(vm_host_map_fork(map, &child), KERN_SUCCESS);
        if (old != NULL)
            vm_host_map_destroy(old);
        old = map;
        map = child;
        size_t pc = (g * 5) % NPAGES;
        model[pc] = (uint8_t)g;
        assert_int_equal(vm_host_fill(map, base + pc * P, model[pc]), KERN_SUCCESS);
        expect_model(map, base, model, NPAGES);
        longest = MAX(longest, chain_at(map, base));
        if (chain_at(map, base) > 3)
            fail_msg("generation %u: chain of %u objects", g, chain_at(map, base));
        assert_true(vm_object_total_count() <= 6);
    }
    print_message("longest chain: %u\n", longest);
    vm_host_map_destroy(old);
    vm_host_map_destroy(map);
}

/*
 * The collapse itself: A (8 pages) copied into B and C; B writes 4 pages,
 * C writes 2; B dies.  Its death must move A's 6 other pages up into C's
 * shadow and free A at once (A is left referenced only by C's shadow, so
 * nobody else can see it): one object, 8 pages, nothing copied.
 */
static void collapse_moves_pages(void **state)
{
    vm_map_t b = vm_host_map_create(), c;
    vaddr_t base = 0;
    assert_int_equal(vm_allocate(b, &base, 8 * P, true), KERN_SUCCESS);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(vm_host_fill(b, base + i * P, (uint8_t)(10 + i)), KERN_SUCCESS);
    assert_int_equal(vm_host_map_fork(b, &c), KERN_SUCCESS);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(vm_host_fill(b, base + i * P, 0xb0), KERN_SUCCESS);
    for (size_t i = 6; i < 8; i++)
        assert_int_equal(vm_host_fill(c, base + i * P, 0xc0), KERN_SUCCESS);
    assert_int_equal(vm_object_total_count(), 3);
    assert_int_equal(vm_page_resident_total(), 14);
    assert_int_equal(chain_at(c, base), 2);
    uint64_t copies = fake_pmap_stats().copy_pages;
    vm_host_map_destroy(b);     /* B's shadow goes, and A folds into C's */
    assert_int_equal(vm_object_total_count(), 1);
    assert_int_equal(vm_page_resident_total(), 8);
    assert_int_equal(chain_at(c, base), 1);
    vm_host_check_map(c);
    for (size_t i = 0; i < 6; i++)
        assert_true(vm_host_page_is(c, base + i * P, (uint8_t)(10 + i)));
    for (size_t i = 6; i < 8; i++)
        assert_true(vm_host_page_is(c, base + i * P, 0xc0));
    assert_int_equal(fake_pmap_stats().copy_pages, copies);     /* moved, not copied */
    /* Now C owns every page and writes in place. */
    assert_int_equal(vm_host_fill(c, base + 2 * P, 0xc2), KERN_SUCCESS);
    assert_int_equal(vm_page_resident_total(), 8);
    vm_host_check_map(c);
    vm_host_map_destroy(c);
}

/*
 * A collapse keeps only the backing pages inside the window of the object
 * above it: here a shadow over 4 of 16 pages, the rest of the backing
 * object no longer mapped by anyone.
 */
static void collapse_drops_out_of_window(void **state)
{
    vm_map_t map = vm_host_map_create(), child;
    vaddr_t base = 0;
    assert_int_equal(vm_allocate(map, &base, NPAGES * P, true), KERN_SUCCESS);
    for (size_t i = 0; i < NPAGES; i++)
        assert_int_equal(vm_host_fill(map, base + i * P, (uint8_t)i), KERN_SUCCESS);
    assert_int_equal(vm_host_map_fork(map, &child), KERN_SUCCESS);
    assert_int_equal(vm_protect(map, base + 4 * P, 4 * P, false, VM_PROT_ALL), KERN_SUCCESS);
    assert_int_equal(vm_host_fill(map, base + 5 * P, 0x55), KERN_SUCCESS);  /* shadow */
    vm_host_map_destroy(child);
    assert_int_equal(vm_deallocate(map, base, 4 * P), KERN_SUCCESS);
    assert_int_equal(vm_page_resident_total(), NPAGES + 1);   /* not one_mapping */
    assert_int_equal(vm_object_total_count(), 2);
    /* The backing object's last other user goes: it folds into the shadow. */
    assert_int_equal(vm_deallocate(map, base + 8 * P, 8 * P), KERN_SUCCESS);
    assert_int_equal(vm_object_total_count(), 1);
    assert_int_equal(vm_page_resident_total(), 4);
    assert_true(vm_host_page_is(map, base + 5 * P, 0x55));
    assert_true(vm_host_page_is(map, base + 6 * P, 6));
    assert_true(vm_host_page_is(map, base + 7 * P, 7));
    vm_host_check_map(map);
    vm_host_map_destroy(map);
}

/* Pages under a deallocated range go at once, unless something else maps them. */
static void unmapped_pages_freed(void **state)
{
    vm_map_t map = vm_host_map_create(), child;
    vaddr_t base = 0;
    assert_int_equal(vm_allocate(map, &base, NPAGES * P, true), KERN_SUCCESS);
    for (size_t i = 0; i < NPAGES; i++)
        assert_int_equal(vm_host_fill(map, base + i * P, 1), KERN_SUCCESS);
    assert_int_equal(vm_page_resident_total(), NPAGES);
    assert_int_equal(vm_deallocate(map, base + 4 * P, 8 * P), KERN_SUCCESS);
    assert_int_equal(vm_page_resident_total(), NPAGES - 8);     /* freed now */
    assert_int_equal(vm_deallocate(map, base, P), KERN_SUCCESS);
    assert_int_equal(vm_page_resident_total(), NPAGES - 9);
    assert_int_equal(vm_host_map_fork(map, &child), KERN_SUCCESS);
    assert_int_equal(vm_deallocate(map, base + P, P), KERN_SUCCESS);
    assert_int_equal(vm_page_resident_total(), NPAGES - 9);     /* the child has it */
    assert_true(vm_host_page_is(child, base + P, 1));
    vm_host_map_destroy(child);
    vm_host_map_destroy(map);
}

/* Resident pages sit on the page queues; the counters agree. */
static void page_queues(void **state)
{
    vm_map_t map = vm_host_map_create();
    vaddr_t base = 0;
    assert_int_equal(vm_allocate(map, &base, 4 * P, true), KERN_SUCCESS);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(vm_host_fill(map, base + i * P, 3), KERN_SUCCESS);
    struct vm_resident_stats st;
    vm_resident_stats(&st);
    assert_int_equal(st.resident, 4);
    assert_int_equal(st.active, 4);
    assert_true(st.buckets >= 512 && (st.buckets & (st.buckets - 1)) == 0);
    paddr_t pa;
    vm_prot_t prot;
    assert_true(pmap_extract(map->pmap, base + P, &pa, &prot));
    struct vm_page *pg = vm_page_lookup(pa);
    struct vm_object *obj = pg->object;
    assert_non_null(obj);
    assert_int_equal(vm_object_resident_count(obj), 4);
    mutex_lock(&obj->lock);
    assert_ptr_equal(vm_page_resident_lookup(obj, pg->offset), pg);
    vm_page_deactivate(pg);
    mutex_unlock(&obj->lock);
    vm_resident_stats(&st);
    assert_int_equal(st.active, 3);
    assert_int_equal(st.inactive, 1);
    vm_host_map_destroy(map);
    vm_resident_stats(&st);
    assert_int_equal(st.active + st.inactive, 0);
}

/* ---- a random tree of forks ------------------------------------------- */

/*
 * Each live map has three regions: COPY (R0, 8 pages), SHARE (R1, 4
 * pages), NONE (R2, 2 pages).  The model of a region is a page array; maps
 * that share R1 point at one array.
 */
#define MAXMAPS 6
#define R0 0
#define R1 1
#define R2 2

static const size_t region_pages[3] = { 8, 4, 2 };

struct shared_pages {
    unsigned refs;
    uint8_t page[4];
};

struct live_map {
    vm_map_t map;
    uint8_t r0[8], r2[2];
    bool has_r2;
    struct shared_pages *r1;
    vm_inherit_t r1_inherit;
};

static struct live_map live[MAXMAPS];
static unsigned nlive;
static vaddr_t region_base[3];

static uint8_t *model_page(struct live_map *m, int r, size_t i)
{
    return r == R0 ? &m->r0[i] : r == R1 ? &m->r1->page[i] : &m->r2[i];
}

static void tree_fork(struct live_map *m)
{
    struct live_map *c = &live[nlive];
    assert_int_equal(vm_host_map_fork(m->map, &c->map), KERN_SUCCESS);
    memcpy(c->r0, m->r0, sizeof(c->r0));
    c->has_r2 = false;
    c->r1_inherit = m->r1_inherit;         /* entries keep their inheritance */
    if (m->r1_inherit == VM_INHERIT_SHARE) {
        c->r1 = m->r1;
        c->r1->refs++;
    } else {                                    /* COPY of a shared region */
        c->r1 = malloc(sizeof(*c->r1));
        *c->r1 = *m->r1;
        c->r1->refs = 1;
    }
    nlive++;
}

static void tree_destroy(unsigned k)
{
    vm_host_map_destroy(live[k].map);
    if (--live[k].r1->refs == 0)
        free(live[k].r1);
    live[k] = live[--nlive];
}

static void tree_write(struct live_map *m)
{
    int r = (int)(rng() % 3);
    size_t i = rng() % region_pages[r];
    uint8_t v = (uint8_t)(1 + rng() % 255);
    kern_return_t kr = vm_host_fill(m->map, region_base[r] + i * P, v);
    if (r == R2 && !m->has_r2) {
        assert_int_equal(kr, KERN_INVALID_ADDRESS);
        return;
    }
    assert_int_equal(kr, KERN_SUCCESS);
    *model_page(m, r, i) = v;
}

static void tree_check(struct live_map *m)
{
    for (int r = 0; r < 3; r++) {
        if (r == R2 && !m->has_r2)
            continue;
        for (size_t i = 0; i < region_pages[r]; i++)
            if (!vm_host_page_is(m->map, region_base[r] + i * P, *model_page(m, r, i)))
                fail_msg("region %d page %zu differs", r, i);
    }
    vm_host_check_map(m->map);
}

static void tree_step(void)
{
    unsigned k = (unsigned)(rng() % nlive);
    switch (rng() % 8) {
    case 0:
        if (nlive < MAXMAPS)
            tree_fork(&live[k]);
        break;
    case 1:
        if (nlive > 1)
            tree_destroy(k);
        break;
    case 2:
        live[k].r1_inherit = live[k].r1_inherit == VM_INHERIT_SHARE ? VM_INHERIT_COPY
                                                                    : VM_INHERIT_SHARE;
        assert_int_equal(vm_inherit(live[k].map, region_base[R1], 4 * P, live[k].r1_inherit),
                         KERN_SUCCESS);
        break;
    default:
        tree_write(&live[k]);
        break;
    }
}

/* Every reference of every object accounted for, no collapse missed. */
static void tree_check_refs(void)
{
    vm_map_t maps[MAXMAPS];
    for (unsigned k = 0; k < nlive; k++)
        maps[k] = live[k].map;
    vm_host_check_refs(maps, nlive, NULL, 0);
}

static void random_fork_tree(void **state)
{
    rng_state = 0x1234567887654321ull;
    struct live_map *m = &live[0];
    m->map = vm_host_map_create();
    for (int r = 0; r < 3; r++) {
        region_base[r] = 0;
        assert_int_equal(vm_allocate(m->map, &region_base[r], region_pages[r] * P, true),
                         KERN_SUCCESS);
    }
    assert_int_equal(vm_inherit(m->map, region_base[R1], 4 * P, VM_INHERIT_SHARE),
                     KERN_SUCCESS);
    assert_int_equal(vm_inherit(m->map, region_base[R2], 2 * P, VM_INHERIT_NONE),
                     KERN_SUCCESS);
    memset(m->r0, 0, sizeof(m->r0));
    memset(m->r2, 0, sizeof(m->r2));
    m->has_r2 = true;
    m->r1 = calloc(1, sizeof(*m->r1));
    m->r1->refs = 1;
    m->r1_inherit = VM_INHERIT_SHARE;
    nlive = 1;
    for (unsigned step = 0; step < 4000; step++) {
        tree_step();
        tree_check(&live[rng() % nlive]);
        tree_check_refs();
        if (step % 500 == 0)
            for (unsigned k = 0; k < nlive; k++)
                tree_check(&live[k]);
    }
    while (nlive > 0) {
        tree_destroy(nlive - 1);
        tree_check_refs();
    }
}

/* ---- rounds of forks with a shared region ------------------------------ */

/*
 * A task like a real one: text (read-only), data and heap in one allocation
 * (so one object behind three entries), a stack apart; some pages written,
 * everything needs_copy from an earlier fork.
 */
struct task_layout {
    vaddr_t text, data, heap, stack;
};

#define TEXT_PAGES  4
#define DATA_PAGES  4
#define HEAP_PAGES  8
#define STACK_PAGES 8
#define SHARED_PAGES 3
#define CHILDREN    64

static void task_layout_setup(vm_map_t map, struct task_layout *l)
{
    l->text = 0x100000;
    assert_int_equal(vm_allocate(map, &l->text, (TEXT_PAGES + DATA_PAGES + HEAP_PAGES) * P,
                                 false), KERN_SUCCESS);
    l->data = l->text + TEXT_PAGES * P;
    l->heap = l->data + DATA_PAGES * P;
    l->stack = 0x800000;
    assert_int_equal(vm_allocate(map, &l->stack, STACK_PAGES * P, false), KERN_SUCCESS);
    for (size_t i = 0; i < TEXT_PAGES; i++)
        assert_int_equal(vm_host_fill(map, l->text + i * P, (uint8_t)(0x70 + i)), KERN_SUCCESS);
    assert_int_equal(vm_protect(map, l->text, TEXT_PAGES * P, false,
                                VM_PROT_READ | VM_PROT_EXECUTE), KERN_SUCCESS);
    for (size_t i = 0; i < DATA_PAGES; i++)
        assert_int_equal(vm_host_fill(map, l->data + i * P, (uint8_t)(0xd0 + i)), KERN_SUCCESS);
    assert_int_equal(vm_host_fill(map, l->heap, 0x40), KERN_SUCCESS);
    for (size_t i = STACK_PAGES - 2; i < STACK_PAGES; i++)
        assert_int_equal(vm_host_fill(map, l->stack + i * P, 0x50), KERN_SUCCESS);
    vm_map_t earlier;
    assert_int_equal(vm_host_map_fork(map, &earlier), KERN_SUCCESS);
    vm_host_map_destroy(earlier);
}

/* The parent and its live children: the whole VM, for vm_host_check_refs. */
static void audit_family(vm_map_t parent, vm_map_t *kids, unsigned nkids)
{
    vm_map_t maps[CHILDREN + 1];
    maps[0] = parent;
    for (unsigned k = 0; k < nkids; k++)
        maps[k + 1] = kids[k];
    vm_host_check_refs(maps, nkids + 1, NULL, 0);
}

enum child_life {
    DIE_AT_ONCE,        /* each child dies before the next fork */
    DIE_AT_END,         /* all live until the last fork */
    DIE_AT_RANDOM,      /* some die after each fork */
};

/*
 * One round of the many-tasks pattern: a new 3-page region R shared
 * (VM_INHERIT_SHARE) with 64 children made one after another; between
 * forks the parent writes R, its data and its stack (copy-on-write faults
 * while children live); each child writes R, its stack and data, and a
 * stack of its own, then dies when `life` says; then R goes.
 */
static void share_round(vm_map_t parent, const struct task_layout *l, enum child_life life,
                        uint8_t data_model[DATA_PAGES])
{
    vm_map_t kids[CHILDREN];
    unsigned nkids = 0;
    vaddr_t r = 0;
    uint8_t r_model[SHARED_PAGES] = { 0, 0, 0 };
    assert_int_equal(vm_allocate(parent, &r, SHARED_PAGES * P, true), KERN_SUCCESS);
    assert_int_equal(vm_inherit(parent, r, SHARED_PAGES * P, VM_INHERIT_SHARE), KERN_SUCCESS);
    for (unsigned i = 0; i < CHILDREN; i++) {
        size_t d = rng() % DATA_PAGES;
        data_model[d] = (uint8_t)(i + 1);
        assert_int_equal(vm_host_fill(parent, l->data + d * P, data_model[d]), KERN_SUCCESS);
        assert_int_equal(vm_host_fill(parent, l->stack + (4 + rng() % 4) * P, (uint8_t)i),
                         KERN_SUCCESS);
        size_t pr = i % SHARED_PAGES;
        r_model[pr] = (uint8_t)(0x80 + i);
        assert_int_equal(vm_host_fill(parent, r + pr * P, r_model[pr]), KERN_SUCCESS);
        vm_map_t c;
        assert_int_equal(vm_host_map_fork(parent, &c), KERN_SUCCESS);
        /* The parent goes on writing while the child lives. */
        assert_int_equal(vm_host_fill(parent, l->stack + (4 + rng() % 4) * P, (uint8_t)~i),
                         KERN_SUCCESS);
        size_t cr = (i + 1) % SHARED_PAGES;
        r_model[cr] = (uint8_t)(0xc0 + i % 64);
        assert_int_equal(vm_host_fill(c, r + cr * P, r_model[cr]), KERN_SUCCESS);
        assert_int_equal(vm_host_fill(c, l->stack + (4 + rng() % 4) * P, 0xcc), KERN_SUCCESS);
        assert_int_equal(vm_host_fill(c, l->data + (rng() % DATA_PAGES) * P, 0xcd), KERN_SUCCESS);
        vaddr_t cstack = 0;
        assert_int_equal(vm_allocate(c, &cstack, 16 * P, true), KERN_SUCCESS);
        assert_int_equal(vm_host_fill(c, cstack + 15 * P, 0xce), KERN_SUCCESS);
        /* Both see R's writes; the parent does not see the child's data. */
        for (size_t k = 0; k < SHARED_PAGES; k++) {
            assert_true(vm_host_page_is(parent, r + k * P, r_model[k]));
            assert_true(vm_host_page_is(c, r + k * P, r_model[k]));
        }
        expect_model(parent, l->data, data_model, DATA_PAGES);
        vm_host_check_map(c);
        kids[nkids++] = c;
        unsigned deaths = life == DIE_AT_ONCE ? nkids
                          : life == DIE_AT_END ? 0 : (unsigned)(rng() % (nkids + 1));
        while (deaths-- > 0) {
            unsigned k = (unsigned)(rng() % nkids);
            vm_host_map_destroy(kids[k]);
            kids[k] = kids[--nkids];
        }
        audit_family(parent, kids, nkids);
    }
    while (nkids > 0) {
        vm_host_map_destroy(kids[--nkids]);
        audit_family(parent, kids, nkids);
    }
    vm_host_check_map(parent);
    assert_int_equal(vm_deallocate(parent, r, SHARED_PAGES * P), KERN_SUCCESS);
    expect_model(parent, l->data, data_model, DATA_PAGES);
    audit_family(parent, NULL, 0);
}

/*
 * The many-tasks leak: after each round of share_round, the objects, the
 * resident pages and the free pages are exactly what they were before it.
 * A shadow whose other users (the children) all died used to stay in the
 * parent's chains, holding the pages the parent had since copied, until the
 * parent's next fault in that entry or its next fork: two objects and two
 * pages per round in the kernel's test, 128 objects here with 64 children
 * alive at once.  The first round is a warm-up, which must add exactly
 * one object: the data's first write after a fork gives it a shadow for
 * good (its object is also the text's and the heap's, so it is never
 * referenced once); it also touches every page the later rounds touch.
 */
static void share_fork_rounds(void **state)
{
    static const enum child_life lives[] = { DIE_AT_ONCE, DIE_AT_END, DIE_AT_RANDOM };
    rng_state = 0x5eed5eed5eedull;
    for (size_t m = 0; m < sizeof(lives) / sizeof(lives[0]); m++) {
        vm_map_t parent = vm_host_map_create();
        struct task_layout l;
        uint8_t data_model[DATA_PAGES];
        task_layout_setup(parent, &l);
        for (size_t i = 0; i < DATA_PAGES; i++)
            data_model[i] = (uint8_t)(0xd0 + i);
        size_t objects = vm_object_total_count();
        share_round(parent, &l, lives[m], data_model);        /* warm-up */
        assert_int_equal(vm_object_total_count(), objects + 1);     /* the data's shadow */
        objects = vm_object_total_count();
        size_t resident = vm_page_resident_total();
        size_t free_pages = vm_page_available_count();
        for (unsigned round = 1; round <= 6; round++) {
            share_round(parent, &l, lives[m], data_model);
            if (vm_object_total_count() != objects || vm_page_resident_total() != resident ||
                vm_page_available_count() != free_pages)
                fail_msg("life %zu round %u: objects %zu -> %zu, resident %zu -> %zu, "
                         "free %zu -> %zu", m, round, objects, vm_object_total_count(),
                         resident, vm_page_resident_total(), free_pages, vm_page_available_count());
        }
        vm_host_map_destroy(parent);
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(generations),
        T(overlapping_generations),
        T(collapse_moves_pages),
        T(collapse_drops_out_of_window),
        T(unmapped_pages_freed),
        T(page_queues),
        T(random_fork_tree),
        T(share_fork_rounds),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
