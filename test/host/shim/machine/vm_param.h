/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for machine/vm_param.h: the page size, and a "direct map"
 * for tests that simulate physical memory (test/host/vm_host.c): physical
 * address pa is at host address host_direct_map_offset + pa.  The offset
 * is defined in host_support.c and stays 0 in tests that never set it.
 */
#ifndef _MACHINE_VM_PARAM_H_
#define _MACHINE_VM_PARAM_H_

#define PAGE_SHIFT  12
#define PAGE_SIZE   (1UL << PAGE_SHIFT)
#define PAGE_MASK   (PAGE_SIZE - 1)

#ifndef __ASSEMBLER__
#include <kern/types.h>

extern uintptr_t host_direct_map_offset;

static inline void *phys_to_virt(paddr_t pa)
{
    return (void *)(uintptr_t)(host_direct_map_offset + pa);
}

static inline paddr_t virt_to_phys(const void *va)
{
    return (paddr_t)((uintptr_t)va - host_direct_map_offset);
}
#endif

#endif /* _MACHINE_VM_PARAM_H_ */
