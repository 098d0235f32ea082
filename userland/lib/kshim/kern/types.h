/* SPDX-License-Identifier: MIT */
/*
 * User-space wrapper of the kernel's kern/types.h: picolibc's <sys/cdefs.h>
 * defines __printflike and __unused as well (to the same effect), so its
 * definitions are taken back before the kernel's own are read.
 */
#ifndef _KSHIM_KERN_TYPES_H_
#define _KSHIM_KERN_TYPES_H_

#include <sys/cdefs.h>
#undef __printflike
#undef __unused
#include_next <kern/types.h>

#endif /* _KSHIM_KERN_TYPES_H_ */
