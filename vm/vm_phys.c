// SPDX-License-Identifier: MIT
/* Physical mappings for drivers (see vm/vm_phys.h).  Placeholder until implemented. */
#include <vm/vm_phys.h>

kern_return_t vm_map_enter_phys(vm_map_t map, vaddr_t *addr, paddr_t pa, vm_size_t size,
                                vm_prot_t prot, int free_order)
{
    (void)map; (void)addr; (void)pa; (void)size; (void)prot; (void)free_order;
    return KERN_FAILURE;
}
