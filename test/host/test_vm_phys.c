// SPDX-License-Identifier: MIT
/*
 * Physical mappings for user-level drivers (vm/vm_phys.c) over simulated
 * RAM and a fake pmap with one fake device range: faults map the right
 * frames, protections hold, fork, vm_inherit and every copy path refuse
 * them, and teardown frees a DMA block exactly once (never device
 * registers), however the mapping goes.  Each test ends by checking that
 * every page, object and entry came back and no translation is left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
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
#include <vm/vm_phys.h>
#include <vm/vm_resident.h>
#include <vm/vm_user.h>
#include "fake_pmap.h"
#include "vm_host.h"

#define P PAGE_SIZE
#define RAM_PAGES 4096
#define DEV_BASE 0x10000000UL       /* fake device registers, outside RAM */
#define DEV_PAGES 4
#define RW (VM_PROT_READ | VM_PROT_WRITE)

static size_t baseline;

static int group_setup(void **state)
{
    vm_host_init(RAM_PAGES);
    fake_pmap_set_device(DEV_BASE, DEV_PAGES);
    return 0;
}

static int test_setup(void **state)
{
    baseline = vm_page_available_count();
    vm_host_fail_after(-1);
    fake_pmap_fail_enter(false);
    return 0;
}

static int test_teardown(void **state)
{
    vm_host_fail_after(-1);
    fake_pmap_fail_enter(false);
    vm_host_check_clean(baseline);
    assert_int_equal(fake_pmap_live(), 0);
    for (size_t i = 0; i < DEV_PAGES; i++)
        assert_int_equal(fake_pmap_mapcount(DEV_BASE + i * P), 0);
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* A block of 2^order pages, as kern/device.c takes it for DMA. */
static paddr_t block_alloc(unsigned order)
{
    struct vm_page *pg = vm_page_alloc(order);
    assert_non_null(pg);
    return pg->phys;
}

static void block_free(paddr_t pa, unsigned order)
{
    vm_page_free(vm_page_lookup(pa), order);
}

/* Is the block at pa still allocated (not given back)? */
static bool block_allocated(paddr_t pa)
{
    return vm_page_lookup(pa)->state == VM_PAGE_ALLOCATED;
}

static vaddr_t enter(vm_map_t map, paddr_t pa, vm_size_t size, vm_prot_t prot, int order)
{
    vaddr_t va = 0;
    assert_int_equal(vm_map_enter_phys(map, &va, pa, size, prot, order), KERN_SUCCESS);
    assert_true(va >= map->min && va + size <= map->max && (va & PAGE_MASK) == 0);
    return va;
}

static vaddr_t alloc_any(vm_map_t map, vm_size_t size)
{
    vaddr_t a = 0;
    assert_int_equal(vm_allocate(map, &a, size, true), KERN_SUCCESS);
    return a;
}

/* The frame mapped at va (fails the test if there is none). */
static paddr_t frame_of(vm_map_t map, vaddr_t va)
{
    paddr_t pa = 0;
    vm_prot_t prot;
    if (!pmap_extract(map->pmap, va, &pa, &prot))
        fail_msg("nothing mapped at 0x%lx", (unsigned long)va);
    return pa;
}

static bool is_mapped(vm_map_t map, vaddr_t va)
{
    paddr_t pa;
    vm_prot_t prot;
    return pmap_extract(map->pmap, va, &pa, &prot);
}

static vm_prot_t mapped_prot(vm_map_t map, vaddr_t va)
{
    paddr_t pa;
    vm_prot_t prot;
    return pmap_extract(map->pmap, va, &pa, &prot) ? prot : VM_PROT_NONE;
}

static void fill_pages(vm_map_t map, vaddr_t a, size_t npages, uint8_t byte)
{
    for (size_t i = 0; i < npages; i++)
        assert_int_equal(vm_host_fill(map, a + i * P, byte), KERN_SUCCESS);
}

static void expect_pages(vm_map_t map, vaddr_t a, size_t npages, uint8_t byte)
{
    for (size_t i = 0; i < npages; i++)
        if (!vm_host_page_is(map, a + i * P, byte))
            fail_msg("page at 0x%lx is not all 0x%02x", (unsigned long)(a + i * P), byte);
}

/* Is every byte of the physical page at pa `byte`? */
static bool frame_is(paddr_t pa, uint8_t byte)
{
    const uint8_t *p = phys_to_virt(pa);
    for (size_t i = 0; i < P; i++)
        if (p[i] != byte)
            return false;
    return true;
}

/* ---- out of memory (first: the zones are empty, so allocations happen) -- */

/*
 * Every allocation of vm_map_enter_phys failing in turn: the map is left
 * empty and the block is still the caller's (kern/device.c frees it).
 */
static void oom_enter(void **state)
{
    bool saw_shortage = false;
    for (long k = 0;; k++) {
        vm_map_t map = vm_host_map_create();
        paddr_t pa = block_alloc(1);
        vaddr_t va = 0;
        vm_host_fail_after(k);
        kern_return_t kr = vm_map_enter_phys(map, &va, pa, 2 * P, RW, 1);
        vm_host_fail_after(-1);
        vm_host_check_map(map);
        if (kr != KERN_SUCCESS) {
            assert_int_equal(kr, KERN_RESOURCE_SHORTAGE);
            assert_int_equal(vm_host_regions(map, NULL, 0), 0);
            assert_int_equal(vm_object_total_count(), 0);
            assert_true(block_allocated(pa));
            block_free(pa, 1);
            saw_shortage = true;
        } else {
            assert_int_equal(vm_fault(map, va + P, VM_PROT_WRITE), KERN_SUCCESS);
            assert_int_equal(frame_of(map, va + P), pa + P);
        }
        vm_host_map_destroy(map);
        vm_host_check_clean(baseline);
        if (kr == KERN_SUCCESS)
            break;
        assert_true(k < 16);
    }
    assert_true(saw_shortage);
    /* pmap_enter failing (no page-table page): the fault says so, and retries. */
    vm_map_t map = vm_host_map_create();
    paddr_t pa = block_alloc(0);
    vaddr_t va = enter(map, pa, P, RW, 0);
    fake_pmap_fail_enter(true);
    assert_int_equal(vm_fault(map, va, VM_PROT_READ), KERN_RESOURCE_SHORTAGE);
    fake_pmap_fail_enter(false);
    assert_false(is_mapped(map, va));
    assert_int_equal(vm_fault(map, va, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(frame_of(map, va), pa);
    vm_host_map_destroy(map);
}

/* ---- faults ------------------------------------------------------------- */

/*
 * A DMA block: nothing is mapped until touched; each page faults to its
 * own frame, with no zero fill, no copy and no resident page; a
 * translation taken away is faulted back to the same frame.
 */
static void dma_fault_maps_frames(void **state)
{
    vm_map_t map = vm_host_map_create();
    paddr_t pa = block_alloc(2);
    for (size_t i = 0; i < 4; i++)
        memset(phys_to_virt(pa + i * P), (int)(0x10 + i), P);
    struct fake_pmap_stats before = fake_pmap_stats();
    vaddr_t va = enter(map, pa, 4 * P, RW, 2);
    assert_int_equal(pmap_resident_count(map->pmap), 0);
    const struct vm_host_region r = { va, 4 * P, RW, RW, VM_INHERIT_NONE, false, 0 };
    vm_host_assert_regions(map, &r, 1);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(vm_fault(map, va + i * P + 17, VM_PROT_READ), KERN_SUCCESS);
        assert_int_equal(frame_of(map, va + i * P), pa + i * P);
        assert_int_equal(mapped_prot(map, va + i * P), RW);
    }
    for (size_t i = 0; i < 4; i++)
        expect_pages(map, va + i * P, 1, (uint8_t)(0x10 + i));      /* not zeroed */
    fill_pages(map, va + P, 1, 0x77);
    assert_true(frame_is(pa + P, 0x77));        /* the device sees the write itself */
    struct fake_pmap_stats after = fake_pmap_stats();
    assert_int_equal(after.zero_pages, before.zero_pages);
    assert_int_equal(after.copy_pages, before.copy_pages);
    assert_int_equal(vm_page_resident_total(), 0);
    assert_int_equal(vm_object_total_count(), 1);
    struct vm_map_info info;
    vm_map_info(map, &info);
    assert_int_equal(info.entries, 1);
    assert_int_equal(info.virtual_size, 4 * P);
    assert_int_equal(info.resident_pages, 4);

    /* The pmap is a cache: a translation removed comes back by a fault. */
    pmap_remove(map->pmap, va + 2 * P, va + 3 * P);
    assert_false(is_mapped(map, va + 2 * P));
    assert_int_equal(vm_fault(map, va + 2 * P, VM_PROT_WRITE), KERN_SUCCESS);
    assert_int_equal(frame_of(map, va + 2 * P), pa + 2 * P);
    expect_pages(map, va + 2 * P, 1, 0x12);
    vm_host_check_map(map);
    vm_host_check_refs(&map, 1, NULL, 0);
    vm_host_map_destroy(map);
    assert_false(block_allocated(pa));
}

/*
 * Device registers (free_order -1) outside RAM: faults go to the device
 * frames; removing the mapping removes the translations and frees nothing.
 * A RAM block entered with -1 is not freed either.
 */
static void device_registers_never_freed(void **state)
{
    vm_map_t map = vm_host_map_create();
    vaddr_t va = enter(map, DEV_BASE + P, 2 * P, RW, -1);
    assert_int_equal(vm_fault(map, va + P, VM_PROT_WRITE), KERN_SUCCESS);
    assert_int_equal(frame_of(map, va + P), DEV_BASE + 2 * P);
    assert_int_equal(vm_fault(map, va, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(frame_of(map, va), DEV_BASE + P);
    assert_int_equal(fake_pmap_mapcount(DEV_BASE + 2 * P), 1);
    vm_host_check_map(map);
    assert_int_equal(vm_deallocate(map, va, 2 * P), KERN_SUCCESS);
    assert_int_equal(fake_pmap_mapcount(DEV_BASE + P), 0);
    assert_int_equal(fake_pmap_mapcount(DEV_BASE + 2 * P), 0);
    assert_int_equal(vm_object_total_count(), 0);
    assert_int_equal(vm_fault(map, va, VM_PROT_READ), KERN_INVALID_ADDRESS);

    /* Twice the same registers, then the whole map goes. */
    vaddr_t a = enter(map, DEV_BASE, P, RW, -1), b = enter(map, DEV_BASE, P, RW, -1);
    assert_int_equal(vm_fault(map, a, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(vm_fault(map, b, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(fake_pmap_mapcount(DEV_BASE), 2);

    paddr_t pa = block_alloc(1);
    size_t avail = vm_page_available_count();
    vaddr_t r = enter(map, pa, 2 * P, RW, -1);
    fill_pages(map, r, 2, 0x3c);
    vm_host_check_map(map);
    vm_host_map_destroy(map);
    assert_int_equal(fake_pmap_mapcount(DEV_BASE), 0);
    assert_true(block_allocated(pa));
    assert_true(frame_is(pa, 0x3c) && frame_is(pa + P, 0x3c));
    assert_true(vm_page_available_count() >= avail);    /* zone pages may come back */
    block_free(pa, 1);
}

/* Protection faults; vm_protect lowers, raises up to the maximum only. */
static void protections(void **state)
{
    vm_map_t map = vm_host_map_create();
    paddr_t ro = block_alloc(0);
    vaddr_t r = enter(map, ro, P, VM_PROT_READ, 0);
    assert_int_equal(vm_fault(map, r, VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_fault(map, r, VM_PROT_EXECUTE), KERN_PROTECTION_FAILURE);
    assert_false(is_mapped(map, r));
    assert_int_equal(vm_fault(map, r, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(mapped_prot(map, r), VM_PROT_READ);
    assert_int_equal(frame_of(map, r), ro);
    assert_int_equal(vm_fault(map, r, VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_protect(map, r, P, false, RW), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_protect(map, r, P, true, RW), KERN_PROTECTION_FAILURE);
    vm_host_check_map(map);
    assert_int_equal(vm_deallocate(map, r, P), KERN_SUCCESS);

    paddr_t pa = block_alloc(1);
    vaddr_t va = enter(map, pa, 2 * P, RW, 1);
    fill_pages(map, va, 2, 0x61);
    assert_int_equal(vm_protect(map, va, P, false, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(mapped_prot(map, va), VM_PROT_READ);      /* lowered in the pmap */
    assert_int_equal(mapped_prot(map, va + P), RW);
    assert_int_equal(vm_fault(map, va, VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_map_entry_count(map), 2);
    vm_host_check_map(map);
    assert_int_equal(vm_protect(map, va, P, false, RW), KERN_SUCCESS);
    assert_int_equal(vm_map_entry_count(map), 1);              /* merged back */
    assert_int_equal(vm_fault(map, va, VM_PROT_WRITE), KERN_SUCCESS);
    assert_int_equal(frame_of(map, va), pa);
    assert_int_equal(mapped_prot(map, va), RW);
    /* Beyond the maximum (the protection it was entered with). */
    assert_int_equal(vm_protect(map, va, 2 * P, false, RW | VM_PROT_EXECUTE),
                     KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_fault(map, va, VM_PROT_EXECUTE), KERN_PROTECTION_FAILURE);
    /* The maximum goes down for good. */
    assert_int_equal(vm_protect(map, va + P, P, true, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(mapped_prot(map, va + P), VM_PROT_READ);
    assert_int_equal(vm_protect(map, va + P, P, false, RW), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_fault(map, va + P, VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
    /* No access at all: the translation goes; back to read, same frame. */
    assert_int_equal(vm_protect(map, va, 2 * P, false, VM_PROT_NONE), KERN_SUCCESS);
    assert_false(is_mapped(map, va) || is_mapped(map, va + P));
    assert_int_equal(vm_fault(map, va, VM_PROT_READ), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_protect(map, va, 2 * P, false, VM_PROT_READ), KERN_SUCCESS);
    expect_pages(map, va, 2, 0x61);
    assert_int_equal(frame_of(map, va + P), pa + P);
    const struct vm_host_region regions[] = {
        { va, P, VM_PROT_READ, RW, VM_INHERIT_NONE, false, 0 },
        { va + P, P, VM_PROT_READ, VM_PROT_READ, VM_INHERIT_NONE, false, P },
    };
    vm_host_assert_regions(map, regions, 2);
    vm_host_check_map(map);
    vm_host_check_refs(&map, 1, NULL, 0);
    vm_host_map_destroy(map);
}

/* ---- inheritance -------------------------------------------------------- */

/*
 * vm_inherit refuses SHARE and COPY of any range holding a physical
 * mapping (and changes nothing); a fork never gives one to the child.
 */
static void inherit_and_fork(void **state)
{
    vm_map_t map = vm_host_map_create(), child, child2;
    vaddr_t anon = alloc_any(map, 2 * P);
    fill_pages(map, anon, 2, 0x11);
    paddr_t pa = block_alloc(1);
    vaddr_t ph = enter(map, pa, 2 * P, RW, 1);
    assert_int_equal(ph, anon + 2 * P);                 /* first fit: adjacent */
    fill_pages(map, ph, 2, 0x22);
    struct snapshot s;
    snap(map, &s);
    assert_int_equal(vm_inherit(map, ph, 2 * P, VM_INHERIT_SHARE), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_inherit(map, ph, 2 * P, VM_INHERIT_COPY), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_inherit(map, ph + P, P, VM_INHERIT_COPY), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_inherit(map, anon, 4 * P, VM_INHERIT_SHARE), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_inherit(map, anon + P, 2 * P, VM_INHERIT_COPY), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_inherit(map, anon, 6 * P, VM_INHERIT_COPY), KERN_INVALID_ADDRESS);
    expect_unchanged(map, &s);                          /* anon still COPY, not split */
    assert_int_equal(vm_inherit(map, ph, 2 * P, VM_INHERIT_NONE), KERN_SUCCESS);
    assert_int_equal(vm_inherit(map, anon, 4 * P, VM_INHERIT_NONE), KERN_SUCCESS);
    assert_int_equal(vm_inherit(map, anon, 2 * P, VM_INHERIT_COPY), KERN_SUCCESS);
    expect_unchanged(map, &s);

    assert_int_equal(vm_host_map_fork(map, &child), KERN_SUCCESS);
    const struct vm_host_region only_anon = {
        anon, 2 * P, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY, false, 0 };
    vm_host_assert_regions(child, &only_anon, 1);
    assert_int_equal(vm_fault(child, ph, VM_PROT_READ), KERN_INVALID_ADDRESS);
    expect_pages(child, anon, 2, 0x11);

    /* Even with its inheritance changed behind vm_inherit's back. */
    struct vm_map_entry *e;
    mutex_lock(&map->lock);
    assert_true(vm_map_lookup_entry(map, ph, &e));
    e->inheritance = VM_INHERIT_SHARE;
    mutex_unlock(&map->lock);
    assert_int_equal(vm_host_map_fork(map, &child2), KERN_SUCCESS);
    mutex_lock(&map->lock);
    e->inheritance = VM_INHERIT_NONE;
    mutex_unlock(&map->lock);
    vm_host_assert_regions(child2, &only_anon, 1);

    /* The parent's mapping is untouched. */
    assert_int_equal(frame_of(map, ph + P), pa + P);
    assert_int_equal(mapped_prot(map, ph + P), RW);
    expect_pages(map, ph, 2, 0x22);
    vm_map_t maps[] = { map, child, child2 };
    vm_host_check_refs(maps, 3, NULL, 0);
    vm_host_check_map(map);
    vm_host_check_map(child);
    vm_host_check_map(child2);
    vm_host_map_destroy(child);
    vm_host_map_destroy(child2);
    assert_true(block_allocated(pa));
    vm_host_map_destroy(map);
    assert_false(block_allocated(pa));
}

/* ---- copies ------------------------------------------------------------- */

/*
 * vm_read, vm_copy, vm_write, vm_map_copyin (out-of-line message memory,
 * with and without src_destroy) and vm_map_copy_overwrite refuse any range
 * touching a physical mapping, on either side, and change nothing.
 */
static void copies_refused(void **state)
{
    vm_map_t map = vm_host_map_create(), other = vm_host_map_create();
    vaddr_t a = alloc_any(map, 2 * P);
    paddr_t pa = block_alloc(1);
    vaddr_t ph = enter(map, pa, 2 * P, RW, 1);
    vaddr_t b = alloc_any(map, 2 * P);
    assert_true(ph == a + 2 * P && b == ph + 2 * P);
    fill_pages(map, a, 2, 0x33);
    fill_pages(map, ph, 2, 0x55);
    fill_pages(map, b, 2, 0x44);
    vaddr_t o = alloc_any(other, 2 * P);
    fill_pages(other, o, 2, 0x66);
    struct snapshot s, so;
    snap(map, &s);
    snap(other, &so);
    vaddr_t d = 0;
    vm_map_copy_t c = NULL;

    assert_int_equal(vm_read(map, ph, 2 * P, other, &d), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_read(map, ph + P, P, other, &d), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_read(map, a, 4 * P, other, &d), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_read(map, a, 6 * P, map, &d), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_copy(map, ph, 2 * P, b), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_copy(map, a, 2 * P, ph), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_copy(map, a, 2 * P, a + P), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_copy(map, b, 2 * P, ph + P), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_write(map, ph, other, o, 2 * P), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_write(map, a + P, other, o, 2 * P), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_write(other, o, map, ph, 2 * P), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_map_copyin(map, ph + 100, 10, false, &c), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_map_copyin(map, a + 5, 2 * P, true, &c), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_map_copyin(map, ph, 2 * P, true, &c), KERN_PROTECTION_FAILURE);
    assert_null(c);
    /* A copy made elsewhere cannot overwrite it. */
    assert_int_equal(vm_map_copyin(other, o, 2 * P, false, &c), KERN_SUCCESS);
    assert_int_equal(vm_map_copy_overwrite(map, ph, c), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_map_copy_overwrite(map, b - P, c), KERN_PROTECTION_FAILURE);
    vm_map_copy_discard(c);
    c = NULL;
    /* The kernel's own byte copies do not touch it either. */
    char buf[16] = "abc";
    assert_int_equal(vm_map_read_bytes(map, ph + 8, buf, sizeof(buf)), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_map_write_bytes(map, ph, buf, sizeof(buf)), KERN_PROTECTION_FAILURE);

    expect_unchanged(map, &s);
    expect_unchanged(other, &so);
    assert_int_equal(host_zone_in_use("vm_map_copy"), 0);
    expect_pages(map, a, 2, 0x33);
    expect_pages(map, ph, 2, 0x55);
    expect_pages(map, b, 2, 0x44);
    expect_pages(other, o, 2, 0x66);
    assert_int_equal(frame_of(map, ph), pa);
    assert_int_equal(frame_of(map, ph + P), pa + P);
    assert_true(block_allocated(pa));
    vm_map_t maps[] = { map, other };
    vm_host_check_refs(maps, 2, NULL, 0);

    /* A hole before the physical range is found first, as for any range. */
    assert_int_equal(vm_deallocate(map, a + P, P), KERN_SUCCESS);
    assert_int_equal(vm_map_copyin(map, a, 3 * P, false, &c), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_read(map, a + P, 2 * P, other, &d), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_map_copyin(map, a, 4 * P, false, &c), KERN_INVALID_ADDRESS);
    assert_null(c);
    vm_host_map_destroy(other);
    vm_host_map_destroy(map);
}

/* ---- teardown ----------------------------------------------------------- */

/*
 * Partial vm_deallocate keeps the object (and the block) until the last
 * piece goes; each piece's translations go with it; the block is freed
 * exactly once (a second free panics in the buddy allocator, a free while
 * mapped aborts in the host page allocator).
 */
static void partial_deallocate(void **state)
{
    vm_map_t map = vm_host_map_create();
    paddr_t pa = block_alloc(2);
    vaddr_t va = enter(map, pa, 4 * P, RW, 2);
    for (size_t i = 0; i < 4; i++)
        fill_pages(map, va + i * P, 1, (uint8_t)(0x20 + i));
    assert_int_equal(vm_deallocate(map, va + P, P), KERN_SUCCESS);
    assert_false(is_mapped(map, va + P));
    assert_int_equal(vm_fault(map, va + P, VM_PROT_READ), KERN_INVALID_ADDRESS);
    assert_int_equal(frame_of(map, va), pa);
    assert_int_equal(frame_of(map, va + 2 * P), pa + 2 * P);
    assert_int_equal(frame_of(map, va + 3 * P), pa + 3 * P);
    assert_true(block_allocated(pa));
    const struct vm_host_region two[] = {
        { va, P, RW, RW, VM_INHERIT_NONE, false, 0 },
        { va + 2 * P, 2 * P, RW, RW, VM_INHERIT_NONE, false, 2 * P },
    };
    vm_host_assert_regions(map, two, 2);
    assert_int_equal(vm_object_total_count(), 1);
    vm_host_check_refs(&map, 1, NULL, 0);              /* two references */
    vm_host_check_map(map);

    assert_int_equal(vm_deallocate(map, va + 3 * P, P), KERN_SUCCESS);
    assert_true(block_allocated(pa));
    assert_int_equal(vm_deallocate(map, va, P), KERN_SUCCESS);
    assert_true(block_allocated(pa));
    expect_pages(map, va + 2 * P, 1, 0x22);            /* the last piece still works */
    pmap_remove(map->pmap, va + 2 * P, va + 3 * P);
    assert_int_equal(vm_fault(map, va + 2 * P, VM_PROT_WRITE), KERN_SUCCESS);
    assert_int_equal(frame_of(map, va + 2 * P), pa + 2 * P);
    assert_int_equal(vm_deallocate(map, va, 4 * P), KERN_SUCCESS);    /* holes around */
    assert_false(block_allocated(pa));
    assert_int_equal(vm_object_total_count(), 0);
    assert_int_equal(vm_deallocate(map, va, 4 * P), KERN_SUCCESS);    /* nothing left */
    assert_int_equal(vm_host_regions(map, NULL, 0), 0);

    /* One vm_deallocate over anonymous memory, a DMA block and registers. */
    vaddr_t x = alloc_any(map, P);
    paddr_t pb = block_alloc(0);
    vaddr_t y = enter(map, pb, P, RW, 0), z = enter(map, DEV_BASE, P, RW, -1);
    assert_true(y == x + P && z == y + P);
    fill_pages(map, x, 2, 0x5e);
    assert_int_equal(vm_fault(map, z, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(vm_deallocate(map, x, 3 * P), KERN_SUCCESS);
    assert_false(block_allocated(pb));
    assert_int_equal(pmap_resident_count(map->pmap), 0);
    vm_host_map_destroy(map);
}

/*
 * The map's end (task death) frees every DMA block once, pieces and all,
 * not before its last reference goes; device frames are left alone.
 */
static void map_destroy_frees(void **state)
{
    vm_map_t map = vm_host_map_create();
    paddr_t b0 = block_alloc(0), b1 = block_alloc(1), b3 = block_alloc(3);
    vaddr_t anon = alloc_any(map, 3 * P);
    fill_pages(map, anon, 3, 1);
    vaddr_t v0 = enter(map, b0, P, RW, 0);
    vaddr_t v1 = enter(map, b1, 2 * P, VM_PROT_READ, 1);
    vaddr_t v3 = enter(map, b3, 8 * P, RW, 3);
    vaddr_t dv = enter(map, DEV_BASE, DEV_PAGES * P, RW, -1);
    fill_pages(map, v0, 1, 2);
    assert_int_equal(vm_fault(map, v1 + P, VM_PROT_READ), KERN_SUCCESS);
    for (size_t i = 0; i < 8; i += 2)
        assert_int_equal(vm_fault(map, v3 + i * P, VM_PROT_WRITE), KERN_SUCCESS);
    for (size_t i = 0; i < DEV_PAGES; i++)
        assert_int_equal(vm_fault(map, dv + i * P, VM_PROT_READ), KERN_SUCCESS);
    /* Pieces: protect the middle of the 8-page block and a device page. */
    assert_int_equal(vm_protect(map, v3 + 2 * P, 3 * P, false, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(vm_protect(map, dv + P, P, false, VM_PROT_READ), KERN_SUCCESS);
    vm_host_check_map(map);
    vm_host_check_refs(&map, 1, NULL, 0);
    assert_int_equal(vm_object_total_count(), 5);
    /* A second reference to the map (another holder): nothing goes yet. */
    vm_map_reference(map);
    vm_map_deallocate(map);
    assert_true(block_allocated(b0) && block_allocated(b1) && block_allocated(b3));
    assert_int_equal(frame_of(map, v3 + 4 * P), b3 + 4 * P);
    vm_host_map_destroy(map);
    assert_false(block_allocated(b0) || block_allocated(b1) || block_allocated(b3));
}

/* ---- argument errors ---------------------------------------------------- */

static void errors_enter(void **state)
{
    vm_map_t map = vm_host_map_create();
    paddr_t pa = block_alloc(1);
    vaddr_t va = 0;
    assert_int_equal(vm_map_enter_phys(NULL, &va, pa, 2 * P, RW, 1), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, NULL, pa, 2 * P, RW, 1), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, pa + 8, 2 * P, RW, 1), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, pa, 0, RW, -1), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, pa, P + 1, RW, -1), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, ~(paddr_t)0 & ~(paddr_t)PAGE_MASK, 2 * P,
                                       RW, -1), KERN_INVALID_ARGUMENT);     /* wraps */
    assert_int_equal(vm_map_enter_phys(map, &va, pa, 2 * P, VM_PROT_NONE, 1),
                     KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, pa, 2 * P, 0x10, 1), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, pa, 2 * P, RW, -2), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, pa, 2 * P, RW, 0), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, pa, 2 * P, RW, 2), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, pa, P, RW, 0), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, pa + P, P, RW, 0), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, pa, 2 * P, RW, 60), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_enter_phys(map, &va, DEV_BASE, P, RW, 0), KERN_INVALID_ARGUMENT);
    paddr_t gone = block_alloc(0);
    block_free(gone, 0);                                /* a free block is no one's */
    assert_int_equal(vm_map_enter_phys(map, &va, gone, P, RW, 0), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_host_regions(map, NULL, 0), 0);
    assert_int_equal(vm_object_total_count(), 0);
    assert_true(block_allocated(pa));
    vm_host_map_destroy(map);

    /* No room: the block is still the caller's. */
    vm_map_t small = vm_map_create(pmap_create(), VM_HOST_MIN, VM_HOST_MIN + P);
    assert_non_null(small);
    assert_int_equal(vm_map_enter_phys(small, &va, pa, 2 * P, RW, 1), KERN_NO_SPACE);
    assert_int_equal(vm_object_total_count(), 0);
    assert_true(block_allocated(pa));
    vm_host_map_destroy(small);
    block_free(pa, 1);
}

/* ---- threads ------------------------------------------------------------ */

struct faulter {
    vm_map_t map;
    vaddr_t va;
    paddr_t pa;
    size_t npages;
    bool stop;
    unsigned bad;                   /* wrong results seen */
    unsigned faults;
};

/* Fault the range over and over; a success must map the right frame. */
static void *faulter_run(void *arg)
{
    struct faulter *f = arg;
    while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
        for (size_t i = 0; i < f->npages; i++) {
            vaddr_t va = f->va + i * P;
            kern_return_t kr = vm_fault(f->map, va, VM_PROT_READ);
            if (kr == KERN_SUCCESS) {
                paddr_t pa;
                vm_prot_t prot;
                /* It may be gone again already (protect, deallocate). */
                if (pmap_extract(f->map->pmap, va, &pa, &prot) && pa != f->pa + i * P)
                    f->bad++;
            } else if (kr != KERN_PROTECTION_FAILURE && kr != KERN_INVALID_ADDRESS) {
                f->bad++;
            }
            __atomic_fetch_add(&f->faults, 1, __ATOMIC_RELEASE);
        }
    }
    return NULL;
}

/* Let the faulter make `n` more faults (it runs while we wait). */
static void let_fault(struct faulter *f, unsigned n)
{
    unsigned target = __atomic_load_n(&f->faults, __ATOMIC_ACQUIRE) + n;
    while (__atomic_load_n(&f->faults, __ATOMIC_ACQUIRE) < target)
        sched_yield();
}

/*
 * One thread faults on a DMA block while another protects, clips and
 * finally deallocates it piece by piece: every fault either maps the right
 * frame or fails cleanly, and the block is freed once, when the last piece
 * goes.
 */
static void threads_fault_and_unmap(void **state)
{
    vm_map_t map = vm_host_map_create();
    paddr_t pa = block_alloc(3);
    vaddr_t va = enter(map, pa, 8 * P, RW, 3);
    struct faulter f = { map, va, pa, 8, false, 0, 0 };
    pthread_t t;
    pthread_create(&t, NULL, faulter_run, &f);
    let_fault(&f, 8);
    for (int round = 0; round < 300; round++) {
        if (round % 10 == 0)
            let_fault(&f, 4);
        vaddr_t at = va + (vaddr_t)(round % 7) * P;
        assert_int_equal(vm_protect(map, at, 2 * P, false, round % 2 ? RW : VM_PROT_NONE),
                         KERN_SUCCESS);
    }
    assert_int_equal(vm_protect(map, va, 8 * P, false, RW), KERN_SUCCESS);
    for (int i = 7; i >= 0; i -= 2) {
        assert_true(block_allocated(pa));
        assert_int_equal(vm_deallocate(map, va + (vaddr_t)i * P, P), KERN_SUCCESS);
        let_fault(&f, 8);
    }
    for (int i = 0; i < 8; i += 2) {
        assert_true(block_allocated(pa));
        assert_int_equal(vm_deallocate(map, va + (vaddr_t)i * P, P), KERN_SUCCESS);
        let_fault(&f, 8);
    }
    assert_false(block_allocated(pa));
    __atomic_store_n(&f.stop, true, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    assert_int_equal(f.bad, 0);
    vm_host_check_map(map);
    vm_host_map_destroy(map);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(oom_enter),
        T(dma_fault_maps_frames),
        T(device_registers_never_freed),
        T(protections),
        T(inherit_and_fork),
        T(copies_refused),
        T(partial_deallocate),
        T(map_destroy_frees),
        T(errors_enter),
        T(threads_fault_and_unmap),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
