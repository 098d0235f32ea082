// SPDX-License-Identifier: MIT
/* Byte-wise string and memory functions for the kernel (not used on the host). */
#include <kern/string.h>

/*
 * memcpy and memset move eight bytes at a time when the addresses allow it
 * (unrolled by four), and the rest byte by byte.  IPC copies messages with
 * them, so they matter for every RPC.
 */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (IS_ALIGNED((uintptr_t)d | (uintptr_t)s, 8)) {
        uint64_t *d8 = dst;
        const uint64_t *s8 = src;
        for (; n >= 32; n -= 32, d8 += 4, s8 += 4) {
            uint64_t a = s8[0], b = s8[1], c = s8[2], e = s8[3];
            d8[0] = a; d8[1] = b; d8[2] = c; d8[3] = e;
        }
        for (; n >= 8; n -= 8)
            *d8++ = *s8++;
        d = (unsigned char *)d8;
        s = (const unsigned char *)s8;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (IS_ALIGNED((uintptr_t)d, 8)) {
        uint64_t v = (unsigned char)c * 0x0101010101010101ULL;
        uint64_t *d8 = dst;
        for (; n >= 32; n -= 32, d8 += 4) {
            d8[0] = v; d8[1] = v; d8[2] = v; d8[3] = v;
        }
        for (; n >= 8; n -= 8)
            *d8++ = v;
        d = (unsigned char *)d8;
    }
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || a[i] == '\0')
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (*s == '\0')
            return NULL;
    }
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
    size_t len = strlen(src);
    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
