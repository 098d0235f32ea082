/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical memory and user accesses for host tests of the VM
 * (test/host/vm_host.c).
 *
 * "RAM" is a malloc'd array described by real struct vm_page descriptors
 * under kern/buddy.c; vm_page_alloc/free/lookup and the zones' page source
 * run on it, and phys_to_virt() points into it.  New pages are filled with
 * garbage and freed pages poisoned, so a missed zero fill or a use after
 * free shows.  Freeing a page that a (fake) pmap still maps aborts.
 * thread_sleep_ns() (kern/sched.h, for vm_object_deallocate's wait for a
 * busy object) is nanosleep().
 */
#ifndef _TEST_VM_HOST_H_
#define _TEST_VM_HOST_H_

#include <kern/types.h>
#include <mach/vm_prot.h>
#include <vm/vm_map.h>
#include "host_zones.h"

#define VM_HOST_RAM_BASE    0x80000000UL
#define VM_HOST_MIN         0x10000UL           /* the test maps' range */
#define VM_HOST_MAX         0x4000000000UL

/* Set up `npages` of RAM and the VM system (vm_init).  Once per process. */
void vm_host_init(size_t npages);

/*
 * Let the next `n` page allocations succeed, then fail every one until
 * called again with n < 0 (which never fails).
 */
void vm_host_fail_after(long n);

/*
 * Check, with cmocka asserts, that the VM holds nothing: free memory
 * (vm_page_available_count(): free pages plus the empty pages zones keep)
 * is back to `free_baseline`, no object, resident page, map, entry or copy.
 */
void vm_host_check_clean(size_t free_baseline);

/*
 * A user access, as the MMU and trap handler would do it: look the page up
 * in map->pmap; if it is missing or does not allow `type`, call vm_fault
 * and look again (which must then succeed; it faults again a few times if
 * another thread took the translation away meanwhile).  Returns vm_fault's
 * error, or KERN_SUCCESS with the frame in *pa.
 */
kern_return_t vm_host_access(vm_map_t map, vaddr_t va, vm_prot_t type, paddr_t *pa);

/* Byte copies through vm_host_access(). */
kern_return_t vm_host_write(vm_map_t map, vaddr_t va, const void *buf, size_t len);
kern_return_t vm_host_read(vm_map_t map, vaddr_t va, void *buf, size_t len);

/* Fill the page at va with `byte` / check it holds `byte` everywhere. */
kern_return_t vm_host_fill(vm_map_t map, vaddr_t va, uint8_t byte);
bool vm_host_page_is(vm_map_t map, vaddr_t va, uint8_t byte);

/*
 * Check every invariant of the map (vm/vm_map.h) and of its translations
 * (vm/vm_fault.h): each lies in an entry, within its protection, maps the
 * page the entry's object chain resolves that address to, and allows
 * writing only to a page of the top object of an entry not needs_copy.
 * A physical entry (vm/vm_phys.h) must be VM_INHERIT_NONE, neither
 * needs_copy nor shared, and its translations must go to its object's
 * physical address + offset.  Fails the test (cmocka) on the first
 * violation.
 */
void vm_host_check_map(vm_map_t map);

/*
 * Audit the object references of the whole VM, given every live map and
 * every live vm_map_copy: the objects reachable from their entries (and
 * down the shadow chains) must be all the live objects
 * (vm_object_total_count()), each object's ref_count must be exactly the
 * number of entries, copy entries and shadows pointing at it, and their
 * resident pages must be all the resident pages (vm_page_resident_total()),
 * and no object may be referenced only by the object in front of it (that
 * link is collapsed as soon as its other users go: vm_object_deallocate).
 * A reference taken and never dropped, dropped twice, or a chain left
 * longer than it must be fails the test (cmocka) at the step that did it.
 * Takes the maps' and the objects' locks in turn; call it when no other
 * thread uses the VM.
 */
struct vm_map_copy;
void vm_host_check_refs(vm_map_t *maps, size_t nmaps, struct vm_map_copy **copies,
                        size_t ncopies);

/* A region as vm_region() reports it. */
struct vm_host_region {
    vaddr_t start;
    vm_size_t size;
    vm_prot_t prot, max_prot;
    vm_inherit_t inherit;
    bool shared;
    vm_offset_t offset;
};

/* All regions of the map through vm_region(); returns how many. */
size_t vm_host_regions(vm_map_t map, struct vm_host_region *out, size_t max);

/* Fail unless the map's regions are exactly `n` of `expect`. */
void vm_host_assert_regions(vm_map_t map, const struct vm_host_region *expect, size_t n);

/* A map's regions before a call that must fail, to check it changed nothing. */
struct snapshot {
    struct vm_host_region r[32];
    size_t n;
};

static inline void snap(vm_map_t map, struct snapshot *s)
{
    s->n = vm_host_regions(map, s->r, 32);
}

static inline void expect_unchanged(vm_map_t map, const struct snapshot *s)
{
    vm_host_assert_regions(map, s->r, s->n);
    vm_host_check_map(map);
}

/* A new map over a new fake pmap, [VM_HOST_MIN, VM_HOST_MAX). */
vm_map_t vm_host_map_create(void);

/* Drop the map (last reference) and destroy its pmap. */
void vm_host_map_destroy(vm_map_t map);

/* Fork through vm_map_fork with a new pmap (destroyed again on failure). */
kern_return_t vm_host_map_fork(vm_map_t parent, vm_map_t *child);

#endif /* _TEST_VM_HOST_H_ */
