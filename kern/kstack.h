/* SPDX-License-Identifier: MIT */
/*
 * Kernel stacks.  Each stack lives in its own KSTACK_SLOT-sized slot of the
 * kernel-stack area: the bottom half of the slot is never mapped, so running
 * off the end of a stack faults on a guard page (and the trap entry reports
 * a kernel stack overflow) instead of silently corrupting a neighbour.
 */
#ifndef _KERN_KSTACK_H_
#define _KERN_KSTACK_H_

#include <kern/types.h>

/* A fresh stack: returns its top (initial sp), or 0 when out of memory or slots. */
vaddr_t kstack_alloc(void);

/* Free the stack whose top kstack_alloc() returned. */
void kstack_free(vaddr_t top);

/* Stacks in use now (for leak checks). */
size_t kstack_count(void);

#endif /* _KERN_KSTACK_H_ */
