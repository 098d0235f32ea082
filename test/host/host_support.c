// SPDX-License-Identifier: MIT
/* kprintf() and panic() for host tests of kernel code. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <kern/panic.h>
#include <kern/printf.h>
#include <machine/vm_param.h>
#include "host_support.h"

jmp_buf *host_panic_jmp;
char host_panic_msg[256];

/* phys_to_virt() of the host shim (machine/vm_param.h); vm_host.c sets it. */
uintptr_t host_direct_map_offset;

int kvprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    fputs(buf, stdout);
    return n;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(host_panic_msg, sizeof(host_panic_msg), fmt, ap);
    va_end(ap);
    if (host_panic_jmp != NULL)
        longjmp(*host_panic_jmp, 1);
    fprintf(stderr, "panic: %s\n", host_panic_msg);
    abort();
}
