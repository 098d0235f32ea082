// SPDX-License-Identifier: MIT
/* The ext2 block-device callbacks as blk RPCs: reads cached, writes gathered (fs_blkdev.h). */
#include <stdlib.h>
#include <string.h>
#include <rvmach/blk_user.h>
#include <rvmach/blk_types.h>
#include "fs_blkdev.h"

/* One read of at most BLK_MAX_TRANSFER bytes into buf. */
static int read_piece(struct fs_blkdev *d, uint64_t lba, uint32_t bytes, void *buf)
{
    d->requests++;
    if (bytes <= BLK_INLINE_MAX) {
        mach_msg_type_number_t n = bytes;
        kern_return_t kr = blk_read_inline(d->disk, lba, bytes / d->sector_size, buf, &n);
        return kr == KERN_SUCCESS && n == bytes ? EXT2_OK : EXT2_EIO;
    }
    vm_offset_t data = 0;
    mach_msg_type_number_t n = 0;
    kern_return_t kr = blk_read(d->disk, lba, bytes / d->sector_size, &data, &n);
    if (kr != KERN_SUCCESS)
        return EXT2_EIO;
    int err = n == bytes ? EXT2_OK : EXT2_EIO;
    if (err == EXT2_OK)
        memcpy(buf, (const void *)data, bytes);
    vm_deallocate(mach_task_self(), data, n);
    return err;
}

/* One write of at most BLK_MAX_TRANSFER bytes. */
static int write_piece(struct fs_blkdev *d, uint64_t lba, uint32_t bytes, const void *buf)
{
    d->requests++;
    kern_return_t kr;
    if (bytes <= BLK_INLINE_MAX)
        kr = blk_write_inline(d->disk, lba, buf, bytes);
    else
        kr = blk_write(d->disk, lba, (vm_offset_t)buf, bytes);
    return kr == KERN_SUCCESS ? EXT2_OK : EXT2_EIO;
}

/* Send the gathered writes. */
static int drain(struct fs_blkdev *d)
{
    if (d->gather_len == 0)
        return EXT2_OK;
    int err = write_piece(d, d->gather_lba, d->gather_len, d->gather);
    d->gather_len = 0;
    return err;
}

/* Split a transfer into pieces the protocol allows. */
static int each_piece(struct fs_blkdev *d, uint64_t lba, uint64_t bytes, uint8_t *buf,
                      const uint8_t *wbuf)
{
    const uint32_t max = BLK_MAX_TRANSFER;
    while (bytes > 0) {
        uint32_t n = bytes > max ? max : (uint32_t)bytes;
        int err = buf != NULL ? read_piece(d, lba, n, buf) : write_piece(d, lba, n, wbuf);
        if (err != EXT2_OK)
            return err;
        lba += n / d->sector_size;
        bytes -= n;
        if (buf != NULL)
            buf += n;
        else
            wbuf += n;
    }
    return EXT2_OK;
}

/* Bring extent `index` into the cache; its data, or NULL (then read around the cache). */
static uint8_t *fetch_extent(struct fs_blkdev *d, uint64_t index, int *err)
{
    uint8_t *data = bcache_claim(&d->cache, index);
    if (data == NULL)
        return NULL;
    uint64_t first = index * (BCACHE_EXTENT / d->sector_size);
    uint64_t n = d->sectors - first;            /* the last extent may be short */
    if (n > BCACHE_EXTENT / d->sector_size)
        n = BCACHE_EXTENT / d->sector_size;
    *err = read_piece(d, first, (uint32_t)(n * d->sector_size), data);
    if (*err != EXT2_OK) {
        bcache_drop(&d->cache, index);
        return NULL;
    }
    return data;
}

/* Read [off, off + len) (bytes, inside one extent) from the cache or the disk. */
static int read_through(struct fs_blkdev *d, uint64_t off, uint32_t len, uint8_t *buf)
{
    uint64_t index = off / BCACHE_EXTENT;
    uint8_t *data = bcache_find(&d->cache, index);
    int err = EXT2_OK;
    if (data == NULL)
        data = fetch_extent(d, index, &err);
    if (err != EXT2_OK)
        return err;
    if (data == NULL)                           /* no cache: straight from the disk */
        return each_piece(d, off / d->sector_size, len, buf, NULL);
    memcpy(buf, data + off % BCACHE_EXTENT, len);
    return EXT2_OK;
}

static int dev_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct fs_blkdev *d = ctx;
    int err = drain(d);                 /* the disk must hold every earlier write */
    uint64_t off = lba * d->sector_size, end = off + (uint64_t)count * d->sector_size;
    uint8_t *p = buf;
    while (err == EXT2_OK && off < end) {
        uint64_t room = BCACHE_EXTENT - off % BCACHE_EXTENT;
        uint32_t n = (uint32_t)(end - off < room ? end - off : room);
        err = read_through(d, off, n, p);
        off += n;
        p += n;
    }
    return err;
}

static int dev_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
    struct fs_blkdev *d = ctx;
    uint64_t bytes = (uint64_t)count * d->sector_size;
    bcache_update(&d->cache, lba * d->sector_size, buf, bytes);    /* write-through */
    bool follows = d->gather_len > 0 &&
                   lba == d->gather_lba + d->gather_len / d->sector_size;
    if (!follows || d->gather_len + bytes > FSB_GATHER) {
        int err = drain(d);
        if (err != EXT2_OK)
            return err;
    }
    if (bytes > FSB_GATHER)
        return each_piece(d, lba, bytes, NULL, buf);
    if (d->gather_len == 0)
        d->gather_lba = lba;
    memcpy(d->gather + d->gather_len, buf, bytes);
    d->gather_len += (uint32_t)bytes;
    return EXT2_OK;
}

static int dev_flush(void *ctx)
{
    struct fs_blkdev *d = ctx;
    int err = drain(d);
    if (err != EXT2_OK)
        return err;
    d->requests++;
    return blk_flush(d->disk) == KERN_SUCCESS ? EXT2_OK : EXT2_EIO;
}

int fs_blkdev_open(struct fs_blkdev *dev, mach_port_t disk, size_t cache_bytes,
                   struct ext2_blkdev *out)
{
    memset(dev, 0, sizeof(*dev));
    bcache_init(&dev->cache, cache_bytes);
    dev->disk = disk;
    boolean_t ro = FALSE;
    kern_return_t kr = blk_info(disk, &dev->sector_size, &dev->sectors, &ro);
    if (kr != KERN_SUCCESS)
        return kr;
    if (dev->sector_size < 512 || dev->sector_size > 4096 ||
        (dev->sector_size & (dev->sector_size - 1)) != 0)
        return BLK_EINVAL;              /* nothing the ext2 library can use */
    dev->read_only = ro;
    dev->gather = malloc(FSB_GATHER);
    if (dev->gather == NULL)
        return -1;
    *out = (struct ext2_blkdev){
        .ctx = dev, .sector_size = dev->sector_size, .nsectors = dev->sectors,
        .read = dev_read, .write = ro ? NULL : dev_write, .flush = dev_flush,
    };
    return 0;
}
