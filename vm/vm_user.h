/* SPDX-License-Identifier: MIT */
/*
 * The virtual-memory operations a task asks for, shaped like GNU Mach's
 * mach.defs but taking the task's vm_map_t (the task layer passes
 * task->map).  Each one decodes first (arguments, then the map's state under
 * its lock) and only then changes anything, so an error leaves the map as
 * it was.
 *
 * Common argument rules ("range" = [addr, addr + size)):
 *   - addr and size must be page aligned, size > 0, and addr + size must
 *     not wrap: else KERN_INVALID_ARGUMENT;
 *   - the range must lie in [map->min, map->max): else KERN_INVALID_ADDRESS;
 *   - a NULL map or output pointer: KERN_INVALID_ARGUMENT;
 *   - KERN_RESOURCE_SHORTAGE when a map entry or object cannot be had
 *     (never a panic); the map is then unchanged.
 * Locks: each takes the map's lock (one map at a time), then object locks;
 * the caller holds none of them.
 */
#ifndef _VM_VM_USER_H_
#define _VM_VM_USER_H_

#include <kern/types.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <mach/vm_types.h>
#include <vm/vm_map.h>

/*
 * Set up the whole VM system: resident-page hash, object, map, entry and
 * copy zones.  Once, at boot, after vm_page_bootstrap().
 */
void vm_init(void);

/*
 * New zero-fill memory, protection VM_PROT_DEFAULT, maximum VM_PROT_ALL,
 * inheritance VM_INHERIT_DEFAULT (copy).  With `anywhere` the first free
 * range from map->min is taken and *addr set (its value in is ignored);
 * else the range must be free at *addr.  Nothing is mapped in the pmap
 * until touched.  KERN_NO_SPACE: the fixed range overlaps an entry, or no
 * room anywhere.
 */
kern_return_t vm_allocate(vm_map_t map, vaddr_t *addr, vm_size_t size, bool anywhere);

/*
 * Remove whatever is mapped in the range (holes are fine, as in Mach), its
 * translations, and the pages nothing else maps.  Part of a physical
 * mapping (vm/vm_phys.h) may be removed: its block is freed when the last
 * piece goes.
 */
kern_return_t vm_deallocate(vm_map_t map, vaddr_t addr, vm_size_t size);

/*
 * Set the protection of the range (set_maximum false), or its maximum
 * protection (set_maximum true: the protection is lowered to fit under it).
 * Either way new_prot must be within every entry's current maximum: the
 * maximum can only go down (for a physical mapping it starts as the
 * protection it was entered with).  KERN_INVALID_ARGUMENT: new_prot has bits
 * beyond VM_PROT_ALL.  KERN_INVALID_ADDRESS: a hole.
 * KERN_PROTECTION_FAILURE: new_prot beyond a maximum.
 */
kern_return_t vm_protect(vm_map_t map, vaddr_t addr, vm_size_t size,
                         bool set_maximum, vm_prot_t new_prot);

/*
 * Set what a child gets of the range at fork.  KERN_INVALID_ARGUMENT: not
 * VM_INHERIT_NONE, _SHARE or _COPY.  KERN_INVALID_ADDRESS: a hole (checked
 * first).  KERN_INVALID_ARGUMENT also for _SHARE or _COPY of a range that
 * holds a physical mapping (vm/vm_phys.h): those stay VM_INHERIT_NONE, and
 * nothing in the range is changed.
 */
kern_return_t vm_inherit(vm_map_t map, vaddr_t addr, vm_size_t size,
                         vm_inherit_t inheritance);

/*
 * Copy the range at `src` over the range at `dst` (same size; they may
 * overlap), as a snapshot: copy-on-write, no page is copied now unless the
 * destination is shared.  Errors as vm_map_copyin (source: readable) and
 * vm_map_copy_overwrite (destination: writable); the destination is checked
 * before anything is done.  A physical mapping on either side gives
 * KERN_PROTECTION_FAILURE.
 */
kern_return_t vm_copy(vm_map_t map, vaddr_t src, vm_size_t size, vaddr_t dst);

/*
 * The region (entry) holding *addr, or else the first one above it: its
 * start and size in *addr, *size, its protection, maximum, inheritance,
 * whether it is shared in place with another map, and its offset in its
 * object.  KERN_NO_SPACE: nothing at or above *addr.
 */
kern_return_t vm_region(vm_map_t map, vaddr_t *addr, vm_size_t *size,
                        vm_prot_t *protection, vm_prot_t *max_protection,
                        vm_inherit_t *inheritance, bool *shared,
                        vm_offset_t *offset);

/*
 * Copy-on-write snapshot of the range of src_map, mapped anywhere in
 * dst_map (VM_PROT_DEFAULT); *dst_addr says where.  Source errors as
 * vm_map_copyin (a physical mapping: KERN_PROTECTION_FAILURE);
 * KERN_NO_SPACE if dst_map has no room.
 */
kern_return_t vm_read(vm_map_t src_map, vaddr_t addr, vm_size_t size,
                      vm_map_t dst_map, vaddr_t *dst_addr);

/*
 * Overwrite the range at `addr` of dst_map with a snapshot of the range at
 * src_addr of src_map.  Errors as vm_map_copyin (source) and
 * vm_map_copy_overwrite (destination); a physical mapping on either side
 * gives KERN_PROTECTION_FAILURE.
 */
kern_return_t vm_write(vm_map_t dst_map, vaddr_t addr, vm_map_t src_map,
                       vaddr_t src_addr, vm_size_t size);

/*
 * For the kernel itself (loading a program, the shell, debugging): copy
 * `len` bytes between a kernel buffer and the map at `va` (any alignment),
 * faulting pages in as a read or write by the task would, so protections
 * apply.  A physical mapping (vm/vm_phys.h: maybe device registers) gives
 * KERN_PROTECTION_FAILURE.  KERN_INVALID_ADDRESS, KERN_PROTECTION_FAILURE
 * or KERN_RESOURCE_SHORTAGE may come after part of the bytes were copied.
 */
kern_return_t vm_map_write_bytes(vm_map_t map, vaddr_t va, const void *src, size_t len);
kern_return_t vm_map_read_bytes(vm_map_t map, vaddr_t va, void *dst, size_t len);

#endif /* _VM_VM_USER_H_ */
