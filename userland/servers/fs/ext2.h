/* SPDX-License-Identifier: MIT */
/*
 * ext2: the file-system library of the user-level `fs` server. It reads and
 * writes ext2 (revision 0 and 1, 1/2/4 KiB blocks) through a block-device
 * interface of callbacks and knows nothing of the kernel or of POSIX.
 *
 * How it is put together (one concern per file, see docs/ext2.md):
 *   ext2.c        mount, unmount, sync, statfs, error strings
 *   ext2_super.c  superblock and group descriptors: decode, check, encode
 *   ext2_cache.c  the block cache and the calls to the block device
 *   ext2_alloc.c  block and inode bitmaps, free counts
 *   ext2_inode.c  in-core inodes (struct ext2_file): table, decode, release
 *   ext2_bmap.c   logical to physical blocks: direct and indirect blocks
 *   ext2_trunc.c  freeing a file's blocks (truncate, delete)
 *   ext2_file.c   read, write, truncate, stat, readlink
 *   ext2_dir.c    directory entries: lookup, insert, remove, readdir
 *   ext2_namei.c  paths and the operations on names (open, mkdir, rename ...)
 *
 * Conventions:
 *   - Every function returns an enum ext2_err (EXT2_OK is 0). Nothing aborts:
 *     bad requests give EXT2_EINVAL and friends, damaged images EXT2_ECORRUPT.
 *   - The first EXT2_ECORRUPT makes the mount read-only for the rest of its
 *     life (like Linux errors=remount-ro): later changes give EXT2_EROFS, and
 *     the superblock is marked "has errors" at the next sync so that e2fsck
 *     checks it. Checks come before changes wherever the operation allows
 *     (decode, then perform), so a refused operation leaves the image as it was.
 *   - Single-threaded: the caller serialises all calls on one mount.
 *   - Paths are NUL-terminated, at most EXT2_PATH_MAX bytes, components at
 *     most EXT2_NAME_MAX bytes; '/' separates; "." and ".." are the entries
 *     on disk. Symbolic links are not followed. A path starting with '/' is
 *     resolved from the root, others from `at` (NULL: the root).
 *   - No atime updates. Reserved blocks (s_r_blocks_count) are not enforced.
 *   - Files are kept in memory while open: struct ext2_file is the in-core
 *     inode, shared by all openers of the same inode. A file unlinked while
 *     open keeps its blocks until the last ext2_close().
 */
#ifndef EXT2_H
#define EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ext2_err {
    EXT2_OK = 0,
    EXT2_ENOENT,        /* no such file or directory */
    EXT2_EEXIST,        /* the name exists already */
    EXT2_ENOTDIR,       /* a path component or the target is not a directory */
    EXT2_EISDIR,        /* the operation needs a non-directory */
    EXT2_ENOTEMPTY,     /* directory not empty */
    EXT2_ENOSPC,        /* no free block or inode */
    EXT2_EINVAL,        /* bad argument */
    EXT2_EIO,           /* the block device failed */
    EXT2_ECORRUPT,      /* the image is damaged (see ext2_fs_message()) */
    EXT2_EROFS,         /* mounted read-only, or read-only after an error */
    EXT2_ENAMETOOLONG,  /* a name over 255 bytes or a path over 4096 */
    EXT2_EFBIG,         /* beyond the largest file size */
    EXT2_ENOMEM,        /* the allocator failed or every cache buffer is busy */
    EXT2_EUNSUPP,       /* the image uses a feature this library cannot honour */
    EXT2_EMLINK,        /* too many links */
    EXT2_EBUSY,         /* the root cannot be removed or renamed */
    EXT2_NERR
};

#define EXT2_NAME_MAX 255
#define EXT2_PATH_MAX 4096

/* File types and permission bits of ext2_stat.mode (as on disk). */
#define EXT2_S_IFMT   0xF000
#define EXT2_S_IFSOCK 0xC000
#define EXT2_S_IFLNK  0xA000
#define EXT2_S_IFREG  0x8000
#define EXT2_S_IFBLK  0x6000
#define EXT2_S_IFDIR  0x4000
#define EXT2_S_IFCHR  0x2000
#define EXT2_S_IFIFO  0x1000

/* Directory entry types (ext2_dirent.type); 0 when the image has none. */
enum {
    EXT2_FT_UNKNOWN, EXT2_FT_REG_FILE, EXT2_FT_DIR, EXT2_FT_CHRDEV,
    EXT2_FT_BLKDEV, EXT2_FT_FIFO, EXT2_FT_SOCK, EXT2_FT_SYMLINK
};

/*
 * The block device. LBAs count sectors of sector_size bytes (a power of two,
 * 512 to 4096, at most the file-system block size). Each callback returns
 * EXT2_OK or another value (taken as EXT2_EIO). The library never asks for a
 * sector beyond the file system's last block, nor beyond nsectors.
 */
struct ext2_blkdev {
    void *ctx;
    uint32_t sector_size;
    uint64_t nsectors;
    int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf);
    int (*write)(void *ctx, uint64_t lba, uint32_t count, const void *buf);
    int (*flush)(void *ctx);            /* may be NULL */
};

/* Mount flags. */
#define EXT2_MOUNT_RDONLY 0x1   /* never write to the device */
#define EXT2_MOUNT_FORCE  0x2   /* mount read-write even if not cleanly unmounted */

/* Mount options; a zeroed struct (or NULL) gives the defaults. */
struct ext2_opts {
    unsigned flags;             /* EXT2_MOUNT_* */
    unsigned cache_blocks;      /* block buffers; 0: 64, at least 16 */
    /* Memory: NULL alloc/free use malloc/free. */
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr);
    void *mem_ctx;
    /* Seconds since 1970 for timestamps; NULL: the superblock's last write time. */
    uint32_t (*now)(void *ctx);
    void *now_ctx;
    uint32_t uid, gid;          /* owner of new inodes */
    /* Why a mount failed or was made read-only (NUL-terminated); may be NULL. */
    char *msg;
    size_t msg_size;
};

struct ext2_fs;     /* one mounted file system */
struct ext2_file;   /* one in-core inode: an open file or directory */

struct ext2_stat {
    uint32_t ino;
    uint16_t mode;          /* EXT2_S_IF* | permission bits */
    uint16_t links;
    uint32_t uid, gid;
    uint64_t size;
    uint64_t blocks;        /* 512-byte units, data and indirect blocks */
    uint32_t atime, mtime, ctime;
    uint32_t flags;         /* i_flags, e.g. 0x1000 = hashed-index directory */
    uint32_t blksize;
};

struct ext2_statfs {
    uint32_t block_size;
    uint32_t blocks, free_blocks;
    uint32_t inodes, free_inodes;
    uint32_t name_max;
    bool readonly;          /* mounted read-only or turned read-only by an error */
};

/* Counters for measurement and tests. */
struct ext2_stats {
    uint64_t cache_hits, cache_misses;
    uint64_t dev_reads, dev_read_blocks;    /* device calls, fs blocks moved */
    uint64_t dev_writes, dev_write_blocks;
};

/* One directory entry from ext2_readdir(). */
struct ext2_dirent {
    uint32_t ino;           /* 0: no more entries */
    uint8_t type;           /* EXT2_FT_* */
    uint8_t name_len;
    char name[EXT2_NAME_MAX + 1];   /* NUL-terminated */
};

/* Open flags. */
#define EXT2_O_WRITE     0x01   /* will write: needs read-write, not a directory */
#define EXT2_O_CREAT     0x02   /* create a regular file if missing */
#define EXT2_O_EXCL      0x04   /* with CREAT: fail with EEXIST if it exists */
#define EXT2_O_TRUNC     0x08   /* truncate a regular file to 0 */
#define EXT2_O_DIRECTORY 0x10   /* fail with ENOTDIR unless a directory */

/* ---- errors ------------------------------------------------------------- */

/* A short English description of err ("unknown error" if out of range). */
const char *ext2_strerror(int err);

/* ---- mounting ----------------------------------------------------------- */

/*
 * Check the superblock and group descriptors on dev and mount the file
 * system. opts may be NULL. Refuses (and says why in opts->msg): a bad or
 * absurd superblock (ECORRUPT), INCOMPAT features other than filetype, block
 * sizes other than 1/2/4 KiB, sector size over the block size (EUNSUPP), a
 * device smaller than the file system (ECORRUPT). Mounts read-only, saying
 * why in opts->msg: a journal (ext3), RO_COMPAT features not maintained here,
 * a file system not cleanly unmounted or with errors (unless
 * EXT2_MOUNT_FORCE), a device without a write callback. Read-write mounts
 * mark the superblock not clean until ext2_unmount().
 * Returns EXT2_OK and *out, or ECORRUPT, EUNSUPP, EINVAL, EIO, ENOMEM.
 */
int ext2_mount(const struct ext2_blkdev *dev, const struct ext2_opts *opts,
               struct ext2_fs **out);

/*
 * Close every file still open (their handles become invalid), write all
 * dirty blocks, the group descriptors and the superblock (marked clean unless
 * it was not clean at mount or an error was found), flush, and free fs.
 * fs is freed even when an error is returned (EIO).
 */
int ext2_unmount(struct ext2_fs *fs);

/* Write all dirty blocks, the group descriptors and the superblock; flush.
 * Returns EXT2_OK or EIO. Does nothing on a read-only mount. */
int ext2_sync(struct ext2_fs *fs);

/* Sizes and free counts. Returns EXT2_OK, or EINVAL if fs is NULL. */
int ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st);

/* Cache and device counters since mount. */
void ext2_get_stats(const struct ext2_fs *fs, struct ext2_stats *st);

/* The first problem noted on this mount (read-only reason or the first
 * corruption found), or "" if none. */
const char *ext2_fs_message(const struct ext2_fs *fs);

/* ---- names -------------------------------------------------------------- */

/*
 * Open path (see the flags above) and return its in-core inode in *out, to
 * be released with ext2_close(). mode: permission bits for a new file.
 * Returns ENOENT, ENOTDIR, EISDIR (a directory with WRITE/TRUNC), EEXIST,
 * EROFS, ENOSPC, ENAMETOOLONG, EINVAL, ECORRUPT, EIO, ENOMEM, EMLINK.
 */
int ext2_open(struct ext2_fs *fs, struct ext2_file *at, const char *path,
              unsigned flags, uint32_t mode, struct ext2_file **out);

/* Release an open file; the last close of an unlinked file frees it.
 * Returns EXT2_OK (EINVAL if f is NULL). */
int ext2_close(struct ext2_file *f);

/* stat() of path. Returns as ext2_open(). */
int ext2_stat(struct ext2_fs *fs, struct ext2_file *at, const char *path,
              struct ext2_stat *st);

/* Make a directory (mode: permission bits). Returns EEXIST, ENOENT,
 * ENOTDIR, EMLINK (parent has 32000 links), ENOSPC, EROFS, ... */
int ext2_mkdir(struct ext2_fs *fs, struct ext2_file *at, const char *path,
               uint32_t mode);

/* Remove an empty directory. Returns ENOTEMPTY, ENOTDIR, EBUSY (the root),
 * EINVAL (last component "."), ENOENT, EROFS, ... */
int ext2_rmdir(struct ext2_fs *fs, struct ext2_file *at, const char *path);

/* Remove a name of a non-directory (EISDIR for a directory). */
int ext2_unlink(struct ext2_fs *fs, struct ext2_file *at, const char *path);

/*
 * Rename from to `to` (POSIX rename): files and directories, across
 * directories; an existing `to` is replaced if it is a non-directory and
 * `from` is one, or an empty directory and `from` is a directory. Moving a
 * directory updates its ".." and the link counts. Renaming a name onto
 * another name of the same inode does nothing. Returns ENOENT, EISDIR,
 * ENOTDIR, ENOTEMPTY, EINVAL (into itself, or "."/".."), EBUSY, EMLINK,
 * ENOSPC, EROFS, ...
 */
int ext2_rename(struct ext2_fs *fs, struct ext2_file *at, const char *from,
                const char *to);

/* A new name `to` for the non-directory `from` (EISDIR for a directory,
 * EMLINK at 32000 links, EEXIST). */
int ext2_link(struct ext2_fs *fs, struct ext2_file *at, const char *from,
              const char *to);

/* A symbolic link at path containing target (1 to block size - 1 bytes;
 * ENAMETOOLONG beyond). */
int ext2_symlink(struct ext2_fs *fs, struct ext2_file *at, const char *target,
                 const char *path);

/* Truncate or extend the regular file at path to size. */
int ext2_truncate(struct ext2_fs *fs, struct ext2_file *at, const char *path,
                  uint64_t size);

/* ---- open files --------------------------------------------------------- */

/*
 * Read up to len bytes at off into buf; *done gets the count (0 at or past
 * the end of file; holes read as zeros). Returns EXT2_OK, EISDIR (a
 * directory), EINVAL (not a regular file), ECORRUPT, EIO, ENOMEM; on an
 * error *done still counts the bytes read before it.
 */
int ext2_pread(struct ext2_file *f, void *buf, size_t len, uint64_t off,
               size_t *done);

/*
 * Write len bytes from buf at off, growing the file as needed (a gap becomes
 * a hole). A write reaching past the largest file size is cut there (EFBIG
 * if nothing fits). *done counts the bytes written: on ENOSPC or another
 * error it may be short, and the file then ends after the written bytes.
 */
int ext2_pwrite(struct ext2_file *f, const void *buf, size_t len,
                uint64_t off, size_t *done);

/* Set the size of a regular file: shrinking frees blocks (indirect ones
 * too), growing leaves a hole. Returns EISDIR, EINVAL, EFBIG, EROFS, ... */
int ext2_ftruncate(struct ext2_file *f, uint64_t size);

/* stat() of an open file. Returns EXT2_OK or EINVAL. */
int ext2_fstat(const struct ext2_file *f, struct ext2_stat *st);

/*
 * The next entry of directory dir at or after *cursor (start with 0): fills
 * *ent and advances *cursor; at the end ent->ino is 0. Includes "." and "..".
 * Cursors stay valid while the directory changes (entries added after the
 * cursor may or may not be seen). Returns EXT2_OK, ENOTDIR, ECORRUPT, EIO.
 */
int ext2_readdir(struct ext2_file *dir, uint64_t *cursor,
                 struct ext2_dirent *ent);

/* The target of symbolic link f: up to size bytes into buf, NUL-terminated
 * if there is room; *len gets the full length. Returns EINVAL if f is not a
 * symbolic link. */
int ext2_readlink(struct ext2_file *f, char *buf, size_t size, size_t *len);

#endif /* EXT2_H */
