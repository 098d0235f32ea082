/* SPDX-License-Identifier: MIT */
/* What a child task gets of each region of its parent (Mach values). */
#ifndef _MACH_VM_INHERIT_H_
#define _MACH_VM_INHERIT_H_

typedef int vm_inherit_t;

#define VM_INHERIT_SHARE        0   /* child and parent share the memory */
#define VM_INHERIT_COPY         1   /* child gets a copy-on-write copy */
#define VM_INHERIT_NONE         2   /* child gets nothing there */
#define VM_INHERIT_DEFAULT      VM_INHERIT_COPY

#endif /* _MACH_VM_INHERIT_H_ */
