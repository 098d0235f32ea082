/* SPDX-License-Identifier: MIT */
/*
 * Formatted output.  kvsnprintf() is the one formatter (host-testable);
 * kprintf() sends a formatted line to the kernel console.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%, with flags '-', '0', '#',
 * '+', ' ', a width and precision (or '*'), and the length modifiers
 * hh h l ll z t j.  Output is always NUL-terminated and never overruns the
 * buffer; the return value is the length the full output would have had.
 */
#ifndef _KERN_PRINTF_H_
#define _KERN_PRINTF_H_

#include <stdarg.h>
#include <kern/types.h>

/* Format to a function taking one character at a time; returns the count. */
int kvformat(void (*sink)(void *arg, char c), void *arg, const char *fmt,
             va_list ap);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printflike(3, 4);

/* Print to the kernel console; whole lines from different harts never mix. */
int kprintf(const char *fmt, ...) __printflike(1, 2);
int kvprintf(const char *fmt, va_list ap);

#endif /* _KERN_PRINTF_H_ */
