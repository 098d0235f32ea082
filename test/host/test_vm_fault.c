// SPDX-License-Identifier: MIT
/*
 * The fault path and the VM operations (vm/vm_fault.c, vm/vm_user.c,
 * vm/vm_map_copy.c) over simulated RAM and a fake pmap: zero fill,
 * protection, copy-on-write at fork and through vm_copy/vm_read/vm_write,
 * out of memory, and every operation's argument errors.  Each test ends by
 * checking that every page, object and entry came back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <machine/vm_param.h>
#include <vm/pmap.h>
#include <vm/vm_fault.h>
#include <vm/vm_map_copy.h>
#include <vm/vm_object.h>
#include <vm/vm_resident.h>
#include <vm/vm_user.h>
#include "fake_pmap.h"
#include "host_support.h"
#include "vm_host.h"

#define P PAGE_SIZE
#define RAM_PAGES 8192

static size_t baseline;

static int group_setup(void **state)
{
    vm_host_init(RAM_PAGES);
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
    return 0;
}

static vaddr_t alloc_any(vm_map_t map, vm_size_t size)
{
    vaddr_t a = 0;
    assert_int_equal(vm_allocate(map, &a, size, true), KERN_SUCCESS);
    return a;
}

static void alloc_at(vm_map_t map, vaddr_t a, vm_size_t size)
{
    assert_int_equal(vm_allocate(map, &a, size, false), KERN_SUCCESS);
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

static vm_prot_t mapped_prot(vm_map_t map, vaddr_t va)
{
    paddr_t pa;
    vm_prot_t prot;
    return pmap_extract(map->pmap, va, &pa, &prot) ? prot : VM_PROT_NONE;
}

/* ---- zero fill and protection ------------------------------------------ */

/* A first touch gives a zeroed page, mapped with the entry's protection. */
static void zero_fill(void **state)
{
    vm_map_t map = vm_host_map_create();
    vaddr_t a = alloc_any(map, 4 * P);
    assert_int_equal(pmap_resident_count(map->pmap), 0);    /* demand paging */
    assert_int_equal(vm_fault(map, a + P + 123, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(mapped_prot(map, a + P), VM_PROT_DEFAULT);
    assert_int_equal(pmap_resident_count(map->pmap), 1);
    expect_pages(map, a + P, 1, 0);
    expect_pages(map, a, 4, 0);
    fill_pages(map, a + 2 * P, 1, 0x42);
    expect_pages(map, a + 2 * P, 1, 0x42);
    expect_pages(map, a + 3 * P, 1, 0);
    struct vm_map_info info;
    vm_map_info(map, &info);
    assert_int_equal(info.entries, 1);
    assert_int_equal(info.virtual_size, 4 * P);
    assert_int_equal(info.resident_pages, 4);
    assert_int_equal(vm_page_resident_total(), 4);
    assert_int_equal(vm_object_total_count(), 1);

    /* A read-only region: mapped read-only; execute-only: execute only. */
    vaddr_t r = alloc_any(map, 2 * P);
    assert_int_equal(vm_protect(map, r, P, false, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(vm_protect(map, r + P, P, false, VM_PROT_EXECUTE), KERN_SUCCESS);
    assert_int_equal(vm_fault(map, r, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(mapped_prot(map, r), VM_PROT_READ);
    assert_int_equal(vm_fault(map, r + P, VM_PROT_EXECUTE), KERN_SUCCESS);
    assert_int_equal(mapped_prot(map, r + P), VM_PROT_EXECUTE);
    vm_host_check_map(map);
    vm_host_map_destroy(map);
}

static void protection_failure(void **state)
{
    vm_map_t map = vm_host_map_create();
    vaddr_t a = alloc_any(map, 2 * P);
    fill_pages(map, a, 2, 7);
    assert_int_equal(vm_protect(map, a, P, false, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(mapped_prot(map, a), VM_PROT_READ);       /* pmap_protect */
    assert_int_equal(vm_fault(map, a, VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_fault(map, a, VM_PROT_EXECUTE), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_fault(map, a, VM_PROT_READ | VM_PROT_WRITE),
                     KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_host_fill(map, a, 9), KERN_PROTECTION_FAILURE);
    expect_pages(map, a, 1, 7);
    assert_int_equal(vm_protect(map, a, 2 * P, false, VM_PROT_NONE), KERN_SUCCESS);
    assert_int_equal(pmap_resident_count(map->pmap), 0);    /* NONE removes */
    assert_int_equal(vm_fault(map, a + P, VM_PROT_READ), KERN_PROTECTION_FAILURE);
    /* Raise it again: the data is still there. */
    assert_int_equal(vm_protect(map, a, 2 * P, false, VM_PROT_DEFAULT), KERN_SUCCESS);
    expect_pages(map, a, 2, 7);
    vm_host_check_map(map);
    vm_host_map_destroy(map);
}

static void invalid_address(void **state)
{
    vm_map_t map = vm_host_map_create();
    vaddr_t a = alloc_any(map, 2 * P);
    fill_pages(map, a, 2, 1);
    assert_int_equal(vm_fault(map, a + 2 * P, VM_PROT_READ), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_fault(map, 0, VM_PROT_READ), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_fault(map, VM_HOST_MAX, VM_PROT_READ), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_fault(map, ~(vaddr_t)0, VM_PROT_WRITE), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_fault(map, a, VM_PROT_NONE), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_fault(map, a, 8), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_deallocate(map, a, P), KERN_SUCCESS);
    assert_int_equal(mapped_prot(map, a), VM_PROT_NONE);       /* translation gone */
    assert_int_equal(vm_fault(map, a, VM_PROT_READ), KERN_INVALID_ADDRESS);
    expect_pages(map, a + P, 1, 1);
    vm_host_check_map(map);
    vm_host_map_destroy(map);
}

/* ---- fork --------------------------------------------------------------- */

/* Regions with NONE / SHARE / COPY, touched and untouched. */
static void fork_inheritance(void **state)
{
    vm_map_t parent = vm_host_map_create(), child;
    vaddr_t none = alloc_any(parent, 2 * P), share = alloc_any(parent, 3 * P);
    vaddr_t copy = alloc_any(parent, 3 * P);
    assert_int_equal(vm_inherit(parent, none, 2 * P, VM_INHERIT_NONE), KERN_SUCCESS);
    assert_int_equal(vm_inherit(parent, share, 3 * P, VM_INHERIT_SHARE), KERN_SUCCESS);
    fill_pages(parent, none, 2, 0x11);
    fill_pages(parent, share, 2, 0x22);         /* third page untouched */
    fill_pages(parent, copy, 2, 0x33);          /* third page untouched */
    assert_int_equal(vm_host_map_fork(parent, &child), KERN_SUCCESS);
    vm_host_check_map(parent);
    vm_host_check_map(child);

    /* NONE: nothing there in the child. */
    assert_int_equal(vm_fault(child, none, VM_PROT_READ), KERN_INVALID_ADDRESS);
    /* COPY: the parent lost write permission on its pages. */
    assert_int_equal(mapped_prot(parent, copy) & VM_PROT_WRITE, 0);
    expect_pages(child, copy, 2, 0x33);
    expect_pages(child, copy + 2 * P, 1, 0);
    fill_pages(child, copy, 1, 0x44);
    fill_pages(parent, copy + P, 1, 0x55);
    fill_pages(parent, copy + 2 * P, 1, 0x56);
    expect_pages(parent, copy, 1, 0x33);
    expect_pages(child, copy + P, 1, 0x33);
    expect_pages(child, copy + 2 * P, 1, 0);
    expect_pages(child, copy, 1, 0x44);
    expect_pages(parent, copy + P, 1, 0x55);
    /* SHARE: each sees the other's writes, touched before or not. */
    expect_pages(child, share, 2, 0x22);
    fill_pages(child, share, 1, 0x66);
    fill_pages(parent, share + P, 1, 0x77);
    fill_pages(child, share + 2 * P, 1, 0x78);
    expect_pages(parent, share, 1, 0x66);
    expect_pages(child, share + P, 1, 0x77);
    expect_pages(parent, share + 2 * P, 1, 0x78);

    struct vm_host_region r[8];
    assert_int_equal(vm_host_regions(child, r, 8), 2);
    assert_true(r[0].start == share && r[0].shared);
    assert_true(r[1].start == copy && !r[1].shared);
    vm_host_check_map(parent);
    vm_host_check_map(child);
    vm_host_map_destroy(parent);
    expect_pages(child, share, 1, 0x66);        /* survives the parent */
    expect_pages(child, copy, 1, 0x44);
    vm_host_map_destroy(child);
}

/*
 * SHARE of memory that is itself copy-on-write (pages mapped read-only
 * from a shadow): a write by one sharer must still reach the other.
 */
static void fork_share_of_cow(void **state)
{
    vm_map_t a = vm_host_map_create(), b, c;
    vaddr_t r = alloc_any(a, 4 * P);
    fill_pages(a, r, 4, 1);
    assert_int_equal(vm_host_map_fork(a, &b), KERN_SUCCESS);   /* a: needs_copy */
    fill_pages(a, r, 1, 2);                      /* a: shadow, page 0 copied up */
    expect_pages(a, r + P, 3, 1);                /* read-only from the shadow */
    assert_int_equal(vm_inherit(a, r, 4 * P, VM_INHERIT_SHARE), KERN_SUCCESS);
    assert_int_equal(vm_host_map_fork(a, &c), KERN_SUCCESS);
    vm_host_check_map(a);
    vm_host_check_map(c);
    expect_pages(c, r + P, 1, 1);
    fill_pages(c, r + P, 1, 3);
    fill_pages(a, r + 2 * P, 1, 4);
    expect_pages(a, r + P, 1, 3);
    expect_pages(c, r + 2 * P, 1, 4);
    expect_pages(c, r, 1, 2);
    /* Both read page 3 (still in the shadow), then one writes it. */
    expect_pages(a, r + 3 * P, 1, 1);
    expect_pages(c, r + 3 * P, 1, 1);
    fill_pages(c, r + 3 * P, 1, 5);
    expect_pages(a, r + 3 * P, 1, 5);
    expect_pages(b, r, 4, 1);                    /* the first copy is unmoved */
    vm_host_check_map(a);
    vm_host_check_map(b);
    vm_host_check_map(c);
    vm_host_map_destroy(a);
    vm_host_map_destroy(c);
    expect_pages(b, r, 4, 1);
    vm_host_map_destroy(b);
}

/* A shared region copied again (COPY at fork) is copied at once. */
static void fork_copy_of_shared(void **state)
{
    vm_map_t a = vm_host_map_create(), b, c;
    vaddr_t r = alloc_any(a, 2 * P);
    assert_int_equal(vm_inherit(a, r, 2 * P, VM_INHERIT_SHARE), KERN_SUCCESS);
    fill_pages(a, r, 2, 5);
    assert_int_equal(vm_host_map_fork(a, &b), KERN_SUCCESS);
    assert_int_equal(vm_inherit(b, r, 2 * P, VM_INHERIT_COPY), KERN_SUCCESS);
    assert_int_equal(vm_host_map_fork(b, &c), KERN_SUCCESS);
    fill_pages(a, r, 1, 6);                      /* b sees it, c must not */
    expect_pages(b, r, 1, 6);
    expect_pages(c, r, 2, 5);
    fill_pages(c, r + P, 1, 7);
    expect_pages(a, r + P, 1, 5);
    expect_pages(b, r + P, 1, 5);
    vm_host_check_map(a);
    vm_host_check_map(b);
    vm_host_check_map(c);
    vm_host_map_destroy(b);
    vm_host_map_destroy(a);
    vm_host_map_destroy(c);
}

/* ---- vm_copy, vm_read, vm_write ---------------------------------------- */

/* Byte i of pattern `seed` (i counted from the start of the region). */
static inline uint8_t pattern(size_t i, uint32_t seed)
{
    return (uint8_t)((i * 31 + seed * 7 + (i >> 12)) & 0xff);
}

static void fill_pattern(vm_map_t map, vaddr_t a, size_t len, uint32_t seed)
{
    uint8_t *buf = malloc(len);
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern(i, seed);
    assert_int_equal(vm_host_write(map, a, buf, len), KERN_SUCCESS);
    free(buf);
}

/* Bytes [first, first + len) of the pattern are at a. */
static void expect_pattern_from(vm_map_t map, vaddr_t a, size_t len, uint32_t seed,
                                size_t first)
{
    uint8_t *buf = malloc(len);
    kern_return_t kr = vm_host_read(map, a, buf, len);
    size_t bad = len;
    for (size_t i = 0; i < len && bad == len; i++)
        if (buf[i] != pattern(first + i, seed))
            bad = i;
    free(buf);
    assert_int_equal(kr, KERN_SUCCESS);
    if (bad != len)
        fail_msg("byte %zu at 0x%lx differs from pattern %u", bad, (unsigned long)a, seed);
}

static void expect_pattern(vm_map_t map, vaddr_t a, size_t len, uint32_t seed)
{
    expect_pattern_from(map, a, len, seed, 0);
}

static void vm_copy_snapshot(void **state)
{
    vm_map_t map = vm_host_map_create();
    vaddr_t src = alloc_any(map, 8 * P), dst = alloc_any(map, 8 * P);
    fill_pattern(map, src, 7 * P, 1);            /* last page untouched */
    fill_pages(map, dst, 8, 0xee);
    uint64_t copies = fake_pmap_stats().copy_pages;
    assert_int_equal(vm_copy(map, src, 8 * P, dst), KERN_SUCCESS);
    assert_int_equal(fake_pmap_stats().copy_pages, copies);     /* nothing copied yet */
    vm_host_check_map(map);
    expect_pattern(map, dst, 7 * P, 1);
    expect_pages(map, dst + 7 * P, 1, 0);
    fill_pattern(map, src, 8 * P, 2);            /* the source changes ... */
    expect_pattern(map, dst, 7 * P, 1);          /* ... the copy does not */
    fill_pattern(map, dst, 3 * P, 3);
    expect_pattern(map, src, 8 * P, 2);
    /* Overlapping: like memmove. */
    fill_pages(map, src, 4, 0xa0);
    fill_pages(map, src + 4 * P, 4, 0xb0);
    assert_int_equal(vm_copy(map, src, 4 * P, src + 2 * P), KERN_SUCCESS);
    expect_pages(map, src, 4, 0xa0);
    expect_pages(map, src + 4 * P, 2, 0xa0);
    expect_pages(map, src + 6 * P, 2, 0xb0);
    vm_host_check_map(map);
    vm_host_map_destroy(map);
}

/* 1 MiB through vm_read: the sender writes after, the receiver sees the old data. */
static void vm_read_snapshot(void **state)
{
    const vm_size_t mib = 1 << 20;
    vm_map_t sender = vm_host_map_create(), receiver = vm_host_map_create();
    vaddr_t src = alloc_any(sender, mib), dst = 0;
    fill_pattern(sender, src, mib, 10);
    assert_int_equal(vm_read(sender, src, mib, receiver, &dst), KERN_SUCCESS);
    fill_pattern(sender, src, mib, 11);
    expect_pattern(receiver, dst, mib, 10);
    fill_pattern(receiver, dst, mib / 2, 12);
    expect_pattern(sender, src, mib, 11);
    expect_pattern_from(receiver, dst + mib / 2, mib / 2, 10, mib / 2);
    vm_host_check_map(sender);
    vm_host_check_map(receiver);
    vm_host_map_destroy(sender);
    expect_pattern_from(receiver, dst + mib / 2, mib / 2, 10, mib / 2);
    vm_host_map_destroy(receiver);
}

static void vm_write_snapshot(void **state)
{
    vm_map_t a = vm_host_map_create(), b = vm_host_map_create();
    vaddr_t src = alloc_any(a, 4 * P), dst = alloc_any(b, 6 * P);
    fill_pattern(a, src, 4 * P, 20);
    fill_pages(b, dst, 6, 0x99);
    assert_int_equal(vm_protect(b, dst + 2 * P, P, false, VM_PROT_ALL), KERN_SUCCESS);
    assert_int_equal(vm_write(b, dst + P, a, src, 4 * P), KERN_SUCCESS);
    /* The destination keeps its entries' protections: old, copy (3 pieces), old. */
    struct vm_host_region r[8];
    assert_int_equal(vm_host_regions(b, r, 8), 5);
    assert_int_equal(r[1].prot, VM_PROT_DEFAULT);
    assert_int_equal(r[2].prot, VM_PROT_ALL);
    assert_int_equal(r[3].prot, VM_PROT_DEFAULT);
    assert_int_equal(r[3].start + r[3].size, dst + 5 * P);
    fill_pattern(a, src, 4 * P, 21);
    expect_pattern(b, dst + P, 4 * P, 20);
    expect_pages(b, dst, 1, 0x99);
    expect_pages(b, dst + 5 * P, 1, 0x99);
    fill_pattern(b, dst + P, 4 * P, 22);
    expect_pattern(a, src, 4 * P, 21);
    vm_host_check_map(a);
    vm_host_check_map(b);
    vm_host_map_destroy(a);
    vm_host_map_destroy(b);
}

/* vm_write into memory shared with another map: the other sees the data. */
static void vm_write_shared(void **state)
{
    vm_map_t a = vm_host_map_create(), b, src = vm_host_map_create();
    vaddr_t r = alloc_any(a, 3 * P), s = alloc_any(src, 2 * P);
    assert_int_equal(vm_inherit(a, r, 3 * P, VM_INHERIT_SHARE), KERN_SUCCESS);
    fill_pages(a, r, 3, 1);
    assert_int_equal(vm_host_map_fork(a, &b), KERN_SUCCESS);
    fill_pattern(src, s, 2 * P, 30);
    assert_int_equal(vm_write(a, r + P, src, s, 2 * P), KERN_SUCCESS);
    expect_pattern(b, r + P, 2 * P, 30);
    expect_pages(b, r, 1, 1);
    fill_pattern(src, s, 2 * P, 31);
    expect_pattern(a, r + P, 2 * P, 30);
    vm_host_check_map(a);
    vm_host_check_map(b);
    vm_host_map_destroy(a);
    vm_host_map_destroy(b);
    vm_host_map_destroy(src);
}

/* vm_read of memory shared in place: copied at once, later writes stay out. */
static void vm_read_of_shared(void **state)
{
    vm_map_t a = vm_host_map_create(), b, reader = vm_host_map_create();
    vaddr_t r = alloc_any(a, 3 * P), d = 0;
    assert_int_equal(vm_inherit(a, r, 3 * P, VM_INHERIT_SHARE), KERN_SUCCESS);
    fill_pattern(a, r, 2 * P, 50);              /* third page untouched */
    assert_int_equal(vm_host_map_fork(a, &b), KERN_SUCCESS);
    assert_int_equal(vm_read(b, r, 3 * P, reader, &d), KERN_SUCCESS);
    fill_pattern(a, r, 3 * P, 51);              /* b sees it, reader must not */
    expect_pattern(b, r, 3 * P, 51);
    expect_pattern(reader, d, 2 * P, 50);
    expect_pages(reader, d + 2 * P, 1, 0);
    vm_host_check_map(a);
    vm_host_check_map(b);
    vm_host_check_map(reader);
    vm_host_map_destroy(a);
    vm_host_map_destroy(b);
    vm_host_map_destroy(reader);
}

/* References: the map lives until the last one; then everything goes. */
static void map_references(void **state)
{
    vm_map_t map = vm_host_map_create();
    vaddr_t a = alloc_any(map, 4 * P);
    fill_pages(map, a, 4, 8);
    vm_map_reference(map);
    vm_map_deallocate(map);                     /* one left */
    expect_pages(map, a, 4, 8);
    /* Deallocating the whole address space at once. */
    assert_int_equal(vm_deallocate(map, VM_HOST_MIN, VM_HOST_MAX - VM_HOST_MIN), KERN_SUCCESS);
    assert_int_equal(vm_map_entry_count(map), 0);
    assert_int_equal(pmap_resident_count(map->pmap), 0);
    assert_int_equal(vm_page_resident_total(), 0);
    vm_map_deallocate(NULL);
    vm_host_map_destroy(map);
}

/* vm_map_copyin of an unaligned byte range, destroying the source. */
static void copyin_unaligned_destroy(void **state)
{
    vm_map_t a = vm_host_map_create(), b = vm_host_map_create();
    vaddr_t s = alloc_any(a, 4 * P);
    fill_pattern(a, s, 4 * P, 40);
    vm_map_copy_t copy;
    assert_int_equal(vm_map_copyin(a, s + 100, 5000, true, &copy), KERN_SUCCESS);
    assert_int_equal(copy->offset, 100);
    assert_int_equal(copy->size, 5000);
    /* Pages 0 and 1 are gone from the source (whole pages), 2 and 3 stay. */
    assert_int_equal(vm_fault(a, s, VM_PROT_READ), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_fault(a, s + P, VM_PROT_READ), KERN_INVALID_ADDRESS);
    expect_pattern_from(a, s + 2 * P, 2 * P, 40, 2 * P);
    vaddr_t d;
    assert_int_equal(vm_map_copyout(b, &d, copy), KERN_SUCCESS);
    assert_int_equal(d & PAGE_MASK, 100);
    uint8_t buf[5000];
    assert_int_equal(vm_host_read(b, d, buf, sizeof(buf)), KERN_SUCCESS);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], pattern(i + 100, 40));
    vm_host_check_map(a);
    vm_host_check_map(b);
    vm_host_map_destroy(a);
    vm_host_map_destroy(b);
}

/* Overwrite checks and a discarded copy. */
static void copy_overwrite_errors(void **state)
{
    vm_map_t a = vm_host_map_create();
    vaddr_t s = alloc_any(a, 4 * P);
    fill_pages(a, s, 4, 3);
    vm_map_copy_t copy, odd;
    assert_int_equal(vm_map_copyin(a, s, 2 * P, false, &copy), KERN_SUCCESS);
    assert_int_equal(vm_map_copyin(a, s + 1, P, false, &odd), KERN_SUCCESS);
    assert_int_equal(vm_map_copy_overwrite(a, s, odd), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_copy_overwrite(a, s + 1, copy), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_copy_overwrite(a, s + 3 * P, copy), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_map_copy_overwrite(a, VM_HOST_MAX - P, copy), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_protect(a, s + 2 * P, P, false, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(vm_map_copy_overwrite(a, s + P, copy), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_map_copy_overwrite(a, s, copy), KERN_SUCCESS);     /* consumed */
    vm_map_copy_discard(odd);
    vm_map_copy_discard(NULL);
    vm_host_check_map(a);
    vm_host_map_destroy(a);
}

/* ---- rounds over every copy path ---------------------------------------- */

/*
 * The maps and copies alive in copy_round (NULL when gone), so that every
 * step can audit every object reference (vm_host_check_refs).
 */
enum { CR_P, CR_S, CR_Q, CR_C, CR_G, CR_MAPS };
static vm_map_t cr_map[CR_MAPS];
static vm_map_copy_t cr_copy;

static void cr_audit(void)
{
    vm_map_t maps[CR_MAPS];
    size_t n = 0;
    for (int i = 0; i < CR_MAPS; i++)
        if (cr_map[i] != NULL)
            maps[n++] = cr_map[i];
    vm_host_check_refs(maps, n, &cr_copy, cr_copy != NULL ? 1 : 0);
}

static void cr_destroy(int which)
{
    vm_host_map_destroy(cr_map[which]);
    cr_map[which] = NULL;
    cr_audit();
}

static void cr_fork(int parent, int child)
{
    assert_int_equal(vm_host_map_fork(cr_map[parent], &cr_map[child]), KERN_SUCCESS);
    cr_audit();
}

/* Write page `page` of `a` in map `which` with `byte` and audit. */
static void cr_fill(int which, vaddr_t a, size_t page, uint8_t byte)
{
    assert_int_equal(vm_host_fill(cr_map[which], a + page * P, byte), KERN_SUCCESS);
    cr_audit();
}

/* Page i at a holds model[i], for i < n. */
static void expect_model(vm_map_t map, vaddr_t a, const uint8_t *model, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!vm_host_page_is(map, a + i * P, model[i]))
            fail_msg("page %zu at 0x%lx is not 0x%02x", i, (unsigned long)a, model[i]);
}

#define CR_PRIV 16          /* pages of P's private region */
#define CR_SHR  4           /* pages of the region P shares with S */

/*
 * One round over the paths IPC and tasks use, each leaving nothing behind:
 * vm_read, vm_write, vm_copy (overlapping), copyin with src_destroy of an
 * unaligned range then copyout, copyin then discard, copies of a shared
 * region (copied at once) and writes into it (in place), a child dying
 * before its parent, a parent dying before its child, and needs_copy
 * entries forked again.  P (the long-lived task) writes its private region
 * `priv` between the steps; S, a long-lived sibling, shares `shr` with it.
 * `pm` is the model of priv as P sees it.
 */
static void copy_round(vaddr_t priv, vaddr_t shr, uint8_t *pm, unsigned round)
{
    vm_map_t *m = cr_map;
    uint8_t t = (uint8_t)(round * 16);
    vaddr_t a, b;
    m[CR_Q] = vm_host_map_create();

    /* vm_read: both sides write after, each keeps its own. */
    uint8_t old = pm[3];
    assert_int_equal(vm_read(m[CR_P], priv + 2 * P, 6 * P, m[CR_Q], &a), KERN_SUCCESS);
    cr_audit();
    pm[3] = t + 1;
    cr_fill(CR_P, priv, 3, pm[3]);
    cr_fill(CR_Q, a, 2, 0xa1);
    assert_true(vm_host_page_is(m[CR_Q], a, pm[2]));
    assert_true(vm_host_page_is(m[CR_Q], a + P, old));
    assert_true(vm_host_page_is(m[CR_P], priv + 4 * P, pm[4]));
    assert_int_equal(vm_deallocate(m[CR_Q], a, 6 * P), KERN_SUCCESS);
    cr_audit();

    /* vm_read of the shared region: copied now; S's later write stays out. */
    assert_int_equal(vm_read(m[CR_P], shr, CR_SHR * P, m[CR_Q], &a), KERN_SUCCESS);
    cr_audit();
    cr_fill(CR_S, shr, 1, t + 2);
    assert_true(vm_host_page_is(m[CR_P], shr + P, t + 2));
    assert_false(vm_host_page_is(m[CR_Q], a + P, t + 2));
    assert_int_equal(vm_deallocate(m[CR_Q], a, CR_SHR * P), KERN_SUCCESS);
    cr_audit();

    /* vm_write from P into Q's memory, then both write. */
    a = alloc_any(m[CR_Q], 4 * P);
    fill_pages(m[CR_Q], a, 4, 0xb0);
    assert_int_equal(vm_write(m[CR_Q], a, m[CR_P], priv + 4 * P, 4 * P), KERN_SUCCESS);
    cr_audit();
    cr_fill(CR_Q, a, 0, 0xb1);
    pm[5] = t + 3;
    cr_fill(CR_P, priv, 5, pm[5]);
    assert_true(vm_host_page_is(m[CR_Q], a + 2 * P, pm[6]));
    assert_int_equal(vm_deallocate(m[CR_Q], a, 4 * P), KERN_SUCCESS);
    cr_audit();

    /* vm_write from Q into the shared region: in place, S sees it. */
    a = alloc_any(m[CR_Q], 2 * P);
    fill_pages(m[CR_Q], a, 2, t + 4);
    assert_int_equal(vm_write(m[CR_P], shr + 2 * P, m[CR_Q], a, 2 * P), KERN_SUCCESS);
    cr_audit();
    expect_pages(m[CR_S], shr + 2 * P, 2, t + 4);
    assert_int_equal(vm_deallocate(m[CR_Q], a, 2 * P), KERN_SUCCESS);
    cr_audit();

    /* vm_copy in P, over a scratch region, then overlapping within it. */
    b = alloc_any(m[CR_P], 6 * P);
    fill_pages(m[CR_P], b, 6, 0xc0);
    assert_int_equal(vm_copy(m[CR_P], priv, 4 * P, b), KERN_SUCCESS);
    cr_audit();
    assert_int_equal(vm_copy(m[CR_P], b, 4 * P, b + 2 * P), KERN_SUCCESS);
    cr_audit();
    for (size_t i = 0; i < 6; i++)
        assert_true(vm_host_page_is(m[CR_P], b + i * P, pm[i < 2 ? i : i - 2]));
    old = pm[0];
    pm[0] = t + 5;
    cr_fill(CR_P, priv, 0, pm[0]);
    cr_fill(CR_P, b, 3, 0xc3);
    assert_true(vm_host_page_is(m[CR_P], b, old));
    assert_true(vm_host_page_is(m[CR_P], b + 2 * P, old));
    assert_int_equal(vm_deallocate(m[CR_P], b, 6 * P), KERN_SUCCESS);
    cr_audit();

    /* Out-of-line memory: copyin with src_destroy (unaligned), copyout. */
    b = alloc_any(m[CR_P], 6 * P);
    fill_pattern(m[CR_P], b, 6 * P, round);
    assert_int_equal(vm_map_copyin(m[CR_P], b + P + 100, 2 * P, true, &cr_copy), KERN_SUCCESS);
    cr_audit();
    assert_int_equal(vm_map_copyout(m[CR_Q], &a, cr_copy), KERN_SUCCESS);
    cr_copy = NULL;
    cr_audit();
    expect_pattern_from(m[CR_Q], a, 2 * P, round, P + 100);
    cr_fill(CR_Q, ROUND_DOWN(a, P), 1, 0xd1);
    assert_int_equal(vm_deallocate(m[CR_Q], ROUND_DOWN(a, P), 3 * P), KERN_SUCCESS);
    cr_audit();
    assert_int_equal(vm_deallocate(m[CR_P], b, 6 * P), KERN_SUCCESS);      /* the rest */
    cr_audit();

    /* A message never received: copyin, the sender writes, discard. */
    assert_int_equal(vm_map_copyin(m[CR_P], priv, CR_PRIV * P, false, &cr_copy), KERN_SUCCESS);
    cr_audit();
    pm[7] = t + 6;
    cr_fill(CR_P, priv, 7, pm[7]);
    vm_map_copy_discard(cr_copy);
    cr_copy = NULL;
    cr_audit();

    /* A message received by a task that forks, then dies before its child. */
    old = pm[1];
    assert_int_equal(vm_map_copyin(m[CR_P], priv, 8 * P, false, &cr_copy), KERN_SUCCESS);
    cr_audit();
    assert_int_equal(vm_map_copyout(m[CR_Q], &a, cr_copy), KERN_SUCCESS);
    cr_copy = NULL;
    cr_audit();
    cr_fork(CR_Q, CR_C);
    cr_fill(CR_Q, a, 1, 0xe1);
    cr_fill(CR_C, a, 2, 0xe2);
    pm[1] = t + 7;
    cr_fill(CR_P, priv, 1, pm[1]);
    cr_destroy(CR_Q);
    assert_true(vm_host_page_is(m[CR_C], a + P, old));
    expect_pages(m[CR_C], a + 2 * P, 1, 0xe2);
    cr_fill(CR_C, a, 3, 0xe3);
    cr_destroy(CR_C);

    /* P's children: one dies first; one forks again without writing
     * (needs_copy entries forked again) and dies before its own child. */
    cr_fork(CR_P, CR_C);
    cr_fill(CR_C, priv, 9, 0xf1);
    pm[9] = t + 8;
    cr_fill(CR_P, priv, 9, pm[9]);
    cr_destroy(CR_C);
    cr_fork(CR_P, CR_C);
    cr_fork(CR_C, CR_G);
    pm[10] = t + 9;
    cr_fill(CR_P, priv, 10, pm[10]);
    cr_fill(CR_G, priv, 11, 0xf2);
    cr_fill(CR_G, shr, 0, t + 10);         /* shared by all four */
    expect_pages(m[CR_S], shr, 1, t + 10);
    cr_destroy(CR_C);
    expect_model(m[CR_G], priv, pm, 10);
    cr_destroy(CR_G);
    expect_model(m[CR_P], priv, pm, CR_PRIV);
    vm_host_check_map(m[CR_P]);
    vm_host_check_map(m[CR_S]);
}

/*
 * copy_round again and again: after each one, the objects, resident pages
 * and free pages are exactly what they were before it, and every step
 * accounts for every reference (vm_host_check_refs).  Two warm-up rounds
 * first bring P to the shape every round leaves it in: the copies clip its
 * private region in three entries, and the first write after a copy gives
 * each its own shadow in front of the object they shared, which stays
 * referenced three times (no bypass, docs/vm.md section 12) and keeps the
 * page it holds, hidden from the second round on.
 */
static void copy_paths_rounds(void **state)
{
    vm_map_t *m = cr_map;
    memset(cr_map, 0, sizeof(cr_map));
    cr_copy = NULL;
    m[CR_P] = vm_host_map_create();
    vaddr_t priv = alloc_any(m[CR_P], CR_PRIV * P), shr = alloc_any(m[CR_P], CR_SHR * P);
    assert_int_equal(vm_inherit(m[CR_P], shr, CR_SHR * P, VM_INHERIT_SHARE), KERN_SUCCESS);
    uint8_t pm[CR_PRIV];
    for (size_t i = 0; i < CR_PRIV; i++) {
        pm[i] = (uint8_t)(0x10 + i);
        assert_int_equal(vm_host_fill(m[CR_P], priv + i * P, pm[i]), KERN_SUCCESS);
    }
    fill_pages(m[CR_P], shr, CR_SHR, 0x55);
    cr_fork(CR_P, CR_S);
    copy_round(priv, shr, pm, 0);       /* warm-up, see above */
    copy_round(priv, shr, pm, 1);
    size_t objects = vm_object_total_count(), resident = vm_page_resident_total();
    size_t free_pages = vm_page_available_count();
    for (unsigned round = 2; round <= 10; round++) {
        copy_round(priv, shr, pm, round);
        if (vm_object_total_count() != objects || vm_page_resident_total() != resident ||
            vm_page_available_count() != free_pages)
            fail_msg("round %u: objects %zu -> %zu, resident %zu -> %zu, free %zu -> %zu",
                     round, objects, vm_object_total_count(), resident,
                     vm_page_resident_total(), free_pages, vm_page_available_count());
    }
    /* The parent dies before its sibling; the sibling's chain folds. */
    cr_destroy(CR_P);
    assert_int_equal(vm_object_total_count(), 2);      /* S's private copy and shr */
    cr_destroy(CR_S);
}

/* ---- kernel byte access ------------------------------------------------ */

static void kernel_bytes(void **state)
{
    vm_map_t map = vm_host_map_create();
    vaddr_t a = alloc_any(map, 3 * P);
    char msg[6000], back[6000];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (char)(i * 7);
    assert_int_equal(vm_map_write_bytes(map, a + 2000, msg, sizeof(msg)), KERN_SUCCESS);
    assert_int_equal(vm_map_read_bytes(map, a + 2000, back, sizeof(back)), KERN_SUCCESS);
    assert_memory_equal(msg, back, sizeof(msg));
    assert_int_equal(vm_host_read(map, a + 2000, back, sizeof(back)), KERN_SUCCESS);
    assert_memory_equal(msg, back, sizeof(msg));
    assert_int_equal(vm_protect(map, a, P, false, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(vm_map_write_bytes(map, a, msg, 10), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_map_read_bytes(map, a + 3 * P - 5, back, 10), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_map_read_bytes(map, ~(vaddr_t)0 - 3, back, 10), KERN_INVALID_ARGUMENT);
    vm_host_check_map(map);
    vm_host_map_destroy(map);
}

/* ---- out of memory ------------------------------------------------------ */

/* Every page allocation of a zero-fill and a COW fault failing in turn. */
static void oom_faults(void **state)
{
    vm_map_t map = vm_host_map_create(), child = NULL;
    vaddr_t a = alloc_any(map, 4 * P);
    vm_host_fail_after(0);
    assert_int_equal(vm_fault(map, a, VM_PROT_READ), KERN_RESOURCE_SHORTAGE);
    vm_host_fail_after(-1);
    fill_pages(map, a, 2, 9);
    assert_int_equal(vm_host_map_fork(map, &child), KERN_SUCCESS);
    for (long k = 0;; k++) {
        vm_host_fail_after(k);
        kern_return_t kr = vm_fault(child, a, VM_PROT_WRITE);
        vm_host_fail_after(-1);
        vm_host_check_map(child);
        if (kr == KERN_SUCCESS)
            break;
        assert_int_equal(kr, KERN_RESOURCE_SHORTAGE);
        assert_true(k < 10);
    }
    fill_pages(child, a, 1, 10);
    expect_pages(map, a, 1, 9);
    /* pmap_enter failing (no page-table page). */
    fake_pmap_fail_enter(true);
    assert_int_equal(vm_fault(map, a + 3 * P, VM_PROT_READ), KERN_RESOURCE_SHORTAGE);
    fake_pmap_fail_enter(false);
    expect_pages(map, a + 3 * P, 1, 0);
    vm_host_map_destroy(map);
    vm_host_map_destroy(child);
}

/* An operation retried with allocation k failing, k = 0, 1, ... until it works. */
typedef kern_return_t (*op_fn)(vm_map_t map, vaddr_t base, void *arg);

static void oom_sweep(const char *name, op_fn op, void *arg)
{
    for (long k = 0;; k++) {
        vm_map_t map = vm_host_map_create();
        vaddr_t base = alloc_any(map, 16 * P);
        fill_pages(map, base, 8, 0x31);
        size_t before = vm_page_available_count();
        struct vm_host_region r1[32];
        size_t n1 = vm_host_regions(map, r1, 32);
        vm_host_fail_after(k);
        kern_return_t kr = op(map, base, arg);
        vm_host_fail_after(-1);
        vm_host_check_map(map);
        if (kr != KERN_SUCCESS) {
            if (kr != KERN_RESOURCE_SHORTAGE)
                fail_msg("%s: error %d with %ld allocations", name, kr, k);
            vm_host_assert_regions(map, r1, n1);
            assert_int_equal(vm_page_available_count(), before);
        }
        expect_pages(map, base, 8, 0x31);
        vm_host_map_destroy(map);
        vm_host_check_clean(baseline);
        if (kr == KERN_SUCCESS)
            return;
        assert_true(k < 64);
    }
}

static kern_return_t op_fork(vm_map_t map, vaddr_t base, void *arg)
{
    vm_map_t child;
    assert_int_equal(vm_inherit(map, base + 2 * P, 2 * P, VM_INHERIT_SHARE), KERN_SUCCESS);
    assert_int_equal(vm_inherit(map, base + 6 * P, P, VM_INHERIT_NONE), KERN_SUCCESS);
    kern_return_t kr = vm_host_map_fork(map, &child);
    if (kr == KERN_SUCCESS) {
        expect_pages(child, base, 2, 0x31);
        vm_host_map_destroy(child);
    }
    return kr;
}

static kern_return_t op_protect(vm_map_t map, vaddr_t base, void *arg)
{
    return vm_protect(map, base + P, 2 * P, false, VM_PROT_READ);
}

static kern_return_t op_allocate(vm_map_t map, vaddr_t base, void *arg)
{
    vaddr_t a = 0;
    assert_int_equal(vm_protect(map, base, P, false, VM_PROT_READ), KERN_SUCCESS);
    return vm_allocate(map, &a, P, true);
}

static kern_return_t op_deallocate(vm_map_t map, vaddr_t base, void *arg)
{
    return vm_deallocate(map, base + 9 * P, 2 * P);
}

static kern_return_t op_copy(vm_map_t map, vaddr_t base, void *arg)
{
    kern_return_t kr = vm_copy(map, base + P, 4 * P, base + 9 * P);
    if (kr == KERN_SUCCESS)
        expect_pages(map, base + 9 * P, 4, 0x31);
    return kr;
}

static kern_return_t op_read(vm_map_t map, vaddr_t base, void *arg)
{
    vm_map_t other = vm_host_map_create();
    vaddr_t d = 0;
    kern_return_t kr = vm_read(map, base + P, 3 * P, other, &d);
    if (kr == KERN_SUCCESS)
        expect_pages(other, d, 3, 0x31);
    vm_host_map_destroy(other);
    return kr;
}

static void oom_operations(void **state)
{
    oom_sweep("fork", op_fork, NULL);
    oom_sweep("protect", op_protect, NULL);
    oom_sweep("allocate", op_allocate, NULL);
    oom_sweep("deallocate", op_deallocate, NULL);
    oom_sweep("copy", op_copy, NULL);
    oom_sweep("read", op_read, NULL);
}

/*
 * vm_write into a shared destination copies in place, page by page: on a
 * shortage part of it may be written, so only the error and leaks are checked.
 */
static void oom_write_shared(void **state)
{
    for (long k = 0;; k++) {
        vm_map_t map = vm_host_map_create(), other = vm_host_map_create(), child;
        vaddr_t base = alloc_any(map, 8 * P), s = alloc_any(other, 2 * P);
        fill_pages(other, s, 2, 0x31);
        assert_int_equal(vm_inherit(map, base, 8 * P, VM_INHERIT_SHARE), KERN_SUCCESS);
        fill_pages(map, base, 4, 0x30);
        assert_int_equal(vm_host_map_fork(map, &child), KERN_SUCCESS);
        vm_host_fail_after(k);
        kern_return_t kr = vm_write(map, base + 3 * P, other, s, 2 * P);
        vm_host_fail_after(-1);
        if (kr == KERN_SUCCESS)
            expect_pages(child, base + 3 * P, 2, 0x31);
        vm_host_check_map(map);
        vm_host_check_map(child);
        vm_host_map_destroy(child);
        vm_host_map_destroy(other);
        vm_host_map_destroy(map);
        vm_host_check_clean(baseline);
        if (kr == KERN_SUCCESS)
            return;
        assert_true(kr == KERN_RESOURCE_SHORTAGE && k < 64);
    }
}

/* ---- argument errors ---------------------------------------------------- */

static void errors_allocate(void **state)
{
    vm_map_t map = vm_host_map_create();
    vaddr_t a = VM_HOST_MIN + 16 * P;
    alloc_at(map, a, 4 * P);
    struct snapshot s;
    snap(map, &s);
    vaddr_t x = a;
    assert_int_equal(vm_allocate(NULL, &x, P, true), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_allocate(map, NULL, P, true), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_allocate(map, &x, 0, true), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_allocate(map, &x, 100, true), KERN_INVALID_ARGUMENT);
    x = a + 4 * P + 1;
    assert_int_equal(vm_allocate(map, &x, P, false), KERN_INVALID_ARGUMENT);
    x = ~(vaddr_t)0 & ~PAGE_MASK;
    assert_int_equal(vm_allocate(map, &x, 2 * P, false), KERN_INVALID_ARGUMENT);
    x = 0;
    assert_int_equal(vm_allocate(map, &x, P, false), KERN_INVALID_ADDRESS);
    x = VM_HOST_MAX - P;
    assert_int_equal(vm_allocate(map, &x, 2 * P, false), KERN_INVALID_ADDRESS);
    for (vaddr_t o = a - 2 * P; o < a + 4 * P; o += P) {
        x = o;
        assert_int_equal(vm_allocate(map, &x, 3 * P, false), KERN_NO_SPACE);
    }
    x = 0;
    assert_int_equal(vm_allocate(map, &x, VM_HOST_MAX - VM_HOST_MIN, true), KERN_NO_SPACE);
    expect_unchanged(map, &s);
    /* The exact holes around it still work, and merge with it. */
    x = a - P;
    assert_int_equal(vm_allocate(map, &x, P, false), KERN_SUCCESS);
    x = a + 4 * P;
    assert_int_equal(vm_allocate(map, &x, P, false), KERN_SUCCESS);
    assert_int_equal(vm_map_entry_count(map), 1);
    x = 0;
    assert_int_equal(vm_allocate(map, &x, P, true), KERN_SUCCESS);
    assert_int_equal(x, VM_HOST_MIN);                        /* first fit */
    vm_host_map_destroy(map);
}

static void errors_range_ops(void **state)
{
    vm_map_t map = vm_host_map_create();
    vaddr_t a = VM_HOST_MIN + 16 * P;
    alloc_at(map, a, 4 * P);
    alloc_at(map, a + 5 * P, 2 * P);                         /* hole at a + 4P */
    fill_pages(map, a, 4, 1);
    assert_int_equal(vm_protect(map, a + 5 * P, P, true, VM_PROT_READ), KERN_SUCCESS);
    struct snapshot s;
    snap(map, &s);

    /* Common range rules, for each operation. */
    assert_int_equal(vm_deallocate(NULL, a, P), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_deallocate(map, a, 0), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_deallocate(map, a + 1, P), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_deallocate(map, a, P + 1), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_deallocate(map, ~PAGE_MASK, 2 * P), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_deallocate(map, 0, P), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_deallocate(map, VM_HOST_MAX, P), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_protect(map, a, 0, false, VM_PROT_READ), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_protect(map, a + 2, P, false, VM_PROT_READ), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_protect(map, VM_HOST_MIN - P, 2 * P, false, VM_PROT_READ),
                     KERN_INVALID_ADDRESS);
    assert_int_equal(vm_inherit(map, a, 0, VM_INHERIT_NONE), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_inherit(map, ~PAGE_MASK, P + P, VM_INHERIT_NONE),
                     KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_inherit(map, VM_HOST_MAX - P, 2 * P, VM_INHERIT_NONE),
                     KERN_INVALID_ADDRESS);
    /* Values. */
    assert_int_equal(vm_protect(map, a, P, false, 8), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_protect(map, a, P, true, -1), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_inherit(map, a, P, 3), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_inherit(map, a, P, -1), KERN_INVALID_ARGUMENT);
    /* Holes. */
    assert_int_equal(vm_protect(map, a, 6 * P, false, VM_PROT_READ), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_protect(map, a + 4 * P, P, false, VM_PROT_READ), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_inherit(map, a + 3 * P, 3 * P, VM_INHERIT_SHARE), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_inherit(map, a - P, 2 * P, VM_INHERIT_SHARE), KERN_INVALID_ADDRESS);
    /* Beyond the maximum (a + 5P has maximum READ), or raising the maximum. */
    assert_int_equal(vm_protect(map, a + 5 * P, P, false, VM_PROT_DEFAULT),
                     KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_protect(map, a + 3 * P, 3 * P, false, VM_PROT_READ),
                     KERN_INVALID_ADDRESS);                  /* hole first */
    assert_int_equal(vm_protect(map, a + 5 * P, 2 * P, true, VM_PROT_ALL),
                     KERN_PROTECTION_FAILURE);
    expect_unchanged(map, &s);
    /* Deallocating holes is fine (Mach). */
    assert_int_equal(vm_deallocate(map, a + 4 * P, P), KERN_SUCCESS);
    expect_unchanged(map, &s);
    /* set_maximum lowers the protection with it. */
    assert_int_equal(vm_protect(map, a, P, true, VM_PROT_READ), KERN_SUCCESS);
    struct vm_host_region r[8];
    assert_int_equal(vm_host_regions(map, r, 8), 4);
    assert_int_equal(r[0].prot, VM_PROT_READ);
    assert_int_equal(r[0].max_prot, VM_PROT_READ);
    assert_int_equal(vm_protect(map, a, P, false, VM_PROT_DEFAULT), KERN_PROTECTION_FAILURE);
    assert_int_equal(mapped_prot(map, a), VM_PROT_READ);
    vm_host_check_map(map);
    vm_host_map_destroy(map);
}

static void errors_copy_ops(void **state)
{
    vm_map_t map = vm_host_map_create(), other = vm_host_map_create();
    vaddr_t a = VM_HOST_MIN + 16 * P;
    alloc_at(map, a, 4 * P);
    alloc_at(map, a + 5 * P, 4 * P);
    alloc_at(other, a, 2 * P);
    fill_pages(map, a, 4, 1);
    assert_int_equal(vm_protect(map, a + 8 * P, P, false, VM_PROT_READ), KERN_SUCCESS);
    assert_int_equal(vm_protect(map, a + 3 * P, P, false, VM_PROT_NONE), KERN_SUCCESS);
    struct snapshot s, so;
    snap(map, &s);
    snap(other, &so);
    vaddr_t d = 0;

    assert_int_equal(vm_copy(map, a, 0, a + 5 * P), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_copy(map, a + 1, P, a + 5 * P), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_copy(map, a, P, a + 5 * P + 8), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_copy(map, a, 2 * P, a + 4 * P), KERN_INVALID_ADDRESS);   /* dst hole */
    assert_int_equal(vm_copy(map, a, 2 * P, a + 2 * P), KERN_PROTECTION_FAILURE); /* dst NONE */
    assert_int_equal(vm_copy(map, a, 2 * P, a + 7 * P), KERN_PROTECTION_FAILURE); /* dst RO */
    assert_int_equal(vm_copy(map, a + 3 * P, P, a + 5 * P), KERN_PROTECTION_FAILURE); /* src NONE */
    assert_int_equal(vm_copy(map, a + 4 * P, P, a + 5 * P), KERN_INVALID_ADDRESS);   /* src hole */
    assert_int_equal(vm_copy(map, VM_HOST_MAX - P, 2 * P, a), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_read(map, a, P, NULL, &d), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_read(map, a, P, other, NULL), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_read(map, a, 0, other, &d), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_read(map, a + 7, P, other, &d), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_read(map, a + 2 * P, 4 * P, other, &d), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_read(map, a + 4 * P, P, other, &d), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_read(map, 0, P, other, &d), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_write(other, a, map, a, 0), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_write(other, a + 1, map, a, P), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_write(other, a, map, a, 3 * P), KERN_INVALID_ADDRESS);   /* dst hole */
    assert_int_equal(vm_write(other, a, map, a + 4 * P, P), KERN_INVALID_ADDRESS);
    assert_int_equal(vm_write(other, a, map, a + 3 * P, P), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_write(map, a + 8 * P, other, a, P), KERN_PROTECTION_FAILURE);
    assert_int_equal(vm_write(NULL, a, map, a, P), KERN_INVALID_ARGUMENT);
    vm_map_copy_t c;
    assert_int_equal(vm_map_copyin(map, a, 0, false, &c), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_copyin(map, ~(vaddr_t)0 - 10, 100, false, &c), KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_map_copyin(map, a + 3 * P, 1, true, &c), KERN_PROTECTION_FAILURE);
    expect_unchanged(map, &s);
    expect_unchanged(other, &so);
    /* vm_region: at or after the address, then nothing. */
    vaddr_t addr = a + 4 * P;
    vm_size_t size;
    vm_prot_t prot, max;
    vm_inherit_t inh;
    bool shared;
    vm_offset_t off;
    assert_int_equal(vm_region(map, &addr, &size, &prot, &max, &inh, &shared, &off),
                     KERN_SUCCESS);
    assert_int_equal(addr, a + 5 * P);
    assert_int_equal(size, 3 * P);
    addr = a + 9 * P;
    assert_int_equal(vm_region(map, &addr, &size, &prot, &max, &inh, &shared, &off),
                     KERN_NO_SPACE);
    assert_int_equal(vm_region(map, &addr, NULL, &prot, &max, &inh, &shared, &off),
                     KERN_INVALID_ARGUMENT);
    assert_int_equal(vm_region(NULL, &addr, &size, &prot, &max, &inh, &shared, &off),
                     KERN_INVALID_ARGUMENT);
    vm_host_map_destroy(map);
    vm_host_map_destroy(other);
}

/* ---- threads ------------------------------------------------------------ */

struct worker {
    vm_map_t map;
    vaddr_t base;
    uint8_t tag;
    int failures;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < 16; i++) {
            uint8_t v = (uint8_t)(w->tag + round);
            /* Own pages in the shared region, all pages in the private one. */
            if (i % 2 == w->tag % 2 && vm_host_fill(w->map, w->base + i * P, v))
                w->failures++;
            if (vm_host_fill(w->map, w->base + (16 + i) * P, v) != KERN_SUCCESS ||
                !vm_host_page_is(w->map, w->base + (16 + i) * P, v))
                w->failures++;
        }
    }
    return NULL;
}

/* Two maps sharing one region and copy-on-write another, faulting at once. */
static void threads_share_and_cow(void **state)
{
    vm_map_t a = vm_host_map_create(), b;
    vaddr_t base = alloc_any(a, 32 * P);
    assert_int_equal(vm_inherit(a, base, 16 * P, VM_INHERIT_SHARE), KERN_SUCCESS);
    fill_pages(a, base, 32, 0xcc);
    assert_int_equal(vm_host_map_fork(a, &b), KERN_SUCCESS);
    struct worker w[2] = { { a, base, 2, 0 }, { b, base, 5, 0 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker_run, &w[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(w[0].failures + w[1].failures, 0);
    for (size_t i = 0; i < 16; i++) {
        uint8_t v = (uint8_t)((i % 2 == 0 ? 2 : 5) + 49);
        assert_true(vm_host_page_is(a, base + i * P, v));
        assert_true(vm_host_page_is(b, base + i * P, v));
    }
    expect_pages(a, base + 16 * P, 16, 2 + 49);
    expect_pages(b, base + 16 * P, 16, 5 + 49);
    vm_host_check_map(a);
    vm_host_check_map(b);
    vm_host_map_destroy(a);
    vm_host_map_destroy(b);
}

struct forker {
    vm_map_t parent;
    vaddr_t base;
    int failures;
};

static void *forker_run(void *arg)
{
    struct forker *f = arg;
    for (int i = 0; i < 300; i++) {
        vm_map_t child;
        if (vm_host_map_fork(f->parent, &child) != KERN_SUCCESS) {
            f->failures++;
            continue;
        }
        if (vm_host_fill(child, f->base + (size_t)(i % 8) * P, 0xc4) != KERN_SUCCESS)
            f->failures++;
        vm_host_map_destroy(child);
    }
    return NULL;
}

/*
 * Children forked and dying on one thread while the parent writes on
 * another: a dying child often leaves an object referenced only by the
 * parent's shadow in front of it while a parent fault holds that shadow,
 * so the fold waits for it (vm_object_deallocate) rather than being lost.
 * In the end the parent's region is one object again.
 */
static void threads_children_die(void **state)
{
    vm_map_t parent = vm_host_map_create();
    vaddr_t base = alloc_any(parent, 8 * P);
    fill_pages(parent, base, 8, 0x11);
    struct forker f = { parent, base, 0 };
    pthread_t t;
    pthread_create(&t, NULL, forker_run, &f);
    int failures = 0;
    for (int round = 0; round < 300; round++)
        for (size_t i = 0; i < 8; i++)
            if (vm_host_fill(parent, base + i * P, (uint8_t)round) != KERN_SUCCESS)
                failures++;
    pthread_join(t, NULL);
    assert_int_equal(failures + f.failures, 0);
    expect_pages(parent, base, 8, (uint8_t)299);
    vm_host_check_refs(&parent, 1, NULL, 0);
    assert_int_equal(vm_object_total_count(), 1);
    assert_int_equal(vm_page_resident_total(), 8);
    vm_host_check_map(parent);
    vm_host_map_destroy(parent);
}

struct destroyer {
    vm_map_t map;
    bool done;
};

static void *destroyer_run(void *arg)
{
    struct destroyer *d = arg;
    vm_host_map_destroy(d->map);
    __atomic_store_n(&d->done, true, __ATOMIC_RELEASE);
    return NULL;
}

/*
 * The fold when the object in front is busy: a child dies while its
 * parent's shadow is locked (as by a fault in progress).  The child's
 * object, left to the shadow alone, cannot be folded in then (the shadow
 * comes first in the lock order): the dying side waits and folds it once
 * the shadow is let go.
 */
static void fold_waits_for_busy_shadow(void **state)
{
    vm_map_t parent = vm_host_map_create(), child;
    vaddr_t a = alloc_any(parent, 4 * P);
    fill_pages(parent, a, 4, 0x21);
    assert_int_equal(vm_host_map_fork(parent, &child), KERN_SUCCESS);
    fill_pages(parent, a, 1, 0x22);             /* a shadow in front */
    assert_int_equal(vm_object_total_count(), 2);
    struct vm_map_entry *e;
    mutex_lock(&parent->lock);
    assert_true(vm_map_lookup_entry(parent, a, &e));
    struct vm_object *shadow = e->object;
    mutex_unlock(&parent->lock);
    mutex_lock(&shadow->lock);
    struct destroyer d = { child, false };
    pthread_t t;
    pthread_create(&t, NULL, destroyer_run, &d);
    usleep(20000);
    assert_false(__atomic_load_n(&d.done, __ATOMIC_ACQUIRE));     /* waiting */
    assert_int_equal(vm_object_total_count(), 2);
    mutex_unlock(&shadow->lock);
    pthread_join(t, NULL);
    assert_int_equal(vm_object_total_count(), 1);   /* folded */
    assert_int_equal(vm_page_resident_total(), 4);
    expect_pages(parent, a, 1, 0x22);
    expect_pages(parent, a + P, 3, 0x21);
    vm_host_check_refs(&parent, 1, NULL, 0);
    vm_host_check_map(parent);
    vm_host_map_destroy(parent);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(zero_fill),
        T(protection_failure),
        T(invalid_address),
        T(fork_inheritance),
        T(fork_share_of_cow),
        T(fork_copy_of_shared),
        T(vm_copy_snapshot),
        T(vm_read_snapshot),
        T(vm_write_snapshot),
        T(vm_write_shared),
        T(vm_read_of_shared),
        T(map_references),
        T(copyin_unaligned_destroy),
        T(copy_overwrite_errors),
        T(copy_paths_rounds),
        T(kernel_bytes),
        T(oom_faults),
        T(oom_operations),
        T(oom_write_shared),
        T(errors_allocate),
        T(errors_range_ops),
        T(errors_copy_ops),
        T(threads_share_and_cow),
        T(threads_children_die),
        T(fold_waits_for_busy_shadow),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
