/* SPDX-License-Identifier: MIT */
/* The C string and memory functions the kernel uses (kern/string.c). */
#ifndef _KERN_STRING_H_
#define _KERN_STRING_H_

#include <kern/types.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copy with truncation; returns strlen(src), so `>= size` means truncated. */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

#endif /* _KERN_STRING_H_ */
