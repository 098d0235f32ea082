/* SPDX-License-Identifier: MIT */
/* Address-space types shared by the kernel and user programs (LP64). */
#ifndef _MACH_VM_TYPES_H_
#define _MACH_VM_TYPES_H_

#include <stdint.h>

typedef uintptr_t vm_offset_t;      /* an address or an offset in an object */
typedef uintptr_t vm_address_t;
typedef uintptr_t vm_size_t;
typedef uint32_t natural_t;
typedef int32_t integer_t;
typedef int boolean_t;

#endif /* _MACH_VM_TYPES_H_ */
