/* SPDX-License-Identifier: MIT */
/*
 * Mappings of physical memory that the page allocator does not hand out
 * page by page: device registers and DMA buffers for user-level drivers
 * (kern/device.c).  Such a range is never paged, copied or shared: a fork
 * does not inherit it (VM_INHERIT_NONE), a fault maps the physical page
 * directly, and removing the mapping frees the pages when they were given
 * with it.
 *
 * The range is a physical vm_object (vm_object_is_phys, vm/vm_object.h has
 * its invariants) mapped by one entry of one map; clipping (vm_protect or
 * vm_deallocate of part of it) splits the entry into pieces, each holding a
 * reference to the same object.  What each operation does with it:
 *   fault               pmap_enter(phys_addr + offset) with the entry's
 *                       protection (vm/vm_fault.c); nothing is entered
 *                       at map time
 *   vm_protect          lowers freely; raising above the maximum, which
 *                       is the `prot` it was entered with, is refused
 *   vm_inherit          NONE is fine; SHARE or COPY: KERN_INVALID_ARGUMENT
 *   fork (task_create)  the child gets nothing there
 *   vm_read, vm_copy,   KERN_PROTECTION_FAILURE (vm_map_copyin and
 *   vm_write, OOL data  vm_map_copy_overwrite refuse it, either side), so
 *                       mach_msg says MACH_SEND_INVALID_MEMORY
 *   vm_deallocate       allowed, in part too: the piece's translations
 *                       go; the block is freed with the last piece
 *   task death, map     as vm_deallocate of everything
 *   destruction
 *   vm_map_read_bytes,  KERN_PROTECTION_FAILURE (the kernel does not
 *   vm_map_write_bytes  touch device registers through its direct map)
 *
 * Locking: vm_map_enter_phys takes the map lock (and the object zone's);
 * faults on the range take only the map lock, then the pmap's; the block
 * is freed by the last vm_object_deallocate, after the object's lock is let
 * go (vm_page_lock is a leaf).
 */
#ifndef _VM_VM_PHYS_H_
#define _VM_VM_PHYS_H_

#include <kern/types.h>
#include <mach/vm_prot.h>
#include <vm/vm_map.h>

/*
 * Map physical [pa, pa + size) (page aligned) anywhere in `map` (first fit
 * from map->min) with `prot` (maximum the same, inheritance
 * VM_INHERIT_NONE); *addr says where.  free_order >= 0: the range is a
 * buddy block of that order from vm_page_alloc() (size must be
 * PAGE_SIZE << free_order), whose ownership passes to the mapping on
 * success: it is freed when the last mapping of it goes (with its map or by
 * vm_deallocate).  -1: device registers, never freed.  Takes the map lock;
 * the caller holds no VM lock.
 *   KERN_SUCCESS              mapped (nothing is in the pmap until touched)
 *   KERN_INVALID_ARGUMENT     NULL map or addr; an unaligned, empty or
 *                             wrapping range; prot VM_PROT_NONE or beyond
 *                             VM_PROT_ALL; free_order below -1, or >= 0 and
 *                             not matching size or not an allocated block
 *   KERN_NO_SPACE             the map has no room
 *   KERN_RESOURCE_SHORTAGE    no memory for the entry or the object
 * On failure nothing is mapped and a free_order >= 0 block is still the
 * caller's to free.
 */
kern_return_t vm_map_enter_phys(vm_map_t map, vaddr_t *addr, paddr_t pa, vm_size_t size,
                                vm_prot_t prot, int free_order);

#endif /* _VM_VM_PHYS_H_ */
