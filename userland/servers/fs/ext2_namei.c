// SPDX-License-Identifier: MIT
/*
 * Paths and the operations on names: open (and create), stat, mkdir, rmdir,
 * unlink, link, symlink, truncate by path, rename. Each checks everything
 * first (names, types, emptiness, loops, damage) and then changes the disk.
 */
#include "ext2_int.h"

#define EXT2_O_ALL (EXT2_O_WRITE | EXT2_O_CREAT | EXT2_O_EXCL | EXT2_O_TRUNC | \
                    EXT2_O_DIRECTORY)

/* A path cut before its last component. */
struct where {
    struct ext2_file *dir;      /* the directory holding it (held) */
    const char *name;           /* the last component, not NUL-terminated */
    size_t len;                 /* 0: the path names dir itself ("/") */
    bool slash;                 /* a '/' follows the last component */
};

static int path_check(const char *path)
{
    if (path == NULL)
        return EXT2_EINVAL;
    size_t n = strnlen(path, EXT2_PATH_MAX + 1);
    if (n > EXT2_PATH_MAX)
        return EXT2_ENAMETOOLONG;
    return n == 0 ? EXT2_ENOENT : EXT2_OK;
}

static int start_dir(struct ext2_fs *fs, struct ext2_file *at, const char *path,
                     struct ext2_file **out)
{
    if (path[0] == '/' || at == NULL)
        return ext2_iget(fs, EXT2_ROOT_INO, out);
    if (at->fs != fs)
        return EXT2_EINVAL;
    if (!ext2_is_dir(at))
        return EXT2_ENOTDIR;
    if (at->links == 0)
        return EXT2_ENOENT;         /* removed while open */
    at->refs++;
    *out = at;
    return EXT2_OK;
}

/* The next component after *p (skipping slashes); its length, 0 at the end. */
static size_t next_comp(const char **p, const char **name)
{
    const char *s = *p;
    while (*s == '/')
        s++;
    *name = s;
    while (*s != '\0' && *s != '/')
        s++;
    *p = s;
    return (size_t)(s - *name);
}

static int lookup_child(struct ext2_file *dir, const char *name, size_t len,
                        struct ext2_file **out)
{
    struct ext2_slot slot;
    if (len > EXT2_NAME_MAX)
        return EXT2_ENAMETOOLONG;
    int err = ext2_dir_lookup(dir, name, len, &slot);
    if (err == EXT2_OK)
        err = ext2_iget(dir->fs, slot.ino, out);
    return err;
}

/* Walk path to the directory holding its last component. */
static int walk_parent(struct ext2_fs *fs, struct ext2_file *at, const char *path,
                       struct where *w)
{
    struct ext2_file *cur, *next;
    int err = path_check(path);
    if (err == EXT2_OK)
        err = start_dir(fs, at, path, &cur);
    if (err != EXT2_OK)
        return err;
    const char *p = path, *name, *q, *qname;
    size_t len = next_comp(&p, &name), qlen;
    while (q = p, (qlen = next_comp(&q, &qname)) != 0) {
        err = lookup_child(cur, name, len, &next);
        ext2_iput(cur);
        if (err != EXT2_OK)
            return err;
        cur = next;
        name = qname;
        len = qlen;
        p = q;
    }
    if (!ext2_is_dir(cur))
        err = EXT2_ENOTDIR;
    else if (len > EXT2_NAME_MAX)
        err = EXT2_ENAMETOOLONG;
    if (err != EXT2_OK) {
        ext2_iput(cur);
        return err;
    }
    *w = (struct where){ cur, name, len, *p == '/' };
    return EXT2_OK;
}

/* The in-core inode named by path. */
static int resolve(struct ext2_fs *fs, struct ext2_file *at, const char *path,
                   struct ext2_file **out)
{
    struct where w;
    int err = walk_parent(fs, at, path, &w);
    if (err != EXT2_OK)
        return err;
    if (w.len == 0) {
        *out = w.dir;
        return EXT2_OK;
    }
    err = lookup_child(w.dir, w.name, w.len, out);
    ext2_iput(w.dir);
    if (err == EXT2_OK && w.slash && !ext2_is_dir(*out)) {
        ext2_iput(*out);
        err = EXT2_ENOTDIR;
    }
    return err;
}

/* EXT2_OK for an ordinary last component; else the error given for "" (the
 * path is "/"), "." and "..". */
static int name_err(const struct where *w, int none, int dot, int dotdot)
{
    if (w->len == 0)
        return none;
    if (w->len == 1 && w->name[0] == '.')
        return dot;
    if (w->len == 2 && w->name[0] == '.' && w->name[1] == '.')
        return dotdot;
    return EXT2_OK;
}

/* Scan w's directory for a new name: EEXIST if it is there. */
static int scan_new(const struct where *w, struct ext2_scan *s)
{
    int err = ext2_dir_scan(w->dir, w->name, w->len, true, s);
    if (err == EXT2_OK && s->found)
        err = EXT2_EEXIST;
    return err;
}

/* ---- making inodes ------------------------------------------------------------ */

static int init_dir(struct ext2_file *f, struct ext2_file *parent)
{
    struct ext2_fs *fs = f->fs;
    struct ext2_buf *b;
    uint32_t pblk;
    int err = ext2_bmap(f, 0, EXT2_BMAP_ALLOC, &pblk, NULL);
    if (err == EXT2_OK)
        err = ext2_bget(fs, pblk, &b);
    if (err != EXT2_OK)
        return err;
    ext2_dir_init_block(fs, b->data, f->ino, parent->ino);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    f->links = 2;
    f->size = fs->bs;
    return ext2_iwrite(f);
}

/* A link's target: in i_block if it fits (a "fast" link), else in a block. */
static int init_symlink(struct ext2_file *f, const char *target)
{
    struct ext2_fs *fs = f->fs;
    size_t n = strlen(target);
    uint8_t raw[4 * EXT2_NBLOCKS] = { 0 };
    f->size = n;
    if (n < sizeof(raw)) {
        memcpy(raw, target, n);
        for (int i = 0; i < EXT2_NBLOCKS; i++)
            f->block[i] = get32(raw + 4 * i);
        return ext2_iwrite(f);
    }
    struct ext2_buf *b;
    uint32_t pblk;
    int err = ext2_bmap(f, 0, EXT2_BMAP_ALLOC, &pblk, NULL);
    if (err == EXT2_OK)
        err = ext2_bget(fs, pblk, &b);
    if (err != EXT2_OK)
        return err;
    memset(b->data, 0, fs->bs);
    memcpy(b->data, target, n);
    ext2_bdirty(fs, b);
    ext2_brelse(fs, b);
    return ext2_iwrite(f);
}

/*
 * A new inode of mode under name in dir, where the scan s found room (or
 * not): a directory gets "." and "..", a symbolic link its target. Undone
 * (the inode freed again) if any step fails. *out (may be NULL) gets it.
 */
static int make(struct ext2_file *dir, const struct ext2_scan *s, const char *name,
                size_t len, uint16_t mode, const char *target, struct ext2_file **out)
{
    struct ext2_file *f;
    int err = ext2_check_rw(dir->fs);
    if (err == EXT2_OK)
        err = ext2_inew(dir, mode, &f);
    if (err != EXT2_OK)
        return err;
    if (ext2_is_dir(f))
        err = init_dir(f, dir);
    else if (ext2_is_lnk(f))
        err = init_symlink(f, target);
    if (err == EXT2_OK)
        err = ext2_dir_insert(dir, s, name, len, f->ino, ext2_mode_to_ft(mode));
    if (err != EXT2_OK) {
        f->links = 0;
        ext2_iput(f);
        return err;
    }
    if (ext2_is_dir(f)) {
        dir->links++;
        err = ext2_iwrite(dir);
    }
    if (out != NULL && err == EXT2_OK)
        *out = f;
    else
        ext2_iput(f);
    return err;
}

/* ---- open, close, stat, truncate ------------------------------------------------ */

static int open_create(struct ext2_fs *fs, struct ext2_file *at, const char *path,
                       unsigned flags, uint32_t mode, struct ext2_file **out)
{
    struct where w;
    struct ext2_scan s;
    int err = walk_parent(fs, at, path, &w);
    if (err != EXT2_OK)
        return err;
    if (name_err(&w, 1, 1, 1) != EXT2_OK) {
        err = flags & EXT2_O_EXCL ? EXT2_EEXIST : EXT2_EISDIR;
    } else {
        err = ext2_dir_scan(w.dir, w.name, w.len, true, &s);
        if (err == EXT2_OK && s.found)
            err = flags & EXT2_O_EXCL ? EXT2_EEXIST : ext2_iget(fs, s.hit.ino, out);
        else if (err == EXT2_OK && w.slash)
            err = EXT2_EISDIR;
        else if (err == EXT2_OK)
            err = make(w.dir, &s, w.name, w.len,
                       (uint16_t)(EXT2_S_IFREG | (mode & 07777)), NULL, out);
    }
    ext2_iput(w.dir);
    return err;
}

static int open_check(const struct ext2_file *f, unsigned flags)
{
    if (ext2_is_dir(f) && (flags & (EXT2_O_WRITE | EXT2_O_TRUNC | EXT2_O_CREAT)))
        return EXT2_EISDIR;
    if ((flags & EXT2_O_DIRECTORY) && !ext2_is_dir(f))
        return EXT2_ENOTDIR;
    return EXT2_OK;
}

int ext2_open(struct ext2_fs *fs, struct ext2_file *at, const char *path,
              unsigned flags, uint32_t mode, struct ext2_file **out)
{
    struct ext2_file *f;
    if (fs == NULL || out == NULL || (flags & ~(unsigned)EXT2_O_ALL) != 0)
        return EXT2_EINVAL;
    *out = NULL;
    if ((flags & (EXT2_O_WRITE | EXT2_O_TRUNC)) && ext2_check_rw(fs) != EXT2_OK)
        return EXT2_EROFS;
    int err = flags & EXT2_O_CREAT ? open_create(fs, at, path, flags, mode, &f)
                                   : resolve(fs, at, path, &f);
    if (err != EXT2_OK)
        return err;
    err = open_check(f, flags);
    if (err == EXT2_OK && (flags & EXT2_O_TRUNC) && ext2_is_reg(f) && f->size != 0)
        err = ext2_ftruncate(f, 0);
    if (err != EXT2_OK) {
        ext2_iput(f);
        return err;
    }
    *out = f;
    return EXT2_OK;
}

int ext2_close(struct ext2_file *f)
{
    if (f == NULL)
        return EXT2_EINVAL;
    ext2_iput(f);
    return EXT2_OK;
}

int ext2_stat(struct ext2_fs *fs, struct ext2_file *at, const char *path,
              struct ext2_stat *st)
{
    struct ext2_file *f;
    if (fs == NULL || st == NULL)
        return EXT2_EINVAL;
    int err = resolve(fs, at, path, &f);
    if (err == EXT2_OK) {
        err = ext2_fstat(f, st);
        ext2_iput(f);
    }
    return err;
}

int ext2_truncate(struct ext2_fs *fs, struct ext2_file *at, const char *path,
                  uint64_t size)
{
    struct ext2_file *f;
    if (fs == NULL)
        return EXT2_EINVAL;
    int err = resolve(fs, at, path, &f);
    if (err == EXT2_OK) {
        err = ext2_ftruncate(f, size);
        ext2_iput(f);
    }
    return err;
}

/* ---- mkdir, symlink, link ---------------------------------------------------------- */

int ext2_mkdir(struct ext2_fs *fs, struct ext2_file *at, const char *path,
               uint32_t mode)
{
    struct where w;
    struct ext2_scan s;
    if (fs == NULL)
        return EXT2_EINVAL;
    int err = walk_parent(fs, at, path, &w);
    if (err != EXT2_OK)
        return err;
    err = name_err(&w, EXT2_EEXIST, EXT2_EEXIST, EXT2_EEXIST);
    if (err == EXT2_OK)
        err = ext2_check_rw(fs);
    if (err == EXT2_OK)
        err = scan_new(&w, &s);
    if (err == EXT2_OK && w.dir->links >= EXT2_LINK_MAX)
        err = EXT2_EMLINK;
    if (err == EXT2_OK)
        err = make(w.dir, &s, w.name, w.len,
                   (uint16_t)(EXT2_S_IFDIR | (mode & 07777)), NULL, NULL);
    ext2_iput(w.dir);
    return err;
}

int ext2_symlink(struct ext2_fs *fs, struct ext2_file *at, const char *target,
                 const char *path)
{
    struct where w;
    struct ext2_scan s;
    if (fs == NULL || target == NULL)
        return EXT2_EINVAL;
    size_t n = strnlen(target, fs->bs);
    if (n == 0)
        return EXT2_ENOENT;
    if (n >= fs->bs)
        return EXT2_ENAMETOOLONG;
    int err = walk_parent(fs, at, path, &w);
    if (err != EXT2_OK)
        return err;
    err = name_err(&w, EXT2_EEXIST, EXT2_EEXIST, EXT2_EEXIST);
    if (err == EXT2_OK)
        err = ext2_check_rw(fs);
    if (err == EXT2_OK)
        err = scan_new(&w, &s);
    if (err == EXT2_OK)
        err = make(w.dir, &s, w.name, w.len, EXT2_S_IFLNK | 0777, target, NULL);
    ext2_iput(w.dir);
    return err;
}

static int link_to(struct ext2_file *f, const struct where *w)
{
    struct ext2_scan s;
    int err = name_err(w, EXT2_EEXIST, EXT2_EEXIST, EXT2_EEXIST);
    if (err == EXT2_OK && w->slash)
        err = EXT2_ENOTDIR;
    if (err == EXT2_OK)
        err = scan_new(w, &s);
    if (err == EXT2_OK)
        err = ext2_dir_insert(w->dir, &s, w->name, w->len, f->ino,
                              ext2_mode_to_ft(f->mode));
    if (err != EXT2_OK)
        return err;
    f->links++;
    ext2_touch(f, false);
    return ext2_iwrite(f);
}

int ext2_link(struct ext2_fs *fs, struct ext2_file *at, const char *from,
              const char *to)
{
    struct ext2_file *f;
    struct where w;
    if (fs == NULL)
        return EXT2_EINVAL;
    int err = resolve(fs, at, from, &f);
    if (err != EXT2_OK)
        return err;
    if (ext2_is_dir(f))
        err = EXT2_EISDIR;
    else if (f->links >= EXT2_LINK_MAX)
        err = EXT2_EMLINK;
    else
        err = ext2_check_rw(fs);
    if (err == EXT2_OK)
        err = walk_parent(fs, at, to, &w);
    if (err == EXT2_OK) {
        err = link_to(f, &w);
        ext2_iput(w.dir);
    }
    ext2_iput(f);
    return err;
}

/* ---- unlink, rmdir ------------------------------------------------------------------ */

/* Will dropping one link of f (held once by the caller) free it? Then check
 * first that freeing will work. */
static int check_last_link(struct ext2_file *f)
{
    bool last = f->refs == 1 && (ext2_is_dir(f) || f->links <= 1);
    return last ? ext2_release_check(f) : EXT2_OK;
}

/* Find w's entry and its inode for a removal. */
static int find_victim(const struct where *w, struct ext2_slot *slot,
                       struct ext2_file **out)
{
    int err = ext2_check_rw(w->dir->fs);
    if (err == EXT2_OK)
        err = ext2_dir_lookup(w->dir, w->name, w->len, slot);
    if (err == EXT2_OK)
        err = ext2_iget(w->dir->fs, slot->ino, out);
    return err;
}

int ext2_unlink(struct ext2_fs *fs, struct ext2_file *at, const char *path)
{
    struct where w;
    struct ext2_slot slot;
    struct ext2_file *f = NULL;
    if (fs == NULL)
        return EXT2_EINVAL;
    int err = walk_parent(fs, at, path, &w);
    if (err != EXT2_OK)
        return err;
    err = name_err(&w, EXT2_EISDIR, EXT2_EISDIR, EXT2_EISDIR);
    if (err == EXT2_OK)
        err = find_victim(&w, &slot, &f);
    if (err == EXT2_OK && ext2_is_dir(f))
        err = EXT2_EISDIR;
    else if (err == EXT2_OK && w.slash)
        err = EXT2_ENOTDIR;
    if (err == EXT2_OK)
        err = check_last_link(f);
    if (err == EXT2_OK)
        err = ext2_dir_remove(w.dir, &slot);
    if (err == EXT2_OK) {
        f->links--;
        ext2_touch(f, false);
        err = ext2_iwrite(f);
    }
    ext2_iput(f);
    ext2_iput(w.dir);
    return err;
}

static int rmdir_check(struct ext2_file *f, const struct where *w)
{
    bool empty;
    if (!ext2_is_dir(f))
        return EXT2_ENOTDIR;
    if (f->ino == EXT2_ROOT_INO || f == w->dir)
        return EXT2_EBUSY;
    int err = ext2_dir_empty(f, &empty);
    if (err == EXT2_OK && !empty)
        err = EXT2_ENOTEMPTY;
    if (err == EXT2_OK)
        err = check_last_link(f);
    return err;
}

int ext2_rmdir(struct ext2_fs *fs, struct ext2_file *at, const char *path)
{
    struct where w;
    struct ext2_slot slot;
    struct ext2_file *f = NULL;
    if (fs == NULL)
        return EXT2_EINVAL;
    int err = walk_parent(fs, at, path, &w);
    if (err != EXT2_OK)
        return err;
    err = name_err(&w, EXT2_EBUSY, EXT2_EINVAL, EXT2_ENOTEMPTY);
    if (err == EXT2_OK)
        err = find_victim(&w, &slot, &f);
    if (err == EXT2_OK)
        err = rmdir_check(f, &w);
    if (err == EXT2_OK)
        err = ext2_dir_remove(w.dir, &slot);
    if (err == EXT2_OK) {
        if (w.dir->links > 2)
            w.dir->links--;         /* f's ".." is gone */
        f->links = 0;
        ext2_touch(f, false);
        err = ext2_iwrite(w.dir);
        if (err == EXT2_OK)
            err = ext2_iwrite(f);
    }
    ext2_iput(f);
    ext2_iput(w.dir);
    return err;
}

/* ---- rename ------------------------------------------------------------------------ */

struct rename {
    struct where o, n;              /* old and new names */
    struct ext2_file *src;          /* the inode moved */
    struct ext2_file *victim;       /* the inode replaced, or NULL */
    struct ext2_slot oslot, dotdot; /* old entry; src's ".." if a directory */
    struct ext2_scan ns;            /* the new name in its directory */
};

static int rename_names(struct ext2_fs *fs, struct ext2_file *at, const char *from,
                        const char *to, struct rename *r)
{
    int err = walk_parent(fs, at, from, &r->o);
    if (err == EXT2_OK)
        err = walk_parent(fs, at, to, &r->n);
    if (err == EXT2_OK)
        err = name_err(&r->o, EXT2_EBUSY, EXT2_EINVAL, EXT2_EINVAL);
    if (err == EXT2_OK)
        err = name_err(&r->n, EXT2_EBUSY, EXT2_EINVAL, EXT2_EINVAL);
    if (err == EXT2_OK)
        err = ext2_check_rw(fs);
    if (err == EXT2_OK)
        err = ext2_dir_lookup(r->o.dir, r->o.name, r->o.len, &r->oslot);
    if (err == EXT2_OK)
        err = ext2_iget(fs, r->oslot.ino, &r->src);
    if (err == EXT2_OK)
        err = ext2_dir_scan(r->n.dir, r->n.name, r->n.len, true, &r->ns);
    if (err == EXT2_OK && r->ns.found)
        err = ext2_iget(fs, r->ns.hit.ino, &r->victim);
    return err;
}

/* Is dir src an ancestor of (or the same as) dir? Walks ".." up to the root,
 * a bounded number of steps. EXT2_OK if not, EINVAL if it is, ECORRUPT. */
static int check_not_inside(struct ext2_file *src, struct ext2_file *dir)
{
    struct ext2_fs *fs = src->fs;
    struct ext2_file *cur = dir, *up;
    struct ext2_slot dd;
    int err = EXT2_OK;
    cur->refs++;
    for (uint32_t n = 0; err == EXT2_OK; n++) {
        if (cur == src)
            err = EXT2_EINVAL;
        else if (cur->ino == EXT2_ROOT_INO)
            break;
        else if (n > fs->inodes_count)
            err = ext2_corrupt(fs, "directory tree loops");
        else if ((err = ext2_dir_dotdot(cur, &dd)) == EXT2_OK &&
                 (err = ext2_iget(fs, dd.ino, &up)) == EXT2_OK) {
            ext2_iput(cur);
            cur = up;
            if (!ext2_is_dir(cur))
                err = ext2_corrupt(fs, "\"..\" is not a directory");
        }
    }
    ext2_iput(cur);
    return err;
}

static int check_dir_move(struct rename *r)
{
    bool empty = true;
    int err = EXT2_OK;
    if (r->victim != NULL && !ext2_is_dir(r->victim))
        return EXT2_ENOTDIR;
    if (r->victim != NULL)
        err = ext2_dir_empty(r->victim, &empty);
    if (err == EXT2_OK && !empty)
        err = EXT2_ENOTEMPTY;
    if (err == EXT2_OK && (r->src->ino == EXT2_ROOT_INO || r->victim == r->n.dir))
        err = EXT2_EBUSY;
    if (err == EXT2_OK && r->o.dir != r->n.dir)
        err = check_not_inside(r->src, r->n.dir);
    if (err == EXT2_OK && r->o.dir != r->n.dir && r->victim == NULL &&
        r->n.dir->links >= EXT2_LINK_MAX)
        err = EXT2_EMLINK;
    if (err == EXT2_OK)
        err = ext2_dir_dotdot(r->src, &r->dotdot);
    return err;
}

static int rename_decode(struct ext2_fs *fs, struct ext2_file *at, const char *from,
                         const char *to, struct rename *r)
{
    int err = rename_names(fs, at, from, to, r);
    if (err != EXT2_OK || r->src == r->victim)
        return err;
    if ((r->o.slash || r->n.slash) && !ext2_is_dir(r->src))
        return EXT2_ENOTDIR;
    if (ext2_is_dir(r->src))
        err = check_dir_move(r);
    else if (r->victim != NULL && ext2_is_dir(r->victim))
        err = EXT2_EISDIR;
    if (err == EXT2_OK && r->victim != NULL)
        err = check_last_link(r->victim);
    return err;
}

/* A directory moved: its ".." and the parents' link counts. */
static int move_dir_links(struct rename *r)
{
    struct ext2_file *od = r->o.dir, *nd = r->n.dir;
    int err = EXT2_OK;
    if (od != nd) {
        err = ext2_dir_set_dotdot(r->src, &r->dotdot, nd->ino);
        if (od->links > 2)
            od->links--;
        nd->links++;
    }
    if (r->victim != NULL && nd->links > 2)
        nd->links--;                /* the replaced directory's ".." */
    if (err == EXT2_OK)
        err = ext2_iwrite(od);
    if (err == EXT2_OK)
        err = ext2_iwrite(nd);
    return err;
}

static int rename_perform(struct rename *r)
{
    struct ext2_file *src = r->src, *v = r->victim;
    uint8_t ft = ext2_mode_to_ft(src->mode);
    int err = v != NULL ? ext2_dir_set(r->n.dir, &r->ns.hit, src->ino, ft)
                        : ext2_dir_insert(r->n.dir, &r->ns, r->n.name, r->n.len,
                                          src->ino, ft);
    /* Find the old entry again: the insertion may have split its neighbour. */
    if (err == EXT2_OK)
        err = ext2_dir_lookup(r->o.dir, r->o.name, r->o.len, &r->oslot);
    if (err == EXT2_OK && r->oslot.ino != src->ino)
        err = ext2_corrupt(src->fs, "directory changed under a rename");
    if (err == EXT2_OK)
        err = ext2_dir_remove(r->o.dir, &r->oslot);
    if (err == EXT2_OK && ext2_is_dir(src))
        err = move_dir_links(r);
    if (err == EXT2_OK && v != NULL) {
        v->links = ext2_is_dir(v) ? 0 : v->links - 1;
        ext2_touch(v, false);
        err = ext2_iwrite(v);
    }
    if (err == EXT2_OK) {
        ext2_touch(src, false);
        err = ext2_iwrite(src);
    }
    return err;
}

int ext2_rename(struct ext2_fs *fs, struct ext2_file *at, const char *from,
                const char *to)
{
    struct rename r;
    if (fs == NULL)
        return EXT2_EINVAL;
    memset(&r, 0, sizeof(r));
    int err = rename_decode(fs, at, from, to, &r);
    if (err == EXT2_OK && r.src != r.victim)
        err = rename_perform(&r);
    ext2_iput(r.victim);
    ext2_iput(r.src);
    ext2_iput(r.n.dir);
    ext2_iput(r.o.dir);
    return err;
}
