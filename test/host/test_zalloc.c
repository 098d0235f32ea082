// SPDX-License-Identifier: MIT
/*
 * Zones and kalloc (kern/zalloc.c) over a page source stubbed with
 * aligned_alloc(): counters against a model, misuse, and a threaded stress.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <kern/zalloc.h>
#include <machine/vm_param.h>
#include "host_support.h"

/* The page source: counts pages out, and fails on demand. */
static long pages_out;
static bool page_fail;

void *zone_page_alloc(void)
{
    if (__atomic_load_n(&page_fail, __ATOMIC_RELAXED))
        return NULL;
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    if (p != NULL) {
        memset(p, 0xa5, PAGE_SIZE);     /* garbage, as a reused page holds */
        __atomic_add_fetch(&pages_out, 1, __ATOMIC_RELAXED);
    }
    return p;
}

void zone_page_free(void *page)
{
    if (((uintptr_t)page & PAGE_MASK) != 0)
        fail_msg("zone_page_free(%p): not a page", page);
    __atomic_sub_fetch(&pages_out, 1, __ATOMIC_RELAXED);
    free(page);
}

static long outstanding(void)
{
    return __atomic_load_n(&pages_out, __ATOMIC_RELAXED);
}

/* Pages out once every zone has given back the empty page it may keep. */
static long outstanding_drained(void)
{
    zone_drain_cached();
    return outstanding();
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static inline uint8_t pattern(uint64_t id, size_t j)
{
    return (uint8_t)(id * 131 + j * 7 + (id >> 8));
}

static void fill(void *p, size_t size, uint64_t id)
{
    uint8_t *b = p;
    for (size_t j = 0; j < size; j++)
        b[j] = pattern(id, j);
}

static void verify(const void *p, size_t size, uint64_t id)
{
    const uint8_t *b = p;
    for (size_t j = 0; j < size; j++) {
        if (b[j] != pattern(id, j))
            fail_msg("element %p (id %llu) byte %zu overwritten", p,
                     (unsigned long long)id, j);
    }
}

/* The header sits at the start of the page, elements after it, aligned. */
static void check_geometry(const struct zone *z, size_t size)
{
    assert_int_equal(z->elem_size, (size + 15) & ~(size_t)15);
    assert_true(z->per_page >= 1);
    assert_true(z->per_page * z->elem_size <= PAGE_SIZE - 32);
    assert_true((z->per_page + 1) * z->elem_size > PAGE_SIZE - 128);
}

struct elem {
    char *p;
    uint64_t id;
};

/* What the counters must say. */
struct model {
    size_t in_use, peak;
    uint64_t allocs, frees, failures;
};

static void check_counters(const struct zone *z, const struct model *m,
                           long pages0)
{
    assert_int_equal(z->in_use, m->in_use);
    assert_int_equal(z->peak, m->peak);
    assert_int_equal(z->allocs, m->allocs);
    assert_int_equal(z->frees, m->frees);
    assert_int_equal(z->failures, m->failures);
    assert_int_equal(z->pages, outstanding() - pages0);
    /* Enough pages, and at most one kept with no element in use (others go back). */
    assert_true(z->pages * z->per_page >= z->in_use);
    assert_true(z->empty_pages <= 1);
    assert_true(z->pages - z->empty_pages <= z->in_use);
}

static void random_alloc(struct zone *z, size_t size, struct elem *live,
                         size_t *n, struct model *m)
{
    static uint64_t next_id;
    bool expect_null = page_fail && z->in_use == z->pages * z->per_page;
    char *p = zalloc(z);
    if (expect_null) {
        assert_null(p);
        m->failures++;
        return;
    }
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    uintptr_t off = (uintptr_t)p & PAGE_MASK;
    assert_true(off >= 32 && off + size <= PAGE_SIZE);
    for (size_t i = 0; i < *n; i++) {   /* no overlap with a live element */
        uintptr_t a = (uintptr_t)p, b = (uintptr_t)live[i].p;
        assert_true(a >= b ? a - b >= z->elem_size : b - a >= z->elem_size);
    }
    live[*n] = (struct elem){ p, next_id++ };
    fill(p, size, live[*n].id);
    (*n)++;
    m->in_use++;
    m->allocs++;
    if (m->in_use > m->peak)
        m->peak = m->in_use;
}

static void random_free(struct zone *z, size_t size, struct elem *live,
                        size_t *n, struct model *m)
{
    size_t j = rng() % *n;
    verify(live[j].p, size, live[j].id);
    zfree(z, live[j].p);
    live[j] = live[--*n];
    m->in_use--;
    m->frees++;
}

/*
 * Random allocations and frees on one zone, the page source failing at
 * times; returns how many zalloc() calls failed.
 */
static uint64_t random_zone(size_t size, int steps, size_t max_live)
{
    struct zone z;
    struct model m = { 0 };
    char name[ZONE_NAME_MAX];
    snprintf(name, sizeof(name), "test.%zu", size);
    zone_init(&z, name, size);
    check_geometry(&z, size);
    struct elem *live = calloc(max_live, sizeof(*live));
    size_t n = 0;
    long pages0 = outstanding();

    for (int step = 0; step < steps; step++) {
        page_fail = rng() % 3 == 0;
        if (n > 0 && (n == max_live || rng() % 100 < 45))
            random_free(&z, size, live, &n, &m);
        else
            random_alloc(&z, size, live, &n, &m);
        check_counters(&z, &m, pages0);
    }
    page_fail = false;
    assert_true(m.peak > 2 * z.per_page);   /* several pages were in play */
    while (n > 0)
        random_free(&z, size, live, &n, &m);
    check_counters(&z, &m, pages0);
    assert_int_equal(z.pages, z.empty_pages);   /* at most the one it keeps */
    zone_destroy(&z);                           /* gives that back */
    assert_int_equal(outstanding(), pages0);
    free(live);
    return m.failures;
}

static void test_random_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = { 1, 16, 24, 100, 512, 2048 };
    uint64_t failures = 0;
    rng_state = 0x2545f4914f6cdd1dull;
    for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++)
        failures += random_zone(sizes[i], 20000, 600);
    assert_true(failures > 100);
    assert_int_equal(outstanding_drained(), 0);
}

/* No page: NULL and a failure counted; then it works again. */
static void test_failure(void **state)
{
    (void)state;
    struct zone z;
    zone_init(&z, "test.fail", 40);
    page_fail = true;
    assert_null(zalloc(&z));
    assert_null(zalloc(&z));
    assert_int_equal(z.failures, 2);
    assert_int_equal(z.allocs, 0);
    assert_int_equal(z.pages, 0);
    page_fail = false;
    void *a = zalloc(&z);
    assert_non_null(a);
    page_fail = true;
    void *b = zalloc(&z);           /* the page has room: no new page needed */
    assert_non_null(b);
    page_fail = false;
    zfree(&z, a);
    zfree(&z, b);
    assert_int_equal(z.pages, 1);               /* kept empty */
    assert_int_equal(outstanding_drained(), 0);
    assert_int_equal(z.pages, 0);
    zone_destroy(&z);
}

/* Every size 1..KALLOC_MAX goes to the smallest power-of-two zone that fits. */
#define MAX_ZONES 64

static const struct zone_info *find_info(const struct zone_info *info,
                                         size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(info[i].name, name) == 0)
            return &info[i];
    return NULL;
}

static size_t snapshot(struct zone_info *info)
{
    size_t n = zone_info_all(info, MAX_ZONES);
    assert_true(n <= MAX_ZONES);
    return n;
}

/* The kalloc zone whose in_use went up by one between two snapshots. */
static const struct zone_info *grown_zone(const struct zone_info *before,
                                          const struct zone_info *after,
                                          size_t n)
{
    const struct zone_info *grown = NULL;
    for (size_t i = 0; i < n; i++) {
        if (after[i].in_use == before[i].in_use)
            continue;
        assert_null(grown);
        assert_int_equal(after[i].in_use, before[i].in_use + 1);
        grown = &after[i];
    }
    assert_non_null(grown);
    return grown;
}

static void test_kalloc_sizes(void **state)
{
    (void)state;
    static struct zone_info before[MAX_ZONES], after[MAX_ZONES];
    kalloc_init();
    kalloc_init();                  /* a second call changes nothing */
    size_t n = snapshot(before);
    for (size_t size = KALLOC_MIN; size <= KALLOC_MAX; size *= 2) {
        char name[ZONE_NAME_MAX];
        snprintf(name, sizeof(name), "kalloc.%zu", size);
        const struct zone_info *zi = find_info(before, n, name);
        assert_non_null(zi);
        assert_int_equal(zi->elem_size, size);
    }
    for (size_t size = 1; size <= KALLOC_MAX; size++) {
        snapshot(before);
        char *p = kalloc(size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0x5a, size);
        assert_int_equal(snapshot(after), n);
        const struct zone_info *zi = grown_zone(before, after, n);
        assert_memory_equal(zi->name, "kalloc.", 7);
        assert_true(zi->elem_size >= size);
        assert_true(zi->elem_size == KALLOC_MIN || zi->elem_size / 2 < size);
        kfree(p);
    }
    assert_null(kalloc(0));
    assert_null(kalloc(KALLOC_MAX + 1));
    assert_null(kalloc(SIZE_MAX));
    kfree(NULL);
    assert_int_equal(outstanding_drained(), 0);
}

/* Many kalloc blocks of mixed sizes alive at once, freed in random order. */
static void test_kalloc_mixed(void **state)
{
    (void)state;
    enum { N = 3000 };
    struct elem *live = calloc(N, sizeof(*live));
    size_t *sizes = calloc(N, sizeof(*sizes));
    kalloc_init();
    rng_state = 0x853c49e6748fea9bull;
    for (size_t i = 0; i < N; i++) {
        sizes[i] = 1 + rng() % KALLOC_MAX;
        live[i] = (struct elem){ kalloc(sizes[i]), i };
        assert_non_null(live[i].p);
        fill(live[i].p, sizes[i], i);
    }
    for (size_t n = N; n > 0; n--) {
        size_t j = rng() % n;
        verify(live[j].p, sizes[j], live[j].id);
        kfree(live[j].p);
        live[j] = live[n - 1];
        sizes[j] = sizes[n - 1];
    }
    assert_int_equal(outstanding_drained(), 0);
    free(live);
    free(sizes);
}

static void assert_msg_has(const char *what)
{
    if (strstr(host_panic_msg, what) == NULL)
        fail_msg("panic message \"%s\" lacks \"%s\"", host_panic_msg, what);
}

/* zfree() of anything but an element in use panics, naming the zone. */
static void test_misuse(void **state)
{
    (void)state;
    struct zone z1, z2;
    zone_init(&z1, "test.one", 24);
    zone_init(&z2, "test.two", 24);
    char *a = zalloc(&z1), *b = zalloc(&z1), *c = zalloc(&z2);
    assert_true(a && b && c);

    zfree(&z1, a);
    EXPECT_PANIC(zfree(&z1, a));                    /* double free */
    assert_msg_has("test.one");
    assert_msg_has("double free");
    EXPECT_PANIC(zfree(&z2, b));                    /* the wrong zone */
    assert_msg_has("test.two");
    assert_msg_has("test.one");
    EXPECT_PANIC(zfree(&z1, b + 16));               /* not an element start */
    EXPECT_PANIC(zfree(&z1, b - ((uintptr_t)b & PAGE_MASK)));   /* header */
    EXPECT_PANIC(zfree(&z1, NULL));
    assert_int_equal(z1.in_use, 1);                 /* nothing changed */
    assert_int_equal(z1.frees, 1);
    assert_int_equal(z2.in_use, 1);

    zfree(&z1, b);
    EXPECT_PANIC(zone_destroy(&z2));                /* c is still in use */
    assert_msg_has("test.two");
    zfree(&z2, c);
    zone_destroy(&z2);
    zone_destroy(&z1);
    assert_int_equal(outstanding_drained(), 0);
}

/* The free list lives in free elements; scribbling on one is caught. */
static void test_write_after_free(void **state)
{
    (void)state;
    struct zone z;
    zone_init(&z, "test.scribble", 64);
    char *keep = zalloc(&z), *a = zalloc(&z), *b = zalloc(&z);
    zfree(&z, a);
    zfree(&z, b);                   /* free list: b -> a -> ... */
    uint64_t saved;
    memcpy(&saved, b, sizeof(saved));
    memset(b, 0x41, sizeof(saved));                 /* write after free */
    EXPECT_PANIC(zalloc(&z));
    assert_msg_has("test.scribble");
    assert_msg_has("corrupt");
    memcpy(b, &saved, sizeof(saved));
    zfree(&z, keep);
    assert_int_equal(z.pages, z.empty_pages);
    zone_destroy(&z);
    assert_int_equal(outstanding_drained(), 0);
}

static void test_kfree_misuse(void **state)
{
    (void)state;
    kalloc_init();
    char *page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    memset(page, 0, PAGE_SIZE);                     /* no magic */
    EXPECT_PANIC(kfree(page + 64));
    assert_msg_has("kfree");
    free(page);

    struct zone z;
    zone_init(&z, "test.notkalloc", 64);
    void *e = zalloc(&z);
    EXPECT_PANIC(kfree(e));                         /* a zone, but not kalloc's */
    assert_msg_has("test.notkalloc");
    zfree(&z, e);
    zone_destroy(&z);

    void *k = kalloc(100), *k2 = kalloc(100);
    kfree(k);
    EXPECT_PANIC(kfree(k));                         /* double kfree */
    assert_msg_has("kalloc.128");
    assert_msg_has("double free");
    kfree(k2);
    assert_int_equal(outstanding_drained(), 0);
}

static void test_zone_init_checks(void **state)
{
    (void)state;
    struct zone z;
    EXPECT_PANIC(zone_init(&z, "test.zero", 0));
    EXPECT_PANIC(zone_init(&z, "test.huge", KALLOC_MAX + 1));
    zone_init(&z, "test.a-rather-long-zone-name-that-is-cut", 8);
    assert_int_equal(strlen(z.name), ZONE_NAME_MAX - 1);
    assert_int_equal(z.elem_size, 16);
    zone_destroy(&z);
}

static void test_zone_info(void **state)
{
    (void)state;
    static struct zone_info info[MAX_ZONES];
    size_t n0 = zone_info_all(NULL, 0);
    struct zone z;
    zone_init(&z, "test.info", 200);
    assert_int_equal(zone_info_all(NULL, 0), n0 + 1);
    void *e[30];
    for (int i = 0; i < 30; i++)
        e[i] = zalloc(&z);
    for (int i = 0; i < 10; i++)
        zfree(&z, e[i]);
    size_t n = snapshot(info);
    assert_int_equal(n, n0 + 1);
    const struct zone_info *zi = find_info(info, n, "test.info");
    assert_non_null(zi);
    assert_int_equal(zi->elem_size, 208);
    assert_int_equal(zi->in_use, 20);
    assert_int_equal(zi->peak, 30);
    assert_int_equal(zi->allocs, 30);
    assert_int_equal(zi->frees, 10);
    assert_int_equal(zi->pages, z.pages);
    assert_int_equal(zi->failures, 0);
    /* Exactly `max` entries are filled; the count is the full one. */
    memset(info, 0, sizeof(info));
    assert_int_equal(zone_info_all(info, n), n);
    assert_string_equal(info[n - 1].name, "test.info");  /* the newest */
    memset(info, 0, sizeof(info));
    assert_int_equal(zone_info_all(info, 1), n);
    assert_true(info[0].name[0] != '\0');
    assert_int_equal(info[1].name[0], '\0');
    for (int i = 10; i < 30; i++)
        zfree(&z, e[i]);
    zone_destroy(&z);
    assert_int_equal(zone_info_all(NULL, 0), n0);
}

/* A zone keeps one empty page (no churn at the boundary), and gives it back on demand. */
static void test_keeps_one_empty_page(void **state)
{
    (void)state;
    struct zone z;
    zone_init(&z, "test.cache", 1024);
    long pages0 = outstanding_drained();
    size_t cached0 = zone_cached_pages();
    void *a = zalloc(&z), *b = zalloc(&z), *c = zalloc(&z), *d = zalloc(&z), *e = zalloc(&z);
    assert_true(a && b && c && d && e);
    size_t full = z.pages;                      /* 1024-byte elements: several pages */
    assert_true(full >= 2);
    zfree(&z, a); zfree(&z, b); zfree(&z, c); zfree(&z, d); zfree(&z, e);
    assert_int_equal(z.in_use, 0);
    assert_int_equal(z.pages, 1);               /* one kept, the rest given back */
    assert_int_equal(z.empty_pages, 1);
    assert_int_equal(zone_cached_pages(), cached0 + 1);
    assert_int_equal(outstanding(), pages0 + 1);
    void *again = zalloc(&z);                   /* reuses the kept page: no new one */
    assert_non_null(again);
    assert_int_equal(outstanding(), pages0 + 1);
    assert_int_equal(z.empty_pages, 0);
    assert_int_equal(zone_cached_pages(), cached0);
    zfree(&z, again);
    assert_true(zone_drain_cached() >= 1);
    assert_int_equal(z.pages, 0);
    assert_int_equal(zone_cached_pages(), 0);
    assert_int_equal(outstanding(), pages0);
    zone_destroy(&z);
}

/* Four threads hammer one zone, each checking its own elements' contents. */
enum { NTHREADS = 4, THREAD_STEPS = 30000, THREAD_LIVE = 256, STRESS_SIZE = 72 };

static struct zone stress_zone;

static void *stress_thread(void *arg)
{
    uint64_t tid = (uintptr_t)arg, seed = 0x9e3779b97f4a7c15ull * (tid + 1);
    struct elem live[THREAD_LIVE];
    size_t n = 0;
    for (int step = 0; step < THREAD_STEPS; step++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        if (n > 0 && (n == THREAD_LIVE || seed % 100 < 48)) {
            size_t j = (seed >> 8) % n;
            verify(live[j].p, STRESS_SIZE, live[j].id);
            zfree(&stress_zone, live[j].p);
            live[j] = live[--n];
        } else {
            char *p = zalloc(&stress_zone);
            if (p == NULL)
                fail_msg("zalloc failed in thread %llu", (unsigned long long)tid);
            live[n] = (struct elem){ p, (tid << 32) | (uint64_t)step };
            fill(p, STRESS_SIZE, live[n++].id);
        }
    }
    while (n > 0) {
        n--;
        verify(live[n].p, STRESS_SIZE, live[n].id);
        zfree(&stress_zone, live[n].p);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[NTHREADS];
    zone_init(&stress_zone, "test.stress", STRESS_SIZE);
    for (uintptr_t i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, stress_thread, (void *)i), 0);
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(stress_zone.in_use, 0);
    assert_true(stress_zone.pages <= 1);        /* the one empty page it may keep */
    assert_int_equal(stress_zone.pages, stress_zone.empty_pages);
    zone_drain_cached();
    assert_int_equal(stress_zone.pages, 0);
    assert_int_equal(stress_zone.allocs, stress_zone.frees);
    assert_true(stress_zone.allocs > NTHREADS * THREAD_STEPS / 3);
    assert_true(stress_zone.peak <= NTHREADS * THREAD_LIVE);
    assert_true(stress_zone.peak > THREAD_LIVE);
    assert_int_equal(outstanding_drained(), 0);
    zone_destroy(&stress_zone);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_sizes),
        cmocka_unit_test(test_failure),
        cmocka_unit_test(test_kalloc_sizes),
        cmocka_unit_test(test_kalloc_mixed),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_write_after_free),
        cmocka_unit_test(test_kfree_misuse),
        cmocka_unit_test(test_zone_init_checks),
        cmocka_unit_test(test_zone_info),
        cmocka_unit_test(test_keeps_one_empty_page),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
