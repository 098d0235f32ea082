// SPDX-License-Identifier: MIT
/*
 * ext2 mount, unmount, sync and statfs, the library's memory and clock
 * hooks, error strings, and how corruption turns a mount read-only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ext2_int.h"

static const char *const err_names[EXT2_NERR] = {
    [EXT2_OK] = "success",
    [EXT2_ENOENT] = "no such file or directory",
    [EXT2_EEXIST] = "file exists",
    [EXT2_ENOTDIR] = "not a directory",
    [EXT2_EISDIR] = "is a directory",
    [EXT2_ENOTEMPTY] = "directory not empty",
    [EXT2_ENOSPC] = "no space left on device",
    [EXT2_EINVAL] = "invalid argument",
    [EXT2_EIO] = "input/output error",
    [EXT2_ECORRUPT] = "file system corrupt",
    [EXT2_EROFS] = "read-only file system",
    [EXT2_ENAMETOOLONG] = "file name too long",
    [EXT2_EFBIG] = "file too large",
    [EXT2_ENOMEM] = "out of memory",
    [EXT2_EUNSUPP] = "unsupported file system feature",
    [EXT2_EMLINK] = "too many links",
    [EXT2_EBUSY] = "resource busy",
};

const char *ext2_strerror(int err)
{
    if (err < 0 || err >= EXT2_NERR)
        return "unknown error";
    return err_names[err];
}

/* ---- hooks used by every file ---------------------------------------------- */

static void *default_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void default_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

/* size zeroed bytes from the caller's allocator, or NULL. */
void *ext2_zalloc(struct ext2_fs *fs, size_t size)
{
    void *p = fs->alloc(fs->mem_ctx, size);
    if (p != NULL)
        memset(p, 0, size);
    return p;
}

/* Give p (may be NULL) back to the caller's allocator. */
void ext2_mfree(struct ext2_fs *fs, void *p)
{
    if (p != NULL)
        fs->free(fs->mem_ctx, p);
}

/* The time for timestamps: the caller's clock, else the superblock's. */
uint32_t ext2_now(struct ext2_fs *fs)
{
    return fs->now != NULL ? fs->now(fs->now_ctx) : fs->time_base;
}

/* Note a message for ext2_fs_message() / opts->msg; the first one stays. */
void ext2_note(struct ext2_fs *fs, const char *fmt, ...)
{
    if (fs->msg[0] != '\0')
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fs->msg, sizeof(fs->msg), fmt, ap);
    va_end(ap);
}

/*
 * Corruption found: remember what (the first corruption replaces any earlier
 * note), turn the mount read-only, and have the next sync mark the
 * superblock as having errors. Returns EXT2_ECORRUPT.
 */
int ext2_corrupt(struct ext2_fs *fs, const char *what)
{
    if (!fs->errors) {
        fs->errors = true;
        fs->meta_dirty = true;
        snprintf(fs->msg, sizeof(fs->msg), "corrupt: %s", what);
    }
    return EXT2_ECORRUPT;
}

/* EXT2_OK if the mount may be changed, else EXT2_EROFS. */
int ext2_check_rw(const struct ext2_fs *fs)
{
    return fs->rdonly || fs->errors ? EXT2_EROFS : EXT2_OK;
}

/* ---- mount ---------------------------------------------------------------- */

static int dev_check(const struct ext2_blkdev *dev)
{
    uint32_t ss = dev != NULL ? dev->sector_size : 0;
    if (dev == NULL || dev->read == NULL)
        return EXT2_EINVAL;
    if (ss < 512 || ss > 4096 || (ss & (ss - 1)) != 0)
        return EXT2_EINVAL;
    return EXT2_OK;
}

static struct ext2_fs *fs_new(const struct ext2_blkdev *dev,
                              const struct ext2_opts *opts)
{
    void *(*alloc)(void *, size_t) = opts->alloc ? opts->alloc : default_alloc;
    struct ext2_fs *fs = alloc(opts->mem_ctx, sizeof(*fs));
    if (fs == NULL)
        return NULL;
    memset(fs, 0, sizeof(*fs));
    fs->dev = *dev;
    fs->alloc = alloc;
    fs->free = opts->free ? opts->free : default_free;
    fs->mem_ctx = opts->mem_ctx;
    fs->now = opts->now;
    fs->now_ctx = opts->now_ctx;
    fs->uid = opts->uid;
    fs->gid = opts->gid;
    return fs;
}

static void fs_free(struct ext2_fs *fs)
{
    ext2_cache_fini(fs);
    ext2_mfree(fs, fs->groups);
    ext2_mfree(fs, fs);
}

/* Read the 1 KiB at byte 1024 (whole sectors) and decode it. */
static int read_super(struct ext2_fs *fs)
{
    uint32_t ss = fs->dev.sector_size;
    size_t n = ss > 2048 ? ss : 2048;
    if (fs->dev.nsectors < n / ss) {
        ext2_note(fs, "device too small for a superblock");
        return EXT2_ECORRUPT;
    }
    uint8_t *buf = fs->alloc(fs->mem_ctx, n);
    if (buf == NULL)
        return EXT2_ENOMEM;
    int err = EXT2_OK;
    fs->stats.dev_reads++;
    if (fs->dev.read(fs->dev.ctx, 0, (uint32_t)(n / ss), buf) != EXT2_OK)
        err = EXT2_EIO;
    if (err == EXT2_OK)
        err = ext2_super_decode(fs, buf + EXT2_SB_OFFSET);
    if (err == EXT2_OK)
        err = ext2_super_features(fs);
    ext2_mfree(fs, buf);
    return err;
}

static int check_root(struct ext2_fs *fs)
{
    struct ext2_file *root;
    int err = ext2_iget(fs, EXT2_ROOT_INO, &root);
    if (err != EXT2_OK)
        return err;
    if (!ext2_is_dir(root))
        err = ext2_corrupt(fs, "the root inode is not a directory");
    ext2_iput(root);
    return err;
}

/* Decide read-only or read-write; a read-write mount marks the superblock
 * not clean (and counts the mount) on the device at once. */
static int go_rw(struct ext2_fs *fs, unsigned flags)
{
    if (flags & EXT2_MOUNT_RDONLY)
        fs->rdonly = true;
    if (!fs->rdonly && fs->dev.write == NULL) {
        fs->rdonly = true;
        ext2_note(fs, "read-only: the device cannot be written");
    }
    if (!fs->rdonly && !fs->clean_at_mount && !(flags & EXT2_MOUNT_FORCE)) {
        fs->rdonly = true;
        ext2_note(fs, "read-only: not cleanly unmounted or has errors; "
                  "run e2fsck (or mount with EXT2_MOUNT_FORCE)");
    }
    if (fs->rdonly)
        return EXT2_OK;
    struct ext2_buf *b;
    int err = ext2_bread(fs, fs->sb_blk, &b);
    if (err != EXT2_OK)
        return err;
    uint8_t *p = b->data + fs->sb_off;
    put16(p + SB_MNT_COUNT, get16(p + SB_MNT_COUNT) + 1u);
    put32(p + SB_MTIME, ext2_now(fs));
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    fs->state &= ~EXT2_STATE_VALID;
    fs->meta_dirty = true;
    return ext2_sync(fs);
}

static int mount_steps(struct ext2_fs *fs, const struct ext2_opts *opts)
{
    int err = read_super(fs);
    if (err == EXT2_OK)
        err = ext2_cache_init(fs, opts->cache_blocks ? opts->cache_blocks : 64);
    if (err == EXT2_OK)
        err = ext2_groups_load(fs);
    if (err == EXT2_OK)
        err = check_root(fs);
    if (err == EXT2_OK && fs->errors)
        err = EXT2_ECORRUPT;
    if (err == EXT2_OK)
        err = go_rw(fs, opts->flags);
    return err;
}

int ext2_mount(const struct ext2_blkdev *dev, const struct ext2_opts *opts,
               struct ext2_fs **out)
{
    static const struct ext2_opts defaults;
    if (out == NULL)
        return EXT2_EINVAL;
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (opts->msg != NULL && opts->msg_size > 0)
        opts->msg[0] = '\0';
    int err = dev_check(dev);
    if (err != EXT2_OK)
        return err;
    struct ext2_fs *fs = fs_new(dev, opts);
    if (fs == NULL)
        return EXT2_ENOMEM;
    err = mount_steps(fs, opts);
    if (opts->msg != NULL && opts->msg_size > 0)
        snprintf(opts->msg, opts->msg_size, "%s", fs->msg);
    if (err != EXT2_OK) {
        fs->rdonly = true;      /* nothing more reaches the device */
        ext2_iput_all(fs);
        fs_free(fs);
        return err;
    }
    *out = fs;
    return EXT2_OK;
}

/* ---- unmount, sync, information --------------------------------------------- */

int ext2_unmount(struct ext2_fs *fs)
{
    if (fs == NULL)
        return EXT2_EINVAL;
    ext2_iput_all(fs);
    int err = EXT2_OK;
    if (!fs->rdonly) {
        if (fs->clean_at_mount && !fs->errors)
            fs->state |= EXT2_STATE_VALID;
        fs->meta_dirty = true;
        err = ext2_sync(fs);
    }
    fs_free(fs);
    return err;
}

int ext2_sync(struct ext2_fs *fs)
{
    if (fs == NULL)
        return EXT2_EINVAL;
    if (fs->rdonly)
        return EXT2_OK;
    if (fs->errors)
        fs->state |= EXT2_STATE_ERROR;
    int err = EXT2_OK;
    if (fs->meta_dirty) {
        err = ext2_groups_write(fs);
        if (err == EXT2_OK)
            err = ext2_super_write(fs);
        if (err != EXT2_OK)
            return err;
        fs->meta_dirty = false;
    }
    err = ext2_bflush(fs);
    if (err == EXT2_OK && fs->dev.flush != NULL &&
        fs->dev.flush(fs->dev.ctx) != EXT2_OK)
        err = EXT2_EIO;
    return err;
}

int ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st)
{
    if (fs == NULL || st == NULL)
        return EXT2_EINVAL;
    st->block_size = fs->bs;
    st->blocks = fs->blocks_count;
    st->free_blocks = fs->free_blocks;
    st->inodes = fs->inodes_count;
    st->free_inodes = fs->free_inodes;
    st->name_max = EXT2_NAME_MAX;
    st->readonly = ext2_check_rw(fs) != EXT2_OK;
    return EXT2_OK;
}

void ext2_get_stats(const struct ext2_fs *fs, struct ext2_stats *st)
{
    *st = fs->stats;
}

const char *ext2_fs_message(const struct ext2_fs *fs)
{
    return fs->msg;
}
