/* SPDX-License-Identifier: MIT */
/*
 * User-space stand-in for the kernel's kern/printf.h: the parsers only
 * format their error messages, which picolibc's vsnprintf does the same way.
 */
#ifndef _KERN_PRINTF_H_
#define _KERN_PRINTF_H_

#include <stdarg.h>
#include <stdio.h>
#include <kern/types.h>

static inline int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return vsnprintf(buf, size, fmt, ap);
}

#endif /* _KERN_PRINTF_H_ */
