// SPDX-License-Identifier: MIT
/*
 * Directory entries: each block is a chain of records (inode, rec_len,
 * name_len, type, name) covering it exactly. Lookup, insertion (splitting a
 * record or growing the directory by a block), removal (merging into the
 * previous record), readdir. Every record is checked before it is used.
 */
#include "ext2_int.h"

/* One decoded directory record. */
struct de {
    uint32_t ino;
    uint32_t rec_len;
    uint32_t name_len;
    uint8_t type;
    const uint8_t *name;
};

/* The directory entry type (EXT2_FT_*) for an inode mode. */
uint8_t ext2_mode_to_ft(uint16_t mode)
{
    switch (mode & EXT2_S_IFMT) {
    case EXT2_S_IFREG: return EXT2_FT_REG_FILE;
    case EXT2_S_IFDIR: return EXT2_FT_DIR;
    case EXT2_S_IFCHR: return EXT2_FT_CHRDEV;
    case EXT2_S_IFBLK: return EXT2_FT_BLKDEV;
    case EXT2_S_IFIFO: return EXT2_FT_FIFO;
    case EXT2_S_IFSOCK: return EXT2_FT_SOCK;
    case EXT2_S_IFLNK: return EXT2_FT_SYMLINK;
    default: return EXT2_FT_UNKNOWN;
    }
}

/* Decode and check the record at off of a directory block. */
static int de_decode(struct ext2_fs *fs, const uint8_t *blk, uint32_t off,
                     struct de *d)
{
    if (off > fs->bs - 12)
        return ext2_corrupt(fs, "directory record crosses the block end");
    const uint8_t *p = blk + off;
    d->ino = get32(p);
    d->rec_len = get16(p + 4);
    d->name_len = p[6];
    d->type = fs->filetype ? p[7] : EXT2_FT_UNKNOWN;
    d->name = p + EXT2_DIRENT_HDR;
    if (d->rec_len < 12 || (d->rec_len & 3) != 0 || d->rec_len > fs->bs - off ||
        d->rec_len < ext2_de_reclen(d->name_len))
        return ext2_corrupt(fs, "bad directory record length");
    if (!fs->filetype && p[7] != 0)
        return ext2_corrupt(fs, "directory name longer than 255");
    if (d->ino > fs->inodes_count ||
        (d->ino != 0 && d->ino != EXT2_ROOT_INO && d->ino < fs->first_ino))
        return ext2_corrupt(fs, "directory entry with a bad inode number");
    if (d->ino != 0 && d->name_len == 0)
        return ext2_corrupt(fs, "directory entry without a name");
    return EXT2_OK;
}

static void de_write(struct ext2_fs *fs, uint8_t *p, uint32_t ino, uint32_t rec_len,
                     const char *name, size_t len, uint8_t type)
{
    put32(p, ino);
    put16(p + 4, rec_len);
    p[6] = (uint8_t)len;
    p[7] = fs->filetype ? type : 0;
    memcpy(p + EXT2_DIRENT_HDR, name, len);
}

/* Free bytes a record can give to a new one. */
static uint32_t de_room(const struct de *d)
{
    return d->ino != 0 ? d->rec_len - ext2_de_reclen(d->name_len) : d->rec_len;
}

/* Directory block lblk, which must exist (directories have no holes). */
static int dir_bread(struct ext2_file *dir, uint32_t lblk, struct ext2_buf **b)
{
    uint32_t pblk;
    int err = ext2_bmap(dir, lblk, 0, &pblk, NULL);
    if (err == EXT2_OK && pblk == 0)
        err = ext2_corrupt(dir->fs, "hole in a directory");
    if (err == EXT2_OK)
        err = ext2_bread(dir->fs, pblk, b);
    return err;
}

static uint32_t dir_nblocks(const struct ext2_file *dir)
{
    return (uint32_t)(dir->size >> dir->fs->log_bs);
}

/* ---- scanning ------------------------------------------------------------- */

struct scan_req {
    const char *name;
    size_t len;
    uint32_t need;              /* rec_len wanted for a new entry; 0: none */
};

static int scan_block(struct ext2_fs *fs, const uint8_t *data, uint32_t lblk,
                      const struct scan_req *q, struct ext2_scan *s)
{
    struct de d;
    for (uint32_t off = 0; off < fs->bs; off += d.rec_len) {
        int err = de_decode(fs, data, off, &d);
        if (err != EXT2_OK)
            return err;
        if (d.ino != 0 && d.name_len == q->len && memcmp(d.name, q->name, q->len) == 0) {
            s->found = true;
            s->hit = (struct ext2_slot){ lblk, off, d.ino };
            return EXT2_OK;
        }
        if (q->need != 0 && !s->have_space && de_room(&d) >= q->need) {
            s->have_space = true;
            s->space = (struct ext2_slot){ lblk, off, d.ino };
        }
    }
    return EXT2_OK;
}

/*
 * Look for name (len bytes) in dir and, if want_space, for a record with
 * room for it. Checks every record it passes. Returns EXT2_OK (see s->found),
 * ENOTDIR, ECORRUPT, EIO, ENOMEM.
 */
int ext2_dir_scan(struct ext2_file *dir, const char *name, size_t len,
                  bool want_space, struct ext2_scan *s)
{
    struct scan_req q = { name, len, want_space ? ext2_de_reclen((uint32_t)len) : 0 };
    uint32_t n = dir_nblocks(dir);
    int err = EXT2_OK;
    memset(s, 0, sizeof(*s));
    if (!ext2_is_dir(dir))
        return EXT2_ENOTDIR;
    for (uint32_t lblk = 0; lblk < n && !s->found && err == EXT2_OK; lblk++) {
        struct ext2_buf *b;
        err = dir_bread(dir, lblk, &b);
        if (err != EXT2_OK)
            break;
        err = scan_block(dir->fs, b->data, lblk, &q, s);
        ext2_brelse(dir->fs, b);
    }
    return err;
}

/* The entry name in dir: EXT2_OK and *slot, or ENOENT, ENOTDIR, ECORRUPT ... */
int ext2_dir_lookup(struct ext2_file *dir, const char *name, size_t len,
                    struct ext2_slot *slot)
{
    struct ext2_scan s;
    int err = ext2_dir_scan(dir, name, len, false, &s);
    if (err == EXT2_OK && !s.found)
        err = EXT2_ENOENT;
    if (err == EXT2_OK)
        *slot = s.hit;
    return err;
}

/* ---- changing ----------------------------------------------------------------- */

/* After a change: new times, and an htree index is no longer right. */
static int dir_changed(struct ext2_file *dir)
{
    dir->flags &= ~EXT2_INDEX_FL;
    ext2_touch(dir, true);
    return ext2_iwrite(dir);
}

/* Put the new entry into the record at slot (split it if it is in use). */
static int insert_at(struct ext2_file *dir, const struct ext2_slot *slot,
                     const char *name, size_t len, uint32_t ino, uint8_t type)
{
    struct ext2_fs *fs = dir->fs;
    struct ext2_buf *b;
    struct de d;
    int err = dir_bread(dir, slot->lblk, &b);
    if (err != EXT2_OK)
        return err;
    err = de_decode(fs, b->data, slot->off, &d);
    if (err == EXT2_OK && (d.ino != slot->ino || de_room(&d) < ext2_de_reclen((uint32_t)len)))
        err = ext2_corrupt(fs, "directory changed under an insertion");
    if (err == EXT2_OK) {
        uint8_t *p = b->data + slot->off;
        uint32_t rec = d.rec_len;
        if (d.ino != 0) {
            uint32_t used = ext2_de_reclen(d.name_len);
            put16(p + 4, used);
            p += used;
            rec -= used;
        }
        de_write(fs, p, ino, rec, name, len, type);
        ext2_bdirty(fs, b);
    }
    ext2_brelse(fs, b);
    return err;
}

/* Grow dir by one block holding only the new entry. */
static int insert_block(struct ext2_file *dir, const char *name, size_t len,
                        uint32_t ino, uint8_t type)
{
    struct ext2_fs *fs = dir->fs;
    struct ext2_buf *b;
    uint32_t pblk;
    if (dir->size + fs->bs > 0xFFFFFFFFull)
        return EXT2_EFBIG;
    int err = ext2_bmap(dir, dir_nblocks(dir), EXT2_BMAP_ALLOC, &pblk, NULL);
    if (err == EXT2_OK)
        err = ext2_bget(fs, pblk, &b);
    if (err != EXT2_OK)
        return err;
    memset(b->data, 0, fs->bs);
    de_write(fs, b->data, ino, fs->bs, name, len, type);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    dir->size += fs->bs;
    return EXT2_OK;
}

/*
 * Add the entry name -> ino to dir where the scan s (made with want_space,
 * name not found, dir unchanged since) found room, else in a new block.
 * Returns EXT2_OK, ENOSPC, EFBIG, ECORRUPT, EIO, ENOMEM.
 */
int ext2_dir_insert(struct ext2_file *dir, const struct ext2_scan *s,
                    const char *name, size_t len, uint32_t ino, uint8_t type)
{
    int err;
    if (s->have_space)
        err = insert_at(dir, &s->space, name, len, ino, type);
    else
        err = insert_block(dir, name, len, ino, type);
    int err2 = dir_changed(dir);
    return err != EXT2_OK ? err : err2;
}

/*
 * Remove the entry at slot (found by a lookup, dir unchanged since): merge
 * its record into the previous one, or clear its inode if it is first in
 * its block. Returns EXT2_OK, ECORRUPT, EIO, ENOMEM.
 */
int ext2_dir_remove(struct ext2_file *dir, const struct ext2_slot *slot)
{
    struct ext2_fs *fs = dir->fs;
    struct ext2_buf *b;
    struct de d, prev = { 0 };
    uint32_t off = 0, prev_off = 0;
    int err = dir_bread(dir, slot->lblk, &b);
    if (err != EXT2_OK)
        return err;
    while ((err = de_decode(fs, b->data, off, &d)) == EXT2_OK && off < slot->off) {
        prev = d;
        prev_off = off;
        off += d.rec_len;
    }
    if (err == EXT2_OK && (off != slot->off || d.ino != slot->ino))
        err = ext2_corrupt(fs, "directory changed under a removal");
    if (err == EXT2_OK) {
        if (off > 0)
            put16(b->data + prev_off + 4, prev.rec_len + d.rec_len);
        else
            put32(b->data, 0);
        ext2_bdirty(fs, b);
    }
    ext2_brelse(fs, b);
    return err == EXT2_OK ? dir_changed(dir) : err;
}

/* Point the entry at slot to another inode (rename over a name, "..").
 * touch: update dir's times. */
static int set_entry(struct ext2_file *dir, const struct ext2_slot *slot,
                     uint32_t ino, uint8_t type, bool touch)
{
    struct ext2_fs *fs = dir->fs;
    struct ext2_buf *b;
    struct de d;
    int err = dir_bread(dir, slot->lblk, &b);
    if (err != EXT2_OK)
        return err;
    err = de_decode(fs, b->data, slot->off, &d);
    if (err == EXT2_OK && d.ino != slot->ino)
        err = ext2_corrupt(fs, "directory changed under a rename");
    if (err == EXT2_OK) {
        uint8_t *p = b->data + slot->off;
        put32(p, ino);
        p[7] = fs->filetype ? type : 0;
        ext2_bdirty(fs, b);
    }
    ext2_brelse(fs, b);
    return err == EXT2_OK && touch ? dir_changed(dir) : err;
}

/* Point the entry at slot (from a lookup) to ino of the given type. */
int ext2_dir_set(struct ext2_file *dir, const struct ext2_slot *slot,
                 uint32_t ino, uint8_t type)
{
    return set_entry(dir, slot, ino, type, true);
}

/* ---- "." and "..", emptiness, new directories ------------------------------ */

static bool is_dot_name(const struct de *d, uint32_t len)
{
    return d->name_len == len && memcmp(d->name, "..", len) == 0;
}

/*
 * The ".." entry of dir: the second record of its first block, after ".".
 * Returns EXT2_OK and *slot (slot->ino is the parent), or ECORRUPT, EIO ...
 */
int ext2_dir_dotdot(struct ext2_file *dir, struct ext2_slot *slot)
{
    struct ext2_fs *fs = dir->fs;
    struct ext2_buf *b;
    struct de dot, dotdot;
    int err = dir_bread(dir, 0, &b);
    if (err != EXT2_OK)
        return err;
    err = de_decode(fs, b->data, 0, &dot);
    if (err == EXT2_OK)
        err = de_decode(fs, b->data, dot.rec_len, &dotdot);
    if (err == EXT2_OK && (!is_dot_name(&dot, 1) || !is_dot_name(&dotdot, 2) ||
                           dotdot.ino == 0))
        err = ext2_corrupt(fs, "directory without \".\" and \"..\"");
    if (err == EXT2_OK)
        *slot = (struct ext2_slot){ 0, dot.rec_len, dotdot.ino };
    ext2_brelse(fs, b);
    return err;
}

/* Make dir's ".." (slot from ext2_dir_dotdot) point to parent. */
int ext2_dir_set_dotdot(struct ext2_file *dir, const struct ext2_slot *slot,
                        uint32_t parent)
{
    return set_entry(dir, slot, parent, EXT2_FT_DIR, false);
}

static int block_empty(struct ext2_fs *fs, const uint8_t *data, bool *empty)
{
    struct de d;
    for (uint32_t off = 0; off < fs->bs && *empty; off += d.rec_len) {
        int err = de_decode(fs, data, off, &d);
        if (err != EXT2_OK)
            return err;
        if (d.ino != 0 && !is_dot_name(&d, 1) && !is_dot_name(&d, 2))
            *empty = false;
    }
    return EXT2_OK;
}

/* Does dir hold nothing but "." and ".."? */
int ext2_dir_empty(struct ext2_file *dir, bool *empty)
{
    uint32_t n = dir_nblocks(dir);
    int err = EXT2_OK;
    *empty = true;
    for (uint32_t lblk = 0; lblk < n && *empty && err == EXT2_OK; lblk++) {
        struct ext2_buf *b;
        err = dir_bread(dir, lblk, &b);
        if (err == EXT2_OK) {
            err = block_empty(dir->fs, b->data, empty);
            ext2_brelse(dir->fs, b);
        }
    }
    return err;
}

/* The first block of a new directory: "." (self) and ".." (parent). */
void ext2_dir_init_block(struct ext2_fs *fs, uint8_t *data, uint32_t self,
                         uint32_t parent)
{
    memset(data, 0, fs->bs);
    de_write(fs, data, self, 12, ".", 1, EXT2_FT_DIR);
    de_write(fs, data + 12, parent, fs->bs - 12, "..", 2, EXT2_FT_DIR);
}

/* ---- readdir ------------------------------------------------------------------ */

/* The first entry in use at or after offset from in a block; *next: the
 * offset after it (bs if none). */
static int next_in_block(struct ext2_fs *fs, const uint8_t *data, uint32_t from,
                         struct ext2_dirent *ent, uint32_t *next)
{
    struct de d;
    for (uint32_t off = 0; off < fs->bs; off += d.rec_len) {
        int err = de_decode(fs, data, off, &d);
        if (err != EXT2_OK)
            return err;
        if (off >= from && d.ino != 0) {
            ent->ino = d.ino;
            ent->type = d.type;
            ent->name_len = (uint8_t)d.name_len;
            memcpy(ent->name, d.name, d.name_len);
            ent->name[d.name_len] = '\0';
            *next = off + d.rec_len;
            return EXT2_OK;
        }
    }
    *next = fs->bs;
    return EXT2_OK;
}

int ext2_readdir(struct ext2_file *dir, uint64_t *cursor, struct ext2_dirent *ent)
{
    if (dir == NULL || cursor == NULL || ent == NULL)
        return EXT2_EINVAL;
    if (!ext2_is_dir(dir))
        return EXT2_ENOTDIR;
    struct ext2_fs *fs = dir->fs;
    uint64_t pos = *cursor;
    int err = EXT2_OK;
    ent->ino = 0;
    while (ent->ino == 0 && pos < dir->size && err == EXT2_OK) {
        struct ext2_buf *b;
        uint32_t lblk = (uint32_t)(pos >> fs->log_bs), next = fs->bs;
        err = dir_bread(dir, lblk, &b);
        if (err != EXT2_OK)
            break;
        err = next_in_block(fs, b->data, (uint32_t)(pos & (fs->bs - 1)), ent, &next);
        ext2_brelse(fs, b);
        pos = ((uint64_t)lblk << fs->log_bs) + next;
    }
    if (err == EXT2_OK)
        *cursor = pos;
    else
        ent->ino = 0;
    return err;
}
