/* SPDX-License-Identifier: MIT */
/*
 * The physical map interface: what the machine-independent VM asks of the
 * MMU code (arch/riscv/pmap_user.c on Sv39; a fake in the host tests).
 *
 * A pmap holds the hardware translations of one address space.  It is only
 * a cache of what the vm_map and vm_objects say: anything in it may be
 * thrown away and rebuilt by a fault.
 *
 * Locking: each pmap has its own lock inside; callers need hold none.
 */
#ifndef _VM_PMAP_H_
#define _VM_PMAP_H_

#include <kern/types.h>
#include <mach/vm_prot.h>

typedef struct pmap *pmap_t;

/* A new, empty user address space; NULL when out of memory. */
pmap_t pmap_create(void);

/* Remove every translation and free the page tables.  No CPU may still use it. */
void pmap_destroy(pmap_t pmap);

/*
 * Map the page at physical `pa` at user address `va` (page aligned) with
 * `prot` (not VM_PROT_NONE).  Replaces any earlier translation of va.
 * KERN_RESOURCE_SHORTAGE when a page-table page cannot be allocated.
 */
kern_return_t pmap_enter(pmap_t pmap, vaddr_t va, paddr_t pa, vm_prot_t prot);

/* Remove the translations of [start, end) (page aligned). */
void pmap_remove(pmap_t pmap, vaddr_t start, vaddr_t end);

/* Lower the protection of [start, end) to at most `prot`; VM_PROT_NONE removes. */
void pmap_protect(pmap_t pmap, vaddr_t start, vaddr_t end, vm_prot_t prot);

/* The translation of va, if any. */
bool pmap_extract(pmap_t pmap, vaddr_t va, paddr_t *pa, vm_prot_t *prot);

/* Number of pages mapped now (for vm_region and the shell's `vm`). */
size_t pmap_resident_count(pmap_t pmap);

/* Fill a physical page with zeros; copy one physical page to another. */
void pmap_zero_page(paddr_t pa);
void pmap_copy_page(paddr_t src, paddr_t dst);

/* Make `pmap` the user address space of this hart (NULL: none). */
void pmap_activate(pmap_t pmap);

#endif /* _VM_PMAP_H_ */
