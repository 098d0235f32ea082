// SPDX-License-Identifier: MIT
/*
 * Block and inode allocation: the bitmaps of each group and the free counts
 * of the groups and the superblock, which move together. Also the checks
 * that a block number may hold file data (not metadata, not outside).
 */
#include "ext2_int.h"

#define NO_BIT 0xFFFFFFFFu

static bool bit_test(const uint8_t *map, uint32_t i)
{
    return (map[i >> 3] >> (i & 7)) & 1;
}

static void bit_set(uint8_t *map, uint32_t i)
{
    map[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static void bit_clear(uint8_t *map, uint32_t i)
{
    map[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

/* The first clear bit in [start, end), or NO_BIT; skips full bytes. */
static uint32_t find_zero(const uint8_t *map, uint32_t start, uint32_t end)
{
    uint32_t i = start;
    while (i < end && (i & 7) != 0 && bit_test(map, i))
        i++;
    if (i < end && (i & 7) != 0)
        return i;
    while (i + 8 <= end && map[i >> 3] == 0xFF)
        i += 8;
    while (i < end && bit_test(map, i))
        i++;
    return i < end ? i : NO_BIT;
}

static uint32_t blk_group(const struct ext2_fs *fs, uint32_t blk)
{
    return (blk - fs->first_data_block) / fs->bpg;
}

/* Is blk (inside the file system) part of its group's metadata? */
bool ext2_blk_is_meta(const struct ext2_fs *fs, uint32_t blk)
{
    const struct ext2_group *g = &fs->groups[blk_group(fs, blk)];
    return blk < g->meta_end || blk == g->block_bitmap || blk == g->inode_bitmap ||
           (blk >= g->inode_table && blk - g->inode_table < fs->itable_blocks);
}

/* EXT2_OK if blk may be a data or indirect block, else ECORRUPT. */
int ext2_check_blk(struct ext2_fs *fs, uint32_t blk)
{
    if (blk < fs->first_data_block || blk >= fs->blocks_count)
        return ext2_corrupt(fs, "block pointer out of range");
    if (ext2_blk_is_meta(fs, blk))
        return ext2_corrupt(fs, "block pointer into metadata");
    return EXT2_OK;
}

/* Is the (checked) block blk marked in use? */
int ext2_blk_in_use(struct ext2_fs *fs, uint32_t blk, bool *used)
{
    const struct ext2_group *g = &fs->groups[blk_group(fs, blk)];
    struct ext2_buf *b;
    int err = ext2_bread(fs, g->block_bitmap, &b);
    if (err != EXT2_OK)
        return err;
    *used = bit_test(b->data, blk - g->first_block);
    ext2_brelse(fs, b);
    return EXT2_OK;
}

static void count_blocks(struct ext2_fs *fs, struct ext2_group *g, int delta)
{
    g->free_blocks = (uint32_t)((int64_t)g->free_blocks + delta);
    fs->free_blocks = (uint32_t)((int64_t)fs->free_blocks + delta);
    fs->meta_dirty = true;
}

/* Take the first free block of group gi at or after bit start. */
static int group_alloc_block(struct ext2_fs *fs, uint32_t gi, uint32_t start,
                             uint32_t *out)
{
    struct ext2_group *g = &fs->groups[gi];
    struct ext2_buf *b;
    if (g->free_blocks == 0)
        return EXT2_ENOSPC;
    int err = ext2_bread(fs, g->block_bitmap, &b);
    if (err != EXT2_OK)
        return err;
    uint32_t bit = find_zero(b->data, start, g->nblocks);
    if (bit == NO_BIT) {
        ext2_brelse(fs, b);
        return start == 0 ? ext2_corrupt(fs, "group free count disagrees with its bitmap")
                          : EXT2_ENOSPC;
    }
    if (ext2_blk_is_meta(fs, g->first_block + bit)) {
        ext2_brelse(fs, b);
        return ext2_corrupt(fs, "block bitmap marks metadata free");
    }
    bit_set(b->data, bit);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    count_blocks(fs, g, -1);
    *out = g->first_block + bit;
    return EXT2_OK;
}

/*
 * Allocate a block, at goal or after it in goal's group if possible, else in
 * the next groups round. Returns EXT2_OK, ENOSPC, ECORRUPT, EIO, ENOMEM.
 */
int ext2_alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
    if (ext2_check_rw(fs) != EXT2_OK)
        return EXT2_EROFS;
    if (fs->free_blocks == 0)
        return EXT2_ENOSPC;
    if (goal < fs->first_data_block || goal >= fs->blocks_count)
        goal = fs->first_data_block;
    uint32_t g0 = blk_group(fs, goal);
    int err = group_alloc_block(fs, g0, goal - fs->groups[g0].first_block, out);
    for (uint32_t i = 1; i <= fs->ngroups && err == EXT2_ENOSPC; i++)
        err = group_alloc_block(fs, (g0 + i) % fs->ngroups, 0, out);
    return err;
}

/* Free the block blk, which must be a data block marked in use. */
int ext2_free_block(struct ext2_fs *fs, uint32_t blk)
{
    int err = ext2_check_blk(fs, blk);
    if (err != EXT2_OK)
        return err;
    struct ext2_group *g = &fs->groups[blk_group(fs, blk)];
    struct ext2_buf *b;
    err = ext2_bread(fs, g->block_bitmap, &b);
    if (err != EXT2_OK)
        return err;
    uint32_t bit = blk - g->first_block;
    if (!bit_test(b->data, bit)) {
        ext2_brelse(fs, b);
        return ext2_corrupt(fs, "freeing a free block");
    }
    bit_clear(b->data, bit);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    count_blocks(fs, g, +1);
    ext2_bforget(fs, blk);
    return EXT2_OK;
}

/* ---- inodes ---------------------------------------------------------------- */

/* Is inode ino (1..inodes_count) marked in use? */
int ext2_ino_in_use(struct ext2_fs *fs, uint32_t ino, bool *used)
{
    const struct ext2_group *g = &fs->groups[(ino - 1) / fs->ipg];
    struct ext2_buf *b;
    int err = ext2_bread(fs, g->inode_bitmap, &b);
    if (err != EXT2_OK)
        return err;
    *used = bit_test(b->data, (ino - 1) % fs->ipg);
    ext2_brelse(fs, b);
    return EXT2_OK;
}

static void count_inodes(struct ext2_fs *fs, struct ext2_group *g, int delta,
                         bool dir)
{
    g->free_inodes = (uint32_t)((int64_t)g->free_inodes + delta);
    fs->free_inodes = (uint32_t)((int64_t)fs->free_inodes + delta);
    if (dir && (delta < 0 || g->used_dirs > 0)) {
        g->used_dirs = (uint32_t)((int64_t)g->used_dirs - delta);
        fs->used_dirs = (uint32_t)((int64_t)fs->used_dirs - delta);
    }
    fs->meta_dirty = true;
}

/* Directories go to a group with at least average free inodes and the most
 * free blocks, to spread them out. */
static uint32_t dir_group(const struct ext2_fs *fs)
{
    uint32_t avg = fs->free_inodes / fs->ngroups, best = 0, best_blocks = 0;
    bool found = false;
    for (uint32_t g = 0; g < fs->ngroups; g++) {
        const struct ext2_group *gp = &fs->groups[g];
        if (gp->free_inodes == 0 || gp->free_inodes < avg)
            continue;
        if (!found || gp->free_blocks > best_blocks) {
            best = g;
            best_blocks = gp->free_blocks;
            found = true;
        }
    }
    return best;
}

static int group_alloc_inode(struct ext2_fs *fs, uint32_t gi, bool dir,
                             uint32_t *out)
{
    struct ext2_group *g = &fs->groups[gi];
    struct ext2_buf *b;
    uint32_t start = gi == 0 ? fs->first_ino - 1 : 0;
    int err = ext2_bread(fs, g->inode_bitmap, &b);
    if (err != EXT2_OK)
        return err;
    uint32_t bit = find_zero(b->data, start, fs->ipg);
    if (bit == NO_BIT) {
        ext2_brelse(fs, b);
        return EXT2_ENOSPC;
    }
    bit_set(b->data, bit);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    count_inodes(fs, g, -1, dir);
    *out = gi * fs->ipg + bit + 1;
    return EXT2_OK;
}

/*
 * Allocate an inode: a directory in a roomy group, anything else near its
 * parent directory's inode. Returns EXT2_OK, ENOSPC, EIO, ENOMEM, EROFS.
 */
int ext2_alloc_inode(struct ext2_fs *fs, uint32_t parent, bool dir, uint32_t *out)
{
    if (ext2_check_rw(fs) != EXT2_OK)
        return EXT2_EROFS;
    if (fs->free_inodes == 0)
        return EXT2_ENOSPC;
    uint32_t g0 = dir ? dir_group(fs) : (parent - 1) / fs->ipg;
    int err = EXT2_ENOSPC;
    for (uint32_t i = 0; i < fs->ngroups && err == EXT2_ENOSPC; i++) {
        uint32_t g = (g0 + i) % fs->ngroups;
        if (fs->groups[g].free_inodes > 0)
            err = group_alloc_inode(fs, g, dir, out);
    }
    return err;
}

/* Free inode ino (marked in use); dir: it was a directory. */
int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool dir)
{
    struct ext2_group *g = &fs->groups[(ino - 1) / fs->ipg];
    struct ext2_buf *b;
    int err = ext2_bread(fs, g->inode_bitmap, &b);
    if (err != EXT2_OK)
        return err;
    uint32_t bit = (ino - 1) % fs->ipg;
    if (!bit_test(b->data, bit)) {
        ext2_brelse(fs, b);
        return ext2_corrupt(fs, "freeing a free inode");
    }
    bit_clear(b->data, bit);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    count_inodes(fs, g, +1, dir);
    return EXT2_OK;
}
