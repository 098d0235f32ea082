// SPDX-License-Identifier: MIT
/*
 * The ext2 library (userland/servers/fs) on images made by mke2fs: every
 * operation, big and many files, full disks, features, bad requests; e2fsck
 * -fn must find each image clean afterwards. Damaged images: test_ext2_robust.c.
 * Usage: test_ext2 MKE2FS E2FSCK DEBUGFS [functional|robust]
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#include "ext2_harness.h"
#include "ext2_int.h"

int ext2_robust_tests(void);

static char *xstrdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xstrdup_printf(const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    assert_non_null(s);
    return s;
}

static void expect_content(struct ext2_fs *fs, const char *path, const void *want,
                           size_t n)
{
    size_t got;
    uint8_t *buf = h_read_file(fs, path, &got);
    assert_int_equal(got, n);
    assert_memory_equal(buf, want, n);
    free(buf);
}

/* debugfs's view of a file must match too. */
static void expect_debugfs_cat(const struct img *im, const char *path, const void *want,
                               size_t n)
{
    char req[300];
    size_t len;
    snprintf(req, sizeof(req), "cat %s", path);
    char *out = h_debugfs(im, req, &len);
    assert_int_equal(len, n);
    assert_memory_equal(out, want, n);
    free(out);
}

static bool dir_has(struct ext2_fs *fs, const char *dir, const char *name,
                    uint8_t *type)
{
    struct ext2_file *d;
    struct ext2_dirent ent;
    uint64_t cur = 0;
    bool found = false;
    H_OK(ext2_open(fs, NULL, dir, EXT2_O_DIRECTORY, 0, &d));
    for (;;) {
        H_OK(ext2_readdir(d, &cur, &ent));
        if (ent.ino == 0)
            break;
        if (strcmp(ent.name, name) == 0) {
            found = true;
            if (type != NULL)
                *type = ent.type;
        }
    }
    H_OK(ext2_close(d));
    return found;
}

static struct ext2_stat stat_of(struct ext2_fs *fs, const char *path)
{
    struct ext2_stat st;
    int err = ext2_stat(fs, NULL, path, &st);
    if (err != EXT2_OK)
        fail_msg("stat %s: %s", path, ext2_strerror(err));
    return st;
}

static uint32_t free_blocks(struct ext2_fs *fs)
{
    struct ext2_statfs s;
    H_OK(ext2_statfs(fs, &s));
    return s.free_blocks;
}

static uint32_t free_inodes(struct ext2_fs *fs)
{
    struct ext2_statfs s;
    H_OK(ext2_statfs(fs, &s));
    return s.free_inodes;
}

/* ---- basic operations ---------------------------------------------------------- */

/* Mount 1, 2 and 4 KiB images; create, write, read back; e2fsck and debugfs agree. */
static void test_block_sizes(void **state)
{
    (void)state;
    static const unsigned sizes[] = { 1024, 2048, 4096 };
    uint8_t data[10000];
    h_fill(data, sizeof(data), 1);
    for (unsigned i = 0; i < 3; i++) {
        struct img im;
        char name[32];
        snprintf(name, sizeof(name), "bs%u.img", sizes[i]);
        h_mkfs(&im, name, sizes[i], 8192, NULL, NULL);
        struct ext2_fs *fs = h_mount(&im, 0);
        struct ext2_statfs sf;
        H_OK(ext2_statfs(fs, &sf));
        assert_int_equal(sf.block_size, sizes[i]);
        assert_int_equal((uint64_t)sf.blocks * sizes[i], 8192 * 1024ull);
        assert_false(sf.readonly);
        h_write_file(fs, "/hello", data, sizeof(data));
        expect_content(fs, "/hello", data, sizeof(data));
        h_unmount(fs);
        h_fsck_clean(&im);
        expect_debugfs_cat(&im, "/hello", data, sizeof(data));
        h_img_free(&im);
    }
}

/* Create, append, read back, list, rename, remove; checked by debugfs. */
static void test_files(void **state)
{
    (void)state;
    struct img im;
    struct ext2_file *f;
    size_t done;
    char buf[64];
    h_mkfs(&im, "files.img", 1024, 4096, NULL, NULL);
    struct ext2_fs *fs = h_mount(&im, 0);
    H_OK(ext2_open(fs, NULL, "/a.txt", EXT2_O_CREAT | EXT2_O_EXCL | EXT2_O_WRITE, 0640, &f));
    H_OK(ext2_pwrite(f, "hello ", 6, 0, &done));
    struct ext2_stat st;
    H_OK(ext2_fstat(f, &st));
    H_OK(ext2_pwrite(f, "world\n", 6, st.size, &done));       /* append */
    H_OK(ext2_pread(f, buf, sizeof(buf), 0, &done));
    assert_int_equal(done, 12);
    assert_memory_equal(buf, "hello world\n", 12);
    H_OK(ext2_pread(f, buf, sizeof(buf), 12, &done));            /* at EOF */
    assert_int_equal(done, 0);
    H_OK(ext2_pread(f, buf, 4, 6, &done));
    assert_memory_equal(buf, "worl", 4);
    H_OK(ext2_fstat(f, &st));
    assert_int_equal(st.mode, EXT2_S_IFREG | 0640);
    assert_int_equal(st.links, 1);
    assert_int_equal(st.size, 12);
    assert_int_equal(st.blocks, 2);
    assert_int_equal(st.uid, 1000);
    H_OK(ext2_close(f));
    assert_int_equal(ext2_open(fs, NULL, "/a.txt", EXT2_O_CREAT | EXT2_O_EXCL, 0, &f),
                     EXT2_EEXIST);
    h_write_file(fs, "/b.txt", "bee", 3);
    uint8_t type = 0;
    assert_true(dir_has(fs, "/", "a.txt", &type));
    assert_int_equal(type, EXT2_FT_REG_FILE);
    assert_true(dir_has(fs, "/", "lost+found", &type));
    assert_int_equal(type, EXT2_FT_DIR);
    assert_int_equal(h_count_dir(fs, "/"), 5);
    H_OK(ext2_rename(fs, NULL, "/a.txt", "/c.txt"));
    assert_false(dir_has(fs, "/", "a.txt", NULL));
    expect_content(fs, "/c.txt", "hello world\n", 12);
    H_OK(ext2_unlink(fs, NULL, "/b.txt"));
    assert_int_equal(ext2_stat(fs, NULL, "/b.txt", &st), EXT2_ENOENT);
    assert_int_equal(ext2_unlink(fs, NULL, "/b.txt"), EXT2_ENOENT);
    H_OK(ext2_symlink(fs, NULL, "c.txt", "/short-link"));
    char target[300];
    memset(target, 'x', sizeof(target));
    target[299] = '\0';
    H_OK(ext2_symlink(fs, NULL, target, "/long-link"));
    h_unmount(fs);
    h_fsck_clean(&im);
    expect_debugfs_cat(&im, "/c.txt", "hello world\n", 12);
    char *ls = h_debugfs(&im, "ls -l /", NULL);
    assert_non_null(strstr(ls, "c.txt"));
    assert_null(strstr(ls, "b.txt"));
    free(ls);
    char *sl = h_debugfs(&im, "stat /short-link", NULL);
    assert_non_null(strstr(sl, "Fast link dest: \"c.txt\""));
    free(sl);
    fs = h_mount(&im, EXT2_MOUNT_RDONLY);
    size_t len;
    H_OK(ext2_open(fs, NULL, "/long-link", 0, 0, &f));
    H_OK(ext2_readlink(f, buf, sizeof(buf), &len));
    assert_int_equal(len, 299);
    assert_memory_equal(buf, target, sizeof(buf));
    H_OK(ext2_close(f));
    H_OK(ext2_open(fs, NULL, "/short-link", 0, 0, &f));
    H_OK(ext2_readlink(f, buf, sizeof(buf), &len));
    assert_int_equal(len, 5);
    assert_string_equal(buf, "c.txt");
    H_OK(ext2_close(f));
    h_unmount(fs);
    h_img_free(&im);
}

/* mkdir and rmdir of a tree; link counts, free counts back where they were. */
static void test_dir_tree(void **state)
{
    (void)state;
    struct img im;
    h_mkfs(&im, "tree.img", 1024, 4096, NULL, NULL);
    struct ext2_fs *fs = h_mount(&im, 0);
    uint32_t fb = free_blocks(fs), fi = free_inodes(fs);
    char path[128];
    for (int a = 0; a < 3; a++) {
        snprintf(path, sizeof(path), "/d%d", a);
        H_OK(ext2_mkdir(fs, NULL, path, 0755));
        for (int b = 0; b < 3; b++) {
            snprintf(path, sizeof(path), "/d%d/e%d", a, b);
            H_OK(ext2_mkdir(fs, NULL, path, 0700));
            for (int c = 0; c < 3; c++) {
                snprintf(path, sizeof(path), "/d%d/e%d/f%d", a, b, c);
                H_OK(ext2_mkdir(fs, NULL, path, 0755));
                snprintf(path, sizeof(path), "/d%d/e%d/f%d/file", a, b, c);
                h_write_file(fs, path, path, strlen(path));
            }
        }
    }
    assert_int_equal(stat_of(fs, "/").links, 3 + 3);
    assert_int_equal(stat_of(fs, "/d1").links, 2 + 3);
    assert_int_equal(stat_of(fs, "/d1/e2/f0").links, 2);
    assert_int_equal(stat_of(fs, "/d1/e2/f0/..").ino, stat_of(fs, "/d1/e2").ino);
    assert_int_equal(ext2_mkdir(fs, NULL, "/d1", 0755), EXT2_EEXIST);
    assert_int_equal(ext2_rmdir(fs, NULL, "/d1"), EXT2_ENOTEMPTY);
    assert_int_equal(ext2_rmdir(fs, NULL, "/d1/e0/f0/file"), EXT2_ENOTDIR);
    assert_int_equal(ext2_unlink(fs, NULL, "/d1/e0"), EXT2_EISDIR);
    h_unmount(fs);
    h_fsck_clean(&im);
    fs = h_mount(&im, 0);
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
            for (int c = 0; c < 3; c++) {
                snprintf(path, sizeof(path), "/d%d/e%d/f%d/file", a, b, c);
                H_OK(ext2_unlink(fs, NULL, path));
                snprintf(path, sizeof(path), "/d%d/e%d/f%d", a, b, c);
                H_OK(ext2_rmdir(fs, NULL, path));
            }
            snprintf(path, sizeof(path), "/d%d/e%d/", a, b);
            H_OK(ext2_rmdir(fs, NULL, path));
        }
        snprintf(path, sizeof(path), "d%d", a);
        H_OK(ext2_rmdir(fs, NULL, path));
    }
    assert_int_equal(stat_of(fs, "/").links, 3);
    assert_int_equal(free_blocks(fs), fb);
    assert_int_equal(free_inodes(fs), fi);
    h_unmount(fs);
    h_fsck_clean(&im);
    h_img_free(&im);
}

/* rename: files and directories, across directories, over existing names. */
static void test_rename(void **state)
{
    (void)state;
    struct img im;
    h_mkfs(&im, "rename.img", 1024, 4096, NULL, NULL);
    struct ext2_fs *fs = h_mount(&im, 0);
    H_OK(ext2_mkdir(fs, NULL, "/a", 0755));
    H_OK(ext2_mkdir(fs, NULL, "/b", 0755));
    H_OK(ext2_mkdir(fs, NULL, "/a/sub", 0755));
    H_OK(ext2_mkdir(fs, NULL, "/a/sub/deep", 0755));
    h_write_file(fs, "/a/f1", "one", 3);
    h_write_file(fs, "/a/f2", "two", 3);
    h_write_file(fs, "/b/f3", "three", 5);
    uint32_t fi = free_inodes(fs);
    /* a file over another file, across directories: the old one is freed */
    H_OK(ext2_rename(fs, NULL, "/a/f1", "/b/f3"));
    expect_content(fs, "/b/f3", "one", 3);
    assert_int_equal(free_inodes(fs), fi + 1);
    /* a directory across directories: ".." and both parents' links follow */
    H_OK(ext2_rename(fs, NULL, "/a/sub", "/b/moved"));
    assert_int_equal(stat_of(fs, "/b/moved/..").ino, stat_of(fs, "/b").ino);
    assert_int_equal(stat_of(fs, "/a").links, 2);
    assert_int_equal(stat_of(fs, "/b").links, 3);
    assert_int_equal(stat_of(fs, "/b/moved/deep/..").ino, stat_of(fs, "/b/moved").ino);
    /* a directory over an empty directory */
    H_OK(ext2_mkdir(fs, NULL, "/a/empty", 0755));
    H_OK(ext2_rename(fs, NULL, "/b/moved", "/a/empty"));
    assert_int_equal(stat_of(fs, "/a").links, 3);
    assert_int_equal(stat_of(fs, "/b").links, 2);
    assert_int_equal(stat_of(fs, "/a/empty/deep/..").ino, stat_of(fs, "/a/empty").ino);
    /* refusals */
    H_OK(ext2_mkdir(fs, NULL, "/b/full", 0755));
    h_write_file(fs, "/b/full/x", "x", 1);
    assert_int_equal(ext2_rename(fs, NULL, "/a/empty", "/b/full"), EXT2_ENOTEMPTY);
    assert_int_equal(ext2_rename(fs, NULL, "/a/empty", "/a/f2"), EXT2_ENOTDIR);
    assert_int_equal(ext2_rename(fs, NULL, "/a/f2", "/b/full"), EXT2_EISDIR);
    assert_int_equal(ext2_rename(fs, NULL, "/a", "/a/empty/deep/x"), EXT2_EINVAL);
    assert_int_equal(ext2_rename(fs, NULL, "/a", "/a/y"), EXT2_EINVAL);
    assert_int_equal(ext2_rename(fs, NULL, "/a/nothing", "/a/y"), EXT2_ENOENT);
    assert_int_equal(ext2_rename(fs, NULL, "/", "/y"), EXT2_EBUSY);
    assert_int_equal(ext2_rename(fs, NULL, "/a/.", "/y"), EXT2_EINVAL);
    assert_int_equal(ext2_rename(fs, NULL, "/a/f2/", "/y"), EXT2_ENOTDIR);
    /* same inode under both names: nothing happens */
    H_OK(ext2_link(fs, NULL, "/a/f2", "/b/f2link"));
    assert_int_equal(stat_of(fs, "/a/f2").links, 2);
    H_OK(ext2_rename(fs, NULL, "/a/f2", "/b/f2link"));
    assert_int_equal(stat_of(fs, "/a/f2").links, 2);
    /* within a directory, and onto itself */
    H_OK(ext2_rename(fs, NULL, "/a/f2", "/a/f2-renamed"));
    H_OK(ext2_rename(fs, NULL, "/a/f2-renamed", "/a/f2-renamed"));
    expect_content(fs, "/b/f2link", "two", 3);
    /* a link over its other name drops one link */
    H_OK(ext2_rename(fs, NULL, "/b/f3", "/b/f2link"));
    assert_int_equal(stat_of(fs, "/a/f2-renamed").links, 1);
    expect_content(fs, "/b/f2link", "one", 3);
    /* a directory within its parent, over an empty sibling */
    H_OK(ext2_mkdir(fs, NULL, "/b/e1", 0755));
    H_OK(ext2_mkdir(fs, NULL, "/b/e2", 0755));
    H_OK(ext2_rename(fs, NULL, "/b/e1", "/b/e2"));
    assert_int_equal(stat_of(fs, "/b").links, 4);
    h_unmount(fs);
    h_fsck_clean(&im);
    h_img_free(&im);
}

/* 5,000 files in one directory: create, list, read some, delete half. */
static void test_many_files(void **state)
{
    (void)state;
    enum { N = 5000 };
    struct img im;
    char path[64], data[64];
    h_mkfs(&im, "many.img", 1024, 16384, "-N 8192", NULL);
    struct ext2_fs *fs = h_mount(&im, 0);
    H_OK(ext2_mkdir(fs, NULL, "/d", 0755));
    struct ext2_file *d;
    H_OK(ext2_open(fs, NULL, "/d", EXT2_O_DIRECTORY, 0, &d));
    for (int i = 0; i < N; i++) {
        struct ext2_file *f;
        size_t done;
        snprintf(path, sizeof(path), "file-%05d", i);
        int n = snprintf(data, sizeof(data), "contents of %d", i);
        H_OK(ext2_open(fs, d, path, EXT2_O_CREAT | EXT2_O_EXCL | EXT2_O_WRITE, 0644, &f));
        H_OK(ext2_pwrite(f, data, (size_t)n, 0, &done));
        H_OK(ext2_close(f));
    }
    H_OK(ext2_close(d));
    assert_int_equal(h_count_dir(fs, "/d"), N + 2);
    for (int i = 0; i < N; i += 97) {
        snprintf(path, sizeof(path), "/d/file-%05d", i);
        int n = snprintf(data, sizeof(data), "contents of %d", i);
        expect_content(fs, path, data, (size_t)n);
    }
    h_unmount(fs);
    h_fsck_clean(&im);
    fs = h_mount(&im, 0);
    for (int i = 0; i < N; i += 2) {
        snprintf(path, sizeof(path), "/d/file-%05d", i);
        H_OK(ext2_unlink(fs, NULL, path));
    }
    assert_int_equal(h_count_dir(fs, "/d"), N / 2 + 2);
    snprintf(path, sizeof(path), "/d/file-%05d", 4999);
    expect_content(fs, path, "contents of 4999", 16);
    h_unmount(fs);
    h_fsck_clean(&im);
    char *ls = h_debugfs(&im, "ls /d", NULL);
    assert_non_null(strstr(ls, "file-04999"));
    assert_null(strstr(ls, "file-04998"));
    free(ls);
    h_img_free(&im);
}

/* 16 MiB on 1 KiB blocks (double indirect), checksummed through remounts. */
static void test_big_file(void **state)
{
    (void)state;
    enum { SIZE = 16 << 20, CHUNK = 65536 + 123 };
    struct img im;
    struct ext2_file *f;
    size_t done;
    h_mkfs(&im, "big.img", 1024, 24576, NULL, NULL);
    struct ext2_fs *fs = h_mount(&im, 0);
    uint32_t fb = free_blocks(fs);
    uint8_t *buf = malloc(SIZE);
    h_fill(buf, SIZE, 16);
    uint64_t want = h_hash(buf, SIZE, 0);
    H_OK(ext2_open(fs, NULL, "/big", EXT2_O_CREAT | EXT2_O_WRITE, 0644, &f));
    for (size_t off = 0; off < SIZE; off += CHUNK) {
        size_t n = SIZE - off < CHUNK ? SIZE - off : CHUNK;
        H_OK(ext2_pwrite(f, buf + off, n, off, &done));
        assert_int_equal(done, n);
    }
    struct ext2_stat st;
    H_OK(ext2_fstat(f, &st));
    /* 16384 data blocks, 1 + 64 + 1 indirect blocks (the double one has 64 used) */
    assert_int_equal(st.blocks, (16384 + 1 + 1 + 63) * 2);
    assert_int_equal(free_blocks(fs), fb - (16384 + 65));
    H_OK(ext2_close(f));
    h_unmount(fs);
    h_fsck_clean(&im);
    memset(buf, 0, SIZE);
    fs = h_mount(&im, EXT2_MOUNT_RDONLY);
    H_OK(ext2_open(fs, NULL, "/big", 0, 0, &f));
    for (size_t off = 0; off < SIZE; off += 100000) {
        size_t n = SIZE - off < 100000 ? SIZE - off : 100000;
        H_OK(ext2_pread(f, buf + off, n, off, &done));
        assert_int_equal(done, n);
    }
    assert_true(h_hash(buf, SIZE, 0) == want);
    struct ext2_stats sts;
    ext2_get_stats(fs, &sts);
    assert_true(sts.dev_reads < 1000);      /* whole runs come in big reads */
    H_OK(ext2_close(f));
    h_unmount(fs);
    size_t len;
    char *out = h_debugfs(&im, "cat /big", &len);
    assert_int_equal(len, SIZE);
    assert_true(h_hash(out, len, 0) == want);
    free(out);
    /* shrink in steps back to nothing: every block comes back */
    fs = h_mount(&im, 0);
    static const uint64_t steps[] = { 10000000, 5000000, 268 * 1024 + 1, 268 * 1024,
                                      12 * 1024 + 5, 12 * 1024, 3000, 0 };
    for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        H_OK(ext2_truncate(fs, NULL, "/big", steps[i]));
        assert_int_equal(stat_of(fs, "/big").size, steps[i]);
    }
    assert_int_equal(free_blocks(fs), fb);
    h_unmount(fs);
    h_fsck_clean(&im);
    free(buf);
    h_img_free(&im);
}

/* Sparse writes out to the triple indirect blocks and the largest size. */
static void test_sparse_triple(void **state)
{
    (void)state;
    struct img im;
    struct ext2_file *f;
    size_t done;
    h_mkfs(&im, "sparse.img", 1024, 4096, NULL, NULL);
    struct ext2_fs *fs = h_mount(&im, 0);
    uint32_t fb = free_blocks(fs);
    static const uint64_t offs[] = {
        0, 11 * 1024 + 1000, 300 * 1024, 64ull << 20, (65ull << 20) + 268 * 1024,
        5ull << 30, 16ull << 30,
    };
    enum { N = sizeof(offs) / sizeof(offs[0]) };
    uint8_t data[3000], back[3000], zero[3000] = { 0 };
    H_OK(ext2_open(fs, NULL, "/sparse", EXT2_O_CREAT | EXT2_O_WRITE, 0644, &f));
    for (unsigned i = 0; i < N; i++) {
        h_fill(data, sizeof(data), i + 100);
        H_OK(ext2_pwrite(f, data, sizeof(data), offs[i], &done));
        assert_int_equal(done, sizeof(data));
    }
    /* at the limit: cut short, then EFBIG */
    struct ext2_stat st;
    H_OK(ext2_fstat(f, &st));
    assert_int_equal(st.size, (16ull << 30) + sizeof(data));
    struct ext2_file *probe;
    uint64_t max = 0;
    H_OK(ext2_open(fs, NULL, "/probe", EXT2_O_CREAT | EXT2_O_WRITE, 0644, &probe));
    for (uint64_t step = 1ull << 40; step > 0; step >>= 1) {
        if (ext2_ftruncate(probe, max + step) == EXT2_OK)
            max += step;
    }
    H_OK(ext2_close(probe));
    H_OK(ext2_unlink(fs, NULL, "/probe"));
    assert_true(max > (16ull << 30));
    assert_int_equal(ext2_ftruncate(f, max + 1), EXT2_EFBIG);
    assert_int_equal(ext2_pwrite(f, data, 10, max, &done), EXT2_EFBIG);
    H_OK(ext2_pwrite(f, data, 10, max - 4, &done));
    assert_int_equal(done, 4);
    H_OK(ext2_ftruncate(f, (16ull << 30) + sizeof(data)));
    for (unsigned i = 0; i < N; i++) {
        h_fill(data, sizeof(data), i + 100);
        H_OK(ext2_pread(f, back, sizeof(back), offs[i], &done));
        assert_int_equal(done, sizeof(back));
        assert_memory_equal(back, data, sizeof(data));
    }
    H_OK(ext2_pread(f, back, sizeof(back), 1ull << 30, &done));
    assert_memory_equal(back, zero, sizeof(zero));
    H_OK(ext2_close(f));
    h_unmount(fs);
    h_fsck_clean(&im);
    fs = h_mount(&im, 0);
    H_OK(ext2_truncate(fs, NULL, "/sparse", 6ull << 30));
    H_OK(ext2_truncate(fs, NULL, "/sparse", 100ull << 20));
    h_unmount(fs);
    h_fsck_clean(&im);
    fs = h_mount(&im, 0);
    H_OK(ext2_unlink(fs, NULL, "/sparse"));
    assert_int_equal(free_blocks(fs), fb);
    h_unmount(fs);
    h_fsck_clean(&im);
    h_img_free(&im);
}

/* Truncate: shrink frees blocks, grow reads zeros, also inside a block. */
static void test_truncate(void **state)
{
    (void)state;
    struct img im;
    struct ext2_file *f;
    size_t done;
    uint8_t buf[20000], back[20000];
    h_mkfs(&im, "trunc.img", 4096, 8192, NULL, NULL);
    struct ext2_fs *fs = h_mount(&im, 0);
    uint32_t fb = free_blocks(fs);
    memset(buf, 0xAA, sizeof(buf));
    H_OK(ext2_open(fs, NULL, "/t", EXT2_O_CREAT | EXT2_O_WRITE, 0644, &f));
    H_OK(ext2_pwrite(f, buf, sizeof(buf), 0, &done));
    assert_int_equal(free_blocks(fs), fb - 5);
    H_OK(ext2_ftruncate(f, 100));
    assert_int_equal(free_blocks(fs), fb - 1);
    H_OK(ext2_ftruncate(f, 10000));
    assert_int_equal(free_blocks(fs), fb - 1);
    H_OK(ext2_pread(f, back, sizeof(back), 0, &done));
    assert_int_equal(done, 10000);
    assert_memory_equal(back, buf, 100);
    for (size_t i = 100; i < 10000; i++)
        assert_int_equal(back[i], 0);
    /* writing past the end leaves a hole and zeros */
    H_OK(ext2_ftruncate(f, 50));
    H_OK(ext2_pwrite(f, "Z", 1, 9000, &done));
    H_OK(ext2_pread(f, back, sizeof(back), 0, &done));
    assert_int_equal(done, 9001);
    for (size_t i = 50; i < 9000; i++)
        assert_int_equal(back[i], 0);
    assert_int_equal(back[9000], 'Z');
    assert_int_equal(stat_of(fs, "/t").blocks, 2 * 8);
    H_OK(ext2_close(f));
    H_OK(ext2_open(fs, NULL, "/t", EXT2_O_WRITE | EXT2_O_TRUNC, 0, &f));
    assert_int_equal(stat_of(fs, "/t").size, 0);
    H_OK(ext2_close(f));
    assert_int_equal(free_blocks(fs), fb);
    h_unmount(fs);
    h_fsck_clean(&im);
    h_img_free(&im);
}

/* ---- images from mke2fs -d --------------------------------------------------------- */

struct hfile {
    const char *path;
    size_t size;            /* SIZE_MAX: a directory; SIZE_MAX - 1: a symlink */
    const char *target;
};

static const struct hfile tree[] = {
    { "empty", 0, NULL }, { "one", 1, NULL }, { "k1023", 1023, NULL },
    { "k1024", 1024, NULL }, { "k1025", 1025, NULL }, { "b12k", 12 * 1024 + 5, NULL },
    { "ind300k", 300000, NULL }, { "dind", 1200000, NULL },
    { "sub", SIZE_MAX, NULL }, { "sub/inner", 5000, NULL },
    { "sub/deeper", SIZE_MAX, NULL }, { "sub/deeper/leaf", 77, NULL },
    { "sub/deeper/emptydir", SIZE_MAX, NULL },
    { "link", SIZE_MAX - 1, "sub/inner" },
    { "longlink", SIZE_MAX - 1,
      "a/very/long/target/that/does/not/fit/in/the/sixty/bytes/of/i_block/at/all" },
};
#define NTREE (sizeof(tree) / sizeof(tree[0]))

static void make_host_tree(const char *root)
{
    char path[600];
    assert_int_equal(mkdir(root, 0755), 0);
    for (size_t i = 0; i < NTREE; i++) {
        snprintf(path, sizeof(path), "%s/%s", root, tree[i].path);
        if (tree[i].size == SIZE_MAX) {
            assert_int_equal(mkdir(path, 0755), 0);
        } else if (tree[i].size == SIZE_MAX - 1) {
            assert_int_equal(symlink(tree[i].target, path), 0);
        } else {
            uint8_t *buf = malloc(tree[i].size + 1);
            h_fill(buf, tree[i].size, i);
            FILE *fp = fopen(path, "wb");
            assert_non_null(fp);
            assert_int_equal(fwrite(buf, 1, tree[i].size, fp), tree[i].size);
            fclose(fp);
            free(buf);
        }
    }
}

static void check_tree(struct ext2_fs *fs, const char *prefix)
{
    char path[600], link[300];
    for (size_t i = 0; i < NTREE; i++) {
        snprintf(path, sizeof(path), "%s/%s", prefix, tree[i].path);
        struct ext2_stat st = stat_of(fs, path);
        if (tree[i].size == SIZE_MAX) {
            assert_int_equal(st.mode & EXT2_S_IFMT, EXT2_S_IFDIR);
        } else if (tree[i].size == SIZE_MAX - 1) {
            struct ext2_file *f;
            size_t len;
            assert_int_equal(st.mode & EXT2_S_IFMT, EXT2_S_IFLNK);
            H_OK(ext2_open(fs, NULL, path, 0, 0, &f));
            H_OK(ext2_readlink(f, link, sizeof(link), &len));
            assert_string_equal(link, tree[i].target);
            H_OK(ext2_close(f));
        } else {
            uint8_t *want = malloc(tree[i].size + 1);
            h_fill(want, tree[i].size, i);
            expect_content(fs, path, want, tree[i].size);
            free(want);
        }
    }
    assert_int_equal(h_count_dir(fs, prefix[0] ? prefix : "/"), 2 + 1 + 11);
}

/* Read what mke2fs -d copied from a host tree; then change it and recheck. */
static void test_mke2fs_tree(void **state)
{
    (void)state;
    char *root = xstrdup_printf("%s/srctree", h_tmpdir);
    make_host_tree(root);
    static const unsigned sizes[] = { 1024, 4096 };
    for (unsigned i = 0; i < 2; i++) {
        struct img im;
        char name[32];
        snprintf(name, sizeof(name), "tree%u.img", sizes[i]);
        h_mkfs(&im, name, sizes[i], 8192, NULL, root);
        struct ext2_fs *fs = h_mount(&im, EXT2_MOUNT_RDONLY);
        check_tree(fs, "");
        assert_int_equal(ext2_unlink(fs, NULL, "/one"), EXT2_EROFS);
        h_unmount(fs);
        fs = h_mount(&im, 0);
        H_OK(ext2_mkdir(fs, NULL, "/copy", 0755));
        H_OK(ext2_rename(fs, NULL, "/sub", "/copy/sub"));
        H_OK(ext2_rename(fs, NULL, "/copy/sub", "/sub"));
        H_OK(ext2_unlink(fs, NULL, "/dind"));
        H_OK(ext2_unlink(fs, NULL, "/longlink"));
        H_OK(ext2_unlink(fs, NULL, "/link"));
        H_OK(ext2_rmdir(fs, NULL, "/sub/deeper/emptydir"));
        h_unmount(fs);
        h_fsck_clean(&im);
        h_img_free(&im);
    }
    free(root);
}

/* Operations across several mounts. */
static void test_remount(void **state)
{
    (void)state;
    struct img im;
    uint8_t data[7000];
    h_mkfs(&im, "remount.img", 2048, 4096, NULL, NULL);
    for (int round = 0; round < 4; round++) {
        struct ext2_fs *fs = h_mount(&im, 0);
        char path[64];
        h_fill(data, sizeof(data), round);
        snprintf(path, sizeof(path), "/r%d", round);
        H_OK(ext2_mkdir(fs, NULL, path, 0755));
        snprintf(path, sizeof(path), "/r%d/data", round);
        h_write_file(fs, path, data, sizeof(data));
        if (round > 0) {
            char old[64];
            h_fill(data, sizeof(data), round - 1);
            snprintf(old, sizeof(old), "/r%d/data", round - 1);
            expect_content(fs, old, data, sizeof(data));
            snprintf(path, sizeof(path), "/r%d/old", round);
            H_OK(ext2_rename(fs, NULL, old, path));
        }
        H_OK(ext2_sync(fs));
        assert_int_equal(get16(im.data + 1024 + SB_STATE) & EXT2_STATE_VALID, 0);
        h_unmount(fs);
        assert_int_equal(get16(im.data + 1024 + SB_STATE), EXT2_STATE_VALID);
    }
    h_fsck_clean(&im);
    char *sb = h_debugfs(&im, "stats", NULL);
    assert_non_null(strstr(sb, "Filesystem state:         clean"));
    assert_non_null(strstr(sb, "Mount count:              4"));
    free(sb);
    h_img_free(&im);
}

/* Fill the disk: short writes with ENOSPC, then no inodes; e2fsck stays clean. */
static void test_enospc(void **state)
{
    (void)state;
    struct img im;
    struct ext2_file *f;
    size_t done;
    h_mkfs(&im, "full.img", 1024, 2048, "-N 64", NULL);
    struct ext2_fs *fs = h_mount(&im, 0);
    uint32_t fb = free_blocks(fs), fi = free_inodes(fs);
    size_t size = 4 << 20;
    uint8_t *buf = malloc(size), *back = malloc(size);
    h_fill(buf, size, 5);
    H_OK(ext2_open(fs, NULL, "/fill", EXT2_O_CREAT | EXT2_O_WRITE, 0644, &f));
    assert_int_equal(ext2_pwrite(f, buf, size, 0, &done), EXT2_ENOSPC);
    assert_true(done > 1500 * 1024 && done < 2048 * 1024);
    assert_int_equal(stat_of(fs, "/fill").size, done);
    assert_int_equal(free_blocks(fs), 0);
    size_t more;
    assert_int_equal(ext2_pwrite(f, buf, 10, done, &more), EXT2_ENOSPC);
    assert_int_equal(more, 0);
    H_OK(ext2_close(f));
    assert_int_equal(ext2_mkdir(fs, NULL, "/nodir", 0755), EXT2_ENOSPC);
    assert_int_equal(free_inodes(fs), fi - 1);
    h_check_idle(fs, 0);
    h_unmount(fs);
    h_fsck_clean(&im);
    fs = h_mount(&im, 0);
    size_t got;
    H_OK(ext2_open(fs, NULL, "/fill", 0, 0, &f));
    H_OK(ext2_pread(f, back, size, 0, &got));
    assert_int_equal(got, done);
    assert_memory_equal(back, buf, done);
    H_OK(ext2_close(f));
    H_OK(ext2_unlink(fs, NULL, "/fill"));
    assert_int_equal(free_blocks(fs), fb);
    /* now run out of inodes */
    int n = 0, err;
    char path[32];
    for (;;) {
        snprintf(path, sizeof(path), "/i%d", n);
        err = ext2_open(fs, NULL, path, EXT2_O_CREAT, 0644, &f);
        if (err != EXT2_OK)
            break;
        H_OK(ext2_close(f));
        n++;
    }
    assert_int_equal(err, EXT2_ENOSPC);
    assert_int_equal((uint32_t)n, fi);
    assert_int_equal(free_inodes(fs), 0);
    h_unmount(fs);
    h_fsck_clean(&im);
    free(buf);
    free(back);
    h_img_free(&im);
}

/* ---- bad requests -------------------------------------------------------------------- */

static void test_bad_requests(void **state)
{
    (void)state;
    struct img im;
    struct ext2_file *f, *d;
    size_t done;
    char name[300], *longpath = malloc(5000);
    uint8_t buf[100];
    h_mkfs(&im, "bad.img", 1024, 4096, NULL, NULL);
    struct ext2_fs *fs = h_mount(&im, 0);
    h_write_file(fs, "/file", "data", 4);
    H_OK(ext2_mkdir(fs, NULL, "/dir", 0755));
    /* names */
    memset(name, 'n', sizeof(name));
    name[0] = '/';
    name[256] = '\0';                                           /* 255 bytes */
    H_OK(ext2_open(fs, NULL, name, EXT2_O_CREAT, 0644, &f));
    H_OK(ext2_close(f));
    assert_true(dir_has(fs, "/", name + 1, NULL));
    H_OK(ext2_unlink(fs, NULL, name));
    name[256] = 'n';
    name[257] = '\0';                                           /* 256 bytes */
    assert_int_equal(ext2_open(fs, NULL, name, EXT2_O_CREAT, 0644, &f), EXT2_ENAMETOOLONG);
    assert_int_equal(ext2_mkdir(fs, NULL, name, 0755), EXT2_ENAMETOOLONG);
    assert_int_equal(ext2_stat(fs, NULL, name, NULL), EXT2_EINVAL);
    memset(longpath, 'a', 5000);
    for (int i = 0; i < 5000; i += 10)
        longpath[i] = '/';
    longpath[4999] = '\0';
    assert_int_equal(ext2_mkdir(fs, NULL, longpath, 0755), EXT2_ENAMETOOLONG);
    assert_int_equal(ext2_open(fs, NULL, "", 0, 0, &f), EXT2_ENOENT);
    assert_int_equal(ext2_open(fs, NULL, NULL, 0, 0, &f), EXT2_EINVAL);
    assert_int_equal(ext2_open(fs, NULL, "/file", 0x1000, 0, &f), EXT2_EINVAL);
    assert_int_equal(ext2_open(NULL, NULL, "/file", 0, 0, &f), EXT2_EINVAL);
    /* paths through files, trailing slashes, dots */
    assert_int_equal(ext2_open(fs, NULL, "/file/x", 0, 0, &f), EXT2_ENOTDIR);
    assert_int_equal(ext2_open(fs, NULL, "/file/x", EXT2_O_CREAT, 0644, &f), EXT2_ENOTDIR);
    assert_int_equal(ext2_mkdir(fs, NULL, "/file/x", 0755), EXT2_ENOTDIR);
    assert_int_equal(ext2_open(fs, NULL, "/file/", 0, 0, &f), EXT2_ENOTDIR);
    assert_int_equal(ext2_open(fs, NULL, "/new/", EXT2_O_CREAT, 0644, &f), EXT2_EISDIR);
    assert_int_equal(ext2_open(fs, NULL, "/nothere/x", 0, 0, &f), EXT2_ENOENT);
    assert_int_equal(ext2_open(fs, NULL, "/dir", EXT2_O_WRITE, 0, &f), EXT2_EISDIR);
    assert_int_equal(ext2_open(fs, NULL, "/file", EXT2_O_DIRECTORY, 0, &f), EXT2_ENOTDIR);
    assert_int_equal(ext2_mkdir(fs, NULL, "/", 0755), EXT2_EEXIST);
    assert_int_equal(ext2_mkdir(fs, NULL, "/dir/..", 0755), EXT2_EEXIST);
    assert_int_equal(ext2_rmdir(fs, NULL, "/"), EXT2_EBUSY);
    assert_int_equal(ext2_rmdir(fs, NULL, "/dir/."), EXT2_EINVAL);
    assert_int_equal(ext2_rmdir(fs, NULL, "/dir/.."), EXT2_ENOTEMPTY);
    assert_int_equal(ext2_unlink(fs, NULL, "/dir"), EXT2_EISDIR);
    assert_int_equal(ext2_unlink(fs, NULL, "/file/"), EXT2_ENOTDIR);
    assert_int_equal(ext2_link(fs, NULL, "/dir", "/dir2"), EXT2_EISDIR);
    assert_int_equal(ext2_link(fs, NULL, "/file", "/dir"), EXT2_EEXIST);
    assert_int_equal(ext2_symlink(fs, NULL, "", "/sl"), EXT2_ENOENT);
    char *tgt = malloc(2000);
    memset(tgt, 't', 1999);
    tgt[1999] = '\0';
    assert_int_equal(ext2_symlink(fs, NULL, tgt, "/sl"), EXT2_ENAMETOOLONG);
    free(tgt);
    assert_int_equal(stat_of(fs, "//dir/./../file").size, 4);
    /* relative to an open directory */
    H_OK(ext2_open(fs, NULL, "/dir", EXT2_O_DIRECTORY, 0, &d));
    h_write_file(fs, "/dir/in", "in", 2);
    struct ext2_stat st;
    H_OK(ext2_stat(fs, d, "in", &st));
    assert_int_equal(st.size, 2);
    H_OK(ext2_stat(fs, d, "../file", &st));
    assert_int_equal(st.size, 4);
    H_OK(ext2_open(fs, NULL, "/file", 0, 0, &f));
    assert_int_equal(ext2_stat(fs, f, "x", &st), EXT2_ENOTDIR);
    /* offsets and sizes */
    assert_int_equal(ext2_pread(d, buf, 10, 0, &done), EXT2_EISDIR);
    assert_int_equal(ext2_pwrite(d, buf, 10, 0, &done), EXT2_EISDIR);
    H_OK(ext2_pread(f, buf, 10, UINT64_MAX, &done));
    assert_int_equal(done, 0);
    H_OK(ext2_pread(f, buf, SIZE_MAX, 2, &done));
    assert_int_equal(done, 2);
    assert_int_equal(ext2_pwrite(f, buf, 10, UINT64_MAX - 5, &done), EXT2_EFBIG);
    assert_int_equal(ext2_ftruncate(f, UINT64_MAX), EXT2_EFBIG);
    assert_int_equal(ext2_pread(f, NULL, 10, 0, &done), EXT2_EINVAL);
    assert_int_equal(ext2_pread(f, buf, 10, 0, NULL), EXT2_EINVAL);
    uint64_t cur = 0;
    struct ext2_dirent ent;
    assert_int_equal(ext2_readdir(f, &cur, &ent), EXT2_ENOTDIR);
    cur = 3;                                /* not at an entry: goes to the next */
    H_OK(ext2_readdir(d, &cur, &ent));
    assert_string_equal(ent.name, "..");
    cur = UINT64_MAX;
    H_OK(ext2_readdir(d, &cur, &ent));
    assert_int_equal(ent.ino, 0);
    size_t len;
    assert_int_equal(ext2_readlink(f, (char *)buf, sizeof(buf), &len), EXT2_EINVAL);
    assert_int_equal(ext2_close(NULL), EXT2_EINVAL);
    for (int e = 0; e < EXT2_NERR; e++)
        assert_true(strlen(ext2_strerror(e)) > 0 && strcmp(ext2_strerror(e), "unknown error") != 0);
    assert_string_equal(ext2_strerror(EXT2_ENOSPC), "no space left on device");
    assert_string_equal(ext2_strerror(-1), "unknown error");
    assert_string_equal(ext2_strerror(EXT2_NERR), "unknown error");
    H_OK(ext2_close(f));
    H_OK(ext2_close(d));
    h_unmount(fs);
    h_fsck_clean(&im);
    /* read-only mount: every change is EROFS */
    fs = h_mount(&im, EXT2_MOUNT_RDONLY);
    unsigned long writes = im.writes;
    assert_int_equal(ext2_open(fs, NULL, "/file", EXT2_O_WRITE, 0, &f), EXT2_EROFS);
    assert_int_equal(ext2_open(fs, NULL, "/new", EXT2_O_CREAT, 0644, &f), EXT2_EROFS);
    assert_int_equal(ext2_mkdir(fs, NULL, "/new", 0755), EXT2_EROFS);
    assert_int_equal(ext2_unlink(fs, NULL, "/file"), EXT2_EROFS);
    assert_int_equal(ext2_rmdir(fs, NULL, "/dir"), EXT2_EROFS);
    assert_int_equal(ext2_rename(fs, NULL, "/file", "/x"), EXT2_EROFS);
    assert_int_equal(ext2_truncate(fs, NULL, "/file", 0), EXT2_EROFS);
    H_OK(ext2_open(fs, NULL, "/file", 0, 0, &f));
    assert_int_equal(ext2_pwrite(f, "x", 1, 0, &done), EXT2_EROFS);
    H_OK(ext2_close(f));
    h_unmount(fs);
    assert_int_equal(im.writes, writes);
    free(longpath);
    h_img_free(&im);
}

/* A file unlinked while open lives until its last close. */
static void test_unlink_open(void **state)
{
    (void)state;
    struct img im;
    struct ext2_file *f, *g;
    size_t done;
    uint8_t data[50000], back[50000];
    h_mkfs(&im, "orphan.img", 1024, 4096, NULL, NULL);
    struct ext2_fs *fs = h_mount(&im, 0);
    uint32_t fb = free_blocks(fs);
    h_fill(data, sizeof(data), 9);
    h_write_file(fs, "/o", data, sizeof(data));
    H_OK(ext2_open(fs, NULL, "/o", EXT2_O_WRITE, 0, &f));
    H_OK(ext2_open(fs, NULL, "/o", 0, 0, &g));
    assert_ptr_equal(f, g);                 /* one in-core inode per inode */
    H_OK(ext2_unlink(fs, NULL, "/o"));
    struct ext2_stat st;
    assert_int_equal(ext2_stat(fs, NULL, "/o", &st), EXT2_ENOENT);
    H_OK(ext2_pwrite(f, "!", 1, 0, &done));
    H_OK(ext2_pread(g, back, sizeof(back), 0, &done));
    assert_int_equal(done, sizeof(back));
    assert_int_equal(back[0], '!');
    assert_memory_equal(back + 1, data + 1, sizeof(data) - 1);
    assert_true(free_blocks(fs) < fb);
    H_OK(ext2_close(f));
    h_check_idle(fs, 1);
    H_OK(ext2_close(g));
    assert_int_equal(free_blocks(fs), fb);
    /* a directory removed while open takes no new names */
    struct ext2_file *gone;
    H_OK(ext2_mkdir(fs, NULL, "/gone", 0755));
    H_OK(ext2_open(fs, NULL, "/gone", EXT2_O_DIRECTORY, 0, &gone));
    H_OK(ext2_rmdir(fs, NULL, "/gone"));
    assert_int_equal(ext2_open(fs, gone, "x", EXT2_O_CREAT, 0644, &f), EXT2_ENOENT);
    assert_int_equal(ext2_mkdir(fs, gone, "y", 0755), EXT2_ENOENT);
    H_OK(ext2_close(gone));
    assert_int_equal(free_blocks(fs), fb);
    /* and one still open at unmount is freed then */
    h_write_file(fs, "/p", data, sizeof(data));
    H_OK(ext2_open(fs, NULL, "/p", 0, 0, &f));
    H_OK(ext2_rename(fs, NULL, "/p", "/q"));
    h_write_file(fs, "/r", "r", 1);
    H_OK(ext2_rename(fs, NULL, "/r", "/q"));
    h_check_idle(fs, 1);
    H_OK(ext2_unmount(fs));
    h_fsck_clean(&im);
    fs = h_mount(&im, 0);
    assert_int_equal(free_blocks(fs), fb - 1);
    h_unmount(fs);
    h_img_free(&im);
}

/* Directories indexed by e2fsck -D (htree): changing one drops the index. */
static void test_htree(void **state)
{
    (void)state;
    char *root = xstrdup_printf("%s/htree-src", h_tmpdir), path[700], *out;
    assert_int_equal(mkdir(root, 0755), 0);
    snprintf(path, sizeof(path), "%s/big", root);
    assert_int_equal(mkdir(path, 0755), 0);
    for (int i = 0; i < 600; i++) {
        snprintf(path, sizeof(path), "%s/big/entry-with-a-longish-name-%04d", root, i);
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fclose(fp);
    }
    struct img im;
    h_mkfs(&im, "htree.img", 1024, 8192, NULL, root);
    char cmd[1000];
    snprintf(cmd, sizeof(cmd), "%s -fyD '%s'", h_e2fsck_path, im.path);
    h_run(cmd, &out);
    free(out);
    snprintf(path, sizeof(path), "%s", im.path);
    h_img_free(&im);
    h_img_load(&im, path);
    struct ext2_fs *fs = h_mount(&im, 0);
    assert_true(stat_of(fs, "/big").flags & 0x1000);
    for (int i = 0; i < 600; i += 37) {
        snprintf(path, sizeof(path), "/big/entry-with-a-longish-name-%04d", i);
        assert_int_equal(stat_of(fs, path).size, 0);
    }
    h_write_file(fs, "/big/new", "new", 3);
    H_OK(ext2_unlink(fs, NULL, "/big/entry-with-a-longish-name-0005"));
    assert_false(stat_of(fs, "/big").flags & 0x1000);
    assert_int_equal(h_count_dir(fs, "/big"), 600 + 2);
    h_unmount(fs);
    h_fsck_clean(&im);
    h_img_free(&im);
    free(root);
}

/* A small cache (16 buffers) still does everything. */
static void test_small_cache(void **state)
{
    (void)state;
    struct img im;
    uint8_t *data = malloc(3 << 20);
    h_fill(data, 3 << 20, 3);
    h_mkfs(&im, "small.img", 1024, 8192, NULL, NULL);
    struct ext2_fs *fs = h_mount_cache(&im, 0, 16);
    H_OK(ext2_mkdir(fs, NULL, "/d", 0755));
    h_write_file(fs, "/d/big", data, 3 << 20);
    for (int i = 0; i < 200; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/d/f%d", i);
        h_write_file(fs, path, data + i, 100 + (size_t)i);
    }
    expect_content(fs, "/d/big", data, 3 << 20);
    H_OK(ext2_rename(fs, NULL, "/d", "/e"));
    H_OK(ext2_truncate(fs, NULL, "/e/big", 1000));
    h_unmount(fs);
    h_fsck_clean(&im);
    free(data);
    h_img_free(&im);
}

/* ---- features ----------------------------------------------------------------------- */

/* Other mke2fs layouts: revision 0, no filetype, no sparse_super or resize
 * inode, sparse_super2, 128-byte inodes, no large_file, many groups. */
static void test_features(void **state)
{
    (void)state;
    static const struct { const char *opts; unsigned bs; bool rev0; } v[] = {
        { "-r 0", 1024, true },
        { "-O ^filetype,^dir_index", 1024, false },
        { "-O ^resize_inode,^sparse_super", 2048, false },
        { "-O sparse_super2", 1024, false },
        { "-I 128", 4096, false },
        { "-O ^large_file", 1024, false },
        { "-g 1024 -N 2000", 1024, false },
    };
    char *root = xstrdup_printf("%s/featsrc", h_tmpdir);
    make_host_tree(root);
    uint8_t data[3000];
    h_fill(data, sizeof(data), 42);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct img im;
        char name[32], path[64];
        snprintf(name, sizeof(name), "feat%zu.img", i);
        h_mkfs(&im, name, v[i].bs, 8192, v[i].opts, root);
        struct ext2_fs *fs = h_mount(&im, 0);
        check_tree(fs, "");
        for (int k = 0; k < 60; k++) {
            snprintf(path, sizeof(path), "/d%d", k % 7);
            int err = ext2_mkdir(fs, NULL, path, 0755);
            assert_true(err == EXT2_OK || err == EXT2_EEXIST);
            snprintf(path, sizeof(path), "/d%d/file%d", k % 7, k);
            h_write_file(fs, path, data, sizeof(data) - (size_t)k);
        }
        H_OK(ext2_rename(fs, NULL, "/d1", "/d2/d1"));
        H_OK(ext2_unlink(fs, NULL, "/d3/file3"));
        H_OK(ext2_rename(fs, NULL, "/ind300k", "/d4/ind"));
        struct ext2_file *f;
        size_t done;
        H_OK(ext2_open(fs, NULL, "/large", EXT2_O_CREAT | EXT2_O_WRITE, 0644, &f));
        int err = ext2_pwrite(f, data, 100, 3ull << 30, &done);
        assert_int_equal(err, v[i].rev0 ? EXT2_EFBIG : EXT2_OK);
        H_OK(ext2_close(f));
        expect_content(fs, "/d6/file55", data, sizeof(data) - 55);
        h_unmount(fs);
        h_fsck_clean(&im);
        h_img_free(&im);
    }
    free(root);
}

/* ext3 mounts read-only (its journal is not kept); ext4 is refused. */
static void test_ext3_ext4(void **state)
{
    (void)state;
    char *root = xstrdup_printf("%s/ext3src", h_tmpdir), path[700], cmd[1500], *out;
    char msg[200];
    struct ext2_fs *fs;
    make_host_tree(root);
    struct img im;
    snprintf(path, sizeof(path), "%s/ext3.img", h_tmpdir);
    snprintf(cmd, sizeof(cmd), "%s -q -F -t ext3 -d '%s' '%s' 8192k", h_mke2fs_path, root, path);
    assert_int_equal(h_run(cmd, &out), 0);
    free(out);
    h_img_load(&im, path);
    H_OK(h_mount_err(&im, 0, &fs, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "read-only: has a journal"));
    check_tree(fs, "");
    assert_int_equal(ext2_mkdir(fs, NULL, "/x", 0755), EXT2_EROFS);
    h_unmount(fs);
    assert_int_equal(im.writes, 0);
    h_img_free(&im);
    snprintf(path, sizeof(path), "%s/ext4.img", h_tmpdir);
    snprintf(cmd, sizeof(cmd), "%s -q -F -t ext4 '%s' 8192k", h_mke2fs_path, path);
    assert_int_equal(h_run(cmd, &out), 0);
    free(out);
    h_img_load(&im, path);
    assert_int_equal(h_mount_err(&im, 0, &fs, msg, sizeof(msg)), EXT2_EUNSUPP);
    assert_non_null(strstr(msg, "extent"));
    assert_non_null(strstr(msg, "flex_bg"));
    h_img_free(&im);
    free(root);
}

/* Extended-attribute blocks go with their inode; shared ones by refcount. */
static void test_xattr_blocks(void **state)
{
    (void)state;
    char *root = xstrdup_printf("%s/xattrsrc", h_tmpdir), path[700];
    char value[600];
    memset(value, 'v', sizeof(value));
    assert_int_equal(mkdir(root, 0755), 0);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%c", root, 'a' + i);
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs("data", fp);
        fclose(fp);
        if (setxattr(path, "user.big", value, sizeof(value), 0) != 0) {
            free(root);
            skip();         /* the host's file system keeps no user xattrs */
        }
    }
    struct img im;
    h_mkfs(&im, "xattr.img", 1024, 4096, NULL, root);
    /* make /b share /a's attribute block (refcount 2), freeing its own */
    size_t ia = h_inode_off(&im, "/a"), ib = h_inode_off(&im, "/b");
    uint32_t ea = get32(im.data + ia + I_FILE_ACL), eb = get32(im.data + ib + I_FILE_ACL);
    assert_true(ea != 0 && eb != 0 && ea != eb);
    put32(im.data + ib + I_FILE_ACL, ea);
    put32(im.data + (size_t)ea * 1024 + 4, 2);
    h_img_save(&im);
    char cmd[1200], *out;
    snprintf(cmd, sizeof(cmd), "%s -w -R 'freeb %u' '%s'", h_debugfs_path, eb, im.path);
    assert_int_equal(h_run(cmd, &out), 0);
    free(out);
    snprintf(cmd, sizeof(cmd), "%s -fy '%s'", h_e2fsck_path, im.path); /* free counts */
    h_run(cmd, &out);
    free(out);
    h_img_free(&im);
    snprintf(path, sizeof(path), "%s/xattr.img", h_tmpdir);
    h_img_load(&im, path);
    h_fsck_clean(&im);
    assert_int_equal(get32(im.data + ib + I_FILE_ACL), ea);     /* still shared */
    assert_int_equal(get32(im.data + (size_t)ea * 1024 + 4), 2);
    struct ext2_fs *fs = h_mount(&im, 0);
    uint32_t fb = free_blocks(fs);
    H_OK(ext2_unlink(fs, NULL, "/a"));
    assert_int_equal(free_blocks(fs), fb + 1);      /* data only: b still holds ea */
    H_OK(ext2_unlink(fs, NULL, "/c"));
    assert_int_equal(free_blocks(fs), fb + 3);      /* data and its own block */
    h_unmount(fs);
    h_fsck_clean(&im);
    assert_int_equal(get32(im.data + (size_t)ea * 1024 + 4), 1);
    fs = h_mount(&im, 0);
    H_OK(ext2_unlink(fs, NULL, "/b"));
    assert_int_equal(free_blocks(fs), fb + 5);
    h_unmount(fs);
    h_fsck_clean(&im);
    h_img_free(&im);
    free(root);
}

/* ---- random operations against a model ---------------------------------------------- */

enum { M_NAMES = 6, M_DIRS = 4, M_MAXSIZE = 40000 };

struct mfile {
    bool exists;
    size_t size;
    uint8_t *data;
};

struct model {
    bool dir[M_DIRS];               /* /d0../d3 exist? */
    struct mfile f[M_DIRS + 1][M_NAMES];    /* [M_DIRS]: the root */
};

static void mpath(char *buf, size_t n, int d, int i)
{
    if (d == M_DIRS)
        snprintf(buf, n, "/n%d", i);
    else
        snprintf(buf, n, "/d%d/n%d", d, i);
}

static void model_write(struct ext2_fs *fs, struct model *m, uint64_t *rs)
{
    int d = (int)(h_rand(rs) % (M_DIRS + 1)), i = (int)(h_rand(rs) % M_NAMES);
    char path[32];
    if (d < M_DIRS && !m->dir[d])
        return;
    struct mfile *mf = &m->f[d][i];
    size_t off = mf->exists && (h_rand(rs) & 1) ? mf->size : h_rand(rs) % M_MAXSIZE;
    size_t len = h_rand(rs) % 5000 + 1;
    if (off + len > M_MAXSIZE)
        return;
    uint8_t chunk[5001];
    h_fill(chunk, len, h_rand(rs));
    struct ext2_file *f;
    size_t done;
    mpath(path, sizeof(path), d, i);
    H_OK(ext2_open(fs, NULL, path, EXT2_O_CREAT | EXT2_O_WRITE, 0644, &f));
    H_OK(ext2_pwrite(f, chunk, len, off, &done));
    H_OK(ext2_close(f));
    if (!mf->exists) {
        mf->exists = true;
        mf->size = 0;
        mf->data = calloc(1, M_MAXSIZE);
    }
    memcpy(mf->data + off, chunk, len);
    if (off + len > mf->size)
        mf->size = off + len;
}

static void model_other(struct ext2_fs *fs, struct model *m, uint64_t *rs)
{
    int d = (int)(h_rand(rs) % (M_DIRS + 1)), i = (int)(h_rand(rs) % M_NAMES);
    int op = (int)(h_rand(rs) % 4);
    char path[32], path2[32];
    struct mfile *mf = &m->f[d][i];
    mpath(path, sizeof(path), d, i);
    if (d < M_DIRS && !m->dir[d]) {
        snprintf(path, sizeof(path), "/d%d", d);
        H_OK(ext2_mkdir(fs, NULL, path, 0755));
        m->dir[d] = true;
    } else if (op == 0 && mf->exists) {
        H_OK(ext2_unlink(fs, NULL, path));
        free(mf->data);
        memset(mf, 0, sizeof(*mf));
    } else if (op == 1 && mf->exists) {
        size_t size = h_rand(rs) % M_MAXSIZE;
        H_OK(ext2_truncate(fs, NULL, path, size));
        if (size > mf->size)
            memset(mf->data + mf->size, 0, size - mf->size);
        mf->size = size;
    } else if (op == 2 && mf->exists) {
        int d2 = (int)(h_rand(rs) % (M_DIRS + 1)), i2 = (int)(h_rand(rs) % M_NAMES);
        if ((d2 < M_DIRS && !m->dir[d2]) || (d2 == d && i2 == i))
            return;
        mpath(path2, sizeof(path2), d2, i2);
        H_OK(ext2_rename(fs, NULL, path, path2));
        free(m->f[d2][i2].data);
        m->f[d2][i2] = *mf;
        memset(mf, 0, sizeof(*mf));
    } else if (op == 3 && d < M_DIRS) {
        bool empty = true;
        for (int k = 0; k < M_NAMES; k++)
            empty = empty && !m->f[d][k].exists;
        snprintf(path, sizeof(path), "/d%d", d);
        assert_int_equal(ext2_rmdir(fs, NULL, path), empty ? EXT2_OK : EXT2_ENOTEMPTY);
        m->dir[d] = !empty;
    }
}

static void model_check(struct ext2_fs *fs, struct model *m)
{
    char path[32];
    for (int d = 0; d <= M_DIRS; d++) {
        for (int i = 0; i < M_NAMES; i++) {
            struct ext2_stat st;
            mpath(path, sizeof(path), d, i);
            if (!m->f[d][i].exists) {
                int err = ext2_stat(fs, NULL, path, &st);
                assert_true(err == EXT2_ENOENT);
                continue;
            }
            expect_content(fs, path, m->f[d][i].data, m->f[d][i].size);
        }
    }
}

static void test_random_ops(void **state)
{
    (void)state;
    struct img im;
    struct model *m = calloc(1, sizeof(*m));
    uint64_t rs = 12345;
    h_mkfs(&im, "random.img", 1024, 4096, NULL, NULL);
    struct ext2_fs *fs = h_mount_cache(&im, 0, 32);
    for (int step = 0; step < 3000; step++) {
        if (h_rand(&rs) % 3 == 0)
            model_write(fs, m, &rs);
        else
            model_other(fs, m, &rs);
        h_check_idle(fs, 0);
        if (step % 500 == 499) {
            model_check(fs, m);
            h_unmount(fs);
            h_fsck_clean(&im);
            fs = h_mount_cache(&im, 0, 32);
        }
    }
    model_check(fs, m);
    h_unmount(fs);
    h_fsck_clean(&im);
    for (int d = 0; d <= M_DIRS; d++)
        for (int i = 0; i < M_NAMES; i++)
            free(m->f[d][i].data);
    free(m);
    h_img_free(&im);
}

/* Random names ops on a small tree of paths (directories moved into each
 * other, replaced, removed): whatever each returns, e2fsck stays clean. */
static void random_path(char *buf, size_t n, uint64_t *rs)
{
    int depth = 1 + (int)(h_rand(rs) % 3);
    size_t len = 0;
    for (int i = 0; i < depth && len + 3 < n; i++) {
        buf[len++] = '/';
        buf[len++] = (char)('a' + h_rand(rs) % 3);
    }
    buf[len] = '\0';
}

static int random_tree_op(struct ext2_fs *fs, uint64_t *rs)
{
    char p[16], q[16];
    struct ext2_file *f;
    random_path(p, sizeof(p), rs);
    random_path(q, sizeof(q), rs);
    switch (h_rand(rs) % 8) {
    case 0: case 1: return ext2_mkdir(fs, NULL, p, 0755);
    case 2: return ext2_rmdir(fs, NULL, p);
    case 3: {
        int err = ext2_open(fs, NULL, p, EXT2_O_CREAT | EXT2_O_WRITE, 0644, &f);
        size_t done;
        if (err == EXT2_OK) {
            err = ext2_pwrite(f, p, sizeof(p), h_rand(rs) % 20000, &done);
            ext2_close(f);
        }
        return err;
    }
    case 4: return ext2_unlink(fs, NULL, p);
    case 5: case 6: return ext2_rename(fs, NULL, p, q);
    default: return h_rand(rs) & 1 ? ext2_link(fs, NULL, p, q) : ext2_symlink(fs, NULL, p, q);
    }
}

static void test_random_tree(void **state)
{
    (void)state;
    static const unsigned sizes[] = { 1024, 4096 };
    unsigned long counts[EXT2_NERR] = { 0 };
    uint64_t rs = 777;
    for (int i = 0; i < 2; i++) {
        struct img im;
        h_mkfs(&im, "rtree.img", sizes[i], 4096, NULL, NULL);
        struct ext2_fs *fs = h_mount(&im, 0);
        for (int step = 0; step < 4000; step++) {
            int err = random_tree_op(fs, &rs);
            assert_true(err >= 0 && err < EXT2_NERR);
            assert_true(err != EXT2_ECORRUPT && err != EXT2_EIO && err != EXT2_ENOMEM);
            counts[err]++;
            h_check_idle(fs, 0);
            if (step % 1000 == 999) {
                h_unmount(fs);
                h_fsck_clean(&im);
                fs = h_mount(&im, 0);
            }
        }
        h_unmount(fs);
        h_img_free(&im);
    }
    assert_true(counts[EXT2_OK] > 1000);
    assert_true(counts[EXT2_ENOTEMPTY] > 0 && counts[EXT2_EINVAL] > 0);
}

/* ---- main --------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_sizes),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_dir_tree),
        cmocka_unit_test(test_rename),
        cmocka_unit_test(test_many_files),
        cmocka_unit_test(test_big_file),
        cmocka_unit_test(test_sparse_triple),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_mke2fs_tree),
        cmocka_unit_test(test_remount),
        cmocka_unit_test(test_enospc),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_unlink_open),
        cmocka_unit_test(test_htree),
        cmocka_unit_test(test_small_cache),
        cmocka_unit_test(test_features),
        cmocka_unit_test(test_ext3_ext4),
        cmocka_unit_test(test_xattr_blocks),
        cmocka_unit_test(test_random_ops),
        cmocka_unit_test(test_random_tree),
    };
    h_setup(argc, argv);
    const char *which = argc > 4 ? argv[4] : "all";
    int failed = 0;
    if (strcmp(which, "robust") != 0)
        failed += cmocka_run_group_tests_name("ext2", tests, NULL, NULL);
    if (strcmp(which, "functional") != 0)
        failed += ext2_robust_tests();
    h_cleanup();
    return failed != 0;
}
