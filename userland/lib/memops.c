// SPDX-License-Identifier: MIT
/*
 * memcpy, memmove and memset for user programs, a word at a time.
 * picolibc's RISC-V versions (built for size) move one byte per loop: six
 * instructions a byte, which made copies the largest cost of file I/O and
 * of MIG's inline data.  These take over at link time (libmach comes
 * before the C library).  Misaligned words are never touched: on the
 * VisionFive 2 they trap to the firmware.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WORD sizeof(uint64_t)

/* Copy n bytes forward, one at a time (the ends, and misaligned pairs). */
static void bytes_fwd(unsigned char *d, const unsigned char *s, size_t n)
{
    while (n--)
        *d++ = *s++;
}

/* Copy n bytes (a multiple of 8) between 8-aligned buffers, forward. */
static void words_fwd(uint64_t *d, const uint64_t *s, size_t n)
{
    size_t w = n / WORD;
    for (; w >= 8; w -= 8, d += 8, s += 8) {
        uint64_t a = s[0], b = s[1], c = s[2], e = s[3];
        uint64_t f = s[4], g = s[5], h = s[6], i = s[7];
        d[0] = a; d[1] = b; d[2] = c; d[3] = e;
        d[4] = f; d[5] = g; d[6] = h; d[7] = i;
    }
    while (w--)
        *d++ = *s++;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n >= 2 * WORD && (((uintptr_t)d ^ (uintptr_t)s) & (WORD - 1)) == 0) {
        size_t head = (WORD - ((uintptr_t)d & (WORD - 1))) & (WORD - 1);
        bytes_fwd(d, s, head);
        d += head, s += head, n -= head;
        size_t body = n & ~(WORD - 1);
        words_fwd((uint64_t *)(void *)d, (const uint64_t *)(const void *)s, body);
        d += body, s += body, n -= body;
    }
    bytes_fwd(d, s, n);
    return dst;
}

/* Copy n bytes backward (overlapping, destination above the source). */
static void copy_back(unsigned char *d, const unsigned char *s, size_t n)
{
    d += n;
    s += n;
    if (n >= 2 * WORD && (((uintptr_t)d ^ (uintptr_t)s) & (WORD - 1)) == 0) {
        while (((uintptr_t)d & (WORD - 1)) != 0) {
            *--d = *--s;
            n--;
        }
        for (; n >= WORD; n -= WORD) {
            d -= WORD;
            s -= WORD;
            *(uint64_t *)(void *)d = *(const uint64_t *)(const void *)s;
        }
    }
    while (n--)
        *--d = *--s;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);     /* no harmful overlap going forward */
    copy_back(d, s, n);
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    unsigned char b = (unsigned char)c;
    if (n >= 2 * WORD) {
        while (((uintptr_t)d & (WORD - 1)) != 0) {
            *d++ = b;
            n--;
        }
        uint64_t v = 0x0101010101010101ULL * b;
        uint64_t *w = (uint64_t *)(void *)d;
        for (; n >= 8 * WORD; n -= 8 * WORD, w += 8) {
            w[0] = v; w[1] = v; w[2] = v; w[3] = v;
            w[4] = v; w[5] = v; w[6] = v; w[7] = v;
        }
        for (; n >= WORD; n -= WORD)
            *w++ = v;
        d = (unsigned char *)w;
    }
    while (n--)
        *d++ = b;
    return dst;
}
