/* SPDX-License-Identifier: MIT */
/*
 * C types, limits and error codes of the blk protocol (blk.defs): block
 * devices served by the `blk` server.  See docs/storage.md.
 */
#ifndef _RVMACH_BLK_TYPES_H_
#define _RVMACH_BLK_TYPES_H_

#include <stdint.h>

/* Requests with at most this many bytes of data may travel inline. */
#define BLK_INLINE_MAX 8192
typedef char blk_inline_t[BLK_INLINE_MAX];
typedef const char *const_blk_inline_t;

/*
 * The message id of blk.defs's first routine (its `subsystem` number): the
 * server answers some requests late, by hand, with the request's id + 100.
 */
#define BLK_MSG_ID_BASE 8400

/* The most bytes one blk_read or blk_write may move. */
#define BLK_MAX_TRANSFER (1u << 20)

/*
 * Error codes (kern_return_t values) of blk requests, beside the MIG ones
 * (MIG_BAD_ARGUMENTS for a message of the wrong shape).
 */
#define BLK_ERANGE   8250   /* sectors outside the device (or the sum overflows) */
#define BLK_ESIZE    8251   /* count 0, over BLK_MAX_TRANSFER, or over the inline limit */
#define BLK_EINVAL   8252   /* data not a whole number of sectors */
#define BLK_EIO      8253   /* the device reported an I/O error */
#define BLK_EROFS    8254   /* the device is read-only */
#define BLK_EUNSUPP  8255   /* the device rejected the request as unsupported */
#define BLK_EDEVICE  8256   /* the device misbehaved and was stopped */
#define BLK_ENOMEM   8257   /* the server ran out of memory */
#define BLK_ENODEV   8258   /* no such device (the port names no disk) */

/* A short description of a blk error code, or NULL if it is not one. */
static inline const char *blk_strerror(int code)
{
    switch (code) {
    case BLK_ERANGE: return "sector range outside the device";
    case BLK_ESIZE: return "bad transfer size";
    case BLK_EINVAL: return "data not a whole number of sectors";
    case BLK_EIO: return "device I/O error";
    case BLK_EROFS: return "device is read-only";
    case BLK_EUNSUPP: return "request not supported by the device";
    case BLK_EDEVICE: return "device stopped after misbehaving";
    case BLK_ENOMEM: return "blk server out of memory";
    case BLK_ENODEV: return "no such device";
    default: return 0;
    }
}

#endif /* _RVMACH_BLK_TYPES_H_ */
