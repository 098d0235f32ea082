/* SPDX-License-Identifier: MIT */
/*
 * User-space stand-in for the kernel's kern/string.h, so the freestanding
 * parsers kern/elf.c and kern/bootmod.c build unchanged into libmach.
 */
#ifndef _KERN_STRING_H_
#define _KERN_STRING_H_

#include <string.h>
#include <kern/types.h>

#endif /* _KERN_STRING_H_ */
