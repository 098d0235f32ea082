/* SPDX-License-Identifier: MIT */
/*
 * Mappings of physical memory that the page allocator does not hand out
 * page by page: device registers and DMA buffers for user-level drivers
 * (kern/device.c).  Such a range is never paged, copied or shared: a fork
 * does not inherit it (VM_INHERIT_NONE), a fault maps the physical page
 * directly, and removing the mapping frees the pages when they were given
 * with it.
 */
#ifndef _VM_VM_PHYS_H_
#define _VM_VM_PHYS_H_

#include <kern/types.h>
#include <mach/vm_prot.h>
#include <vm/vm_map.h>

/*
 * Map physical [pa, pa + size) (page aligned) anywhere in `map` with `prot`
 * (maximum the same); *addr says where.  free_order >= 0: the range is a
 * buddy block of that order from vm_page_alloc(), freed when the last
 * mapping of it goes (with its map or by vm_deallocate); -1: device
 * registers, never freed.  KERN_NO_SPACE if the map has no room,
 * KERN_RESOURCE_SHORTAGE when out of memory, KERN_INVALID_ARGUMENT for an
 * unaligned or empty range.  Takes the map lock.
 */
kern_return_t vm_map_enter_phys(vm_map_t map, vaddr_t *addr, paddr_t pa, vm_size_t size,
                                vm_prot_t prot, int free_order);

#endif /* _VM_VM_PHYS_H_ */
