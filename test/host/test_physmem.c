// SPDX-License-Identifier: MIT
/*
 * physmem_subtract() (kern/physmem.c): RAM banks minus reserved ranges, by
 * hand-picked cases and against a byte-by-byte model of a small memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kern/physmem.h>
#include <machine/vm_param.h>

#define R(s, e) { (paddr_t)(s), (paddr_t)(e) }
#define TOP     (~(paddr_t)0)
#define MAX_OUT 64

/* Run physmem_subtract() and compare with the expected ranges. */
static void expect(const struct phys_range *banks, unsigned nb,
                   const struct phys_range *resv, unsigned nr,
                   const struct phys_range *want, unsigned nw)
{
    struct phys_range out[MAX_OUT];
    unsigned n = 12345;
    assert_int_equal(physmem_subtract(banks, nb, resv, nr, out, MAX_OUT, &n),
                     KERN_SUCCESS);
    for (unsigned i = 0; i < n && i < nw; i++) {
        if (out[i].start != want[i].start || out[i].end != want[i].end)
            fail_msg("range %u: got [%#llx, %#llx), want [%#llx, %#llx)", i,
                     (unsigned long long)out[i].start,
                     (unsigned long long)out[i].end,
                     (unsigned long long)want[i].start,
                     (unsigned long long)want[i].end);
    }
    assert_int_equal(n, nw);
}

#define EXPECT(banks, resv, ...) do { \
        const struct phys_range want_[] = { __VA_ARGS__ }; \
        expect(banks, ARRAY_SIZE(banks), resv, ARRAY_SIZE(resv), want_, \
               ARRAY_SIZE(want_)); \
    } while (0)

#define EXPECT_NONE(banks, resv) \
    expect(banks, ARRAY_SIZE(banks), resv, ARRAY_SIZE(resv), NULL, 0)

/* A QEMU-like boot: firmware at the start, kernel, DTB at the end. */
static void test_boot_like(void **state)
{
    (void)state;
    const struct phys_range banks[] = { R(0x80000000, 0x88000000) };
    const struct phys_range resv[] = {
        R(0x80000000, 0x80200000),          /* OpenSBI: at the start edge */
        R(0x80200000, 0x80400123),          /* kernel, end not aligned */
        R(0x87e00010, 0x88000000),          /* DTB: start not aligned, end edge */
        R(0x84000000, 0x84000000),          /* empty: ignored */
    };
    EXPECT(banks, resv, R(0x80401000, 0x87e00000));
}

static void test_banks_merge(void **state)
{
    (void)state;
    const struct phys_range banks[] = {
        R(0xa000, 0xb000),                  /* out of order */
        R(0x3000, 0x8000),                  /* overlaps the next */
        R(0x1000, 0x5000),
        R(0x8000, 0x9000),                  /* touches the one before */
        R(0x2000, 0x3000),                  /* inside */
        R(0xc000, 0xc000),                  /* empty */
    };
    const struct phys_range none[] = { R(0, 0) };
    EXPECT(banks, none, R(0x1000, 0x9000), R(0xa000, 0xb000));
    /* Duplicates too. */
    const struct phys_range dup[] = { R(0x1000, 0x2000), R(0x1000, 0x2000) };
    EXPECT(dup, none, R(0x1000, 0x2000));
}

/* Banks round inward, after merging; reserved ranges round outward. */
static void test_rounding(void **state)
{
    (void)state;
    const struct phys_range none[] = { R(0, 0) };
    const struct phys_range banks[] = {
        R(0x1001, 0x3fff),                  /* -> [0x2000, 0x3000) */
        R(0x5001, 0x5fff),                  /* no whole page: dropped */
        R(0x6800, 0x7800),                  /* straddles: dropped */
        R(0x10000, 0x10800),                /* two halves of one page ... */
        R(0x10800, 0x12000),                /* ... merge before rounding */
    };
    EXPECT(banks, none, R(0x2000, 0x3000), R(0x10000, 0x12000));

    const struct phys_range bank[] = { R(0, 0x8000) };
    const struct phys_range resv[] = {
        R(0x1001, 0x1002),                  /* one byte takes its page */
        R(0x3fff, 0x4001),                  /* two bytes take two pages */
    };
    EXPECT(bank, resv, R(0, 0x1000), R(0x2000, 0x3000), R(0x5000, 0x8000));
}

static void test_reserved_placement(void **state)
{
    (void)state;
    const struct phys_range banks[] = { R(0x1000, 0x4000), R(0x6000, 0x9000) };
    const struct phys_range span[] = { R(0x3000, 0x7000) };     /* across a gap */
    EXPECT(banks, span, R(0x1000, 0x3000), R(0x7000, 0x9000));
    const struct phys_range outside[] = { R(0x100000, 0x200000), R(0, 0x1000),
                                          R(0x4000, 0x6000) };
    EXPECT(banks, outside, R(0x1000, 0x4000), R(0x6000, 0x9000));
    const struct phys_range all[] = { R(0, 0x10000) };
    EXPECT_NONE(banks, all);
    const struct phys_range nested[] = {
        R(0x2000, 0x2800), R(0x2400, 0x3000), R(0x2500, 0x2600),  /* overlap */
        R(0x7000, 0x8000), R(0x8000, 0x8001),                     /* touching */
    };
    EXPECT(banks, nested, R(0x1000, 0x2000), R(0x3000, 0x4000),
           R(0x6000, 0x7000));
}

/* The top of the address space: no overflow when rounding there. */
static void test_top(void **state)
{
    (void)state;
    const struct phys_range banks[] = { R(TOP - 0x1fff, TOP) };
    const struct phys_range none[] = { R(0, 0) };
    EXPECT(banks, none, R(TOP - 0x1fff, TOP - 0xfff));
    const struct phys_range top_resv[] = { R(TOP - 0x7ff, TOP) };
    EXPECT(banks, top_resv, R(TOP - 0x1fff, TOP - 0xfff));
    const struct phys_range resv_all[] = { R(TOP - 0x1000, TOP) };
    EXPECT_NONE(banks, resv_all);
    const struct phys_range high[] = { R(TOP - 0xffe, TOP) };  /* < a page */
    EXPECT_NONE(high, none);
}

static void test_invalid(void **state)
{
    (void)state;
    struct phys_range r = R(1, 2), out[4] = { R(7, 7) };
    unsigned n = 99;
    const struct phys_range wrapped[] = { R(0x5000, 0x1000) };
    const struct phys_range ok[] = { R(0x1000, 0x5000) };
    assert_int_equal(physmem_subtract(wrapped, 1, ok, 1, out, 4, &n),
                     KERN_INVALID_ARGUMENT);
    assert_int_equal(physmem_subtract(ok, 1, wrapped, 1, out, 4, &n),
                     KERN_INVALID_ARGUMENT);
    assert_int_equal(n, 99);                        /* nothing written */
    assert_int_equal(out[0].start, 7);
    assert_int_equal(physmem_subtract(NULL, 1, ok, 1, out, 4, &n),
                     KERN_INVALID_ARGUMENT);
    assert_int_equal(physmem_subtract(ok, 1, NULL, 1, out, 4, &n),
                     KERN_INVALID_ARGUMENT);
    assert_int_equal(physmem_subtract(ok, 1, NULL, 0, NULL, 4, &n),
                     KERN_INVALID_ARGUMENT);
    assert_int_equal(physmem_subtract(ok, 1, NULL, 0, out, 4, NULL),
                     KERN_INVALID_ARGUMENT);
    assert_int_equal(physmem_subtract(NULL, 0, NULL, 0, out, 4, &n),
                     KERN_SUCCESS);
    assert_int_equal(n, 0);

    assert_int_equal(physmem_range(TOP - 0xfff, 0x2000, &r),
                     KERN_INVALID_ARGUMENT);        /* wraps */
    assert_int_equal(physmem_range(TOP - 0xfff, 0x1000, &r),
                     KERN_INVALID_ARGUMENT);        /* ends at 2^64 */
    assert_int_equal(physmem_range(1, TOP, &r), KERN_INVALID_ARGUMENT);
    assert_int_equal(r.start, 1);                   /* untouched */
    assert_int_equal(physmem_range(TOP - 0xfff, 0xfff, &r), KERN_SUCCESS);
    assert_int_equal(r.end, TOP);
    assert_int_equal(physmem_range(0x80000000, 0, &r), KERN_SUCCESS);
    assert_int_equal(r.start, r.end);
    assert_int_equal(physmem_range(0, TOP, &r), KERN_SUCCESS);
}

/* Too small an output array: say so, fill what fits, count what is needed. */
static void test_shortage(void **state)
{
    (void)state;
    const struct phys_range banks[] = { R(0, 0x10000) };
    const struct phys_range resv[] = { R(0x2000, 0x3000), R(0x8000, 0x9000) };
    struct phys_range out[3] = { R(0, 0), R(0, 0), R(0xdead, 0xdead) };
    unsigned n;
    assert_int_equal(physmem_subtract(banks, 1, resv, 2, out, 2, &n),
                     KERN_RESOURCE_SHORTAGE);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].end, 0x2000);
    assert_int_equal(out[1].start, 0x3000);
    assert_int_equal(out[2].start, 0xdead);         /* never written */
    assert_int_equal(physmem_subtract(banks, 1, resv, 2, NULL, 0, &n),
                     KERN_RESOURCE_SHORTAGE);
    assert_int_equal(n, 3);
    assert_int_equal(physmem_subtract(banks, 1, resv, 2, out, 3, &n),
                     KERN_SUCCESS);
    assert_int_equal(out[2].start, 0x9000);
    assert_int_equal(out[2].end, 0x10000);
}

/* The model: a byte map of RAM over a small window of the address space. */
#define BASE        ((paddr_t)0x80000000)
#define NPAGES      64
#define SPACE       (NPAGES * PAGE_SIZE)

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* An offset in [0, SPACE]: often page aligned, sometimes 256-byte, sometimes any. */
static paddr_t random_offset(void)
{
    paddr_t v = rng() % (SPACE + 1);
    switch (rng() % 4) {
    case 0:
    case 1:
        return ROUND_DOWN(v, (paddr_t)PAGE_SIZE);
    case 2:
        return ROUND_DOWN(v, (paddr_t)0x100);
    default:
        return v;
    }
}

static struct phys_range random_range(void)
{
    paddr_t a = random_offset(), b = random_offset();
    if (rng() % 8 == 0)
        b = a;                                      /* empty */
    if (a > b) {
        paddr_t t = a;
        a = b;
        b = t;
    }
    if (rng() % 2 && b - a > SPACE / 4)
        b = a + (b - a) / 8;                        /* plenty of short ones */
    return (struct phys_range){ BASE + a, BASE + b };
}

static size_t model_ranges(const struct phys_range *banks, unsigned nb,
                           const struct phys_range *resv, unsigned nr,
                           struct phys_range *out)
{
    static uint8_t ram[SPACE];
    bool free_page[NPAGES];
    memset(ram, 0, sizeof(ram));
    for (unsigned i = 0; i < nb; i++)
        memset(ram + (banks[i].start - BASE), 1, banks[i].end - banks[i].start);
    for (unsigned p = 0; p < NPAGES; p++) {
        paddr_t ps = BASE + (paddr_t)p * PAGE_SIZE, pe = ps + PAGE_SIZE;
        free_page[p] = memchr(ram + p * PAGE_SIZE, 0, PAGE_SIZE) == NULL;
        for (unsigned i = 0; i < nr; i++) {
            if (resv[i].start < resv[i].end && resv[i].start < pe &&
                resv[i].end > ps)
                free_page[p] = false;
        }
    }
    size_t n = 0;
    for (unsigned p = 0; p < NPAGES; p++) {
        if (!free_page[p])
            continue;
        if (n > 0 && out[n - 1].end == BASE + (paddr_t)p * PAGE_SIZE)
            out[n - 1].end += PAGE_SIZE;
        else
            out[n++] = (struct phys_range){ BASE + (paddr_t)p * PAGE_SIZE,
                                            BASE + (paddr_t)(p + 1) * PAGE_SIZE };
    }
    return n;
}

static void test_random_model(void **state)
{
    (void)state;
    rng_state = 0x6a09e667f3bcc909ull;
    size_t nonempty = 0;
    for (int trial = 0; trial < 3000; trial++) {
        struct phys_range banks[8], resv[10], want[NPAGES], out[NPAGES];
        unsigned nb = (unsigned)(rng() % 9), nr = (unsigned)(rng() % 11), n;
        for (unsigned i = 0; i < nb; i++)
            banks[i] = random_range();
        for (unsigned i = 0; i < nr; i++)
            resv[i] = random_range();
        size_t nw = model_ranges(banks, nb, resv, nr, want);
        assert_int_equal(physmem_subtract(banks, nb, resv, nr, out, NPAGES, &n),
                         KERN_SUCCESS);
        assert_int_equal(n, nw);
        assert_memory_equal(out, want, nw * sizeof(*out));
        nonempty += nw > 1;
        if (nw > 0) {                       /* one slot short: shortage */
            assert_int_equal(physmem_subtract(banks, nb, resv, nr, out,
                                              (unsigned)nw - 1, &n),
                             KERN_RESOURCE_SHORTAGE);
            assert_int_equal(n, nw);
        }
    }
    assert_true(nonempty > 300);            /* the cases were interesting */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_like),
        cmocka_unit_test(test_banks_merge),
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_reserved_placement),
        cmocka_unit_test(test_top),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_shortage),
        cmocka_unit_test(test_random_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
