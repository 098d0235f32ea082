// SPDX-License-Identifier: MIT
/*
 * Freeing the blocks of a file from a logical block on: data blocks, then
 * indirect blocks that no longer map anything. A checking pass walks the
 * same tree first, so damage is found before anything is freed.
 */
#include "ext2_int.h"

struct trunc {
    struct ext2_file *f;
    uint64_t from;              /* first logical block to free */
    bool check;                 /* checking pass: change nothing */
    unsigned top;               /* height of the tree being walked */
    uint32_t anc[4];            /* anc[h]: the indirect block of height h */
};

/* blk (in the subtree of height h) is a sane, used block and not one of the
 * indirect blocks above it. */
static int check_ptr(struct trunc *t, uint32_t blk, unsigned h)
{
    struct ext2_fs *fs = t->f->fs;
    bool used = true;
    int err = ext2_check_blk(fs, blk);
    for (unsigned a = h + 1; a <= t->top && err == EXT2_OK; a++) {
        if (t->anc[a] == blk)
            err = ext2_corrupt(fs, "block tree loops");
    }
    if (err == EXT2_OK && t->check)
        err = ext2_blk_in_use(fs, blk, &used);
    if (err == EXT2_OK && !used)
        err = ext2_corrupt(fs, "file block marked free");
    return err;
}

static int drop(struct trunc *t, uint32_t blk)
{
    struct ext2_file *f = t->f;
    if (t->check)
        return EXT2_OK;
    int err = ext2_free_block(f->fs, blk);
    if (err == EXT2_OK)
        f->iblocks = f->iblocks >= f->fs->spb ? f->iblocks - f->fs->spb : 0;
    return err;
}

static int free_tree(struct trunc *t, uint32_t blk, unsigned h, uint64_t base,
                     bool *emptied);

/* Child i of indirect block b (height h, first logical block base). */
static int free_child(struct trunc *t, struct ext2_buf *b, uint32_t i,
                      unsigned h, uint64_t base)
{
    uint32_t c = get32(b->data + 4 * i);
    bool emptied = true;
    if (c == 0)
        return EXT2_OK;
    int err;
    if (h == 1) {
        err = check_ptr(t, c, 0);
        if (err == EXT2_OK)
            err = drop(t, c);
    } else {
        uint64_t span = 1ull << (t->f->fs->ppb_shift * (h - 1));
        err = free_tree(t, c, h - 1, base + i * span, &emptied);
    }
    if (err == EXT2_OK && emptied && !t->check) {
        put32(b->data + 4 * i, 0);
        ext2_bdirty(t->f->fs, b);
    }
    return err;
}

/*
 * The subtree under indirect block blk of height h (1: points at data) maps
 * logical blocks [base, base + ppb^h). Free what lies at or after t->from;
 * *emptied: blk itself was freed (the caller clears its pointer).
 */
static int free_tree(struct trunc *t, uint32_t blk, unsigned h, uint64_t base,
                     bool *emptied)
{
    struct ext2_fs *fs = t->f->fs;
    struct ext2_buf *b;
    unsigned shift = fs->ppb_shift * (h - 1);
    uint32_t first = t->from > base ? (uint32_t)((t->from - base) >> shift) : 0;
    *emptied = false;
    int err = check_ptr(t, blk, h);
    if (err == EXT2_OK)
        err = ext2_bread(fs, blk, &b);
    if (err != EXT2_OK)
        return err;
    t->anc[h] = blk;
    for (uint32_t i = first; i < fs->bs / 4 && err == EXT2_OK; i++)
        err = free_child(t, b, i, h, base);
    ext2_brelse(fs, b);
    t->anc[h] = 0;
    if (err == EXT2_OK && t->from <= base) {
        err = drop(t, blk);
        *emptied = err == EXT2_OK;
    }
    return err;
}

static int free_direct(struct trunc *t)
{
    struct ext2_file *f = t->f;
    for (uint64_t i = t->from; i < EXT2_NDIR; i++) {
        uint32_t blk = f->block[i];
        if (blk == 0)
            continue;
        t->top = 0;
        int err = check_ptr(t, blk, 0);
        if (err == EXT2_OK)
            err = drop(t, blk);
        if (err != EXT2_OK)
            return err;
        if (!t->check)
            f->block[i] = 0;
    }
    return EXT2_OK;
}

static int free_all(struct trunc *t)
{
    struct ext2_file *f = t->f;
    uint64_t base = EXT2_NDIR;
    int err = free_direct(t);
    for (unsigned h = 1; h <= 3 && err == EXT2_OK; h++) {
        uint64_t span = 1ull << (f->fs->ppb_shift * h);
        uint32_t *slot = &f->block[EXT2_NDIR + h - 1];
        bool emptied = false;
        if (*slot != 0 && t->from < base + span) {
            t->top = h;
            err = free_tree(t, *slot, h, base, &emptied);
        }
        if (err == EXT2_OK && emptied && !t->check)
            *slot = 0;
        base += span;
    }
    return err;
}

/*
 * Check f's blocks at and after logical block from: in range, not metadata,
 * marked in use, no loops. Changes nothing. EXT2_OK, ECORRUPT, EIO, ENOMEM.
 */
int ext2_trunc_check(struct ext2_file *f, uint64_t from)
{
    struct trunc t = { .f = f, .from = from, .check = true };
    return free_all(&t);
}

/*
 * Free f's blocks from logical block `from` on, with the indirect blocks that
 * map nothing afterwards; i_blocks follows. Checks the whole tree first: on
 * ECORRUPT from the check nothing has changed. The caller writes the inode.
 */
int ext2_trunc_blocks(struct ext2_file *f, uint64_t from)
{
    int err = ext2_trunc_check(f, from);
    if (err != EXT2_OK)
        return err;
    struct trunc t = { .f = f, .from = from, .check = false };
    return free_all(&t);
}
