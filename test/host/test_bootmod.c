// SPDX-License-Identifier: MIT
/*
 * The boot-module archive reader (kern/bootmod.c) on an archive made by
 * scripts/mkbootmods.py at build time, on archives built here, and on
 * truncated, corrupted and randomly mutated copies.
 * Usage: test_bootmod ARCHIVE BASIC_ELF PROG_C (the files packed in ARCHIVE).
 */
#define _GNU_SOURCE                     /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kern/bootmod.h>
#include <kern/elf.h>

static const char *archive_path, *basic_elf_path, *prog_c_path;

/* ---- blobs: copied to exact-size buffers so ASan catches over-reads ------ */

struct blob {
    uint8_t *p;
    size_t n;
};

static struct blob blob_copy(const void *src, size_t n)
{
    struct blob b = { malloc(n ? n : 1), n };
    assert_non_null(b.p);
    memcpy(b.p, src, n);
    return b;
}

static struct blob load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return blob_copy(buf, n);
}

/* ---- archives built here, the way cpio -H newc lays them out ------------- */

struct nc_entry {
    const char *name;
    const void *data;
    size_t size;
    uint32_t mode;
};

static uint8_t build_buf[1 << 16];

/* Append one entry at *off; `upper` writes hex digits in upper case. */
static void nc_put(size_t *off, uint32_t ino, const struct nc_entry *e,
                   bool upper)
{
    size_t namesize = strlen(e->name) + 1;
    char hdr[BOOTMOD_HDR_SIZE + 1];
    snprintf(hdr, sizeof(hdr), upper ?
             "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X" :
             "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
             ino, e->mode, 0, 0, 1, 0, (unsigned)e->size, 0, 0, 0, 0,
             (unsigned)namesize, 0);
    assert_true(*off + BOOTMOD_HDR_SIZE + namesize + e->size + 8 <
                sizeof(build_buf));
    memcpy(build_buf + *off, hdr, BOOTMOD_HDR_SIZE);
    memcpy(build_buf + *off + BOOTMOD_HDR_SIZE, e->name, namesize);
    *off = (*off + BOOTMOD_HDR_SIZE + namesize + 3) & ~(size_t)3;
    memcpy(build_buf + *off, e->data, e->size);
    *off = (*off + e->size + 3) & ~(size_t)3;
}

/* n entries and a trailer (unless `trailer` is false), without block padding. */
static struct blob build(const struct nc_entry *e, unsigned n, bool trailer,
                         bool upper)
{
    static const struct nc_entry t = { BOOTMOD_TRAILER, "", 0, 0 };
    size_t off = 0;
    memset(build_buf, 0, sizeof(build_buf));
    for (unsigned i = 0; i < n; i++)
        nc_put(&off, i + 1, &e[i], upper);
    if (trailer)
        nc_put(&off, 0, &t, upper);
    return blob_copy(build_buf, off);
}

static const char hello[] = "hello, world\n";
static const struct nc_entry sample[] = {
    { "bin/hello.txt", hello, sizeof(hello) - 1, 0100644 },
    { "bin", "", 0, 0040755 },
    { "a", "x", 1, 0100755 },
    { "./dotted", "12345678", 8, 0100600 },
};

/* ---- opening and checking the outcome ------------------------------------ */

static char err[160];

static kern_return_t open_blob(struct blob b, struct bootmod_archive *ar)
{
    memset(err, 'X', sizeof(err));
    return bootmod_open(ar, b.p, b.n, err, sizeof(err));
}

static void expect_fail_msg(struct blob b, const char *want, int line)
{
    struct bootmod_archive ar;
    struct blob c = blob_copy(b.p, b.n);
    kern_return_t kr = open_blob(c, &ar);
    free(c.p);
    if (kr != KERN_INVALID_ARGUMENT)
        fail_msg("line %d: expected failure '%s', got %d", line, want, kr);
    assert_non_null(memchr(err, '\0', sizeof(err)));
    if (strncmp(err, "bootmod: ", 9) != 0 || strstr(err, want) == NULL)
        fail_msg("line %d: expected '%s' in \"%s\"", line, want, err);
}

#define expect_fail(b, want) expect_fail_msg((b), (want), __LINE__)

/* Walk an opened archive and check every promise bootmod.h makes. */
static void check_walk(const struct bootmod_archive *ar)
{
    struct bootmod_entry e;
    unsigned count = 0;
    size_t last = 0;
    for (bool ok = bootmod_first(ar, &e); ok; ok = bootmod_next(ar, &e)) {
        assert_true(count == 0 || e.offset > last);
        last = e.offset;
        assert_true(e.offset % 4 == 0 && e.offset < ar->end);
        assert_true((const uint8_t *)e.name > ar->base);
        assert_true(e.namelen > 0 && strlen(e.name) == e.namelen);
        assert_true(e.data >= ar->base && e.data <= ar->base + ar->size);
        assert_true(e.size <= (size_t)(ar->base + ar->size - e.data));
        assert_int_equal((e.data - ar->base) % 4, 0);
        assert_string_not_equal(e.name, BOOTMOD_TRAILER);
        count++;
    }
    assert_int_equal(count, ar->count);
    assert_true(ar->end <= ar->size);
}

/* ---- the archive mkbootmods.py made at build time ------------------------ */

static void check_module(const struct bootmod_archive *ar, const char *name,
                         struct blob want, uint32_t mode)
{
    struct bootmod_entry e;
    assert_true(bootmod_find(ar, name, &e));
    assert_string_equal(e.name, name);
    assert_int_equal(e.mode, mode);
    assert_int_equal(e.size, want.n);
    assert_memory_equal(e.data, want.p, want.n);
}

static void test_mkbootmods_archive(void **state)
{
    struct blob b = load(archive_path);
    struct blob elf = load(basic_elf_path), src = load(prog_c_path);
    struct blob empty = { NULL, 0 };
    struct bootmod_archive ar;

    assert_int_equal(open_blob(b, &ar), KERN_SUCCESS);
    assert_string_equal(err, "");
    assert_int_equal(ar.count, 3);
    assert_int_equal(b.n % 512, 0);     /* padded to blocks like cpio */
    check_walk(&ar);
    check_module(&ar, "basic.elf", elf, 0100755);
    check_module(&ar, "prog.c", src, 0100644);
    check_module(&ar, "data/empty", empty, 0100644);

    static const char *const order[] = { "basic.elf", "prog.c", "data/empty" };
    struct bootmod_entry e;
    unsigned i = 0;
    for (bool ok = bootmod_first(&ar, &e); ok; ok = bootmod_next(&ar, &e))
        assert_string_equal(e.name, order[i++]);
    assert_int_equal(i, 3);
    free(b.p);
    free(elf.p);
    free(src.p);
}

/* A program inside the archive (4-byte aligned only) parses in place. */
static void test_elf_in_archive(void **state)
{
    struct blob b = load(archive_path);
    struct bootmod_archive ar;
    struct bootmod_entry e;
    struct elf_info info;
    char msg[128];

    assert_int_equal(open_blob(b, &ar), KERN_SUCCESS);
    assert_true(bootmod_find(&ar, "basic.elf", &e));
    assert_int_equal(elf_parse(e.data, e.size, &info, msg, sizeof(msg)),
                     KERN_SUCCESS);
    assert_int_equal(info.nsegs, 2);
    assert_true(bootmod_find(&ar, "prog.c", &e));
    assert_int_equal(elf_parse(e.data, e.size, &info, msg, sizeof(msg)),
                     KERN_INVALID_ARGUMENT);
    assert_string_equal(msg, "elf: bad magic (not an ELF file)");
    free(b.p);
}

/* If a cpio program is installed, it lists the same names. */
static void test_cpio_agrees(void **state)
{
    if (system("command -v cpio >/dev/null 2>&1") != 0) {
        print_message("cpio is not installed: skipped\n");
        skip();
    }
    char cmd[600], line[256];
    snprintf(cmd, sizeof(cmd), "cpio -t --quiet < '%s' 2>&1", archive_path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static const char *const names[] = { "basic.elf", "prog.c", "data/empty" };
    unsigned i = 0;
    while (fgets(line, sizeof(line), p) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        assert_true(i < 3);
        assert_string_equal(line, names[i++]);
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(i, 3);
}

/* ---- archives built here --------------------------------------------------- */

static void test_built_archive(void **state)
{
    struct bootmod_archive ar;
    struct bootmod_entry e;
    for (int upper = 0; upper < 2; upper++) {
        struct blob b = build(sample, 4, true, upper);
        assert_int_equal(open_blob(b, &ar), KERN_SUCCESS);
        assert_int_equal(ar.count, 4);
        assert_int_equal(ar.end, b.n - 3);      /* before the trailer's name pad */
        check_walk(&ar);
        assert_true(bootmod_find(&ar, "bin/hello.txt", &e));
        assert_int_equal(e.size, sizeof(hello) - 1);
        assert_memory_equal(e.data, hello, e.size);
        assert_true(bootmod_is_file(&e));
        assert_true(bootmod_find(&ar, "bin", &e));
        assert_false(bootmod_is_file(&e));
        assert_int_equal(e.mode, 0040755);
        assert_true(bootmod_find(&ar, "dotted", &e));     /* "./" ignored */
        assert_string_equal(e.name, "./dotted");
        assert_true(bootmod_find(&ar, "/a", &e));
        assert_true(bootmod_find(&ar, ".//./a", &e));
        assert_int_equal(e.mode, 0100755);
        assert_false(bootmod_find(&ar, "hello.txt", &e));
        assert_false(bootmod_find(&ar, BOOTMOD_TRAILER, &e));
        assert_false(bootmod_find(&ar, "", &e));
        free(b.p);
    }
}

/* Only a trailer: a valid archive with nothing in it. */
static void test_empty_archive(void **state)
{
    struct bootmod_archive ar;
    struct bootmod_entry e;
    struct blob b = build(NULL, 0, true, false);
    assert_int_equal(b.n, 124);
    assert_int_equal(open_blob(b, &ar), KERN_SUCCESS);
    assert_int_equal(ar.count, 0);
    assert_false(bootmod_first(&ar, &e));
    assert_false(bootmod_find(&ar, "a", &e));
    free(b.p);

    b = build(NULL, 0, false, false);
    expect_fail(b, "ends at offset 0x0 without a TRAILER!!! entry");
    free(b.p);
}

/* The first of two entries with the same name wins. */
static void test_duplicate_names(void **state)
{
    static const struct nc_entry dup[] = {
        { "x", "first", 5, 0100644 }, { "x", "second", 6, 0100644 },
    };
    struct bootmod_archive ar;
    struct bootmod_entry e;
    struct blob b = build(dup, 2, true, false);
    assert_int_equal(open_blob(b, &ar), KERN_SUCCESS);
    assert_true(bootmod_find(&ar, "x", &e));
    assert_int_equal(e.size, 5);
    free(b.p);
}

/* The archive may sit at any address: offsets count from its start. */
static void test_unaligned_buffer(void **state)
{
    struct blob b = build(sample, 4, true, false);
    uint8_t *buf = malloc(b.n + 3);
    assert_non_null(buf);
    memcpy(buf + 3, b.p, b.n);
    struct bootmod_archive ar;
    struct bootmod_entry e;
    assert_int_equal(bootmod_open(&ar, buf + 3, b.n, NULL, 0), KERN_SUCCESS);
    assert_true(bootmod_find(&ar, "a", &e));
    assert_memory_equal(e.data, "x", 1);
    free(buf);
    free(b.p);
}

/* ---- truncation at every length ------------------------------------------ */

/* What cutting the archive at `len` breaks, from the intact archive's layout. */
static const char *truncation_error(const struct bootmod_archive *ar,
                                    size_t len)
{
    struct bootmod_entry e;
    size_t off = 0;
    for (bool ok = bootmod_first(ar, &e); ok; ok = bootmod_next(ar, &e)) {
        size_t name_end = e.offset + BOOTMOD_HDR_SIZE + e.namelen + 1;
        size_t data_end = (size_t)(e.data - ar->base) + e.size;
        if (len == e.offset)
            return "without a TRAILER!!! entry";
        if (len < e.offset + BOOTMOD_HDR_SIZE)
            return "truncated header";
        if (len < name_end)
            return "runs past the end";
        if (len < data_end || (e.data - ar->base) > (ptrdiff_t)len)
            return "data of";
        if (len < e.next)
            return "truncated header";
        off = e.next;
    }
    if (len == off)
        return "without a TRAILER!!! entry";
    if (len < off + BOOTMOD_HDR_SIZE)
        return "truncated header";
    return len < ar->end ? "runs past the end" : NULL;
}

static void truncate_all(struct blob b)
{
    struct bootmod_archive full, ar;
    assert_int_equal(open_blob(b, &full), KERN_SUCCESS);
    for (size_t len = 0; len <= b.n; len++) {
        struct blob t = { b.p, len };
        const char *want = truncation_error(&full, len);
        if (want != NULL) {
            expect_fail(t, want);
        } else {
            struct blob c = blob_copy(b.p, len);
            assert_int_equal(open_blob(c, &ar), KERN_SUCCESS);
            assert_int_equal(ar.count, full.count);
            check_walk(&ar);
            free(c.p);
        }
    }
}

static void test_truncations(void **state)
{
    struct blob b = build(sample, 4, true, false);
    truncate_all(b);
    free(b.p);
    b = load(archive_path);
    truncate_all(b);
    free(b.p);
}

/* ---- corrupted fields ------------------------------------------------------ */

/* Overwrite bytes at `off` in a copy of the sample archive and expect `want`. */
static void corrupt_at(size_t off, const char *bytes, size_t n,
                       const char *want, int line)
{
    struct blob b = build(sample, 4, true, false);
    assert_true(off + n <= b.n);
    memcpy(b.p + off, bytes, n);
    expect_fail_msg(b, want, line);
    free(b.p);
}

/* s is a string literal, possibly "\0". */
#define CORRUPT(off, s, want) corrupt_at((off), (s), sizeof(s) - 1, (want), __LINE__)

/* Offset of field i of the first header. */
#define FIELD(i)    (6 + 8 * (i))

static void test_bad_magic(void **state)
{
    for (unsigned i = 0; i < 6; i++)
        CORRUPT(i, "8", "bad magic at offset 0x0");
    CORRUPT(0, "070707", "was it made with cpio -H newc?");   /* odc */
    CORRUPT(0, "070702", "bad magic");                        /* crc */
    /* The second header (the first entry is 124 + 16 bytes). */
    CORRUPT(140, "X", "bad magic at offset 0x8c");
}

static void test_bad_hex(void **state)
{
    static const char *const names[] = {
        "ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor",
        "devminor", "rdevmajor", "rdevminor", "namesize", "check",
    };
    char want[80];
    for (unsigned i = 0; i < 13; i++) {
        snprintf(want, sizeof(want), "field %s of the header at offset 0x0 "
                 "is not 8 hex digits", names[i]);
        CORRUPT(FIELD(i), "g", want);
        CORRUPT(FIELD(i) + 7, " ", want);
        CORRUPT(FIELD(i) + 3, "\0", want);
        CORRUPT(FIELD(i) + 4, "-", want);
    }
}

static void test_bad_name(void **state)
{
    CORRUPT(FIELD(11), "00000000", "entry at offset 0x0 has name size 0");
    CORRUPT(FIELD(11), "ffffffff", "(namesize 4294967295) runs past the end");
    CORRUPT(FIELD(11), "00010000", "runs past the end");
    CORRUPT(FIELD(11), "0000000d", "not NUL-terminated at namesize - 1");
    CORRUPT(BOOTMOD_HDR_SIZE + 3, "\0", "has a NUL before its end");
    CORRUPT(BOOTMOD_HDR_SIZE + 13, "!", "not NUL-terminated");

    static const struct nc_entry unnamed = { "", "", 0, 0100644 };
    struct blob b = build(&unnamed, 1, true, false);
    expect_fail(b, "entry at offset 0x0 has an empty name");
    free(b.p);
}

static void test_bad_sizes(void **state)
{
    CORRUPT(FIELD(6), "ffffffff", "data of 'bin/hello.txt' (offset 0x7c, 4294967295 bytes) runs past the end");
    CORRUPT(FIELD(6), "00010000", "data of 'bin/hello.txt'");
    /* Four bytes longer: the next header is looked for 4 bytes too far. */
    CORRUPT(FIELD(6), "00000011", "bad magic at offset 0x90");
}

static void test_missing_trailer(void **state)
{
    struct blob b = build(sample, 4, false, false);
    expect_fail(b, "without a TRAILER!!! entry");
    free(b.p);
    /* The trailer's name changed: the walk goes on into the padding. */
    b = build(sample, 4, true, false);
    b.p[b.n - 5] = '?';                /* "TRAILER!!?" */
    expect_fail(b, "without a TRAILER!!! entry");
    free(b.p);
    /* A real archive: the trailer renamed, cpio's block padding follows. */
    b = load(archive_path);
    uint8_t *t = memmem(b.p, b.n, BOOTMOD_TRAILER, 10);
    assert_non_null(t);
    t[9] = '?';
    expect_fail(b, "bootmod: ");        /* where the walk stops depends on the padding */
    free(b.p);
}

/* ---- random mutation: never crash, never accept an inconsistent archive -- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Mostly change hex digits to other hex digits, so that headers still parse. */
static size_t mutate(uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdefABCDEF";
    unsigned count = 1 + next_rand() % 4;
    for (unsigned i = 0; i < count; i++) {
        size_t at = next_rand() % n;
        uint64_t r = next_rand();
        if (r % 4 != 0)
            p[at] = (uint8_t)hex[(r >> 8) % 22];
        else
            p[at] = (uint8_t)(r >> 16);
    }
    return next_rand() % 8 == 0 ? next_rand() % (n + 1) : n;
}

static void fuzz(struct blob orig, unsigned rounds)
{
    unsigned ok = 0, bad = 0;
    for (unsigned r = 0; r < rounds; r++) {
        uint8_t *tmp = malloc(orig.n);
        assert_non_null(tmp);
        memcpy(tmp, orig.p, orig.n);
        struct blob t = blob_copy(tmp, mutate(tmp, orig.n));
        free(tmp);
        struct bootmod_archive ar;
        struct bootmod_entry e;
        if (open_blob(t, &ar) == KERN_SUCCESS) {
            check_walk(&ar);
            bootmod_find(&ar, "a", &e);
            ok++;
        } else {
            assert_non_null(memchr(err, '\0', sizeof(err)));
            assert_int_equal(strncmp(err, "bootmod: ", 9), 0);
            bad++;
        }
        free(t.p);
    }
    print_message("%u mutants accepted, %u rejected\n", ok, bad);
    assert_true(ok > 0 && bad > 0);
}

static void test_random_mutations(void **state)
{
    struct blob b = build(sample, 4, true, false);
    fuzz(b, 30000);
    free(b.p);
    b = load(archive_path);
    fuzz(b, 5000);
    free(b.p);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_bootmod ARCHIVE BASIC_ELF PROG_C\n");
        return 2;
    }
    archive_path = argv[1];
    basic_elf_path = argv[2];
    prog_c_path = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mkbootmods_archive),
        cmocka_unit_test(test_elf_in_archive),
        cmocka_unit_test(test_cpio_agrees),
        cmocka_unit_test(test_built_archive),
        cmocka_unit_test(test_empty_archive),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_unaligned_buffer),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_bad_hex),
        cmocka_unit_test(test_bad_name),
        cmocka_unit_test(test_bad_sizes),
        cmocka_unit_test(test_missing_trailer),
        cmocka_unit_test(test_random_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
