/* SPDX-License-Identifier: MIT */
/*
 * The ext2 library's block device (struct ext2_blkdev) as blk protocol
 * requests to a disk port of the blk server.  Reads go through a cache of
 * 64 KiB extents (fs_bcache.h).  Consecutive writes are gathered into one
 * request (up to FSB_GATHER bytes) and sent before any read, flush, or
 * write elsewhere, so the device sees large sequential writes instead of
 * one request per file-system block.  A failed gathered write is reported
 * by the call that sends it (the next read, flush or distant write).
 */
#ifndef _FS_BLKDEV_H_
#define _FS_BLKDEV_H_

#include <stdint.h>
#include <mach.h>
#include "ext2.h"
#include "fs_bcache.h"

#define FSB_GATHER (256u * 1024)

struct fs_blkdev {
    mach_port_t disk;           /* send right to the blk disk port */
    uint32_t sector_size;
    uint64_t sectors;
    bool read_only;
    uint8_t *gather;            /* FSB_GATHER bytes of writes not yet sent */
    uint64_t gather_lba;        /* where they go */
    uint32_t gather_len;        /* bytes in gather */
    uint64_t requests;          /* blk requests sent (for measurements) */
    struct fs_bcache cache;
};

/*
 * Ask the disk for its geometry and fill *dev (with a cache of at most
 * cache_bytes) and the ext2 callbacks in *out.  Returns 0, or the blk or MIG error of blk_info, BLK_EINVAL for a
 * sector size ext2 cannot use, -1 if memory is short.
 */
int fs_blkdev_open(struct fs_blkdev *dev, mach_port_t disk, size_t cache_bytes,
                   struct ext2_blkdev *out);

#endif /* _FS_BLKDEV_H_ */
