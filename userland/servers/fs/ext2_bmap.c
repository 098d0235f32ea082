// SPDX-License-Identifier: MIT
/*
 * Logical to physical blocks: i_block's 12 direct pointers, then single,
 * double and triple indirect blocks. Allocates missing blocks for writes and
 * maps whole runs of contiguous blocks for the read path.
 */
#include "ext2_int.h"

/* Where a logical block sits: depth 0 (direct) to 3 (triple indirect), the
 * index at each level, and its offset inside the region of that depth. */
struct bpath {
    unsigned depth;
    uint32_t idx[4];
    uint64_t rel;
};

static int bmap_path(const struct ext2_fs *fs, uint64_t lblk, struct bpath *bp)
{
    unsigned s = fs->ppb_shift;
    uint64_t mask = (1ull << s) - 1;
    if (lblk < EXT2_NDIR) {
        *bp = (struct bpath){ 0, { (uint32_t)lblk, 0, 0, 0 }, lblk };
        return EXT2_OK;
    }
    lblk -= EXT2_NDIR;
    for (unsigned d = 1; d <= 3; d++) {
        if (lblk < 1ull << (s * d)) {
            bp->depth = d;
            bp->rel = lblk;
            bp->idx[0] = EXT2_NDIR + d - 1;
            for (unsigned l = 1; l <= d; l++)
                bp->idx[l] = (uint32_t)((lblk >> (s * (d - l))) & mask);
            return EXT2_OK;
        }
        lblk -= 1ull << (s * d);
    }
    return EXT2_EFBIG;
}

/* blk may be a block of f's tree and is none of the n blocks above it. */
static int check_chain(struct ext2_fs *fs, uint32_t blk, const uint32_t *anc,
                       unsigned n)
{
    int err = ext2_check_blk(fs, blk);
    for (unsigned i = 0; i < n && err == EXT2_OK; i++) {
        if (anc[i] == blk)
            err = ext2_corrupt(fs, "block tree loops");
    }
    return err;
}

/* Allocate a block for f near its goal; zero: an indirect block, cleared. */
static int new_block(struct ext2_file *f, bool zero, uint32_t *out)
{
    struct ext2_fs *fs = f->fs;
    struct ext2_buf *b;
    int err = ext2_alloc_block(fs, f->goal, out);
    if (err != EXT2_OK)
        return err;
    if (zero) {
        err = ext2_bget(fs, *out, &b);
        if (err != EXT2_OK) {
            (void)ext2_free_block(fs, *out);
            return err;
        }
        memset(b->data, 0, fs->bs);
        ext2_bdirty(fs, b);
        ext2_brelse(fs, b);
    }
    f->goal = *out + 1;
    f->iblocks += fs->spb;
    return EXT2_OK;
}

/* Pointer idx of indirect block ind; alloc: fill it if missing. */
static int step(struct ext2_file *f, uint32_t ind, uint32_t idx, bool alloc,
                bool child_is_ind, uint32_t *child)
{
    struct ext2_fs *fs = f->fs;
    struct ext2_buf *b;
    int err = ext2_bread(fs, ind, &b);
    if (err != EXT2_OK)
        return err;
    uint32_t c = get32(b->data + 4 * idx);
    if (c == 0 && alloc) {
        err = new_block(f, child_is_ind, &c);
        if (err == EXT2_OK) {
            put32(b->data + 4 * idx, c);
            ext2_bdirty(fs, b);
        }
    }
    ext2_brelse(fs, b);
    *child = c;
    return err;
}

/*
 * Follow bp from i_block down to the data block; alloc: fill missing
 * pointers on the way. *pblk is the data block, or 0 for a hole; then
 * *missing counts the blocks that filling the path would take.
 */
static int walk(struct ext2_file *f, const struct bpath *bp, bool alloc,
                uint32_t *pblk, uint32_t *missing)
{
    struct ext2_fs *fs = f->fs;
    uint32_t anc[3] = { 0 }, blk = f->block[bp->idx[0]];
    int err = EXT2_OK;
    *pblk = 0;
    if (blk == 0 && alloc) {
        err = new_block(f, bp->depth > 0, &blk);
        if (err != EXT2_OK)
            return err;
        f->block[bp->idx[0]] = blk;
    }
    if (blk == 0) {
        *missing = bp->depth + 1;
        return EXT2_OK;
    }
    for (unsigned lvl = 1; lvl <= bp->depth; lvl++) {
        err = check_chain(fs, blk, anc, lvl - 1);
        anc[lvl - 1] = blk;
        if (err == EXT2_OK)
            err = step(f, blk, bp->idx[lvl], alloc, lvl < bp->depth, &blk);
        if (err != EXT2_OK)
            return err;
        if (blk == 0) {
            *missing = bp->depth - lvl + 1;
            return EXT2_OK;
        }
    }
    err = check_chain(fs, blk, anc, bp->depth);
    if (err == EXT2_OK)
        *pblk = blk;
    return err;
}

/*
 * The physical block of logical block lblk of f. Without EXT2_BMAP_ALLOC a
 * hole gives *pblk = 0. With it, missing blocks (data and indirect) are
 * allocated, but only if all of them can be: no half-built paths; *fresh
 * (may be NULL) says the data block is new (its contents are garbage). The
 * caller writes the inode (ext2_iwrite) after allocating.
 * Returns EXT2_OK, EFBIG, ENOSPC, ECORRUPT, EIO, ENOMEM, EROFS.
 */
int ext2_bmap(struct ext2_file *f, uint64_t lblk, unsigned flags,
              uint32_t *pblk, bool *fresh)
{
    struct bpath bp;
    uint32_t missing = 0;
    if (fresh != NULL)
        *fresh = false;
    int err = bmap_path(f->fs, lblk, &bp);
    if (err == EXT2_OK)
        err = walk(f, &bp, false, pblk, &missing);
    if (err != EXT2_OK || *pblk != 0 || !(flags & EXT2_BMAP_ALLOC))
        return err;
    if (f->fs->free_blocks < missing)
        return ext2_check_rw(f->fs) != EXT2_OK ? EXT2_EROFS : EXT2_ENOSPC;
    err = walk(f, &bp, true, pblk, &missing);
    if (err == EXT2_OK && fresh != NULL)
        *fresh = true;
    return err;
}

/* ---- runs, for reading -------------------------------------------------------- */

/* Length of the run starting at ptr[0] (n pointers left): consecutive
 * physical blocks, or consecutive holes. */
static uint32_t run_len(uint32_t first, const uint32_t *direct,
                        const uint8_t *ind, uint32_t n, uint32_t max)
{
    uint32_t len = 1;
    while (len < n && len < max) {
        uint32_t p = direct != NULL ? direct[len] : get32(ind + 4 * len);
        if (p != (first != 0 ? first + len : 0))
            break;
        len++;
    }
    return len;
}

/* Cut a run of data blocks at the first one that cannot be file data: out
 * of range, metadata, or one of the n indirect blocks above it (a loop). */
static int check_run(struct ext2_fs *fs, uint32_t first, uint32_t *count,
                     const uint32_t *anc, unsigned n)
{
    int err = check_chain(fs, first, anc, n);
    if (err != EXT2_OK)
        return err;
    for (uint32_t i = 1; i < *count; i++) {
        if (first + i >= fs->blocks_count || ext2_blk_is_meta(fs, first + i)) {
            *count = i;
            break;
        }
    }
    for (unsigned a = 0; a < n; a++) {
        if (anc[a] > first && anc[a] - first < *count)
            *count = anc[a] - first;
    }
    return EXT2_OK;
}

/* Blocks from bp's position to the end of the subtree whose pointer at
 * level lvl is missing. */
static uint64_t hole_span(const struct ext2_fs *fs, const struct bpath *bp,
                          unsigned lvl)
{
    uint64_t span = 1ull << (fs->ppb_shift * (bp->depth - lvl));
    return span - (bp->rel & (span - 1));
}

static int leaf_run(struct ext2_file *f, const struct bpath *bp, uint32_t leaf,
                    uint32_t max, uint32_t *pblk, uint32_t *count)
{
    struct ext2_fs *fs = f->fs;
    struct ext2_buf *b;
    int err = ext2_bread(fs, leaf, &b);
    if (err != EXT2_OK)
        return err;
    uint32_t i = bp->idx[bp->depth], n = (fs->bs / 4) - i;
    const uint8_t *p = b->data + 4 * i;
    *pblk = get32(p);
    *count = run_len(*pblk, NULL, p, n, max);
    ext2_brelse(fs, b);
    return EXT2_OK;
}

/*
 * Map up to max (> 0) logical blocks from lblk, for reading: *pblk is the
 * physical block of lblk (0: a hole) and *count how many of the following
 * logical blocks continue it contiguously (or continue the hole).
 * Returns EXT2_OK, EFBIG, ECORRUPT, EIO, ENOMEM.
 */
int ext2_bmap_run(struct ext2_file *f, uint64_t lblk, uint32_t max,
                  uint32_t *pblk, uint32_t *count)
{
    struct ext2_fs *fs = f->fs;
    struct bpath bp;
    int err = bmap_path(fs, lblk, &bp);
    if (err != EXT2_OK)
        return err;
    uint32_t anc[3] = { 0 }, blk = f->block[bp.idx[0]];
    if (bp.depth == 0) {
        *pblk = blk;
        *count = run_len(blk, f->block + bp.idx[0], NULL, EXT2_NDIR - bp.idx[0], max);
    }
    for (unsigned lvl = 1; lvl <= bp.depth; lvl++) {
        if (blk == 0) {
            uint64_t span = hole_span(fs, &bp, lvl - 1);
            *pblk = 0;
            *count = span < max ? (uint32_t)span : max;
            return EXT2_OK;
        }
        err = check_chain(fs, blk, anc, lvl - 1);
        anc[lvl - 1] = blk;
        if (err == EXT2_OK && lvl < bp.depth)
            err = step(f, blk, bp.idx[lvl], false, true, &blk);
        else if (err == EXT2_OK)
            err = leaf_run(f, &bp, blk, max, pblk, count);
        if (err != EXT2_OK)
            return err;
    }
    return *pblk != 0 ? check_run(fs, *pblk, count, anc, bp.depth) : EXT2_OK;
}
