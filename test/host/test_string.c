// SPDX-License-Identifier: MIT
/*
 * The kernel's memory and string functions (kern/string.c), built here
 * under other names so they do not replace the C library's: every length
 * and alignment of memcpy, memmove and memset against byte-by-byte
 * references, and the string functions on their edge cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <kern/types.h>
#define _KERN_STRING_H_         /* kern/string.c gets our names, not the host's header */
#define memcpy k_memcpy
#define memmove k_memmove
#define memset k_memset
#define memcmp k_memcmp
#define strlen k_strlen
#define strnlen k_strnlen
#define strcmp k_strcmp
#define strncmp k_strncmp
#define strchr k_strchr
#define strlcpy k_strlcpy
void *k_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *k_memmove(void *dst, const void *src, size_t n);
void *k_memset(void *dst, int c, size_t n);
int k_memcmp(const void *a, const void *b, size_t n);
size_t k_strlen(const char *s);
size_t k_strnlen(const char *s, size_t max);
int k_strcmp(const char *a, const char *b);
int k_strncmp(const char *a, const char *b, size_t n);
char *k_strchr(const char *s, int c);
size_t k_strlcpy(char *restrict dst, const char *restrict src, size_t size);
#include "../../kern/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strlcpy

#define AREA 256

static uint8_t src[AREA + 16] __attribute__((aligned(16)));
static uint8_t dst[AREA + 16] __attribute__((aligned(16)));
static uint8_t want[AREA + 16] __attribute__((aligned(16)));

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + seed * 7 + 1);
}

static void test_memcpy_every_alignment(void **state)
{
    (void)state;
    for (size_t so = 0; so < 16; so++)
        for (size_t d_o = 0; d_o < 16; d_o++)
            for (size_t n = 0; n <= 80; n++) {
                pattern(src, sizeof(src), (unsigned)(so + n));
                pattern(dst, sizeof(dst), 99);
                for (size_t i = 0; i < sizeof(want); i++)     /* the reference */
                    want[i] = dst[i];
                for (size_t i = 0; i < n; i++)
                    want[d_o + i] = src[so + i];
                assert_ptr_equal(k_memcpy(dst + d_o, src + so, n), dst + d_o);
                assert_memory_equal(dst, want, sizeof(dst));   /* nothing outside touched */
            }
    /* A whole page's worth, aligned: the fast loop end to end. */
    static uint64_t a[512], b[512];
    for (unsigned i = 0; i < 512; i++)
        a[i] = i * 0x9E3779B97F4A7C15ULL;
    k_memcpy(b, a, sizeof(a));
    assert_memory_equal(a, b, sizeof(a));
}

static void test_memmove_overlaps(void **state)
{
    (void)state;
    for (size_t from = 0; from < 40; from++)
        for (size_t to = 0; to < 40; to++)
            for (size_t n = 0; n + (from > to ? from : to) <= AREA; n += 7) {
                pattern(dst, sizeof(dst), (unsigned)n);
                for (size_t i = 0; i < sizeof(want); i++)
                    want[i] = dst[i];
                uint8_t tmp[AREA];
                for (size_t i = 0; i < n; i++)
                    tmp[i] = want[from + i];
                for (size_t i = 0; i < n; i++)
                    want[to + i] = tmp[i];
                k_memmove(dst + to, dst + from, n);
                assert_memory_equal(dst, want, sizeof(dst));
            }
}

static void test_memset_every_alignment(void **state)
{
    (void)state;
    for (size_t off = 0; off < 16; off++)
        for (size_t n = 0; n <= 80; n++)
            for (int c = 0; c < 256; c += 85) {
                pattern(dst, sizeof(dst), 5);
                for (size_t i = 0; i < sizeof(want); i++)
                    want[i] = dst[i];
                for (size_t i = 0; i < n; i++)
                    want[off + i] = (uint8_t)c;
                assert_ptr_equal(k_memset(dst + off, c | 0x100, n), dst + off);  /* only the low byte counts */
                assert_memory_equal(dst, want, sizeof(dst));
            }
}

static void test_strings(void **state)
{
    (void)state;
    assert_int_equal(k_strlen(""), 0);
    assert_int_equal(k_strlen("rvmach"), 6);
    assert_int_equal(k_strnlen("rvmach", 3), 3);
    assert_int_equal(k_strnlen("rv", 8), 2);
    assert_true(k_strcmp("a", "b") < 0 && k_strcmp("b", "a") > 0 && k_strcmp("ab", "ab") == 0);
    assert_true(k_strcmp("ab", "abc") < 0 && k_strcmp("\xff", "a") > 0);   /* as unsigned char */
    assert_int_equal(k_strncmp("abcx", "abcy", 3), 0);
    assert_true(k_strncmp("abcx", "abcy", 4) < 0);
    assert_int_equal(k_memcmp("abc", "abd", 2), 0);
    assert_true(k_memcmp("abc", "abd", 3) < 0);
    const char *s = "hello";
    assert_ptr_equal(k_strchr(s, 'l'), s + 2);
    assert_ptr_equal(k_strchr(s, '\0'), s + 5);
    assert_null(k_strchr(s, 'z'));
    char buf[4];
    assert_int_equal(k_strlcpy(buf, "truncated", sizeof(buf)), 9);   /* says how long it was */
    assert_string_equal(buf, "tru");
    assert_int_equal(k_strlcpy(buf, "ok", sizeof(buf)), 2);
    assert_string_equal(buf, "ok");
    buf[0] = 'x';
    assert_int_equal(k_strlcpy(buf, "abc", 0), 3);                   /* size 0: untouched */
    assert_int_equal(buf[0], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memcpy_every_alignment),
        cmocka_unit_test(test_memmove_overlaps),
        cmocka_unit_test(test_memset_every_alignment),
        cmocka_unit_test(test_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
