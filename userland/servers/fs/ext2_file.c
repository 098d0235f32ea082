// SPDX-License-Identifier: MIT
/*
 * Operations on open files: read (whole uncached runs go straight from the
 * device into the caller's buffer), write, truncate, stat, readlink.
 */
#include "ext2_int.h"

#define RUN_MAX 256u            /* blocks per device read on the read path */
#define SIZE_2G 0x7FFFFFFFull   /* beyond it a file needs large_file */

/* Update the change time, and the modification time if mtime. */
void ext2_touch(struct ext2_file *f, bool mtime)
{
    f->ctime = ext2_now(f->fs);
    if (mtime)
        f->mtime = f->ctime;
}

static int check_regular(const struct ext2_file *f)
{
    if (f == NULL)
        return EXT2_EINVAL;
    if (ext2_is_dir(f))
        return EXT2_EISDIR;
    return ext2_is_reg(f) ? EXT2_OK : EXT2_EINVAL;
}

static int check_writable(const struct ext2_file *f)
{
    int err = check_regular(f);
    if (err == EXT2_OK)
        err = ext2_check_rw(f->fs);
    return err;
}

/* ---- read ------------------------------------------------------------------ */

/* Copy whole blocks [pblk, pblk + n) straight from the device, stopping
 * before the first one in the cache (it may be newer); the first two are not. */
static int read_direct(struct ext2_fs *fs, uint32_t pblk, uint32_t n,
                       uint8_t *dst, size_t *got)
{
    uint32_t k = 2;
    while (k < n && !ext2_bcached(fs, pblk + k))
        k++;
    int err = ext2_dev_read(fs, pblk, k, dst);
    if (err == EXT2_OK)
        *got = (size_t)k << fs->log_bs;
    return err;
}

static int read_cached(struct ext2_fs *fs, uint32_t pblk, uint32_t boff,
                       uint8_t *dst, size_t len, size_t *got)
{
    struct ext2_buf *b;
    size_t n = fs->bs - boff;
    int err = ext2_bread(fs, pblk, &b);
    if (err != EXT2_OK)
        return err;
    if (n > len)
        n = len;
    memcpy(dst, b->data + boff, n);
    ext2_brelse(fs, b);
    *got = n;
    return EXT2_OK;
}

/* Read part of [off, off + len) (inside the file) into dst; *got: how much. */
static int read_step(struct ext2_file *f, uint8_t *dst, size_t len, uint64_t off,
                     size_t *got)
{
    struct ext2_fs *fs = f->fs;
    uint32_t boff = (uint32_t)(off & (fs->bs - 1)), pblk, count;
    uint64_t want = ((uint64_t)boff + len + fs->bs - 1) >> fs->log_bs;
    int err = ext2_bmap_run(f, off >> fs->log_bs, want < RUN_MAX ? (uint32_t)want : RUN_MAX,
                            &pblk, &count);
    if (err != EXT2_OK)
        return err;
    size_t avail = ((size_t)count << fs->log_bs) - boff;
    if (avail > len)
        avail = len;
    if (pblk == 0) {
        memset(dst, 0, avail);
        *got = avail;
        return EXT2_OK;
    }
    /* Two or more whole uncached blocks: one device read into dst. Less goes
     * through the cache, so that small files read again are found there. */
    uint32_t whole = boff == 0 ? (uint32_t)(avail >> fs->log_bs) : 0;
    if (whole >= 2 && !ext2_bcached(fs, pblk) && !ext2_bcached(fs, pblk + 1))
        return read_direct(fs, pblk, whole, dst, got);
    return read_cached(fs, pblk, boff, dst, avail, got);
}

int ext2_pread(struct ext2_file *f, void *buf, size_t len, uint64_t off,
               size_t *done)
{
    size_t got = 0;
    int err = check_regular(f);
    if (done != NULL)
        *done = 0;
    if (err != EXT2_OK || done == NULL || (buf == NULL && len > 0))
        return err != EXT2_OK ? err : EXT2_EINVAL;
    if (off >= f->size)
        return EXT2_OK;
    if (len > f->size - off)
        len = (size_t)(f->size - off);
    while (got < len && err == EXT2_OK) {
        size_t n = 0;
        err = read_step(f, (uint8_t *)buf + got, len - got, off + got, &n);
        got += n;
    }
    *done = got;
    return err;
}

/* ---- write ----------------------------------------------------------------- */

/* A file growing to size needs the large_file feature beyond 2 GiB. */
static void need_large_file(struct ext2_fs *fs, uint64_t size)
{
    if (size > SIZE_2G && !(fs->ro_compat & EXT2_RO_COMPAT_LARGE_FILE)) {
        fs->ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
        fs->meta_dirty = true;
    }
}

/* Zero the rest of the block holding byte `from` (the bytes after a file's
 * end must read as zeros once the file grows over them). */
static int zero_tail(struct ext2_file *f, uint64_t from)
{
    struct ext2_fs *fs = f->fs;
    uint32_t boff = (uint32_t)(from & (fs->bs - 1)), pblk;
    struct ext2_buf *b;
    if (boff == 0)
        return EXT2_OK;
    int err = ext2_bmap(f, from >> fs->log_bs, 0, &pblk, NULL);
    if (err != EXT2_OK || pblk == 0)
        return err;
    err = ext2_bread(fs, pblk, &b);
    if (err != EXT2_OK)
        return err;
    memset(b->data + boff, 0, fs->bs - boff);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    return EXT2_OK;
}

/* Write what fits of src into the block holding off; *put: how much. */
static int write_step(struct ext2_file *f, const uint8_t *src, size_t len,
                      uint64_t off, size_t *put)
{
    struct ext2_fs *fs = f->fs;
    uint32_t boff = (uint32_t)(off & (fs->bs - 1)), pblk;
    size_t n = fs->bs - boff < len ? fs->bs - boff : len;
    struct ext2_buf *b;
    bool fresh;
    int err = ext2_bmap(f, off >> fs->log_bs, EXT2_BMAP_ALLOC, &pblk, &fresh);
    if (err != EXT2_OK)
        return err;
    if (n == fs->bs || fresh)
        err = ext2_bget(fs, pblk, &b);
    else
        err = ext2_bread(fs, pblk, &b);
    if (err != EXT2_OK)
        return err;
    if (fresh && n != fs->bs)
        memset(b->data, 0, fs->bs);
    memcpy(b->data + boff, src, n);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    *put = n;
    return EXT2_OK;
}

int ext2_pwrite(struct ext2_file *f, const void *buf, size_t len,
                uint64_t off, size_t *done)
{
    size_t put = 0;
    int err = check_writable(f);
    if (done != NULL)
        *done = 0;
    if (err != EXT2_OK || done == NULL || (buf == NULL && len > 0))
        return err != EXT2_OK ? err : EXT2_EINVAL;
    if (len == 0)
        return EXT2_OK;
    uint64_t max = f->fs->max_size;
    if (off >= max)
        return EXT2_EFBIG;
    if (len > max - off)
        len = (size_t)(max - off);
    uint32_t iblocks = f->iblocks;
    need_large_file(f->fs, off + len);
    if (off > f->size)
        err = zero_tail(f, f->size);
    while (put < len && err == EXT2_OK) {
        size_t n = 0;
        err = write_step(f, (const uint8_t *)buf + put, len - put, off + put, &n);
        put += n;
    }
    *done = put;
    if (put == 0 && f->iblocks == iblocks)
        return err;                         /* nothing changed */
    if (off + put > f->size)
        f->size = off + put;
    ext2_touch(f, true);
    int err2 = ext2_iwrite(f);
    return err != EXT2_OK ? err : err2;
}

/* ---- truncate, stat, readlink ---------------------------------------------- */

static int resize(struct ext2_file *f, uint64_t size)
{
    struct ext2_fs *fs = f->fs;
    if (size > f->size) {
        need_large_file(fs, size);
        return zero_tail(f, f->size);
    }
    int err = ext2_trunc_blocks(f, (size + fs->bs - 1) >> fs->log_bs);
    if (err == EXT2_OK)
        err = zero_tail(f, size);
    return err;
}

int ext2_ftruncate(struct ext2_file *f, uint64_t size)
{
    int err = check_writable(f);
    if (err != EXT2_OK)
        return err;
    if (size > f->fs->max_size)
        return EXT2_EFBIG;
    if (size == f->size)
        return EXT2_OK;
    uint32_t iblocks = f->iblocks;
    err = resize(f, size);
    if (err != EXT2_OK && f->iblocks == iblocks)
        return err;                         /* refused before any change */
    if (err == EXT2_OK)
        f->size = size;
    ext2_touch(f, true);
    int err2 = ext2_iwrite(f);
    return err != EXT2_OK ? err : err2;
}

int ext2_fstat(const struct ext2_file *f, struct ext2_stat *st)
{
    if (f == NULL || st == NULL)
        return EXT2_EINVAL;
    st->ino = f->ino;
    st->mode = f->mode;
    st->links = f->links;
    st->uid = f->uid;
    st->gid = f->gid;
    st->size = f->size;
    st->blocks = f->iblocks;
    st->atime = f->atime;
    st->mtime = f->mtime;
    st->ctime = f->ctime;
    st->flags = f->flags;
    st->blksize = f->fs->bs;
    return EXT2_OK;
}

int ext2_readlink(struct ext2_file *f, char *buf, size_t size, size_t *len)
{
    if (f == NULL || len == NULL || (buf == NULL && size > 0) || !ext2_is_lnk(f))
        return EXT2_EINVAL;
    struct ext2_fs *fs = f->fs;
    size_t n = f->size < size ? (size_t)f->size : size;
    *len = (size_t)f->size;
    if (!ext2_has_blocks(f)) {
        uint8_t raw[4 * EXT2_NBLOCKS];
        for (int i = 0; i < EXT2_NBLOCKS; i++)
            put32(raw + 4 * i, f->block[i]);
        if (f->size > sizeof(raw))
            return ext2_corrupt(fs, "fast symbolic link too long");
        memcpy(buf, raw, n);
    } else if (n > 0) {
        size_t got;
        uint32_t pblk, count;
        int err = ext2_bmap_run(f, 0, 1, &pblk, &count);
        if (err == EXT2_OK && pblk == 0)
            err = ext2_corrupt(fs, "symbolic link without its block");
        if (err == EXT2_OK)
            err = read_cached(fs, pblk, 0, (uint8_t *)buf, n, &got);
        if (err != EXT2_OK)
            return err;
    }
    if (n < size)
        buf[n] = '\0';
    return EXT2_OK;
}
