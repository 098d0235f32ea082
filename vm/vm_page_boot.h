/* SPDX-License-Identifier: MIT */
/* Boot-time set-up of the page allocator (vm/vm_page.c). */
#ifndef _VM_VM_PAGE_BOOT_H_
#define _VM_VM_PAGE_BOOT_H_

#include <kern/physmem.h>
#include <kern/types.h>

#define VM_PAGE_MAX_RESERVED    48
#define VM_PAGE_MAX_FREE        32

struct platform;

struct vm_page_boot_info {
    struct phys_range free_ranges[VM_PAGE_MAX_FREE];
    unsigned nfree_ranges;
    size_t desc_pages;          /* pages holding struct vm_page arrays */
    size_t lost_pages;          /* free pages too few to be worth managing */
};

/*
 * Build the allocator from the device tree's RAM banks, minus its reserved
 * ranges and initrd, minus `in_use` (the kernel image, the device tree).
 * Boot hart only, after the direct map is on.
 */
void vm_page_bootstrap(const struct platform *plat, const struct phys_range *in_use,
                       unsigned nin_use);

const struct vm_page_boot_info *vm_page_boot_info(void);

#endif /* _VM_VM_PAGE_BOOT_H_ */
