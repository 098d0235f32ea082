// SPDX-License-Identifier: MIT
/*
 * In-core inodes (struct ext2_file): one per inode in use, found by number,
 * counted by holders; decoded from and encoded into the inode table, and
 * released (blocks, attribute block, inode) when the last link and holder go.
 */
#include "ext2_int.h"

static struct ext2_file **bucket(struct ext2_fs *fs, uint32_t ino)
{
    return &fs->nodes[ino % EXT2_NODE_HASH];
}

/* Where inode ino lives: block of the inode table and byte offset in it. */
static void inode_loc(const struct ext2_fs *fs, uint32_t ino, uint32_t *blk,
                      uint32_t *off)
{
    const struct ext2_group *g = &fs->groups[(ino - 1) / fs->ipg];
    uint64_t byte = (uint64_t)((ino - 1) % fs->ipg) * fs->inode_size;
    *blk = g->inode_table + (uint32_t)(byte >> fs->log_bs);
    *off = (uint32_t)(byte & (fs->bs - 1));
}

static void inode_decode(struct ext2_file *f, const uint8_t *p)
{
    f->mode = get16(p + I_MODE);
    f->uid = get16(p + I_UID) | (uint32_t)get16(p + I_UID_HIGH) << 16;
    f->gid = get16(p + I_GID) | (uint32_t)get16(p + I_GID_HIGH) << 16;
    f->size = get32(p + I_SIZE);
    if (ext2_is_reg(f))
        f->size |= (uint64_t)get32(p + I_SIZE_HIGH) << 32;
    f->atime = get32(p + I_ATIME);
    f->ctime = get32(p + I_CTIME);
    f->mtime = get32(p + I_MTIME);
    f->dtime = get32(p + I_DTIME);
    f->links = get16(p + I_LINKS);
    f->iblocks = get32(p + I_BLOCKS);
    f->flags = get32(p + I_FLAGS);
    for (int i = 0; i < EXT2_NBLOCKS; i++)
        f->block[i] = get32(p + I_BLOCK + 4 * i);
    f->generation = get32(p + I_GENERATION);
    f->file_acl = get32(p + I_FILE_ACL);
}

/* The fields this library owns; the rest (attributes in the inode, ...) stay. */
static void inode_encode(const struct ext2_file *f, uint8_t *p, uint32_t isz)
{
    put16(p + I_MODE, f->mode);
    put16(p + I_UID, f->uid);
    put16(p + I_UID_HIGH, f->uid >> 16);
    put16(p + I_GID, f->gid);
    put16(p + I_GID_HIGH, f->gid >> 16);
    put32(p + I_SIZE, (uint32_t)f->size);
    if (ext2_is_reg(f))
        put32(p + I_SIZE_HIGH, (uint32_t)(f->size >> 32));
    put32(p + I_ATIME, f->atime);
    put32(p + I_CTIME, f->ctime);
    put32(p + I_MTIME, f->mtime);
    put32(p + I_DTIME, f->dtime);
    put16(p + I_LINKS, f->links);
    put32(p + I_BLOCKS, f->iblocks);
    put32(p + I_FLAGS, f->flags);
    for (int i = 0; i < EXT2_NBLOCKS; i++)
        put32(p + I_BLOCK + 4 * i, f->block[i]);
    put32(p + I_GENERATION, f->generation);
    put32(p + I_FILE_ACL, f->file_acl);
    /* Our times are whole seconds: clear the sub-second parts. */
    if (isz > EXT2_OLD_INODE_SIZE && get16(p + I_EXTRA_ISIZE) >= 16) {
        put32(p + I_CTIME_EXTRA, 0);
        put32(p + I_MTIME_EXTRA, 0);
        put32(p + I_ATIME_EXTRA, 0);
    }
}

/* A decoded inode this library can work with, or ECORRUPT. */
static int inode_check(struct ext2_fs *fs, const struct ext2_file *f)
{
    uint16_t type = f->mode & EXT2_S_IFMT;
    if (f->links == 0 || f->mode == 0)
        return ext2_corrupt(fs, "a name refers to a deleted inode");
    if (type != EXT2_S_IFREG && type != EXT2_S_IFDIR && type != EXT2_S_IFLNK &&
        type != EXT2_S_IFCHR && type != EXT2_S_IFBLK && type != EXT2_S_IFIFO &&
        type != EXT2_S_IFSOCK)
        return ext2_corrupt(fs, "inode of unknown type");
    if (f->flags & (EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL))
        return ext2_corrupt(fs, "extents or inline data in an ext2 inode");
    if (type == EXT2_S_IFDIR && (f->size == 0 || (f->size & (fs->bs - 1)) != 0))
        return ext2_corrupt(fs, "directory size not a multiple of the block size");
    if (type == EXT2_S_IFREG && f->size > fs->max_size)
        return ext2_corrupt(fs, "file size beyond the largest file");
    if (type == EXT2_S_IFLNK && f->size >= fs->bs)
        return ext2_corrupt(fs, "symbolic link too long");
    return EXT2_OK;
}

static int inode_read(struct ext2_fs *fs, struct ext2_file *f)
{
    uint32_t blk, off;
    struct ext2_buf *b;
    inode_loc(fs, f->ino, &blk, &off);
    int err = ext2_bread(fs, blk, &b);
    if (err != EXT2_OK)
        return err;
    inode_decode(f, b->data + off);
    ext2_brelse(fs, b);
    return inode_check(fs, f);
}

/*
 * The in-core inode ino, one more holder. The inode must be in use (bitmap,
 * links, mode) and sane. Returns EXT2_OK, ECORRUPT, EIO, ENOMEM.
 */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_file **out)
{
    if (ino == 0 || ino > fs->inodes_count)
        return ext2_corrupt(fs, "inode number out of range");
    for (struct ext2_file *f = *bucket(fs, ino); f != NULL; f = f->hnext) {
        if (f->ino == ino) {
            f->refs++;
            *out = f;
            return EXT2_OK;
        }
    }
    bool used;
    int err = ext2_ino_in_use(fs, ino, &used);
    if (err == EXT2_OK && !used)
        err = ext2_corrupt(fs, "a name refers to a free inode");
    if (err != EXT2_OK)
        return err;
    struct ext2_file *f = ext2_zalloc(fs, sizeof(*f));
    if (f == NULL)
        return EXT2_ENOMEM;
    f->fs = fs;
    f->ino = ino;
    err = inode_read(fs, f);
    if (err != EXT2_OK) {
        ext2_mfree(fs, f);
        return err;
    }
    f->refs = 1;
    f->hnext = *bucket(fs, ino);
    *bucket(fs, ino) = f;
    *out = f;
    return EXT2_OK;
}

/* Write the in-core inode into its (cached) inode table block. */
int ext2_iwrite(struct ext2_file *f)
{
    struct ext2_fs *fs = f->fs;
    uint32_t blk, off;
    struct ext2_buf *b;
    inode_loc(fs, f->ino, &blk, &off);
    int err = ext2_bread(fs, blk, &b);
    if (err != EXT2_OK)
        return err;
    inode_encode(f, b->data + off, fs->inode_size);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    return EXT2_OK;
}

/* Does f's i_block hold block numbers? (not devices, not fast symlinks) */
bool ext2_has_blocks(const struct ext2_file *f)
{
    if (ext2_is_reg(f) || ext2_is_dir(f))
        return true;
    if (!ext2_is_lnk(f))
        return false;
    uint32_t ea = f->file_acl != 0 ? f->fs->spb : 0;
    return f->iblocks > ea;
}

/* Check the attribute block of f before releasing it. */
static int ea_check(struct ext2_file *f, struct ext2_buf **out)
{
    struct ext2_fs *fs = f->fs;
    bool used;
    int err = ext2_check_blk(fs, f->file_acl);
    if (err == EXT2_OK)
        err = ext2_blk_in_use(fs, f->file_acl, &used);
    if (err == EXT2_OK && !used)
        err = ext2_corrupt(fs, "attribute block is free");
    if (err == EXT2_OK)
        err = ext2_bread(fs, f->file_acl, out);
    if (err == EXT2_OK && get32((*out)->data) != EXT2_EA_MAGIC) {
        ext2_brelse(fs, *out);
        err = ext2_corrupt(fs, "bad attribute block");
    }
    return err;
}

/* Drop f's reference to its extended-attribute block (shared by refcount). */
static int ea_release(struct ext2_file *f)
{
    struct ext2_fs *fs = f->fs;
    struct ext2_buf *b;
    if (f->file_acl == 0)
        return EXT2_OK;
    int err = ea_check(f, &b);
    if (err != EXT2_OK)
        return err;
    uint32_t refcount = get32(b->data + 4);
    if (refcount > 1) {
        put32(b->data + 4, refcount - 1);
        ext2_bdirty(fs, b);
    }
    ext2_brelse(fs, b);
    if (refcount <= 1)
        err = ext2_free_block(fs, f->file_acl);
    if (err == EXT2_OK) {
        f->file_acl = 0;
        f->iblocks = f->iblocks >= fs->spb ? f->iblocks - fs->spb : 0;
    }
    return err;
}

/*
 * Check, before a change that drops f's last link, that releasing f will
 * work: its block tree and attribute block are sane. EXT2_OK or ECORRUPT.
 */
int ext2_release_check(struct ext2_file *f)
{
    int err = EXT2_OK;
    if (ext2_has_blocks(f))
        err = ext2_trunc_check(f, 0);
    if (err == EXT2_OK && f->file_acl != 0) {
        struct ext2_buf *b;
        err = ea_check(f, &b);
        if (err == EXT2_OK)
            ext2_brelse(f->fs, b);
    }
    return err;
}

/* Free everything of an inode with no links and no holders. */
static int release(struct ext2_file *f)
{
    struct ext2_fs *fs = f->fs;
    int err = EXT2_OK;
    if (ext2_has_blocks(f))
        err = ext2_trunc_blocks(f, 0);
    if (err == EXT2_OK)
        err = ea_release(f);
    if (err != EXT2_OK)
        return err;
    uint32_t now = ext2_now(fs);
    f->dtime = now > fs->inodes_count ? now : fs->inodes_count;  /* e2fsck: dtime is not an orphan link */
    if (ext2_is_reg(f) || ext2_is_dir(f))
        f->size = 0;
    err = ext2_iwrite(f);
    if (err == EXT2_OK)
        err = ext2_free_inode(fs, f->ino, ext2_is_dir(f));
    return err;
}

static void unhash(struct ext2_file *f)
{
    struct ext2_file **pp = bucket(f->fs, f->ino);
    while (*pp != f)
        pp = &(*pp)->hnext;
    *pp = f->hnext;
}

/* One holder less; the last one of an unlinked inode frees it (unless the
 * mount is read-only: then e2fsck will). */
void ext2_iput(struct ext2_file *f)
{
    if (f == NULL || --f->refs > 0)
        return;
    struct ext2_fs *fs = f->fs;
    if (f->links == 0 && ext2_check_rw(fs) == EXT2_OK)
        (void)release(f);       /* errors are noted and make the mount read-only */
    unhash(f);
    ext2_mfree(fs, f);
}

/* Drop every in-core inode, whatever its holders (unmount). */
void ext2_iput_all(struct ext2_fs *fs)
{
    for (int i = 0; i < EXT2_NODE_HASH; i++) {
        while (fs->nodes[i] != NULL) {
            fs->nodes[i]->refs = 1;
            ext2_iput(fs->nodes[i]);
        }
    }
}

/* A fresh on-disk inode: zeroed, with room for the large-inode fields. */
static int inode_init(struct ext2_fs *fs, uint32_t ino)
{
    uint32_t blk, off;
    struct ext2_buf *b;
    inode_loc(fs, ino, &blk, &off);
    int err = ext2_bread(fs, blk, &b);
    if (err != EXT2_OK)
        return err;
    uint8_t *p = b->data + off;
    if (get16(p + I_LINKS) != 0 && get32(p + I_DTIME) == 0) {
        ext2_brelse(fs, b);
        return ext2_corrupt(fs, "inode bitmap marks a live inode free");
    }
    memset(p, 0, fs->inode_size);
    if (fs->inode_size > EXT2_OLD_INODE_SIZE)
        put16(p + I_EXTRA_ISIZE, EXT2_EXTRA_ISIZE);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    return EXT2_OK;
}

/*
 * A new inode of the given mode (type and permissions) near directory dir,
 * with one link and one holder; written to the inode table. Returns EXT2_OK,
 * ENOSPC, EROFS, ECORRUPT, EIO, ENOMEM.
 */
int ext2_inew(struct ext2_file *dir, uint16_t mode, struct ext2_file **out)
{
    struct ext2_fs *fs = dir->fs;
    uint32_t ino;
    bool isdir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
    int err = ext2_alloc_inode(fs, dir->ino, isdir, &ino);
    if (err != EXT2_OK)
        return err;
    struct ext2_file *f = ext2_zalloc(fs, sizeof(*f));
    err = f == NULL ? EXT2_ENOMEM : inode_init(fs, ino);
    if (err != EXT2_OK) {
        ext2_mfree(fs, f);
        if (err != EXT2_ECORRUPT)
            (void)ext2_free_inode(fs, ino, isdir);
        return err;
    }
    f->fs = fs;
    f->ino = ino;
    f->mode = mode;
    f->links = 1;
    f->uid = fs->uid;
    f->gid = fs->gid;
    f->atime = f->ctime = f->mtime = ext2_now(fs);
    f->generation = fs->next_gen++;
    f->goal = fs->groups[(ino - 1) / fs->ipg].first_block;
    f->refs = 1;
    f->hnext = *bucket(fs, ino);
    *bucket(fs, ino) = f;
    err = ext2_iwrite(f);
    if (err != EXT2_OK) {
        f->links = 0;
        ext2_iput(f);
        return err;
    }
    *out = f;
    return EXT2_OK;
}
