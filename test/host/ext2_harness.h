/* SPDX-License-Identifier: MIT */
/*
 * Support for the ext2 host tests: images in memory behind a RAM block
 * device, made by mke2fs and checked by e2fsck and debugfs in a temp dir.
 */
#ifndef EXT2_HARNESS_H
#define EXT2_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ext2.h"

/* An image in memory, with a file of the same name for e2fsprogs. */
struct img {
    uint8_t *data;
    size_t size;
    uint32_t sector_size;       /* of the RAM device; 512 by default */
    bool fail_reads, fail_writes;
    unsigned long reads, writes;
    char path[600];
};

extern const char *h_mke2fs_path, *h_e2fsck_path, *h_debugfs_path;
extern char h_tmpdir[256];

/* Take the tool paths from argv[1..3] and make the temp dir; and undo it. */
void h_setup(int argc, char **argv);
void h_cleanup(void);

/* mke2fs -t ext2 -b bs [extra] [-d srcdir] NAME size_kib, loaded into im. */
void h_mkfs(struct img *im, const char *name, unsigned bs, unsigned size_kib,
            const char *extra, const char *srcdir);
void h_img_load(struct img *im, const char *path);
void h_img_save(const struct img *im);
void h_img_free(struct img *im);
void h_img_copy(struct img *dst, const struct img *src);

/* The RAM device over im (fails the test on any access outside the image). */
struct ext2_blkdev h_dev(struct img *im);

/* Mount im (asserting success) and unmount (asserting success and that no
 * buffer or in-core inode is still held). */
struct ext2_fs *h_mount(struct img *im, unsigned flags);
struct ext2_fs *h_mount_cache(struct img *im, unsigned flags, unsigned cache);
int h_mount_err(struct img *im, unsigned flags, struct ext2_fs **fs, char *msg,
                size_t msg_size);
void h_unmount(struct ext2_fs *fs);
/* No buffer held; exactly `open` in-core inodes alive. */
void h_check_idle(struct ext2_fs *fs, unsigned open);

/* Run a shell command; its output (stdout+stderr, malloc'd) and exit status. */
int h_run(const char *cmd, char **out);
/* Save im and run e2fsck -fn on it: fail the test (with its output) unless clean. */
void h_fsck_clean(const struct img *im);
/* debugfs -R req on the saved image: stdout (malloc'd, *len bytes). */
char *h_debugfs(const struct img *im, const char *req, size_t *len);

/* Byte offset in im of path's inode (debugfs imap on the saved image). */
size_t h_inode_off(const struct img *im, const char *path);

/* Deterministic data. */
uint64_t h_rand(uint64_t *state);
void h_fill(uint8_t *buf, size_t n, uint64_t seed);
uint64_t h_hash(const void *buf, size_t n, uint64_t h);

/* Shortcuts that assert EXT2_OK. */
void h_write_file(struct ext2_fs *fs, const char *path, const void *buf, size_t n);
/* Read a whole file (malloc'd, *n bytes). */
uint8_t *h_read_file(struct ext2_fs *fs, const char *path, size_t *n);
/* Number of entries in a directory, "." and ".." included. */
unsigned h_count_dir(struct ext2_fs *fs, const char *path);

#define H_OK(expr) assert_int_equal((expr), EXT2_OK)

#endif /* EXT2_HARNESS_H */
