// SPDX-License-Identifier: MIT
/* kvsnprintf(): every conversion the kernel uses, against the C library. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <kern/printf.h>

/* Format with both ours and libc's snprintf and compare. */
#define SAME(...) do { \
        char a_[128], b_[128]; \
        int na_ = ksnprintf(a_, sizeof(a_), __VA_ARGS__); \
        int nb_ = snprintf(b_, sizeof(b_), __VA_ARGS__); \
        assert_string_equal(a_, b_); \
        assert_int_equal(na_, nb_); \
    } while (0)

static void test_integers(void **state)
{
    (void)state;
    SAME("%d %i %u", 42, -17, 3000000000u);
    SAME("%ld %lu %lld %llu", -1L, ~0UL, (long long)INT64_MIN, ~0ULL);
    SAME("%x %X %#x %#X %o %#o", 0xbeefu, 0xbeefu, 255u, 255u, 8u, 8u);
    SAME("%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42);
    SAME("%.3d|%8.3d|%-8.3d|%.0d|", 7, 7, 7, 0);
    SAME("%016lx %zu %zx", 0xffffffc000000000UL, (size_t)12345, (size_t)0x1000);
    SAME("%hhd %hd %hhu %hu", 300, 70000, 300, 70000);
    SAME("%#lx %p", 0x80200000UL, (void *)0x1234);
}

static void test_strings(void **state)
{
    (void)state;
    SAME("[%s] [%10s] [%-10s] [%.3s] [%*s] [%.*s]", "hart", "hart", "hart",
         "hartid", 6, "x", 2, "abc");
    SAME("%c%c%c %%", 'o', 'k', '!');
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[8];
    int n = ksnprintf(buf, sizeof(buf), "%s", "0123456789");
    assert_int_equal(n, 10);
    assert_string_equal(buf, "0123456");
    n = ksnprintf(buf, 1, "%d", 12345);
    assert_int_equal(n, 5);
    assert_string_equal(buf, "");
    memset(buf, 'z', sizeof(buf));
    n = ksnprintf(buf, 0, "abc");       /* size 0: nothing written at all */
    assert_int_equal(n, 3);
    assert_int_equal(buf[0], 'z');
}

static void test_null_and_unknown(void **state)
{
    (void)state;
    char buf[32];
    const char *volatile null_str = NULL;   /* hidden from -Wformat-overflow */
    ksnprintf(buf, sizeof(buf), "%s", null_str);
    assert_string_equal(buf, "(null)");
    const char *fmt = "a%";
    ksnprintf(buf, sizeof(buf), fmt, 0);
    assert_string_equal(buf, "a%");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_null_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
