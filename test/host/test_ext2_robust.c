// SPDX-License-Identifier: MIT
/*
 * The ext2 library on damaged images: superblocks, group descriptors,
 * inodes, directory records, loops, lying bitmaps, failing devices; then a
 * random byte-flip fuzz loop. Everything must return an error code (no crash,
 * no hang, no access outside the image), and refused changes change nothing.
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
#include <unistd.h>
#include <cmocka.h>

#include "ext2_harness.h"
#include "ext2_int.h"

int ext2_robust_tests(void);

static struct img base1k;       /* 1 KiB blocks, a small tree */
static struct img base4k;       /* 4 KiB blocks, the same tree */

/* Blocks worth damaging in a base: directories' first blocks, indirect blocks. */
struct hot {
    uint32_t blk[16];
    unsigned n;
};
static struct hot hot1k, hot4k;

static void put_tree(const char *root)
{
    static const struct { const char *path; long size; } t[] = {
        { "dir", -1 }, { "dir/a", 10 }, { "dir/b", 2000 }, { "dir/c", 30 },
        { "dir/sub", -1 }, { "dir/sub/deep", 5 }, { "file", 300000 },
        { "dind", 1200000 }, { "small", 100 }, { "empty", -1 },
    };
    char path[600];
    assert_int_equal(mkdir(root, 0755), 0);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", root, t[i].path);
        if (t[i].size < 0) {
            assert_int_equal(mkdir(path, 0755), 0);
            continue;
        }
        uint8_t *buf = malloc((size_t)t[i].size + 1);
        h_fill(buf, (size_t)t[i].size, i);
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(buf, 1, (size_t)t[i].size, fp), (size_t)t[i].size);
        fclose(fp);
        free(buf);
    }
    snprintf(path, sizeof(path), "%s/link", root);
    assert_int_equal(symlink("dir/sub/deep", path), 0);
}

static void find_hot(const struct img *im, struct hot *h);

static int setup_bases(void **state)
{
    (void)state;
    char root[300];
    snprintf(root, sizeof(root), "%s/robust-src", h_tmpdir);
    put_tree(root);
    h_mkfs(&base1k, "robust1k.img", 1024, 2048, "-N 64", root);
    h_mkfs(&base4k, "robust4k.img", 4096, 4096, "-N 64", root);
    find_hot(&base1k, &hot1k);
    find_hot(&base4k, &hot4k);
    return 0;
}

static int teardown_bases(void **state)
{
    (void)state;
    h_img_free(&base1k);
    h_img_free(&base4k);
    return 0;
}

/* ---- locating things in an image ----------------------------------------------------- */

static uint32_t sb32(const struct img *im, unsigned off)
{
    return get32(im->data + 1024 + off);
}

static uint32_t img_bs(const struct img *im)
{
    return 1024u << sb32(im, SB_LOG_BLOCK_SIZE);
}

/* Byte offset of path's n-th block in debugfs's "blocks" list (data and
 * indirect blocks in tree order, as "stat" shows them: we use "blocks"). */
static uint32_t nth_block(const struct img *im, const char *path, unsigned n)
{
    char req[300];
    snprintf(req, sizeof(req), "blocks %s", path);
    char *out = h_debugfs(im, req, NULL), *p = out;
    unsigned long v = 0;
    for (unsigned i = 0; i <= n; i++)
        v = strtoul(p, &p, 10);
    free(out);
    assert_true(v != 0);
    return (uint32_t)v;
}

static void find_hot(const struct img *im, struct hot *h)
{
    static const char *const dirs[] = { "/", "/dir", "/dir/sub", "/empty", "/lost+found" };
    static const char *const files[] = { "/file", "/dind" };
    uint32_t bs = img_bs(im);
    h->n = 0;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        h->blk[h->n++] = nth_block(im, dirs[i], 0);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t ino = h_inode_off(im, files[i]);
        for (int k = 12; k < 14; k++) {
            uint32_t b = get32(im->data + ino + I_BLOCK + 4 * k);
            if (b != 0)
                h->blk[h->n++] = b;
            if (b != 0 && k == 13)
                h->blk[h->n++] = get32(im->data + (size_t)b * bs);
        }
    }
}

/* Offset of the directory record named `name` in dir's first block. */
static size_t dirent_off(const struct img *im, const char *dir, const char *name)
{
    uint32_t bs = img_bs(im);
    size_t base = (size_t)nth_block(im, dir, 0) * bs;
    for (size_t off = 0; off < bs;) {
        const uint8_t *p = im->data + base + off;
        if (p[6] == strlen(name) && memcmp(p + 8, name, p[6]) == 0)
            return base + off;
        off += get16(p + 4);
    }
    fail_msg("no entry %s in %s", name, dir);
    return 0;
}

/* Only the superblock (bytes 1024..2047) may differ between a and b. */
static void assert_only_sb_changed(const struct img *a, const struct img *b)
{
    for (size_t i = 0; i < a->size; i++) {
        if (a->data[i] != b->data[i] && (i < 1024 || i >= 2048))
            fail_msg("byte %zu (block %zu) changed", i, i / img_bs(a));
    }
}

/* ---- damaged superblocks and descriptors ---------------------------------------------- */

struct sb_case {
    const char *what;
    unsigned off;           /* from the start of the image */
    unsigned width;         /* 1, 2, 4 */
    uint32_t value;
    bool or_in;             /* OR value in instead of storing it */
    int err;                /* expected from mount */
    const char *msg;        /* expected in the message */
    bool readonly;          /* mounted, but read-only */
};

static void poke(struct img *im, unsigned off, unsigned width, uint32_t v, bool or_in)
{
    uint8_t *p = im->data + off;
    if (or_in)
        v |= width == 4 ? get32(p) : width == 2 ? get16(p) : p[0];
    if (width == 4)
        put32(p, v);
    else if (width == 2)
        put16(p, v);
    else
        p[0] = (uint8_t)v;
}

static void run_sb_case(const struct sb_case *c, const struct img *src)
{
    struct img im;
    struct ext2_fs *fs = NULL;
    char msg[200];
    h_img_copy(&im, src);
    poke(&im, c->off, c->width, c->value, c->or_in);
    int err = h_mount_err(&im, 0, &fs, msg, sizeof(msg));
    if (err != c->err || strstr(msg, c->msg) == NULL)
        fail_msg("%s: got %s (%s), want %s (%s)", c->what, ext2_strerror(err), msg,
                 ext2_strerror(c->err), c->msg);
    if (err == EXT2_OK) {
        struct ext2_statfs sf;
        H_OK(ext2_statfs(fs, &sf));
        assert_int_equal(sf.readonly, c->readonly);
        if (c->readonly)
            assert_int_equal(ext2_mkdir(fs, NULL, "/x", 0755), EXT2_EROFS);
        h_unmount(fs);
    }
    if (err != EXT2_OK || c->readonly)
        assert_int_equal(im.writes, 0);
    h_img_free(&im);
}

static void test_bad_superblock(void **state)
{
    (void)state;
    const unsigned S = 1024;
    const struct sb_case cases[] = {
        { "magic", S + SB_MAGIC, 2, 0x1234, false, EXT2_ECORRUPT, "magic", false },
        { "block size", S + SB_LOG_BLOCK_SIZE, 4, 3, false, EXT2_EUNSUPP, "block size", false },
        { "absurd block size", S + SB_LOG_BLOCK_SIZE, 4, 40, false, EXT2_ECORRUPT, "absurd", false },
        { "first data block", S + SB_FIRST_DATA_BLOCK, 4, 0, false, EXT2_ECORRUPT, "first data", false },
        { "no blocks", S + SB_BLOCKS_COUNT, 4, 0, false, EXT2_ECORRUPT, "block count", false },
        { "huge blocks", S + SB_BLOCKS_COUNT, 4, 0xFFFFFFF0, false, EXT2_ECORRUPT, "larger than the device", false },
        { "blocks/group 0", S + SB_BLOCKS_PER_GROUP, 4, 0, false, EXT2_ECORRUPT, "blocks per group", false },
        { "blocks/group huge", S + SB_BLOCKS_PER_GROUP, 4, 1u << 28, false, EXT2_ECORRUPT, "blocks per group", false },
        { "inodes/group 0", S + SB_INODES_PER_GROUP, 4, 0, false, EXT2_ECORRUPT, "inodes per group", false },
        { "inode count", S + SB_INODES_COUNT, 4, 7, false, EXT2_ECORRUPT, "inode count", false },
        { "inode size", S + SB_INODE_SIZE, 2, 100, false, EXT2_ECORRUPT, "inode size", false },
        { "inode size big", S + SB_INODE_SIZE, 2, 8192, false, EXT2_ECORRUPT, "inode size", false },
        { "first inode", S + SB_FIRST_INO, 4, 0, false, EXT2_ECORRUPT, "first inode", false },
        { "revision", S + SB_REV_LEVEL, 4, 9, false, EXT2_EUNSUPP, "revision", false },
        { "reserved gdt", S + SB_RESERVED_GDT, 2, 60000, false, EXT2_ECORRUPT, "reserved GDT", false },
        { "extents", S + SB_FEATURE_INCOMPAT, 4, 0x40, true, EXT2_EUNSUPP, "extent", false },
        { "flex_bg", S + SB_FEATURE_INCOMPAT, 4, 0x200, true, EXT2_EUNSUPP, "flex_bg", false },
        { "meta_bg", S + SB_FEATURE_INCOMPAT, 4, 0x10, true, EXT2_EUNSUPP, "meta_bg", false },
        { "64bit", S + SB_FEATURE_INCOMPAT, 4, 0x80, true, EXT2_EUNSUPP, "64bit", false },
        { "recovery", S + SB_FEATURE_INCOMPAT, 4, 0x4, true, EXT2_EUNSUPP, "needs_recovery", false },
        { "unknown incompat", S + SB_FEATURE_INCOMPAT, 4, 0x80000000, true, EXT2_EUNSUPP, "0x80000000", false },
        { "metadata_csum", S + SB_FEATURE_RO_COMPAT, 4, 0x400, true, EXT2_OK, "metadata_csum", true },
        { "unknown ro_compat", S + SB_FEATURE_RO_COMPAT, 4, 0x40000000, true, EXT2_OK, "0x40000000", true },
        { "journal", S + SB_FEATURE_COMPAT, 4, 0x4, true, EXT2_OK, "journal", true },
        { "unknown compat", S + SB_FEATURE_COMPAT, 4, 0x40000000, true, EXT2_OK, "", false },
        { "not clean", S + SB_STATE, 2, 0, false, EXT2_OK, "not cleanly", true },
        { "has errors", S + SB_STATE, 2, 3, false, EXT2_OK, "not cleanly", true },
        /* group descriptors: block 2 (1 KiB blocks) */
        { "inode table 0", 2048 + GD_INODE_TABLE, 4, 0, false, EXT2_ECORRUPT, "group 0", false },
        { "inode table far", 2048 + GD_INODE_TABLE, 4, 100000, false, EXT2_ECORRUPT, "group 0", false },
        { "bitmap in table", 2048 + GD_BLOCK_BITMAP, 4, 0, false, EXT2_ECORRUPT, "group 0", false },
        { "free count", 2048 + GD_FREE_BLOCKS, 2, 60000, false, EXT2_ECORRUPT, "group 0", false },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_sb_case(&cases[i], &base1k);
    /* the block bitmap moved onto the inode table */
    struct img im;
    struct ext2_fs *fs;
    char msg[200];
    h_img_copy(&im, &base1k);
    put32(im.data + 2048 + GD_BLOCK_BITMAP, get32(im.data + 2048 + GD_INODE_TABLE) + 1);
    assert_int_equal(h_mount_err(&im, 0, &fs, msg, sizeof(msg)), EXT2_ECORRUPT);
    h_img_free(&im);
    /* a not-clean file system mounts read-write when forced */
    h_img_copy(&im, &base1k);
    put16(im.data + 1024 + SB_STATE, 0);
    H_OK(h_mount_err(&im, EXT2_MOUNT_FORCE, &fs, msg, sizeof(msg)));
    H_OK(ext2_mkdir(fs, NULL, "/forced", 0755));
    h_unmount(fs);
    assert_int_equal(get16(im.data + 1024 + SB_STATE), 0);     /* still not clean */
    h_img_free(&im);
}

/* Devices that do not fit: too small, sectors larger than blocks, failing. */
static void test_bad_device(void **state)
{
    (void)state;
    struct img im;
    struct ext2_fs *fs;
    char msg[200];
    h_img_copy(&im, &base1k);
    im.size /= 2;
    assert_int_equal(h_mount_err(&im, 0, &fs, msg, sizeof(msg)), EXT2_ECORRUPT);
    assert_non_null(strstr(msg, "larger than the device"));
    im.size = 1000;
    assert_int_equal(h_mount_err(&im, 0, &fs, msg, sizeof(msg)), EXT2_ECORRUPT);
    h_img_free(&im);
    h_img_copy(&im, &base1k);
    im.sector_size = 4096;
    assert_int_equal(h_mount_err(&im, 0, &fs, msg, sizeof(msg)), EXT2_EUNSUPP);
    assert_non_null(strstr(msg, "sector size"));
    h_img_free(&im);
    /* 4 KiB sectors under 4 KiB blocks are fine */
    h_img_copy(&im, &base4k);
    im.sector_size = 4096;
    fs = h_mount(&im, 0);
    size_t n;
    free(h_read_file(fs, "/dind", &n));
    assert_int_equal(n, 1200000);
    h_unmount(fs);
    h_img_free(&im);
    struct ext2_blkdev dev = h_dev(&im);
    dev.sector_size = 1000;
    assert_int_equal(ext2_mount(&dev, NULL, &fs), EXT2_EINVAL);
    assert_int_equal(ext2_mount(NULL, NULL, &fs), EXT2_EINVAL);
    /* reads fail: at mount, and later */
    h_img_copy(&im, &base1k);
    im.fail_reads = true;
    assert_int_equal(h_mount_err(&im, 0, &fs, msg, sizeof(msg)), EXT2_EIO);
    im.fail_reads = false;
    fs = h_mount_cache(&im, 0, 16);
    im.fail_reads = true;
    struct ext2_file *f;
    int err = ext2_open(fs, NULL, "/dind", 0, 0, &f);
    assert_int_equal(err, EXT2_EIO);
    im.fail_reads = false;
    H_OK(ext2_open(fs, NULL, "/dind", 0, 0, &f));
    uint8_t *buf = malloc(1200000);
    im.fail_reads = true;
    assert_int_equal(ext2_pread(f, buf, 1200000, 0, &n), EXT2_EIO);
    im.fail_reads = false;
    H_OK(ext2_close(f));
    /* writes fail at sync */
    h_write_file(fs, "/new", buf, 100000);
    im.fail_writes = true;
    assert_int_equal(ext2_sync(fs), EXT2_EIO);
    im.fail_writes = false;
    h_unmount(fs);
    h_fsck_clean(&im);
    free(buf);
    h_img_free(&im);
}

/* ---- damaged inodes and block trees ------------------------------------------------------- */

/* Damage the image with fn, then try op on it: expect err and no change but
 * the superblock (marked with errors), and a read-only mount afterwards. */
static void expect_refused(const char *what, void (*damage)(struct img *),
                           int (*op)(struct ext2_fs *), int want)
{
    struct img im, before;
    struct ext2_fs *fs;
    char msg[200];
    h_img_copy(&im, &base1k);
    damage(&im);
    h_img_copy(&before, &im);
    int err = h_mount_err(&im, 0, &fs, msg, sizeof(msg));
    if (err != EXT2_OK)
        fail_msg("%s: mount: %s (%s)", what, ext2_strerror(err), msg);
    err = op(fs);
    if (err != want)
        fail_msg("%s: got %s, want %s (%s)", what, ext2_strerror(err),
                 ext2_strerror(want), ext2_fs_message(fs));
    struct ext2_statfs sf;
    H_OK(ext2_statfs(fs, &sf));
    assert_true(sf.readonly || want != EXT2_ECORRUPT);
    assert_int_equal(ext2_mkdir(fs, NULL, "/after", 0755),
                     want == EXT2_ECORRUPT ? EXT2_EROFS : EXT2_OK);
    if (want != EXT2_ECORRUPT)
        H_OK(ext2_rmdir(fs, NULL, "/after"));
    h_unmount(fs);
    if (want == EXT2_ECORRUPT) {
        assert_only_sb_changed(&before, &im);
        assert_true(get16(im.data + 1024 + SB_STATE) & EXT2_STATE_ERROR);
    }
    h_img_free(&before);
    h_img_free(&im);
}

static void dmg_ptr_range(struct img *im)
{
    put32(im->data + h_inode_off(im, "/file") + I_BLOCK + 4 * 3, 1u << 30);
}

static void dmg_ptr_meta(struct img *im)
{
    uint32_t itable = get32(im->data + 2048 + GD_INODE_TABLE);
    put32(im->data + h_inode_off(im, "/file") + I_BLOCK + 4 * 5, itable);
}

static void dmg_ind_range(struct img *im)
{
    uint32_t ind = get32(im->data + h_inode_off(im, "/file") + I_BLOCK + 4 * 12);
    put32(im->data + (size_t)ind * 1024 + 4 * 100, 0x7FFFFFFF);
}

static void dmg_ind_loop(struct img *im)
{
    uint32_t ind = get32(im->data + h_inode_off(im, "/file") + I_BLOCK + 4 * 12);
    put32(im->data + (size_t)ind * 1024 + 4 * 7, ind);
}

static void dmg_dind_loop(struct img *im)
{
    uint32_t dind = get32(im->data + h_inode_off(im, "/dind") + I_BLOCK + 4 * 13);
    put32(im->data + (size_t)dind * 1024, dind);
}

static void dmg_ptr_free(struct img *im)
{
    /* a pointer to a block nobody uses (the bitmap says free) */
    put32(im->data + h_inode_off(im, "/small") + I_BLOCK + 4 * 1, sb32(im, SB_BLOCKS_COUNT) - 3);
}

static void dmg_dir_size(struct img *im)
{
    put32(im->data + h_inode_off(im, "/dir") + I_SIZE, 1000);
}

static void dmg_file_mode(struct img *im)
{
    put16(im->data + h_inode_off(im, "/small") + I_MODE, 0x7000);
}

static void dmg_ea_block(struct img *im)
{
    put32(im->data + h_inode_off(im, "/small") + I_FILE_ACL, sb32(im, SB_BLOCKS_COUNT) - 3);
}

static int op_read_file(struct ext2_fs *fs)
{
    struct ext2_file *f;
    uint8_t *buf = malloc(1300000);
    size_t n;
    int err = ext2_open(fs, NULL, "/file", 0, 0, &f);
    if (err == EXT2_OK) {
        err = ext2_pread(f, buf, 1300000, 0, &n);
        ext2_close(f);
    }
    free(buf);
    return err;
}

static int op_read_dind(struct ext2_fs *fs)
{
    struct ext2_file *f;
    uint8_t *buf = malloc(1300000);
    size_t n;
    int err = ext2_open(fs, NULL, "/dind", 0, 0, &f);
    if (err == EXT2_OK) {
        err = ext2_pread(f, buf, 1300000, 0, &n);
        ext2_close(f);
    }
    free(buf);
    return err;
}

static int op_unlink_file(struct ext2_fs *fs) { return ext2_unlink(fs, NULL, "/file"); }
static int op_unlink_dind(struct ext2_fs *fs) { return ext2_unlink(fs, NULL, "/dind"); }
static int op_unlink_small(struct ext2_fs *fs) { return ext2_unlink(fs, NULL, "/small"); }
static int op_trunc_file(struct ext2_fs *fs) { return ext2_truncate(fs, NULL, "/file", 1000); }
static int op_stat_small(struct ext2_fs *fs)
{
    struct ext2_stat st;
    return ext2_stat(fs, NULL, "/small", &st);
}
static int op_rename_over_file(struct ext2_fs *fs)
{
    return ext2_rename(fs, NULL, "/small", "/file");
}
static int op_write_file(struct ext2_fs *fs)
{
    struct ext2_file *f;
    size_t n;
    int err = ext2_open(fs, NULL, "/file", EXT2_O_WRITE, 0, &f);
    if (err == EXT2_OK) {
        err = ext2_pwrite(f, "abc", 3, 12 * 1024 + 7 * 1024, &n);
        ext2_close(f);
    }
    return err;
}
static int op_create_in_dir(struct ext2_fs *fs)
{
    struct ext2_file *f;
    int err = ext2_open(fs, NULL, "/dir/newfile", EXT2_O_CREAT, 0644, &f);
    if (err == EXT2_OK)
        ext2_close(f);
    return err;
}

static void test_bad_inodes(void **state)
{
    (void)state;
    expect_refused("pointer out of range: read", dmg_ptr_range, op_read_file, EXT2_ECORRUPT);
    expect_refused("pointer out of range: unlink", dmg_ptr_range, op_unlink_file, EXT2_ECORRUPT);
    expect_refused("pointer out of range: truncate", dmg_ptr_range, op_trunc_file, EXT2_ECORRUPT);
    expect_refused("pointer out of range: rename over", dmg_ptr_range, op_rename_over_file,
                   EXT2_ECORRUPT);
    expect_refused("pointer into the inode table: read", dmg_ptr_meta, op_read_file, EXT2_ECORRUPT);
    expect_refused("pointer into the inode table: unlink", dmg_ptr_meta, op_unlink_file,
                   EXT2_ECORRUPT);
    expect_refused("indirect pointer out of range: read", dmg_ind_range, op_read_file,
                   EXT2_ECORRUPT);
    expect_refused("indirect pointer out of range: unlink", dmg_ind_range, op_unlink_file,
                   EXT2_ECORRUPT);
    expect_refused("indirect loop: read", dmg_ind_loop, op_read_file, EXT2_ECORRUPT);
    expect_refused("indirect loop: write", dmg_ind_loop, op_write_file, EXT2_ECORRUPT);
    expect_refused("indirect loop: unlink", dmg_ind_loop, op_unlink_file, EXT2_ECORRUPT);
    expect_refused("double indirect loop: read", dmg_dind_loop, op_read_dind, EXT2_ECORRUPT);
    expect_refused("double indirect loop: unlink", dmg_dind_loop, op_unlink_dind, EXT2_ECORRUPT);
    expect_refused("pointer to a free block: unlink", dmg_ptr_free, op_unlink_small,
                   EXT2_ECORRUPT);
    expect_refused("directory size", dmg_dir_size, op_create_in_dir, EXT2_ECORRUPT);
    expect_refused("inode mode", dmg_file_mode, op_stat_small, EXT2_ECORRUPT);
    expect_refused("attribute block: unlink", dmg_ea_block, op_unlink_small, EXT2_ECORRUPT);
}

/* ---- damaged directories ------------------------------------------------------------------ */

/* Damage /dir's ".." record: every lookup, listing and change passes it. */
static size_t dotdot(struct img *im) { return dirent_off(im, "/dir", ".."); }
static void dmg_reclen_zero(struct img *im) { put16(im->data + dotdot(im) + 4, 0); }
static void dmg_reclen_odd(struct img *im) { put16(im->data + dotdot(im) + 4, 13); }
static void dmg_reclen_long(struct img *im) { put16(im->data + dotdot(im) + 4, 4000); }
static void dmg_namelen(struct img *im) { im->data[dotdot(im) + 6] = 200; }
static void dmg_ino_range(struct img *im) { put32(im->data + dotdot(im), 100000); }
static void dmg_ino_reserved(struct img *im) { put32(im->data + dotdot(im), 7); }

/* The last record of /dir's block no longer reaches the block's end. */
static void dmg_last_short(struct img *im)
{
    size_t base = (size_t)nth_block(im, "/dir", 0) * 1024, off = 0;
    while (off + get16(im->data + base + off + 4) < 1024)
        off += get16(im->data + base + off + 4);
    put16(im->data + base + off + 4, (uint32_t)(1024 - off - 8));
}

static void dmg_ino_free(struct img *im) { put32(im->data + dirent_off(im, "/dir", "b"), 60); }
static void dmg_no_dotdot(struct img *im) { im->data[dirent_off(im, "/dir/sub", "..") + 9] = 'x'; }

static int op_lookup_b(struct ext2_fs *fs)
{
    struct ext2_stat st;
    return ext2_stat(fs, NULL, "/dir/b", &st);
}

static int op_list_dir(struct ext2_fs *fs)
{
    struct ext2_file *d;
    struct ext2_dirent ent;
    uint64_t cur = 0;
    int err = ext2_open(fs, NULL, "/dir", 0, 0, &d);
    while (err == EXT2_OK) {
        err = ext2_readdir(d, &cur, &ent);
        if (err == EXT2_OK && ent.ino == 0)
            break;
    }
    if (d != NULL)
        ext2_close(d);
    return err;
}

static int op_rmdir_dir(struct ext2_fs *fs) { return ext2_rmdir(fs, NULL, "/dir"); }
static int op_unlink_a(struct ext2_fs *fs) { return ext2_unlink(fs, NULL, "/dir/a"); }
static int op_move_sub(struct ext2_fs *fs) { return ext2_rename(fs, NULL, "/dir/sub", "/moved"); }

static void test_bad_dirents(void **state)
{
    (void)state;
    void (*const damages[])(struct img *) = {
        dmg_reclen_zero, dmg_reclen_odd, dmg_reclen_long, dmg_namelen,
        dmg_ino_range, dmg_ino_reserved,
    };
    for (size_t i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
        expect_refused("dirent: lookup", damages[i], op_lookup_b, EXT2_ECORRUPT);
        expect_refused("dirent: list", damages[i], op_list_dir, EXT2_ECORRUPT);
        expect_refused("dirent: create", damages[i], op_create_in_dir, EXT2_ECORRUPT);
        expect_refused("dirent: unlink", damages[i], op_unlink_a, EXT2_ECORRUPT);
        expect_refused("dirent: rmdir", damages[i], op_rmdir_dir, EXT2_ECORRUPT);
    }
    expect_refused("short last record: list", dmg_last_short, op_list_dir, EXT2_ECORRUPT);
    expect_refused("short last record: create", dmg_last_short, op_create_in_dir,
                   EXT2_ECORRUPT);
    expect_refused("dirent to a free inode", dmg_ino_free, op_lookup_b, EXT2_ECORRUPT);
    expect_refused("no \"..\": move", dmg_no_dotdot, op_move_sub, EXT2_ECORRUPT);
}

/* A cycle of ".." entries: moving a directory into it must stop. */
static void dmg_dotdot_cycle(struct img *im)
{
    struct img tmp;
    h_img_copy(&tmp, im);
    char *out = h_debugfs(&tmp, "stat /dir/sub", NULL);
    unsigned long sub_ino;
    assert_int_equal(sscanf(out, "Inode: %lu", &sub_ino), 1);
    free(out);
    h_img_free(&tmp);
    put32(im->data + dirent_off(im, "/dir", ".."), (uint32_t)sub_ino);
}

static int op_move_into_cycle(struct ext2_fs *fs)
{
    return ext2_rename(fs, NULL, "/empty", "/dir/sub/empty");
}

/* A name in /dir/sub pointing back at /dir: paths loop, walks must not. */
static void dmg_entry_loop(struct img *im)
{
    size_t dir_ino_off = dirent_off(im, "/dir", ".");
    put32(im->data + dirent_off(im, "/dir/sub", "deep"), get32(im->data + dir_ino_off));
}

static int op_walk_loop(struct ext2_fs *fs)
{
    char path[4200] = "/dir";
    struct ext2_stat st;
    int err = EXT2_OK;
    for (int i = 0; i < 400 && err == EXT2_OK; i++) {
        strcat(path, "/sub/deep");
        err = ext2_stat(fs, NULL, path, &st);
    }
    return err == EXT2_ENAMETOOLONG ? EXT2_OK : err;
}

static void test_loops(void **state)
{
    (void)state;
    expect_refused("\"..\" cycle", dmg_dotdot_cycle, op_move_into_cycle, EXT2_ECORRUPT);
    expect_refused("entry loop", dmg_entry_loop, op_walk_loop, EXT2_OK);
}

/* Bitmaps that claim metadata or live inodes are free. */
static void dmg_block_bitmap(struct img *im)
{
    uint32_t bb = get32(im->data + 2048 + GD_BLOCK_BITMAP);
    memset(im->data + (size_t)bb * 1024, 0, 1024);
}

static void dmg_inode_bitmap(struct img *im)
{
    uint32_t ib = get32(im->data + 2048 + GD_INODE_BITMAP);
    memset(im->data + (size_t)ib * 1024 + 1, 0, 1);     /* inodes 9..16 */
}

static int op_write_new(struct ext2_fs *fs)
{
    struct ext2_file *f;
    size_t n;
    int err = ext2_open(fs, NULL, "/new", EXT2_O_CREAT | EXT2_O_WRITE, 0644, &f);
    if (err == EXT2_OK) {
        err = ext2_pwrite(f, "abc", 3, 0, &n);
        ext2_close(f);
    }
    return err;
}

static void test_bad_bitmaps(void **state)
{
    (void)state;
    void (*const damages[])(struct img *) = { dmg_block_bitmap, dmg_inode_bitmap };
    for (int i = 0; i < 2; i++) {
        struct img im;
        h_img_copy(&im, &base1k);
        damages[i](&im);
        struct ext2_fs *fs = h_mount(&im, 0);
        assert_int_equal(op_write_new(fs), EXT2_ECORRUPT);
        h_unmount(fs);
        h_img_free(&im);
    }
}

/* ---- the fuzz loop ----------------------------------------------------------------------------- */

struct walk {
    unsigned nodes;
    char files[8][128];         /* some files and dirs seen, for the writes */
    unsigned nfiles;
    char dirs[8][128];
    unsigned ndirs;
    uint8_t *buf;
};

static unsigned long err_counts[EXT2_NERR];

static void check_err(int err)
{
    if (err < 0 || err >= EXT2_NERR)
        fail_msg("bad error code %d", err);
    err_counts[err]++;
}

static void walk_entry(struct ext2_fs *fs, struct ext2_file *dir, const char *path,
                       const struct ext2_dirent *ent, int depth, struct walk *w);

static void walk_dir(struct ext2_fs *fs, struct ext2_file *dir, const char *path,
                     int depth, struct walk *w)
{
    struct ext2_dirent ent;
    uint64_t cur = 0;
    for (int n = 0; n < 300 && w->nodes < 600; n++) {
        int err = ext2_readdir(dir, &cur, &ent);
        check_err(err);
        if (err != EXT2_OK || ent.ino == 0)
            break;
        if (strcmp(ent.name, ".") == 0 || strcmp(ent.name, "..") == 0)
            continue;
        walk_entry(fs, dir, path, &ent, depth, w);
    }
}

static void walk_entry(struct ext2_fs *fs, struct ext2_file *dir, const char *path,
                       const struct ext2_dirent *ent, int depth, struct walk *w)
{
    struct ext2_file *f;
    struct ext2_stat st;
    char sub[400];
    size_t n;
    w->nodes++;
    snprintf(sub, sizeof(sub), "%s/%.100s", path, ent->name);
    int err = ext2_open(fs, dir, ent->name, 0, 0, &f);
    check_err(err);
    if (err != EXT2_OK)
        return;
    H_OK(ext2_fstat(f, &st));
    if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFDIR) {
        if (w->ndirs < 8 && strlen(sub) < 128)
            strcpy(w->dirs[w->ndirs++], sub);
        if (depth < 6)
            walk_dir(fs, f, sub, depth + 1, w);
    } else if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFLNK) {
        check_err(ext2_readlink(f, (char *)w->buf, 5000, &n));
    } else {
        if (w->nfiles < 8 && strlen(sub) < 128)
            strcpy(w->files[w->nfiles++], sub);
        check_err(ext2_pread(f, w->buf, 1 << 21, 0, &n));
        check_err(ext2_pread(f, w->buf, 5000, st.size / 2, &n));
    }
    ext2_close(f);
}

static void fuzz_writes(struct ext2_fs *fs, struct walk *w, uint64_t *rs)
{
    struct ext2_file *f;
    size_t n;
    char path[300];
    int err = ext2_open(fs, NULL, "/fz", EXT2_O_CREAT | EXT2_O_WRITE, 0644, &f);
    check_err(err);
    if (err == EXT2_OK) {
        check_err(ext2_pwrite(f, w->buf, 20000, 0, &n));
        check_err(ext2_pwrite(f, w->buf, 3000, 300000, &n));
        ext2_close(f);
    }
    check_err(ext2_mkdir(fs, NULL, "/fzdir", 0755));
    check_err(ext2_rename(fs, NULL, "/fz", "/fzdir/fz"));
    for (unsigned i = 0; i < w->nfiles; i++) {
        switch (h_rand(rs) % 4) {
        case 0: check_err(ext2_unlink(fs, NULL, w->files[i])); break;
        case 1: check_err(ext2_truncate(fs, NULL, w->files[i], h_rand(rs) % 100000)); break;
        case 2:
            snprintf(path, sizeof(path), "/fzdir/f%u", i);
            check_err(ext2_rename(fs, NULL, w->files[i], path));
            break;
        default: check_err(ext2_link(fs, NULL, w->files[i], "/fzlink")); break;
        }
    }
    for (unsigned i = 0; i < w->ndirs; i++) {
        snprintf(path, sizeof(path), "%s/new", w->dirs[i]);
        check_err(ext2_mkdir(fs, NULL, path, 0755));
        check_err(h_rand(rs) & 1 ? ext2_rmdir(fs, NULL, w->dirs[i])
                                  : ext2_rename(fs, NULL, w->dirs[i], "/fzdir/moved"));
    }
}

/* Where to damage: the superblock, the descriptors, the used inodes, the
 * hot blocks (whole, or their first records), or anywhere. */
static size_t fuzz_offset(const struct img *im, const struct hot *h, uint64_t *rs)
{
    uint32_t bs = img_bs(im), fdb = sb32(im, SB_FIRST_DATA_BLOCK);
    uint32_t itable = get32(im->data + (size_t)(fdb + 1) * bs + GD_INODE_TABLE);
    size_t it = (size_t)itable * bs, hot = (size_t)h->blk[h_rand(rs) % h->n] * bs;
    switch (h_rand(rs) % 7) {
    case 0: return 1024 + h_rand(rs) % 256;
    case 1: return (size_t)(fdb + 1) * bs + h_rand(rs) % 64;
    case 2: case 3: return it + h_rand(rs) % (24 * 256);
    case 4: return hot + h_rand(rs) % bs;
    case 5: return hot + h_rand(rs) % 64;
    default: return h_rand(rs) % im->size;
    }
}

/* Damage 1 to 6 places of im, a copy of base (whose layout guides us). */
static void fuzz_mutate(struct img *im, const struct img *base, const struct hot *h,
                        uint64_t *rs)
{
    unsigned k = 1 + (unsigned)(h_rand(rs) % 6);
    uint32_t blocks = sb32(base, SB_BLOCKS_COUNT);
    for (unsigned i = 0; i < k; i++) {
        size_t off = fuzz_offset(base, h, rs) % (im->size - 4);
        switch (h_rand(rs) % 4) {
        case 0: im->data[off] ^= (uint8_t)(1u << (h_rand(rs) % 8)); break;
        case 1: im->data[off] = (uint8_t)h_rand(rs); break;
        case 2: put32(im->data + (off & ~(size_t)3), (uint32_t)(h_rand(rs) % (blocks * 2 + 1))); break;
        default: im->data[off] = h_rand(rs) & 1 ? 0xFF : 0; break;
        }
    }
}

static unsigned long fuzz_mounts[2], fuzz_nodes;

static void fuzz_one(const struct img *base, const struct hot *h, uint64_t *rs,
                     struct walk *w)
{
    struct img im;
    struct ext2_fs *fs;
    char msg[200];
    h_img_copy(&im, base);
    fuzz_mutate(&im, base, h, rs);
    for (int pass = 0; pass < 2; pass++) {
        unsigned flags = EXT2_MOUNT_FORCE | (pass == 0 && (h_rand(rs) & 3) == 0 ? EXT2_MOUNT_RDONLY : 0);
        struct ext2_blkdev dev = h_dev(&im);
        struct ext2_opts o = { .flags = flags, .cache_blocks = 16 + h_rand(rs) % 64,
                               .msg = msg, .msg_size = sizeof(msg) };
        int err = ext2_mount(&dev, &o, &fs);
        check_err(err);
        fuzz_mounts[err == EXT2_OK ? 0 : 1]++;
        if (err != EXT2_OK)
            break;
        struct ext2_file *root;
        w->nodes = w->nfiles = w->ndirs = 0;
        err = ext2_open(fs, NULL, "/", 0, 0, &root);
        check_err(err);
        if (err == EXT2_OK) {
            walk_dir(fs, root, "", 0, w);
            ext2_close(root);
        }
        fuzz_nodes += w->nodes;
        if (pass == 0)
            fuzz_writes(fs, w, rs);
        h_check_idle(fs, 0);
        check_err(ext2_unmount(fs));
    }
    h_img_free(&im);
}

static void test_fuzz(void **state)
{
    (void)state;
    struct walk w = { .buf = malloc(1 << 21) };
    uint64_t rs = 0x5eed;
    /* EXT2_FUZZ_SCALE=n runs n times as many rounds (and seeds by n). */
    const char *scale_env = getenv("EXT2_FUZZ_SCALE");
    int scale = scale_env != NULL ? atoi(scale_env) : 1;
    if (scale > 1)
        rs += (uint64_t)scale;
    h_fill(w.buf, 1 << 21, 77);
    for (int i = 0; i < 1200 * scale; i++)
        fuzz_one(&base1k, &hot1k, &rs, &w);
    for (int i = 0; i < 600 * scale; i++)
        fuzz_one(&base4k, &hot4k, &rs, &w);
    free(w.buf);
    printf("fuzz: %lu mounts, %lu refused, %lu names walked; results:",
           fuzz_mounts[0], fuzz_mounts[1], fuzz_nodes);
    for (int e = 0; e < EXT2_NERR; e++)
        printf(" %s %lu%s", ext2_strerror(e), err_counts[e], e + 1 < EXT2_NERR ? "," : "\n");
}

/* The undamaged bases themselves: walks and writes leave them clean. */
static void test_fuzz_baseline(void **state)
{
    (void)state;
    struct walk w = { .buf = malloc(1 << 21) };
    uint64_t rs = 1;
    h_fill(w.buf, 1 << 21, 78);
    const struct img *bases[] = { &base1k, &base4k };
    for (int b = 0; b < 2; b++) {
        struct img im;
        h_img_copy(&im, bases[b]);
        struct ext2_fs *fs = h_mount(&im, 0);
        struct ext2_file *root;
        H_OK(ext2_open(fs, NULL, "/", 0, 0, &root));
        walk_dir(fs, root, "", 0, &w);
        assert_true(w.nodes >= 11);
        ext2_close(root);
        fuzz_writes(fs, &w, &rs);
        h_unmount(fs);
        h_fsck_clean(&im);
        h_img_free(&im);
        w.nodes = w.nfiles = w.ndirs = 0;
    }
    free(w.buf);
}

int ext2_robust_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_superblock),
        cmocka_unit_test(test_bad_device),
        cmocka_unit_test(test_bad_inodes),
        cmocka_unit_test(test_bad_dirents),
        cmocka_unit_test(test_loops),
        cmocka_unit_test(test_bad_bitmaps),
        cmocka_unit_test(test_fuzz_baseline),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests_name("ext2-robust", tests, setup_bases, teardown_bases);
}
