/* SPDX-License-Identifier: MIT */
/*
 * Sv39 page tables: the kernel's own mappings.  (The user-space pmap of the
 * VM system comes with tasks.)
 */
#ifndef _MACHINE_PMAP_H_
#define _MACHINE_PMAP_H_

#include <kern/types.h>
#include <machine/riscv.h>

typedef uint64_t pte_t;

#define PTES_PER_TABLE      512
#define PTE_INDEX(va, level) (((va) >> (12 + 9 * (level))) & 0x1ff)
#define BOOT_L0_TABLES      16          /* the boot map covers a 32 MiB image */

static inline paddr_t pte_to_pa(pte_t pte)
{
    return (pte >> PTE_PPN_SHIFT) << 12;
}

static inline bool pte_is_leaf(pte_t pte)
{
    return (pte & (PTE_R | PTE_W | PTE_X)) != 0;
}

struct platform;

/* Physical address of a kernel image address (text, data, bss). */
paddr_t kernel_image_pa(const void *kva);
extern paddr_t kernel_load_pa;

/*
 * Build the kernel page table from the boot one: W^X for the image, the
 * direct map of all RAM (minus no-map ranges), the stack and device areas;
 * switch to it.  Boot hart only, before any other hart runs.
 */
void pmap_bootstrap(const struct platform *plat);

/* Switch this hart to the kernel page table (secondary harts at start). */
void pmap_activate_kernel(void);

/*
 * Map `size` bytes of device registers at physical `pa` into the device
 * area; returns the virtual address, or NULL if out of space or memory.
 */
void *pmap_map_device(paddr_t pa, size_t size);

/*
 * Map (or unmap) one kernel page in the stack area.  Return
 * KERN_RESOURCE_SHORTAGE when a page table cannot be allocated.
 */
kern_return_t pmap_kernel_enter(vaddr_t va, paddr_t pa, pte_t perm);
void pmap_kernel_remove(vaddr_t va);
/* Page-table pages allocated for the kernel's half since boot (never freed). */
size_t pmap_kernel_table_pages(void);

/* Copy the kernel's upper-half root entries into a new user root table. */
void pmap_kernel_copy_upper(pte_t *root);

/* The satp value of the kernel's own table (ASID 0). */
extern uint64_t kernel_satp;

/* User pmaps: zone and ASID width (arch/riscv/pmap_user.c). */
void pmap_user_bootstrap(void);
unsigned pmap_asid_bits(void);

/* The leaf entry mapping `va` in the kernel table (or 0), for tests. */
pte_t pmap_kernel_lookup(vaddr_t va);

#endif /* _MACHINE_PMAP_H_ */
