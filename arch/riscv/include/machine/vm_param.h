/* SPDX-License-Identifier: MIT */
/*
 * The kernel's view of the Sv39 address space.
 *
 *   0x0000000000000000 .. 0x0000003fffffffff   user space (256 GiB)
 *   0xffffffc000000000 .. 0xffffffdfffffffff   direct map: PA p at DIRECT_MAP_BASE + p
 *   0xffffffe000000000 .. +1 GiB               kernel stacks, each with guard pages
 *   0xffffffe040000000 .. +1 GiB               device registers (uncached by PMA)
 *   0xffffffff80000000 ..                      the kernel image (text, rodata, data, bss)
 *
 * Every region of the upper half gets its root page-table entry at boot and
 * those entries never change afterwards, so a user page table shares the
 * kernel's mappings by copying the upper half of the root table once.
 */
#ifndef _MACHINE_VM_PARAM_H_
#define _MACHINE_VM_PARAM_H_

#define PAGE_SHIFT          12
#define PAGE_SIZE           (1UL << PAGE_SHIFT)
#define PAGE_MASK           (PAGE_SIZE - 1)
#define MEGAPAGE_SIZE       (1UL << 21)
#define GIGAPAGE_SIZE       (1UL << 30)

#define USER_VA_MIN         0x0000000000010000UL    /* the first 64 KiB stay unmapped */
#define USER_VA_END         0x0000004000000000UL
#define DIRECT_MAP_BASE     0xffffffc000000000UL
#define DIRECT_MAP_SIZE     0x0000002000000000UL    /* 128 GiB of RAM at most */
#define KSTACK_AREA_BASE    0xffffffe000000000UL
#define KSTACK_AREA_SIZE    GIGAPAGE_SIZE
#define DEVICE_AREA_BASE    0xffffffe040000000UL
#define DEVICE_AREA_SIZE    GIGAPAGE_SIZE
#define KERNEL_VBASE        0xffffffff80000000UL

/* Kernel stacks: each slot is a guard gap, then the stack (grows down). */
#define KSTACK_SIZE         (16UL * 1024)
#define KSTACK_SLOT         (32UL * 1024)           /* lower half of a slot is the guard */

#ifndef __ASSEMBLER__
#include <kern/types.h>

static inline void *phys_to_virt(paddr_t pa)
{
    return (void *)(uintptr_t)(DIRECT_MAP_BASE + pa);
}

static inline paddr_t virt_to_phys(const void *va)
{
    return (paddr_t)((uintptr_t)va - DIRECT_MAP_BASE);
}

static inline bool is_direct_map(uintptr_t va)
{
    return va >= DIRECT_MAP_BASE && va < DIRECT_MAP_BASE + DIRECT_MAP_SIZE;
}
#endif

#endif /* _MACHINE_VM_PARAM_H_ */
