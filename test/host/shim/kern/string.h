/* SPDX-License-Identifier: MIT */
/* Host stand-in for kern/string.h: the C library's, plus strlcpy. */
#ifndef _KERN_STRING_H_
#define _KERN_STRING_H_

#include <string.h>
#include <kern/types.h>

#if !defined(__GLIBC__) || __GLIBC__ < 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ < 38)
static inline size_t strlcpy(char *restrict dst, const char *restrict src,
                             size_t size)
{
    size_t len = strlen(src);
    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
#endif

#endif /* _KERN_STRING_H_ */
