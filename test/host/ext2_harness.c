// SPDX-License-Identifier: MIT
/*
 * The ext2 tests' harness: RAM block device, images made with mke2fs in a
 * temp dir, e2fsck and debugfs run on them, deterministic data.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "ext2_harness.h"
#include "ext2_int.h"

const char *h_mke2fs_path = "/sbin/mke2fs";
const char *h_e2fsck_path = "/sbin/e2fsck";
const char *h_debugfs_path = "/sbin/debugfs";
char h_tmpdir[256];

void h_setup(int argc, char **argv)
{
    if (argc > 3) {
        h_mke2fs_path = argv[1];
        h_e2fsck_path = argv[2];
        h_debugfs_path = argv[3];
    }
    snprintf(h_tmpdir, sizeof(h_tmpdir), "/tmp/ext2test.XXXXXX");
    if (mkdtemp(h_tmpdir) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
}

void h_cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h_tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", h_tmpdir);
}

/* ---- commands ------------------------------------------------------------------ */

int h_run(const char *cmd, char **out)
{
    char full[4200];
    snprintf(full, sizeof(full), "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    assert_non_null(p);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[n] = '\0';
    int st = pclose(p);
    if (out != NULL)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* ---- images --------------------------------------------------------------------- */

void h_img_load(struct img *im, const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    memset(im, 0, sizeof(*im));
    im->size = (size_t)n;
    im->data = malloc(im->size);
    assert_non_null(im->data);
    assert_int_equal(fread(im->data, 1, im->size, f), im->size);
    fclose(f);
    im->sector_size = 512;
    snprintf(im->path, sizeof(im->path), "%s", path);
}

void h_img_save(const struct img *im)
{
    FILE *f = fopen(im->path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(im->data, 1, im->size, f), im->size);
    fclose(f);
}

void h_img_free(struct img *im)
{
    free(im->data);
    im->data = NULL;
}

void h_img_copy(struct img *dst, const struct img *src)
{
    *dst = *src;
    dst->data = malloc(src->size);
    assert_non_null(dst->data);
    memcpy(dst->data, src->data, src->size);
}

void h_mkfs(struct img *im, const char *name, unsigned bs, unsigned size_kib,
            const char *extra, const char *srcdir)
{
    char path[600], cmd[2000], *out;
    snprintf(path, sizeof(path), "%s/%s", h_tmpdir, name);
    unlink(path);
    snprintf(cmd, sizeof(cmd), "%s -q -F -t ext2 -b %u %s %s%s '%s' %uk", h_mke2fs_path, bs,
             extra ? extra : "", srcdir ? "-d " : "", srcdir ? srcdir : "", path,
             size_kib);
    int st = h_run(cmd, &out);
    if (st != 0)
        fail_msg("%s: exit %d\n%s", cmd, st, out);
    free(out);
    h_img_load(im, path);
}

/* ---- the RAM device ---------------------------------------------------------------- */

static int ram_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct img *im = ctx;
    uint64_t ss = im->sector_size;
    if (lba * ss + (uint64_t)count * ss > im->size || count == 0)
        fail_msg("read outside the image: lba %llu count %u",
                 (unsigned long long)lba, count);
    im->reads++;
    if (im->fail_reads)
        return EXT2_EIO;
    memcpy(buf, im->data + lba * ss, (size_t)count * ss);
    return EXT2_OK;
}

static int ram_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
    struct img *im = ctx;
    uint64_t ss = im->sector_size;
    if (lba * ss + (uint64_t)count * ss > im->size || count == 0)
        fail_msg("write outside the image: lba %llu count %u",
                 (unsigned long long)lba, count);
    im->writes++;
    if (im->fail_writes)
        return EXT2_EIO;
    memcpy(im->data + lba * ss, buf, (size_t)count * ss);
    return EXT2_OK;
}

struct ext2_blkdev h_dev(struct img *im)
{
    if (im->sector_size == 0)
        im->sector_size = 512;
    return (struct ext2_blkdev){
        .ctx = im, .sector_size = im->sector_size,
        .nsectors = im->size / im->sector_size,
        .read = ram_read, .write = ram_write, .flush = NULL,
    };
}

static uint32_t clock_now(void *ctx)
{
    (void)ctx;
    return (uint32_t)time(NULL);
}

int h_mount_err(struct img *im, unsigned flags, struct ext2_fs **fs, char *msg,
                size_t msg_size)
{
    struct ext2_blkdev dev = h_dev(im);
    struct ext2_opts o = { .flags = flags, .cache_blocks = 256, .now = clock_now,
                           .msg = msg, .msg_size = msg_size, .uid = 1000, .gid = 1000 };
    return ext2_mount(&dev, &o, fs);
}

struct ext2_fs *h_mount_cache(struct img *im, unsigned flags, unsigned cache)
{
    struct ext2_blkdev dev = h_dev(im);
    char msg[200];
    struct ext2_opts o = { .flags = flags, .cache_blocks = cache, .now = clock_now,
                           .msg = msg, .msg_size = sizeof(msg), .uid = 1000, .gid = 1000 };
    struct ext2_fs *fs = NULL;
    int err = ext2_mount(&dev, &o, &fs);
    if (err != EXT2_OK)
        fail_msg("mount %s: %s (%s)", im->path, ext2_strerror(err), msg);
    return fs;
}

struct ext2_fs *h_mount(struct img *im, unsigned flags)
{
    return h_mount_cache(im, flags, 256);
}

void h_check_idle(struct ext2_fs *fs, unsigned open)
{
    for (uint32_t i = 0; i < fs->cache.nbufs; i++) {
        if (fs->cache.bufs[i].refs != 0)
            fail_msg("buffer of block %u still held (%u)", fs->cache.bufs[i].blk,
                     fs->cache.bufs[i].refs);
    }
    unsigned n = 0;
    for (int i = 0; i < EXT2_NODE_HASH; i++)
        for (struct ext2_file *f = fs->nodes[i]; f != NULL; f = f->hnext)
            n++;
    if (n != open)
        fail_msg("%u in-core inodes alive, expected %u", n, open);
}

void h_unmount(struct ext2_fs *fs)
{
    h_check_idle(fs, 0);
    int err = ext2_unmount(fs);
    if (err != EXT2_OK)
        fail_msg("unmount: %s", ext2_strerror(err));
}

void h_fsck_clean(const struct img *im)
{
    char cmd[1000], *out;
    h_img_save(im);
    snprintf(cmd, sizeof(cmd), "%s -fn '%s'", h_e2fsck_path, im->path);
    int st = h_run(cmd, &out);
    if (st != 0)
        fail_msg("e2fsck -fn %s: exit %d\n%s", im->path, st, out);
    free(out);
}

char *h_debugfs(const struct img *im, const char *req, size_t *len)
{
    char cmd[1200];
    h_img_save(im);
    snprintf(cmd, sizeof(cmd), "%s -R '%s' '%s' 2>/dev/null", h_debugfs_path, req, im->path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[n] = '\0';
    pclose(p);
    if (len != NULL)
        *len = n;
    return buf;
}

size_t h_inode_off(const struct img *im, const char *path)
{
    char req[300];
    unsigned long blk, off;
    snprintf(req, sizeof(req), "imap %s", path);
    char *out = h_debugfs(im, req, NULL);
    const char *p = strstr(out, "located at block ");
    if (p == NULL || sscanf(p, "located at block %lu, offset 0x%lx", &blk, &off) != 2)
        fail_msg("debugfs imap %s: %s", path, out);
    free(out);
    return blk * (1024u << get32(im->data + 1024 + SB_LOG_BLOCK_SIZE)) + off;
}

/* ---- data ------------------------------------------------------------------------ */

uint64_t h_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

void h_fill(uint8_t *buf, size_t n, uint64_t seed)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        if ((i & 7) == 0)
            h_rand(&s);
        buf[i] = (uint8_t)(s >> (8 * (i & 7)));
    }
}

uint64_t h_hash(const void *buf, size_t n, uint64_t h)
{
    const uint8_t *p = buf;
    if (h == 0)
        h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

void h_write_file(struct ext2_fs *fs, const char *path, const void *buf, size_t n)
{
    struct ext2_file *f;
    size_t done;
    int err = ext2_open(fs, NULL, path, EXT2_O_CREAT | EXT2_O_WRITE | EXT2_O_TRUNC, 0644, &f);
    if (err != EXT2_OK)
        fail_msg("create %s: %s", path, ext2_strerror(err));
    err = ext2_pwrite(f, buf, n, 0, &done);
    if (err != EXT2_OK)
        fail_msg("write %s: %s", path, ext2_strerror(err));
    assert_int_equal(done, n);
    H_OK(ext2_close(f));
}

uint8_t *h_read_file(struct ext2_fs *fs, const char *path, size_t *n)
{
    struct ext2_file *f;
    struct ext2_stat st;
    int err = ext2_open(fs, NULL, path, 0, 0, &f);
    if (err != EXT2_OK)
        fail_msg("open %s: %s", path, ext2_strerror(err));
    H_OK(ext2_fstat(f, &st));
    uint8_t *buf = malloc(st.size + 1);
    size_t done;
    H_OK(ext2_pread(f, buf, st.size + 1, 0, &done));
    assert_int_equal(done, st.size);
    H_OK(ext2_close(f));
    *n = done;
    return buf;
}

unsigned h_count_dir(struct ext2_fs *fs, const char *path)
{
    struct ext2_file *d;
    struct ext2_dirent ent;
    uint64_t cur = 0;
    unsigned n = 0;
    H_OK(ext2_open(fs, NULL, path, EXT2_O_DIRECTORY, 0, &d));
    for (;;) {
        H_OK(ext2_readdir(d, &cur, &ent));
        if (ent.ino == 0)
            break;
        n++;
    }
    H_OK(ext2_close(d));
    return n;
}
