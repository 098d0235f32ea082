/* SPDX-License-Identifier: MIT */
/*
 * Internals of the ext2 library: on-disk layout (offsets of the fields we
 * use), little-endian access, the in-core structures, and the functions the
 * library's files call in each other. Not for users of the library.
 */
#ifndef EXT2_INT_H
#define EXT2_INT_H

#include <string.h>

#include "ext2.h"

/* ---- on-disk layout ----------------------------------------------------- */

#define EXT2_MAGIC          0xEF53
#define EXT2_SB_OFFSET      1024        /* byte offset of the superblock */
#define EXT2_SB_SIZE        1024
#define EXT2_ROOT_INO       2
#define EXT2_OLD_FIRST_INO  11
#define EXT2_OLD_INODE_SIZE 128
#define EXT2_EXTRA_ISIZE    32          /* i_extra_isize of new large inodes */
#define EXT2_NDIR           12          /* direct pointers in i_block */
#define EXT2_NBLOCKS        15          /* i_block: 12 direct, IND, DIND, TIND */
#define EXT2_LINK_MAX       32000
#define EXT2_DESC_SIZE      32
#define EXT2_MIN_CACHE      16
#define EXT2_EA_MAGIC       0xEA020000u

/* Superblock field offsets. */
enum {
    SB_INODES_COUNT = 0, SB_BLOCKS_COUNT = 4, SB_FREE_BLOCKS = 12,
    SB_FREE_INODES = 16, SB_FIRST_DATA_BLOCK = 20, SB_LOG_BLOCK_SIZE = 24,
    SB_BLOCKS_PER_GROUP = 32, SB_INODES_PER_GROUP = 40, SB_MTIME = 44,
    SB_WTIME = 48, SB_MNT_COUNT = 52, SB_MAGIC = 56, SB_STATE = 58,
    SB_REV_LEVEL = 76, SB_FIRST_INO = 84, SB_INODE_SIZE = 88,
    SB_FEATURE_COMPAT = 92, SB_FEATURE_INCOMPAT = 96,
    SB_FEATURE_RO_COMPAT = 100, SB_RESERVED_GDT = 206, SB_MKFS_TIME = 264,
    SB_BACKUP_BGS = 588,
};

/* s_state bits. */
#define EXT2_STATE_VALID 0x0001
#define EXT2_STATE_ERROR 0x0002

/* Feature bits this library knows by behaviour (names in ext2_super.c). */
#define EXT2_COMPAT_HAS_JOURNAL     0x0004
#define EXT2_COMPAT_RESIZE_INODE    0x0010
#define EXT2_COMPAT_SPARSE_SUPER2   0x0200
#define EXT2_INCOMPAT_FILETYPE      0x0002
#define EXT2_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_RO_COMPAT_LARGE_FILE   0x0002

/* Group descriptor field offsets. */
enum {
    GD_BLOCK_BITMAP = 0, GD_INODE_BITMAP = 4, GD_INODE_TABLE = 8,
    GD_FREE_BLOCKS = 12, GD_FREE_INODES = 14, GD_USED_DIRS = 16,
};

/* Inode field offsets. */
enum {
    I_MODE = 0, I_UID = 2, I_SIZE = 4, I_ATIME = 8, I_CTIME = 12,
    I_MTIME = 16, I_DTIME = 20, I_GID = 24, I_LINKS = 26, I_BLOCKS = 28,
    I_FLAGS = 32, I_BLOCK = 40, I_GENERATION = 100, I_FILE_ACL = 104,
    I_SIZE_HIGH = 108, I_UID_HIGH = 120, I_GID_HIGH = 122,
    I_EXTRA_ISIZE = 128, I_CTIME_EXTRA = 132, I_MTIME_EXTRA = 136,
    I_ATIME_EXTRA = 140,
};

/* i_flags bits. */
#define EXT2_INDEX_FL       0x00001000u     /* hashed-index (htree) directory */
#define EXT4_EXTENTS_FL     0x00080000u
#define EXT4_INLINE_DATA_FL 0x10000000u

/* Directory entry: inode (4), rec_len (2), name_len (1), file_type (1), name. */
#define EXT2_DIRENT_HDR 8

static inline uint32_t ext2_de_reclen(uint32_t name_len)
{
    return (EXT2_DIRENT_HDR + name_len + 3) & ~3u;
}

/* ---- little-endian fields ----------------------------------------------- */

static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ---- in-core structures ------------------------------------------------- */

#define EXT2_BLK_NONE 0xFFFFFFFFu

/* Buffer flags. */
#define B_DIRTY 0x1

/* One cached block. A buffer with refs > 0 is never evicted. */
struct ext2_buf {
    uint32_t blk;               /* EXT2_BLK_NONE: holds nothing */
    uint16_t refs;
    uint8_t flags;
    struct ext2_buf *hnext;     /* hash chain */
    struct ext2_buf *lru_prev, *lru_next;   /* most recently used first */
    uint8_t *data;
};

struct ext2_cache {
    struct ext2_buf *bufs;
    uint32_t nbufs, ndirty;
    struct ext2_buf **hash;
    unsigned hshift;            /* 32 - log2(hash buckets) */
    struct ext2_buf lru;        /* list head */
    uint8_t *mem;
};

/* A block group, decoded. Its metadata lies in [first_block, meta_end) (super
 * block copy, descriptors, reserved descriptors), the two bitmaps and the
 * inode table, all checked at mount to be inside the group. */
struct ext2_group {
    uint32_t block_bitmap, inode_bitmap, inode_table;
    uint32_t free_blocks, free_inodes, used_dirs;
    uint32_t first_block, nblocks, meta_end;
};

/* The in-core inode; also the handle of an open file (refs counts holders). */
struct ext2_file {
    struct ext2_fs *fs;
    struct ext2_file *hnext;    /* node table chain */
    uint32_t ino;
    uint32_t refs;
    uint16_t mode, links;
    uint32_t uid, gid;
    uint64_t size;
    uint32_t atime, ctime, mtime, dtime;
    uint32_t iblocks;           /* i_blocks: 512-byte units */
    uint32_t flags;
    uint32_t block[EXT2_NBLOCKS];
    uint32_t generation, file_acl;
    uint32_t goal;              /* where the next block is best allocated */
};

#define EXT2_NODE_HASH 64

struct ext2_fs {
    struct ext2_blkdev dev;
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr);
    void *mem_ctx;
    uint32_t (*now)(void *ctx);
    void *now_ctx;
    uint32_t uid, gid;

    /* Geometry, from the superblock. */
    uint32_t bs, log_bs, sec_shift, ppb_shift, spb;    /* spb: 512-byte units */
    uint32_t blocks_count, first_data_block, bpg, ipg, inodes_count;
    uint32_t first_ino, inode_size, ngroups, gdt_blocks, reserved_gdt;
    uint32_t itable_blocks;
    uint32_t rev, compat, incompat, ro_compat, backup_bgs[2];
    uint16_t state;             /* s_state as it will be written */
    bool clean_at_mount;
    uint32_t time_base;         /* "now" without a clock */
    uint64_t max_size;          /* largest regular file */
    uint32_t sb_blk, sb_off;    /* the primary superblock within the cache */

    /* Counts kept in core and written at sync. */
    uint32_t free_blocks, free_inodes, used_dirs;
    struct ext2_group *groups;
    bool meta_dirty;            /* group descriptors / superblock to write */

    bool rdonly;                /* mounted read-only */
    bool errors;                /* corruption found: read-only from now on */
    bool filetype;              /* directory entries carry a type */
    uint32_t next_gen;

    struct ext2_cache cache;
    struct ext2_file *nodes[EXT2_NODE_HASH];
    struct ext2_stats stats;
    char msg[160];
};

/* ---- shared helpers ----------------------------------------------------- */

static inline bool ext2_is_dir(const struct ext2_file *f)
{
    return (f->mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
}

static inline bool ext2_is_reg(const struct ext2_file *f)
{
    return (f->mode & EXT2_S_IFMT) == EXT2_S_IFREG;
}

static inline bool ext2_is_lnk(const struct ext2_file *f)
{
    return (f->mode & EXT2_S_IFMT) == EXT2_S_IFLNK;
}

/* ext2.c */
void *ext2_zalloc(struct ext2_fs *fs, size_t size);
void ext2_mfree(struct ext2_fs *fs, void *p);
uint32_t ext2_now(struct ext2_fs *fs);
void ext2_note(struct ext2_fs *fs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ext2_corrupt(struct ext2_fs *fs, const char *what);
int ext2_check_rw(const struct ext2_fs *fs);

/* ext2_super.c */
int ext2_super_decode(struct ext2_fs *fs, const uint8_t *sb);
int ext2_super_features(struct ext2_fs *fs);
int ext2_groups_load(struct ext2_fs *fs);
int ext2_super_write(struct ext2_fs *fs);
int ext2_groups_write(struct ext2_fs *fs);

/* ext2_cache.c */
int ext2_cache_init(struct ext2_fs *fs, uint32_t nbufs);
void ext2_cache_fini(struct ext2_fs *fs);
int ext2_bread(struct ext2_fs *fs, uint32_t blk, struct ext2_buf **out);
int ext2_bget(struct ext2_fs *fs, uint32_t blk, struct ext2_buf **out);
void ext2_brelse(struct ext2_fs *fs, struct ext2_buf *b);
void ext2_bdirty(struct ext2_fs *fs, struct ext2_buf *b);
void ext2_bforget(struct ext2_fs *fs, uint32_t blk);
bool ext2_bcached(struct ext2_fs *fs, uint32_t blk);
int ext2_bflush(struct ext2_fs *fs);
int ext2_dev_read(struct ext2_fs *fs, uint32_t blk, uint32_t count, void *buf);

/* ext2_alloc.c */
bool ext2_blk_is_meta(const struct ext2_fs *fs, uint32_t blk);
int ext2_check_blk(struct ext2_fs *fs, uint32_t blk);
int ext2_blk_in_use(struct ext2_fs *fs, uint32_t blk, bool *used);
int ext2_alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
int ext2_free_block(struct ext2_fs *fs, uint32_t blk);
int ext2_ino_in_use(struct ext2_fs *fs, uint32_t ino, bool *used);
int ext2_alloc_inode(struct ext2_fs *fs, uint32_t parent, bool dir,
                     uint32_t *out);
int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool dir);

/* ext2_inode.c */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_file **out);
void ext2_iput(struct ext2_file *f);
int ext2_iwrite(struct ext2_file *f);
int ext2_inew(struct ext2_file *dir, uint16_t mode, struct ext2_file **out);
int ext2_release_check(struct ext2_file *f);
void ext2_iput_all(struct ext2_fs *fs);
bool ext2_has_blocks(const struct ext2_file *f);

/* ext2_bmap.c */
#define EXT2_BMAP_ALLOC 0x1
int ext2_bmap(struct ext2_file *f, uint64_t lblk, unsigned flags,
              uint32_t *pblk, bool *fresh);
int ext2_bmap_run(struct ext2_file *f, uint64_t lblk, uint32_t max,
                  uint32_t *pblk, uint32_t *count);

/* ext2_trunc.c */
int ext2_trunc_blocks(struct ext2_file *f, uint64_t from);
int ext2_trunc_check(struct ext2_file *f, uint64_t from);

/* ext2_file.c */
void ext2_touch(struct ext2_file *f, bool mtime);

/* ext2_dir.c */
struct ext2_slot {
    uint32_t lblk, off;         /* directory block and byte offset in it */
    uint32_t ino;
};

/* The result of scanning a directory for a name (and for room for it). */
struct ext2_scan {
    bool found;
    struct ext2_slot hit;       /* the entry named, if found */
    bool have_space;
    struct ext2_slot space;     /* an entry with room for the name, if any */
};

int ext2_dir_scan(struct ext2_file *dir, const char *name, size_t len,
                  bool want_space, struct ext2_scan *s);
int ext2_dir_lookup(struct ext2_file *dir, const char *name, size_t len,
                    struct ext2_slot *slot);
int ext2_dir_insert(struct ext2_file *dir, const struct ext2_scan *s,
                    const char *name, size_t len, uint32_t ino, uint8_t type);
int ext2_dir_remove(struct ext2_file *dir, const struct ext2_slot *slot);
int ext2_dir_set(struct ext2_file *dir, const struct ext2_slot *slot,
                 uint32_t ino, uint8_t type);
int ext2_dir_empty(struct ext2_file *dir, bool *empty);
int ext2_dir_dotdot(struct ext2_file *dir, struct ext2_slot *slot);
int ext2_dir_set_dotdot(struct ext2_file *dir, const struct ext2_slot *slot,
                        uint32_t parent);
void ext2_dir_init_block(struct ext2_fs *fs, uint8_t *data, uint32_t self,
                         uint32_t parent);
uint8_t ext2_mode_to_ft(uint16_t mode);

#endif /* EXT2_INT_H */
