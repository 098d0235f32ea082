/* SPDX-License-Identifier: MIT */
/* Host stand-in for machine/vm_param.h: page size only. */
#ifndef _MACHINE_VM_PARAM_H_
#define _MACHINE_VM_PARAM_H_

#define PAGE_SHIFT  12
#define PAGE_SIZE   (1UL << PAGE_SHIFT)
#define PAGE_MASK   (PAGE_SIZE - 1)

#endif /* _MACHINE_VM_PARAM_H_ */
