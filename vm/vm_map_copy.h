/* SPDX-License-Identifier: MIT */
/*
 * vm_map_copy: a copy-on-write snapshot of a range of a map, held outside
 * any map: how memory travels between address spaces (vm_read, vm_write,
 * vm_copy, out-of-line message memory).
 *
 * A copy is a list of map entries with addresses relative to the copy
 * (the first page is at 0), covering [0, round_page(offset + size))
 * without holes.  Each entry holds an object reference, marked needs_copy,
 * or no object (untouched zero-fill memory).  The source's entries were made
 * needs_copy too and lost write permission in its pmap, so a later write on
 * either side copies the page first: the snapshot never changes.
 *
 * States: made by vm_map_copyin(); then consumed by vm_map_copyout() or
 * vm_map_copy_overwrite() on success, or freed by vm_map_copy_discard().
 * A copy belongs to one holder at a time and has no lock: the holder (the
 * IPC layer while a message is queued) keeps it to itself.
 */
#ifndef _VM_VM_MAP_COPY_H_
#define _VM_VM_MAP_COPY_H_

#include <kern/list.h>
#include <kern/types.h>
#include <mach/vm_types.h>
#include <vm/vm_map.h>

struct vm_map_copy {
    struct list entries;        /* struct vm_map_entry, sorted, from 0 */
    size_t nentries;
    vm_offset_t offset;         /* where the data starts in the first page */
    vm_size_t size;             /* bytes of data */
};

typedef struct vm_map_copy *vm_map_copy_t;

/* Set up the copy zone.  Once, at boot. */
void vm_map_copy_init(void);

/*
 * Snapshot the `size` bytes at `addr` of `src_map` (any byte range: the
 * whole pages around it are taken, copy->offset says where the data
 * starts).  With src_destroy the range is then removed from src_map (the
 * pages whole around it).  Takes src_map's lock, then object locks.
 *   KERN_SUCCESS              *copy is the caller's
 *   KERN_INVALID_ARGUMENT     size is 0 or addr + size wraps
 *   KERN_INVALID_ADDRESS      outside [min, max), or a hole in the range
 *   KERN_PROTECTION_FAILURE   part of the range is not readable, or is a
 *                             physical mapping (vm/vm_phys.h), which is
 *                             never copied
 *   KERN_RESOURCE_SHORTAGE    no memory (src_map is unchanged, as far as
 *                             anyone can see)
 */
kern_return_t vm_map_copyin(vm_map_t src_map, vaddr_t addr, vm_size_t size,
                            bool src_destroy, vm_map_copy_t *copy);

/*
 * Map `copy` at a free place of `dst_map` (first fit), with protection
 * VM_PROT_DEFAULT, maximum VM_PROT_ALL and inheritance VM_INHERIT_DEFAULT;
 * *addr = where the data starts (page start + copy->offset).  Takes
 * dst_map's lock.
 *   KERN_SUCCESS      the copy is consumed
 *   KERN_NO_SPACE     no room; the copy is still the caller's
 */
kern_return_t vm_map_copyout(vm_map_t dst_map, vaddr_t *addr, vm_map_copy_t copy);

/*
 * Replace the contents of [addr, addr + copy->size) of `dst_map`, which
 * must be mapped and writable, with the copy; the entries keep their
 * protection and inheritance.  Private entries are replaced by
 * copy-on-write references to the copy's objects; if an entry of the range
 * is shared (VM_INHERIT_SHARE), the data is copied into the pages in place
 * instead, so that the other map sees it.  Takes dst_map's lock, then
 * object locks.
 *   KERN_SUCCESS              the copy is consumed
 *   KERN_INVALID_ARGUMENT     addr, copy->offset or copy->size not page
 *                             aligned, or the range wraps
 *   KERN_INVALID_ADDRESS      outside [min, max), or a hole
 *   KERN_PROTECTION_FAILURE   part of the range is not writable, or is a
 *                             physical mapping (vm/vm_phys.h), which a
 *                             copy never replaces
 *   KERN_RESOURCE_SHORTAGE    no memory; nothing changed, except on the
 *                             in-place path, where the pages before the
 *                             failure are written
 * On failure the copy is still the caller's.
 */
kern_return_t vm_map_copy_overwrite(vm_map_t dst_map, vaddr_t addr, vm_map_copy_t copy);

/* Free a copy that was not consumed (NULL is ignored).  Takes object locks. */
void vm_map_copy_discard(vm_map_copy_t copy);

#endif /* _VM_VM_MAP_COPY_H_ */
