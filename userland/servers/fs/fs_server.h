/* SPDX-License-Identifier: MIT */
/*
 * The fs server: an ext2 file system on a blk disk, served by the file
 * protocol (userland/defs/fs.defs) on one thread.  Used by the `fs`
 * program and, linked in, by tests that run it in a task of their own.
 */
#ifndef _FS_SERVER_H_
#define _FS_SERVER_H_

#include <stdbool.h>
#include <stddef.h>
#include <mach.h>

struct fs_server_opts {
    unsigned cache_blocks;      /* ext2 block cache; 0: the default (2048) */
    bool read_only;             /* mount read-only */
    bool force;                 /* mount read-write even if not clean */
    size_t bcache_bytes;        /* the cache of disk extents (fs_bcache.h); 0: none */
};

/*
 * Mount the ext2 file system on the blk disk `disk` (a send right) and
 * make the service port (receive right here; the caller makes send
 * rights).  Prints one line: what was mounted, or why not.  Returns 0, or
 * -1 if the disk cannot be used or the mount is refused.
 */
int fs_server_init(mach_port_t disk, const struct fs_server_opts *opts);

/* The service port. */
mach_port_t fs_server_port(void);

/* Serve requests forever (after fs_shutdown, every request gets FS_ESHUTDOWN). */
void fs_server_run(void) __attribute__((noreturn));

#endif /* _FS_SERVER_H_ */
