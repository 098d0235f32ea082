/* SPDX-License-Identifier: MIT */
/*
 * Variable-sized kernel memory: kalloc() for small blocks, whole pages from
 * the page allocator (physically contiguous, through the direct map) above
 * KALLOC_MAX.  The caller passes the size back when freeing.
 */
#ifndef _KERN_KMEM_H_
#define _KERN_KMEM_H_

#include <kern/types.h>

/* `size` bytes (not zeroed), or NULL if 0 or out of memory. */
void *kmem_alloc(size_t size);

/* Zeroed memory. */
void *kmem_zalloc(size_t size);

/* Free what kmem_alloc(size) returned. */
void kmem_free(void *ptr, size_t size);

#endif /* _KERN_KMEM_H_ */
