/* SPDX-License-Identifier: MIT */
/*
 * vm_fault: resolve a page fault from the map's entries and objects, and
 * enter the translation in the pmap.
 *
 * A fault at va of type t (read, write, execute) in map M:
 *   1. the entry holding va, which must allow t;
 *   2. an entry with no object gets a new internal object; a write to a
 *      needs_copy entry first puts a new shadow object in front of the
 *      entry's object (vm_object_shadow);
 *   3. the chain from the entry's (top) object down is searched for the
 *      page; the top object's chain is collapsed first if it can be;
 *   4. no page anywhere: a zeroed page goes into the top object; a page
 *      found in a shadow is copied up into the top object on a write (or
 *      on any fault of a shared entry), else it is mapped read-only;
 *   5. pmap_enter with the entry's protection, without write when the page
 *      is not the top object's or the entry is still needs_copy.
 * An entry whose object is physical (vm/vm_phys.h) skips steps 2-4: the
 * translation goes to the object's physical address + offset, with the
 * entry's protection (step 1 still refuses what that does not allow).
 * Invariant kept: a translation never allows more than its entry's
 * protection, and allows writing only to a page of the entry's top object
 * when the entry is not needs_copy (or, for a physical entry, to its own
 * physical range).
 */
#ifndef _VM_VM_FAULT_H_
#define _VM_VM_FAULT_H_

#include <kern/types.h>
#include <mach/vm_prot.h>
#include <vm/vm_map.h>

/*
 * Resolve a fault of `fault_type` (VM_PROT_READ, _WRITE, _EXECUTE or a
 * combination) at `va` in `map`, and enter the page in map->pmap.  Called
 * by the trap handler with no lock held; takes the map lock, then object
 * locks (down the chain), then the pmap's.
 *   KERN_SUCCESS              the access can be retried
 *   KERN_INVALID_ADDRESS      no entry holds va
 *   KERN_PROTECTION_FAILURE   the entry does not allow fault_type
 *   KERN_RESOURCE_SHORTAGE    no memory for an object, a page or a page
 *                             table; nothing is left half done (a new
 *                             object or shadow stays, holding no page)
 *   KERN_INVALID_ARGUMENT     fault_type is 0 or not a protection
 */
kern_return_t vm_fault(vm_map_t map, vaddr_t va, vm_prot_t fault_type);

/*
 * The same, with the map lock already held by the caller and `entry`
 * (holding va, page aligned, and allowing fault_type) found; also returns
 * the physical page now mapped at va (*pa).  For a write fault the page is
 * the entry's top object's and stays there while the map lock is held.
 * For a physical entry *pa is the frame of the physical range, which may
 * be device registers, not RAM: callers that touch it through the direct
 * map must refuse physical entries first.
 * KERN_SUCCESS or KERN_RESOURCE_SHORTAGE.
 */
kern_return_t vm_fault_entry(vm_map_t map, struct vm_map_entry *entry, vaddr_t va,
                             vm_prot_t fault_type, paddr_t *pa);

#endif /* _VM_VM_FAULT_H_ */
