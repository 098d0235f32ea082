// SPDX-License-Identifier: MIT
/*
 * vm_map entries (vm/vm_map.c, vm/vm_user.c) against a model: one record
 * per page (mapped, protection, maximum, inheritance, contents), under long
 * random sequences (fixed seeds) of vm_allocate (fixed and anywhere),
 * vm_deallocate, vm_protect, vm_inherit, and in the second half writes and
 * vm_copy.  After each step the return code must be the model's, the
 * regions must match page by page, and the map invariants must hold.
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
#include <vm/vm_map_copy.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_user.h>
#include "fake_pmap.h"
#include "host_support.h"
#include "vm_host.h"

#define P PAGE_SIZE
#define NPAGES 192                      /* the test map: [BASE, BASE + NPAGES pages) */
#define BASE 0x100000UL

struct page_model {
    bool mapped;
    vm_prot_t prot, max;
    vm_inherit_t inherit;
    uint8_t byte;                       /* every byte of the page */
};

static struct page_model model[NPAGES];
static uint64_t rng_state;
static size_t baseline;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t pick(size_t n)
{
    return (size_t)(rng() % n);
}

static vaddr_t page_va(size_t i)
{
    return BASE + i * P;
}

static vm_map_t model_map_create(void)
{
    memset(model, 0, sizeof(model));
    vm_map_t map = vm_map_create(pmap_create(), BASE, BASE + NPAGES * P);
    assert_non_null(map);
    return map;
}

static int group_setup(void **state)
{
    vm_host_init(4096);
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

/* ---- the model's answers ------------------------------------------------ */

static bool any_mapped(size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++)
        if (model[i].mapped)
            return true;
    return false;
}

static bool all_mapped(size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++)
        if (!model[i].mapped)
            return false;
    return true;
}

/* First fit, as vm_map_find_space: the lowest run of n free pages. */
static long model_find(size_t n)
{
    for (size_t i = 0; i + n <= NPAGES; i++)
        if (!any_mapped(i, n))
            return (long)i;
    return -1;
}

static void model_map(size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++)
        model[i] = (struct page_model){ true, VM_PROT_DEFAULT, VM_PROT_ALL,
                                        VM_INHERIT_DEFAULT, 0 };
}

/* First page of the range not mapped, or not allowing `prot`, decides. */
static kern_return_t model_check_access(size_t first, size_t n, vm_prot_t prot)
{
    for (size_t i = first; i < first + n; i++) {
        if (!model[i].mapped)
            return KERN_INVALID_ADDRESS;
        if ((model[i].prot & prot) != prot)
            return KERN_PROTECTION_FAILURE;
    }
    return KERN_SUCCESS;
}

/* ---- checks ------------------------------------------------------------- */

static bool same_attrs(const struct page_model *a, const struct page_model *b)
{
    return a->prot == b->prot && a->max == b->max && a->inherit == b->inherit;
}

/*
 * The regions must cover exactly the mapped pages with their attributes.
 * With `exact` (nothing touched: every entry anonymous and untouched) there
 * must also be one entry per maximal run of equal attributes: merging.
 */
static void check_against_model(vm_map_t map, bool exact, uint64_t step)
{
    vm_host_check_map(map);
    struct vm_host_region r[NPAGES];
    size_t n = vm_host_regions(map, r, NPAGES);
    size_t covered = 0, runs = 0;
    for (size_t k = 0; k < n; k++) {
        for (vaddr_t va = r[k].start; va < r[k].start + r[k].size; va += P) {
            size_t i = (va - BASE) / P;
            struct page_model *m = &model[i];
            if (!m->mapped || m->prot != r[k].prot || m->max != r[k].max_prot ||
                m->inherit != r[k].inherit)
                fail_msg("step %llu: page %zu differs from the model",
                         (unsigned long long)step, i);
            covered++;
        }
    }
    for (size_t i = 0; i < NPAGES; i++) {
        if (model[i].mapped && (i == 0 || !model[i - 1].mapped ||
                                !same_attrs(&model[i - 1], &model[i])))
            runs++;
        covered -= model[i].mapped;
    }
    assert_int_equal(covered, 0);
    if (exact && n != runs)
        fail_msg("step %llu: %zu entries for %zu runs: not merged",
                 (unsigned long long)step, n, runs);
    assert_int_equal(vm_map_entry_count(map), n);
}

static void check_contents(vm_map_t map, size_t i)
{
    if (!model[i].mapped || !(model[i].prot & VM_PROT_READ))
        return;
    if (!vm_host_page_is(map, page_va(i), model[i].byte))
        fail_msg("page %zu does not hold 0x%02x", i, model[i].byte);
}

/* ---- operations --------------------------------------------------------- */

static void op_allocate(vm_map_t map)
{
    size_t n = 1 + pick(8);
    kern_return_t kr, want;
    if (pick(2) == 0) {
        long i = model_find(n);
        vaddr_t a = 0;
        want = i < 0 ? KERN_NO_SPACE : KERN_SUCCESS;
        kr = vm_allocate(map, &a, n * P, true);
        assert_int_equal(kr, want);
        if (kr == KERN_SUCCESS) {
            assert_int_equal(a, page_va((size_t)i));
            model_map((size_t)i, n);
        }
        return;
    }
    size_t i = pick(NPAGES + 4);                /* sometimes past the end */
    vaddr_t a = page_va(i);
    if (i + n > NPAGES)
        want = KERN_INVALID_ADDRESS;
    else
        want = any_mapped(i, n) ? KERN_NO_SPACE : KERN_SUCCESS;
    assert_int_equal(vm_allocate(map, &a, n * P, false), want);
    if (want == KERN_SUCCESS)
        model_map(i, n);
}

static void op_deallocate(vm_map_t map)
{
    size_t i = pick(NPAGES), n = 1 + pick(12);
    if (i + n > NPAGES)
        n = NPAGES - i;
    assert_int_equal(vm_deallocate(map, page_va(i), n * P), KERN_SUCCESS);
    for (size_t k = i; k < i + n; k++)
        model[k].mapped = false;
}

static void op_protect(vm_map_t map)
{
    static const vm_prot_t prots[] = {
        VM_PROT_NONE, VM_PROT_READ, VM_PROT_DEFAULT, VM_PROT_ALL,
        VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_DEFAULT,
    };
    size_t i = pick(NPAGES), n = 1 + pick(10);
    if (i + n > NPAGES)
        n = NPAGES - i;
    bool set_max = pick(5) == 0;
    vm_prot_t prot = prots[pick(ARRAY_SIZE(prots))];
    kern_return_t want = all_mapped(i, n) ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
    for (size_t k = i; k < i + n && want == KERN_SUCCESS; k++)
        if ((prot & ~model[k].max) != 0)
            want = KERN_PROTECTION_FAILURE;
    assert_int_equal(vm_protect(map, page_va(i), n * P, set_max, prot), want);
    for (size_t k = i; k < i + n && want == KERN_SUCCESS; k++) {
        if (set_max) {
            model[k].max = prot;
            model[k].prot &= prot;
        } else {
            model[k].prot = prot;
        }
    }
}

static void op_inherit(vm_map_t map)
{
    size_t i = pick(NPAGES), n = 1 + pick(10);
    if (i + n > NPAGES)
        n = NPAGES - i;
    vm_inherit_t inh = (vm_inherit_t)pick(4);  /* 3 is not a value */
    kern_return_t want = inh == 3 ? KERN_INVALID_ARGUMENT
                         : all_mapped(i, n) ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
    assert_int_equal(vm_inherit(map, page_va(i), n * P, inh), want);
    for (size_t k = i; k < i + n && want == KERN_SUCCESS; k++)
        model[k].inherit = inh;
}

static void op_write(vm_map_t map)
{
    size_t i = pick(NPAGES);
    uint8_t byte = (uint8_t)(1 + pick(255));
    kern_return_t want = model_check_access(i, 1, VM_PROT_WRITE);
    assert_int_equal(vm_host_fill(map, page_va(i), byte), want);
    if (want == KERN_SUCCESS)
        model[i].byte = byte;
}

static void op_copy(vm_map_t map)
{
    size_t n = 1 + pick(6), s = pick(NPAGES - n), d = pick(NPAGES - n);
    kern_return_t want = model_check_access(d, n, VM_PROT_WRITE);
    if (want == KERN_SUCCESS)
        want = model_check_access(s, n, VM_PROT_READ);
    assert_int_equal(vm_copy(map, page_va(s), n * P, page_va(d)), want);
    if (want != KERN_SUCCESS)
        return;
    uint8_t bytes[8];
    for (size_t k = 0; k < n; k++)
        bytes[k] = model[s + k].byte;
    for (size_t k = 0; k < n; k++)
        model[d + k].byte = bytes[k];
}

/* ---- the tests ---------------------------------------------------------- */

static void run_random(uint64_t seed, unsigned steps, bool with_data)
{
    rng_state = seed;
    vm_map_t map = model_map_create();
    for (unsigned step = 0; step < steps; step++) {
        switch (pick(with_data ? 7 : 5)) {
        case 0: op_allocate(map); op_allocate(map); break;
        case 1: op_deallocate(map); break;
        case 2: op_protect(map); break;
        case 3: op_inherit(map); break;
        case 4: op_allocate(map); break;
        case 5: op_write(map); op_write(map); break;
        default: op_copy(map); break;
        }
        check_against_model(map, !with_data, step);
        if (with_data) {
            check_contents(map, pick(NPAGES));
            if (step % 200 == 0)
                for (size_t i = 0; i < NPAGES; i++)
                    check_contents(map, i);
        }
    }
    pmap_t pmap = map->pmap;
    vm_map_deallocate(map);
    assert_int_equal(pmap_resident_count(pmap), 0);
    pmap_destroy(pmap);
}

/* Entry bookkeeping alone: every entry stays untouched, so all must merge. */
static void random_entries(void **state)
{
    run_random(0x9e3779b97f4a7c15ull, 20000, false);
    run_random(12345, 20000, false);
}

/* The same with writes and vm_copy: objects, shadows, contents. */
static void random_entries_with_data(void **state)
{
    run_random(0xdeadbeefcafef00dull, 6000, true);
    run_random(777, 6000, true);
}

/* The merging and clipping promised, on a small script. */
static void merge_and_clip(void **state)
{
    vm_map_t map = model_map_create();
    vaddr_t a = BASE + 4 * P;
    for (int i = 0; i < 4; i++) {
        vaddr_t x = a + (vaddr_t)i * 2 * P;
        assert_int_equal(vm_allocate(map, &x, 2 * P, false), KERN_SUCCESS);
    }
    assert_int_equal(vm_map_entry_count(map), 1);               /* all merged */
    assert_int_equal(vm_protect(map, a + 3 * P, 2 * P, false, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(vm_map_entry_count(map), 3);               /* clipped */
    assert_int_equal(vm_protect(map, a + 3 * P, 2 * P, false, VM_PROT_DEFAULT), KERN_SUCCESS);
    assert_int_equal(vm_map_entry_count(map), 1);               /* merged back */
    /* Touched memory: same object, contiguous offsets -> merged back too. */
    assert_int_equal(vm_host_fill(map, a, 0x12), KERN_SUCCESS);
    assert_int_equal(vm_protect(map, a + P, P, false, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(vm_map_entry_count(map), 3);
    assert_int_equal(vm_protect(map, a + P, P, false, VM_PROT_DEFAULT), KERN_SUCCESS);
    assert_int_equal(vm_map_entry_count(map), 1);
    assert_true(vm_host_page_is(map, a, 0x12));
    /* A hole splits; filling it merges again only while untouched. */
    assert_int_equal(vm_deallocate(map, a + 4 * P, P), KERN_SUCCESS);
    assert_int_equal(vm_map_entry_count(map), 2);
    vaddr_t x = a + 4 * P;
    assert_int_equal(vm_allocate(map, &x, P, false), KERN_SUCCESS);
    assert_int_equal(vm_map_entry_count(map), 3);               /* object vs none */
    vm_host_check_map(map);
    vm_host_map_destroy(map);
}

/*
 * Copy-on-write marks half an entry needs_copy (a copy of it was taken);
 * a fork then marks the other half too: the halves must merge again.
 */
static void merge_after_fork(void **state)
{
    vm_map_t map = model_map_create(), child;
    vaddr_t a = BASE;
    assert_int_equal(vm_allocate(map, &a, 8 * P, false), KERN_SUCCESS);
    assert_int_equal(vm_host_fill(map, a, 1), KERN_SUCCESS);
    vm_map_copy_t copy;
    assert_int_equal(vm_map_copyin(map, a, 4 * P, false, &copy), KERN_SUCCESS);
    vm_map_copy_discard(copy);
    assert_int_equal(vm_map_entry_count(map), 2);               /* needs_copy differs */
    assert_int_equal(vm_host_map_fork(map, &child), KERN_SUCCESS);
    assert_int_equal(vm_map_entry_count(map), 1);
    assert_int_equal(vm_map_entry_count(child), 1);
    vm_host_check_map(map);
    vm_host_check_map(child);
    vm_host_map_destroy(child);
    vm_host_map_destroy(map);
}

/* Calling an internal function without the map lock is caught. */
static void lock_contract(void **state)
{
    vm_map_t map = model_map_create();
    struct vm_map_entry *e;
    EXPECT_PANIC(vm_map_lookup_entry(map, BASE, &e));
    vm_host_map_destroy(map);
}

/* vm_region reports the region at or after the address. */
static void region_walk(void **state)
{
    vm_map_t map = model_map_create();
    vaddr_t x = BASE + 10 * P;
    assert_int_equal(vm_allocate(map, &x, 3 * P, false), KERN_SUCCESS);
    assert_int_equal(vm_inherit(map, x, 3 * P, VM_INHERIT_NONE), KERN_SUCCESS);
    vaddr_t addr = BASE;
    vm_size_t size;
    vm_prot_t prot, max;
    vm_inherit_t inh;
    bool shared;
    vm_offset_t off;
    assert_int_equal(vm_region(map, &addr, &size, &prot, &max, &inh, &shared, &off),
                     KERN_SUCCESS);
    assert_int_equal(addr, BASE + 10 * P);
    assert_int_equal(size, 3 * P);
    assert_int_equal(prot, VM_PROT_DEFAULT);
    assert_int_equal(max, VM_PROT_ALL);
    assert_int_equal(inh, VM_INHERIT_NONE);
    assert_false(shared);
    addr = BASE + 12 * P + 5;                   /* inside: the same region */
    assert_int_equal(vm_region(map, &addr, &size, &prot, &max, &inh, &shared, &off),
                     KERN_SUCCESS);
    assert_int_equal(addr, BASE + 10 * P);
    addr = BASE + 13 * P;
    assert_int_equal(vm_region(map, &addr, &size, &prot, &max, &inh, &shared, &off),
                     KERN_NO_SPACE);
    vm_host_map_destroy(map);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(merge_and_clip),
        T(region_walk),
        T(merge_after_fork),
        T(lock_contract),
        T(random_entries),
        T(random_entries_with_data),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
