/* SPDX-License-Identifier: MIT */
/*
 * C types, flags, limits and error codes of the file protocol (fs.defs),
 * served by the `fs` server.  See docs/storage.md.
 */
#ifndef _RVMACH_FS_TYPES_H_
#define _RVMACH_FS_TYPES_H_

#include <stdint.h>

/* A path: at most FS_PATH_MAX bytes with its terminating NUL, which it must have. */
#define FS_PATH_MAX 4096
typedef char fs_path_t[FS_PATH_MAX];
typedef const char *const_fs_path_t;

/* Inline data (fs_read, fs_write) and directory listings: at most FS_INLINE_MAX bytes. */
#define FS_INLINE_MAX 8192
typedef char fs_data_t[FS_INLINE_MAX];
typedef const char *const_fs_data_t;

/* The most bytes one fs_read_ool or fs_write_ool moves. */
#define FS_IO_MAX (1u << 20)

/* fs_open flags. */
#define FS_O_READ       0x01    /* fs_read allowed */
#define FS_O_WRITE      0x02    /* fs_write and fs_ftruncate allowed */
#define FS_O_CREAT      0x04    /* create a regular file if missing */
#define FS_O_EXCL       0x08    /* with CREAT: FS_EEXIST if it exists */
#define FS_O_TRUNC      0x10    /* cut a regular file to 0 bytes (needs WRITE) */
#define FS_O_APPEND     0x20    /* every write goes to the end of the file */
#define FS_O_DIRECTORY  0x40    /* FS_ENOTDIR unless a directory */
#define FS_O_ALL        0x7f

/* fs_seek whence. */
#define FS_SEEK_SET 0
#define FS_SEEK_CUR 1
#define FS_SEEK_END 2

/* What fs_stat and fs_fstat return (12 64-bit words). */
typedef struct {
    uint64_t ino;
    uint64_t mode;          /* FS_S_IF* | permission bits (as ext2 keeps them) */
    uint64_t nlink;
    uint64_t uid, gid;
    uint64_t size;
    uint64_t blocks;        /* 512-byte units */
    uint64_t blksize;
    uint64_t atime, mtime, ctime;   /* seconds since 1970 */
    uint64_t flags;
} fs_stat_t;

#define FS_S_IFMT   0xF000
#define FS_S_IFDIR  0x4000
#define FS_S_IFREG  0x8000
#define FS_S_IFLNK  0xA000

/* What fs_statfs returns (8 64-bit words). */
typedef struct {
    uint64_t block_size;
    uint64_t blocks, free_blocks;
    uint64_t inodes, free_inodes;
    uint64_t name_max;
    uint64_t read_only;     /* 1: mounted read-only, or made so by damage found */
    uint64_t open_files;
} fs_statfs_t;

/*
 * One entry of an fs_readdir answer; entries follow each other, each
 * reclen bytes (a multiple of 8), name NUL-terminated.
 */
struct fs_dirent {
    uint32_t ino;
    uint16_t reclen;
    uint8_t type;           /* FS_DT_* */
    uint8_t namelen;        /* without the NUL */
    char name[];
};
#define FS_DT_UNKNOWN 0
#define FS_DT_REG 1
#define FS_DT_DIR 2
#define FS_DT_LNK 7

/*
 * Error codes (kern_return_t values) of fs requests, beside MIG's.  The
 * first sixteen follow the ext2 library's errors (FS_E... = 8349 + EXT2_E...).
 */
#define FS_ENOENT       8350    /* no such file or directory */
#define FS_EEXIST       8351
#define FS_ENOTDIR      8352
#define FS_EISDIR       8353
#define FS_ENOTEMPTY    8354
#define FS_ENOSPC       8355
#define FS_EINVAL       8356    /* bad argument: flags, offset, size, unterminated path ... */
#define FS_EIO          8357    /* the disk failed */
#define FS_ECORRUPT     8358    /* the file system is damaged (now read-only) */
#define FS_EROFS        8359
#define FS_ENAMETOOLONG 8360
#define FS_EFBIG        8361
#define FS_ENOMEM       8362
#define FS_EUNSUPP      8363
#define FS_EMLINK       8364
#define FS_EBUSY        8365
#define FS_EBADF        8366    /* not an open file, or not opened for this */
#define FS_ESHUTDOWN    8367    /* the file system is unmounted */
#define FS_EMFILE       8368    /* the server has too many files open */

#endif /* _RVMACH_FS_TYPES_H_ */
