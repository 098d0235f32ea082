/* SPDX-License-Identifier: MIT */
/*
 * User-space stand-in for the kernel's machine/vm_param.h: what kern/elf.c
 * checks its constants against (the page size, the end of Sv39 user space).
 */
#ifndef _MACHINE_VM_PARAM_H_
#define _MACHINE_VM_PARAM_H_

#define PAGE_SHIFT      12
#define PAGE_SIZE       (1UL << PAGE_SHIFT)
#define PAGE_MASK       (PAGE_SIZE - 1)
#define USER_VA_END     0x4000000000UL

#endif /* _MACHINE_VM_PARAM_H_ */
