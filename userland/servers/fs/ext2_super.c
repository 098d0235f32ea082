// SPDX-License-Identifier: MIT
/*
 * The superblock and the group descriptors: decode and check them at mount,
 * decide which features can be honoured, and write the counts back at sync.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ext2_int.h"

/* Refuse the mount: note why (replacing any earlier note) and return err. */
static int refuse(struct ext2_fs *fs, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(struct ext2_fs *fs, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fs->msg, sizeof(fs->msg), fmt, ap);
    va_end(ap);
    return err;
}

static unsigned log2u(uint32_t v)
{
    unsigned n = 0;
    while (v > 1) {
        v >>= 1;
        n++;
    }
    return n;
}

/* Is a a power of b (b^1, b^2, ...)? */
static bool is_power_of(uint32_t a, uint32_t b)
{
    uint64_t n = b;
    while (n < a)
        n *= b;
    return n == a;
}

/* Does group g hold a copy of the superblock and descriptors? */
static bool group_has_super(const struct ext2_fs *fs, uint32_t g)
{
    if (g == 0)
        return true;
    if (fs->compat & EXT2_COMPAT_SPARSE_SUPER2)
        return g == fs->backup_bgs[0] || g == fs->backup_bgs[1];
    if (g == 1 || !(fs->ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER))
        return true;
    if ((g & 1) == 0)
        return false;
    return is_power_of(g, 3) || is_power_of(g, 5) || is_power_of(g, 7);
}

/*
 * The largest regular file: what the block tree addresses, cut so that
 * i_blocks (32 bits of 512-byte units, data and indirect blocks) cannot
 * overflow; 2 GiB - 1 on revision 0 (no large_file feature there).
 */
static uint64_t max_file_size(const struct ext2_fs *fs)
{
    uint64_t ppb = 1ull << fs->ppb_shift;
    uint64_t tree = EXT2_NDIR + ppb + ppb * ppb + ppb * ppb * ppb;
    uint64_t limit = 0xFFFFFFFFull >> (fs->log_bs - 9);
    uint64_t meta = 1 + (1 + ppb) + (1 + ppb + ppb * ppb);
    if (tree + meta > limit)
        tree = limit - meta;
    uint64_t size = tree << fs->log_bs;
    if (fs->rev == 0 && size > 0x7FFFFFFF)
        size = 0x7FFFFFFF;
    return size;
}

/* Block size, groups, and the device's size. */
static int decode_blocks(struct ext2_fs *fs, const uint8_t *sb)
{
    uint32_t log = get32(sb + SB_LOG_BLOCK_SIZE);
    if (log > 6)
        return refuse(fs, EXT2_ECORRUPT, "absurd block size (log %u)", log);
    if (log > 2)
        return refuse(fs, EXT2_EUNSUPP,
                      "block size %u not supported (1, 2 or 4 KiB)", 1024u << log);
    fs->log_bs = 10 + log;
    fs->bs = 1u << fs->log_bs;
    fs->ppb_shift = fs->log_bs - 2;
    fs->spb = fs->bs >> 9;
    if (fs->dev.sector_size > fs->bs)
        return refuse(fs, EXT2_EUNSUPP, "sector size %u exceeds the block size %u",
                      fs->dev.sector_size, fs->bs);
    fs->sec_shift = fs->log_bs - log2u(fs->dev.sector_size);
    fs->first_data_block = get32(sb + SB_FIRST_DATA_BLOCK);
    if (fs->first_data_block != (fs->bs == 1024 ? 1u : 0u))
        return refuse(fs, EXT2_ECORRUPT, "first data block %u is wrong for %u-byte blocks",
                      fs->first_data_block, fs->bs);
    fs->blocks_count = get32(sb + SB_BLOCKS_COUNT);
    fs->bpg = get32(sb + SB_BLOCKS_PER_GROUP);
    if (fs->bpg < 8 || fs->bpg > 8 * fs->bs || fs->bpg % 8 != 0)
        return refuse(fs, EXT2_ECORRUPT, "bad blocks per group %u", fs->bpg);
    if (fs->blocks_count <= fs->first_data_block + 1)
        return refuse(fs, EXT2_ECORRUPT, "bad block count %u", fs->blocks_count);
    uint64_t dev_blocks = fs->dev.nsectors >> fs->sec_shift;
    if (fs->blocks_count > dev_blocks)
        return refuse(fs, EXT2_ECORRUPT, "file system (%u blocks) larger than the device "
                      "(%llu blocks)", fs->blocks_count, (unsigned long long)dev_blocks);
    fs->ngroups = (fs->blocks_count - fs->first_data_block - 1) / fs->bpg + 1;
    fs->gdt_blocks = (uint32_t)(((uint64_t)fs->ngroups * EXT2_DESC_SIZE + fs->bs - 1) >>
                                fs->log_bs);
    return EXT2_OK;
}

static int decode_inodes(struct ext2_fs *fs, const uint8_t *sb)
{
    fs->inodes_count = get32(sb + SB_INODES_COUNT);
    fs->ipg = get32(sb + SB_INODES_PER_GROUP);
    if (fs->ipg == 0 || fs->ipg > 8 * fs->bs)
        return refuse(fs, EXT2_ECORRUPT, "bad inodes per group %u", fs->ipg);
    if ((uint64_t)fs->ipg * fs->ngroups != fs->inodes_count)
        return refuse(fs, EXT2_ECORRUPT, "inode count %u is not %u groups x %u",
                      fs->inodes_count, fs->ngroups, fs->ipg);
    fs->inode_size = EXT2_OLD_INODE_SIZE;
    fs->first_ino = EXT2_OLD_FIRST_INO;
    if (fs->rev >= 1) {
        fs->inode_size = get16(sb + SB_INODE_SIZE);
        fs->first_ino = get32(sb + SB_FIRST_INO);
    }
    uint32_t isz = fs->inode_size;
    if (isz < EXT2_OLD_INODE_SIZE || isz > fs->bs || (isz & (isz - 1)) != 0)
        return refuse(fs, EXT2_ECORRUPT, "bad inode size %u", isz);
    if (fs->first_ino < EXT2_OLD_FIRST_INO || fs->first_ino > fs->inodes_count)
        return refuse(fs, EXT2_ECORRUPT, "bad first inode %u", fs->first_ino);
    fs->itable_blocks = (uint32_t)(((uint64_t)fs->ipg * isz + fs->bs - 1) >> fs->log_bs);
    return EXT2_OK;
}

static void decode_misc(struct ext2_fs *fs, const uint8_t *sb)
{
    if (fs->rev >= 1) {
        fs->compat = get32(sb + SB_FEATURE_COMPAT);
        fs->incompat = get32(sb + SB_FEATURE_INCOMPAT);
        fs->ro_compat = get32(sb + SB_FEATURE_RO_COMPAT);
    }
    if (fs->compat & EXT2_COMPAT_RESIZE_INODE)
        fs->reserved_gdt = get16(sb + SB_RESERVED_GDT);
    fs->backup_bgs[0] = get32(sb + SB_BACKUP_BGS);
    fs->backup_bgs[1] = get32(sb + SB_BACKUP_BGS + 4);
    fs->state = get16(sb + SB_STATE);
    fs->clean_at_mount = (fs->state & EXT2_STATE_VALID) &&
                         !(fs->state & EXT2_STATE_ERROR);
    uint32_t t = get32(sb + SB_WTIME);
    if (get32(sb + SB_MTIME) > t)
        t = get32(sb + SB_MTIME);
    if (get32(sb + SB_MKFS_TIME) > t)
        t = get32(sb + SB_MKFS_TIME);
    fs->time_base = t;
    fs->next_gen = t;
    fs->sb_blk = EXT2_SB_OFFSET >> fs->log_bs;
    fs->sb_off = EXT2_SB_OFFSET & (fs->bs - 1);
    fs->filetype = (fs->incompat & EXT2_INCOMPAT_FILETYPE) != 0;
    fs->max_size = max_file_size(fs);
}

/*
 * Decode the superblock sb (1 KiB) into fs and check it: magic, revision,
 * block size, group geometry and counts, the device's size. Returns EXT2_OK,
 * ECORRUPT or EUNSUPP with the reason noted.
 */
int ext2_super_decode(struct ext2_fs *fs, const uint8_t *sb)
{
    if (get16(sb + SB_MAGIC) != EXT2_MAGIC)
        return refuse(fs, EXT2_ECORRUPT, "not ext2: bad magic 0x%04x",
                      get16(sb + SB_MAGIC));
    fs->rev = get32(sb + SB_REV_LEVEL);
    if (fs->rev > 1)
        return refuse(fs, EXT2_EUNSUPP, "revision %u not supported", fs->rev);
    int err = decode_blocks(fs, sb);
    if (err == EXT2_OK)
        err = decode_inodes(fs, sb);
    if (err != EXT2_OK)
        return err;
    decode_misc(fs, sb);
    if (fs->reserved_gdt > fs->bs / 4)
        return refuse(fs, EXT2_ECORRUPT, "bad reserved GDT blocks %u", fs->reserved_gdt);
    return EXT2_OK;
}

/* ---- features --------------------------------------------------------------- */

struct feat {
    uint32_t bit;
    const char *name;
};

static const struct feat incompat_feats[] = {
    { 0x0001, "compression" }, { 0x0002, "filetype" }, { 0x0004, "needs_recovery" },
    { 0x0008, "journal_dev" }, { 0x0010, "meta_bg" }, { 0x0040, "extent" },
    { 0x0080, "64bit" }, { 0x0100, "mmp" }, { 0x0200, "flex_bg" },
    { 0x0400, "ea_inode" }, { 0x1000, "dirdata" }, { 0x2000, "metadata_csum_seed" },
    { 0x4000, "large_dir" }, { 0x8000, "inline_data" }, { 0x10000, "encrypt" },
    { 0x20000, "casefold" }, { 0, NULL }
};

static const struct feat ro_compat_feats[] = {
    { 0x0001, "sparse_super" }, { 0x0002, "large_file" }, { 0x0004, "btree_dir" },
    { 0x0008, "huge_file" }, { 0x0010, "uninit_bg" }, { 0x0020, "dir_nlink" },
    { 0x0040, "extra_isize" }, { 0x0100, "quota" }, { 0x0200, "bigalloc" },
    { 0x0400, "metadata_csum" }, { 0x0800, "replica" }, { 0x1000, "read-only" },
    { 0x2000, "project" }, { 0x4000, "shared_blocks" }, { 0x8000, "verity" },
    { 0x10000, "orphan_present" }, { 0, NULL }
};

/* "name,name,0x..." for the bits set. */
static void feat_names(const struct feat *t, uint32_t bits, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (; t->name != NULL && n < size; t++) {
        if (bits & t->bit) {
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", t->name);
            bits &= ~t->bit;
        }
    }
    if (bits != 0 && n < size)
        snprintf(buf + n, size - n, "%s0x%x", n ? "," : "", bits);
}

/*
 * Decide what the features allow: refuse (EUNSUPP) any INCOMPAT feature but
 * filetype; mount read-only with a journal (has_journal: ext3 written
 * without its journal would be inconsistent after a crash) or with RO_COMPAT
 * features not maintained here (only sparse_super and large_file are).
 * COMPAT features are safe by definition: ext_attr (attribute blocks are
 * released with their inode), resize_inode (its blocks are never touched),
 * dir_index (an indexed directory loses its index flag when changed).
 */
int ext2_super_features(struct ext2_fs *fs)
{
    char names[100];
    uint32_t bad = fs->incompat & ~(uint32_t)EXT2_INCOMPAT_FILETYPE;
    if (bad != 0) {
        feat_names(incompat_feats, bad, names, sizeof(names));
        return refuse(fs, EXT2_EUNSUPP, "unsupported incompatible feature(s): %s", names);
    }
    uint32_t ro = fs->ro_compat &
                  ~(uint32_t)(EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE);
    if (ro != 0) {
        feat_names(ro_compat_feats, ro, names, sizeof(names));
        fs->rdonly = true;
        ext2_note(fs, "read-only: feature(s) not maintained here: %s", names);
    }
    if (fs->compat & EXT2_COMPAT_HAS_JOURNAL) {
        fs->rdonly = true;
        ext2_note(fs, "read-only: has a journal (ext3), which is not supported");
    }
    return EXT2_OK;
}

/* ---- group descriptors ------------------------------------------------------ */

static void decode_group(struct ext2_fs *fs, uint32_t g, const uint8_t *p)
{
    struct ext2_group *gp = &fs->groups[g];
    gp->block_bitmap = get32(p + GD_BLOCK_BITMAP);
    gp->inode_bitmap = get32(p + GD_INODE_BITMAP);
    gp->inode_table = get32(p + GD_INODE_TABLE);
    gp->free_blocks = get16(p + GD_FREE_BLOCKS);
    gp->free_inodes = get16(p + GD_FREE_INODES);
    gp->used_dirs = get16(p + GD_USED_DIRS);
    gp->first_block = fs->first_data_block + g * fs->bpg;
    gp->nblocks = g + 1 < fs->ngroups ? fs->bpg : fs->blocks_count - gp->first_block;
    gp->meta_end = gp->first_block;
    if (group_has_super(fs, g))
        gp->meta_end += 1 + fs->gdt_blocks + fs->reserved_gdt;
}

/* Bitmaps and inode table inside the group, clear of each other; counts sane. */
static int check_group(struct ext2_fs *fs, uint32_t g)
{
    const struct ext2_group *gp = &fs->groups[g];
    uint32_t end = gp->first_block + gp->nblocks, it = gp->inode_table;
    uint32_t bb = gp->block_bitmap, ib = gp->inode_bitmap;
    char why[80];
    const char *bad = NULL;
    if (gp->meta_end > end)
        bad = "descriptors overflow it";
    else if (bb < gp->meta_end || bb >= end || ib < gp->meta_end || ib >= end || bb == ib)
        bad = "bitmap outside it";
    else if (it < gp->meta_end || it > end || fs->itable_blocks > end - it)
        bad = "inode table outside it";
    else if (bb - it < fs->itable_blocks || ib - it < fs->itable_blocks)
        bad = "bitmap inside the inode table";
    else if (gp->free_blocks > gp->nblocks || gp->free_inodes > fs->ipg ||
             gp->used_dirs > fs->ipg)
        bad = "bad free counts";
    if (bad == NULL)
        return EXT2_OK;
    snprintf(why, sizeof(why), "group %u: %s", g, bad);
    return ext2_corrupt(fs, why);
}

/*
 * Read the group descriptors (after the primary superblock), check every
 * group and take the free counts from them (as Linux does; the superblock's
 * copies are rewritten at sync). Returns EXT2_OK, ECORRUPT, EIO, ENOMEM.
 */
int ext2_groups_load(struct ext2_fs *fs)
{
    uint32_t per = fs->bs / EXT2_DESC_SIZE;
    fs->groups = ext2_zalloc(fs, (size_t)fs->ngroups * sizeof(*fs->groups));
    if (fs->groups == NULL)
        return EXT2_ENOMEM;
    for (uint32_t b = 0; b < fs->gdt_blocks; b++) {
        struct ext2_buf *buf;
        int err = ext2_bread(fs, fs->first_data_block + 1 + b, &buf);
        if (err != EXT2_OK)
            return err;
        for (uint32_t i = 0; i < per && b * per + i < fs->ngroups; i++)
            decode_group(fs, b * per + i, buf->data + i * EXT2_DESC_SIZE);
        ext2_brelse(fs, buf);
    }
    for (uint32_t g = 0; g < fs->ngroups; g++) {
        int err = check_group(fs, g);
        if (err != EXT2_OK)
            return err;
        fs->free_blocks += fs->groups[g].free_blocks;
        fs->free_inodes += fs->groups[g].free_inodes;
        fs->used_dirs += fs->groups[g].used_dirs;
    }
    return EXT2_OK;
}

/* Put the in-core group counts into the descriptor blocks (dirty in cache). */
int ext2_groups_write(struct ext2_fs *fs)
{
    uint32_t per = fs->bs / EXT2_DESC_SIZE;
    for (uint32_t b = 0; b < fs->gdt_blocks; b++) {
        struct ext2_buf *buf;
        int err = ext2_bread(fs, fs->first_data_block + 1 + b, &buf);
        if (err != EXT2_OK)
            return err;
        for (uint32_t i = 0; i < per && b * per + i < fs->ngroups; i++) {
            const struct ext2_group *gp = &fs->groups[b * per + i];
            uint8_t *p = buf->data + i * EXT2_DESC_SIZE;
            put16(p + GD_FREE_BLOCKS, gp->free_blocks);
            put16(p + GD_FREE_INODES, gp->free_inodes);
            put16(p + GD_USED_DIRS, gp->used_dirs);
        }
        ext2_bdirty(fs, buf);
        ext2_brelse(fs, buf);
    }
    return EXT2_OK;
}

/* Put free counts, state, write time and features into the primary superblock. */
int ext2_super_write(struct ext2_fs *fs)
{
    struct ext2_buf *b;
    int err = ext2_bread(fs, fs->sb_blk, &b);
    if (err != EXT2_OK)
        return err;
    uint8_t *p = b->data + fs->sb_off;
    put32(p + SB_FREE_BLOCKS, fs->free_blocks);
    put32(p + SB_FREE_INODES, fs->free_inodes);
    put32(p + SB_WTIME, ext2_now(fs));
    put16(p + SB_STATE, fs->state);
    if (fs->rev >= 1)
        put32(p + SB_FEATURE_RO_COMPAT, fs->ro_compat);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    return EXT2_OK;
}
