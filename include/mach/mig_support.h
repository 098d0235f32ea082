/* SPDX-License-Identifier: MIT */
/* What MIG user stubs call (userland/lib/mig_support.c). */
#ifndef _MACH_MIG_SUPPORT_H_
#define _MACH_MIG_SUPPORT_H_

#include <mach/port.h>
#include <mach/vm_types.h>

#ifndef RVMACH_KERNEL
#include <string.h>                     /* the stubs copy arrays with memcpy */

mach_port_t mig_get_reply_port(void);
void mig_dealloc_reply_port(mach_port_t port);
void mig_put_reply_port(mach_port_t port);
void mig_allocate(vm_address_t *addr, vm_size_t size);
void mig_deallocate(vm_address_t addr, vm_size_t size);
#endif

/* Copy a string of at most len - 1 characters, NUL-terminated; returns its length. */
vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len);

#endif /* _MACH_MIG_SUPPORT_H_ */
