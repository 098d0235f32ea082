/* SPDX-License-Identifier: MIT */
/*
 * Moving data across the user/kernel boundary.  A bad user pointer (outside
 * user space, unmapped, or without the access needed) gives -1, never a
 * kernel crash; callers turn it into KERN_INVALID_ADDRESS.
 */
#ifndef _KERN_COPY_H_
#define _KERN_COPY_H_

#include <kern/types.h>

long copyin(const void *user_src, void *kernel_dst, size_t len);
long copyout(const void *kernel_src, void *user_dst, size_t len);

#endif /* _KERN_COPY_H_ */
