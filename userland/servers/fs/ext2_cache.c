// SPDX-License-Identifier: MIT
/*
 * The block cache: a fixed set of block buffers found by a hash on the block
 * number and recycled least recently used first. Dirty buffers are written
 * when recycled, at ext2_sync() and at unmount. The only caller of the device.
 */
#include "ext2_int.h"

static uint32_t hash_blk(const struct ext2_cache *c, uint32_t blk)
{
    return (blk * 2654435761u) >> c->hshift;
}

static void lru_unlink(struct ext2_buf *b)
{
    b->lru_prev->lru_next = b->lru_next;
    b->lru_next->lru_prev = b->lru_prev;
}

static void lru_insert_after(struct ext2_buf *pos, struct ext2_buf *b)
{
    b->lru_prev = pos;
    b->lru_next = pos->lru_next;
    pos->lru_next->lru_prev = b;
    pos->lru_next = b;
}

static struct ext2_buf *lookup(const struct ext2_cache *c, uint32_t blk)
{
    struct ext2_buf *b = c->hash[hash_blk(c, blk)];
    while (b != NULL && b->blk != blk)
        b = b->hnext;
    return b;
}

static void unhash(struct ext2_cache *c, struct ext2_buf *b)
{
    struct ext2_buf **pp = &c->hash[hash_blk(c, b->blk)];
    while (*pp != b)
        pp = &(*pp)->hnext;
    *pp = b->hnext;
    b->blk = EXT2_BLK_NONE;
}

static void rehash(struct ext2_cache *c, struct ext2_buf *b, uint32_t blk)
{
    uint32_t h = hash_blk(c, blk);
    b->blk = blk;
    b->hnext = c->hash[h];
    c->hash[h] = b;
}

/*
 * Set up nbufs (at least EXT2_MIN_CACHE) buffers of the block size and a hash
 * table of about twice as many buckets. Returns EXT2_OK or ENOMEM.
 */
int ext2_cache_init(struct ext2_fs *fs, uint32_t nbufs)
{
    struct ext2_cache *c = &fs->cache;
    unsigned bits = 1;
    if (nbufs < EXT2_MIN_CACHE)
        nbufs = EXT2_MIN_CACHE;
    while ((1u << bits) < 2 * nbufs && bits < 24)
        bits++;
    c->hshift = 32 - bits;
    c->lru.lru_next = c->lru.lru_prev = &c->lru;
    c->bufs = ext2_zalloc(fs, (size_t)nbufs * sizeof(*c->bufs));
    c->hash = ext2_zalloc(fs, sizeof(*c->hash) << bits);
    c->mem = fs->alloc(fs->mem_ctx, (size_t)nbufs * fs->bs);
    if (c->bufs == NULL || c->hash == NULL || c->mem == NULL)
        return EXT2_ENOMEM;
    c->nbufs = nbufs;
    for (uint32_t i = 0; i < nbufs; i++) {
        struct ext2_buf *b = &c->bufs[i];
        b->blk = EXT2_BLK_NONE;
        b->data = c->mem + (size_t)i * fs->bs;
        lru_insert_after(c->lru.lru_prev, b);
    }
    return EXT2_OK;
}

/* Free the buffers; dirty contents are dropped (ext2_sync() first). */
void ext2_cache_fini(struct ext2_fs *fs)
{
    struct ext2_cache *c = &fs->cache;
    ext2_mfree(fs, c->mem);
    ext2_mfree(fs, c->hash);
    ext2_mfree(fs, c->bufs);
    memset(c, 0, sizeof(*c));
}

/* ---- the device ------------------------------------------------------------ */

/* Read count blocks at blk into buf; never outside the file system. */
int ext2_dev_read(struct ext2_fs *fs, uint32_t blk, uint32_t count, void *buf)
{
    if (count == 0 || blk >= fs->blocks_count || count > fs->blocks_count - blk)
        return ext2_corrupt(fs, "read outside the file system");
    fs->stats.dev_reads++;
    fs->stats.dev_read_blocks += count;
    if (fs->dev.read(fs->dev.ctx, (uint64_t)blk << fs->sec_shift,
                     count << fs->sec_shift, buf) != EXT2_OK)
        return EXT2_EIO;
    return EXT2_OK;
}

static int dev_write(struct ext2_fs *fs, uint32_t blk, const void *buf)
{
    if (fs->rdonly || blk >= fs->blocks_count)
        return EXT2_EROFS;
    fs->stats.dev_writes++;
    fs->stats.dev_write_blocks++;
    if (fs->dev.write(fs->dev.ctx, (uint64_t)blk << fs->sec_shift,
                      1u << fs->sec_shift, buf) != EXT2_OK)
        return EXT2_EIO;
    return EXT2_OK;
}

static int writeback(struct ext2_fs *fs, struct ext2_buf *b)
{
    if (!(b->flags & B_DIRTY))
        return EXT2_OK;
    int err = dev_write(fs, b->blk, b->data);
    if (err == EXT2_OK) {
        b->flags &= (uint8_t)~B_DIRTY;
        fs->cache.ndirty--;
    }
    return err;
}

/* ---- getting buffers --------------------------------------------------------- */

/* The least recently used idle buffer, written back and emptied. */
static int victim(struct ext2_fs *fs, struct ext2_buf **out)
{
    struct ext2_cache *c = &fs->cache;
    struct ext2_buf *b = c->lru.lru_prev;
    while (b != &c->lru && b->refs != 0)
        b = b->lru_prev;
    if (b == &c->lru)
        return EXT2_ENOMEM;     /* every buffer is held */
    int err = writeback(fs, b);
    if (err != EXT2_OK)
        return err;
    if (b->blk != EXT2_BLK_NONE)
        unhash(c, b);
    *out = b;
    return EXT2_OK;
}

static int get(struct ext2_fs *fs, uint32_t blk, bool read, struct ext2_buf **out)
{
    struct ext2_cache *c = &fs->cache;
    if (blk >= fs->blocks_count)
        return ext2_corrupt(fs, "block number beyond the file system");
    struct ext2_buf *b = lookup(c, blk);
    if (b != NULL) {
        fs->stats.cache_hits++;
    } else {
        fs->stats.cache_misses++;
        int err = victim(fs, &b);
        if (err == EXT2_OK && read)
            err = ext2_dev_read(fs, blk, 1, b->data);
        if (err != EXT2_OK)
            return err;
        rehash(c, b, blk);
    }
    lru_unlink(b);
    lru_insert_after(&c->lru, b);
    b->refs++;
    *out = b;
    return EXT2_OK;
}

/* Block blk with its contents, held until ext2_brelse(). Returns EXT2_OK,
 * ECORRUPT (blk beyond the file system), EIO, ENOMEM (all buffers held). */
int ext2_bread(struct ext2_fs *fs, uint32_t blk, struct ext2_buf **out)
{
    return get(fs, blk, true, out);
}

/* Block blk without reading it: the caller overwrites all of it. */
int ext2_bget(struct ext2_fs *fs, uint32_t blk, struct ext2_buf **out)
{
    return get(fs, blk, false, out);
}

/* Let go of a buffer from ext2_bread()/ext2_bget(). */
void ext2_brelse(struct ext2_fs *fs, struct ext2_buf *b)
{
    (void)fs;
    b->refs--;
}

/* The held buffer b was changed: write it back later. */
void ext2_bdirty(struct ext2_fs *fs, struct ext2_buf *b)
{
    if (!(b->flags & B_DIRTY)) {
        b->flags |= B_DIRTY;
        fs->cache.ndirty++;
    }
}

/* Drop a freed block from the cache (an idle buffer only): no need to write it. */
void ext2_bforget(struct ext2_fs *fs, uint32_t blk)
{
    struct ext2_cache *c = &fs->cache;
    struct ext2_buf *b = lookup(c, blk);
    if (b == NULL || b->refs != 0)
        return;
    if (b->flags & B_DIRTY) {
        b->flags &= (uint8_t)~B_DIRTY;
        c->ndirty--;
    }
    unhash(c, b);
    lru_unlink(b);
    lru_insert_after(c->lru.lru_prev, b);
}

/* Is block blk in the cache (perhaps newer than on the device)? */
bool ext2_bcached(struct ext2_fs *fs, uint32_t blk)
{
    return lookup(&fs->cache, blk) != NULL;
}

/* Write every dirty buffer. Returns EXT2_OK or the first error (EIO). */
int ext2_bflush(struct ext2_fs *fs)
{
    struct ext2_cache *c = &fs->cache;
    int first = EXT2_OK;
    for (uint32_t i = 0; i < c->nbufs && c->ndirty > 0; i++) {
        int err = writeback(fs, &c->bufs[i]);
        if (first == EXT2_OK)
            first = err;
    }
    return first;
}
