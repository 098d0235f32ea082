// SPDX-License-Identifier: MIT
/*
 * The file protocol (fs.defs) over the ext2 library.  Requests on the
 * service port name paths; each open file is a port of its own in the
 * server's port set, found by its name in a hash table.  A no-senders
 * notification on a file port closes the file.  Every argument is checked
 * before the library sees it (paths terminated, counts bounded, offsets
 * without overflow); a bad request gets an error and nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mach.h>
#include "ext2.h"
#include "fsServer.h"
#include "fs_blkdev.h"
#include "fs_server.h"
#include <rvmach/fs_types.h>

boolean_t fs_server(mach_msg_header_t *in, mach_msg_header_t *out);

#define MAX_OPEN 4096
#define NBUCKETS 256

/* An open file: the port clients hold, the in-core inode, the offset. */
struct ofile {
    struct ofile *hnext;
    mach_port_t port;
    struct ext2_file *f;
    uint64_t off;               /* regular files: where read and write go */
    uint64_t cursor;            /* directories: where fs_readdir goes on */
    unsigned flags;             /* FS_O_* */
};

static struct ext2_fs *fs;              /* NULL once shut down */
static struct fs_blkdev blkdev;
static mach_port_t service_port, port_set;
static struct ofile *buckets[NBUCKETS];
static unsigned nopen;
static struct ofile *just_opened;      /* by the request being served, until its reply is sent */

/* ---- open files ---- */

static unsigned bucket(mach_port_t port)
{
    return (port ^ (port >> 8)) % NBUCKETS;
}

static struct ofile *lookup(mach_port_t port)
{
    struct ofile *o = buckets[bucket(port)];
    while (o != NULL && o->port != port)
        o = o->hnext;
    return o;
}

static void unhash(struct ofile *o)
{
    struct ofile **pp = &buckets[bucket(o->port)];
    while (*pp != o)
        pp = &(*pp)->hnext;
    *pp = o->hnext;
}

/* Close `o`: its inode released, its port destroyed (clients' rights die). */
static void close_file(struct ofile *o)
{
    unhash(o);
    nopen--;
    if (fs != NULL)
        ext2_close(o->f);
    mach_port_destroy(mach_task_self(), o->port);
    free(o);
}

/* A port for a new open file, in the set, closing itself on no-senders. */
static kern_return_t new_file_port(mach_port_t *out)
{
    mach_port_t self = mach_task_self(), port, prev = MACH_PORT_NULL;
    kern_return_t kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port);
    if (kr != KERN_SUCCESS)
        return kr;
    kr = mach_port_move_member(self, port, port_set);
    /* sync 1: fires once the send right the reply makes is gone. */
    if (kr == KERN_SUCCESS)
        kr = mach_port_request_notification(self, port, MACH_NOTIFY_NO_SENDERS, 1, port, &prev);
    if (kr != KERN_SUCCESS) {
        mach_port_destroy(self, port);
        return kr;
    }
    *out = port;
    return KERN_SUCCESS;
}

/* ---- checks ---- */

/* An ext2 error as an fs error. */
static kern_return_t fs_err(int e)
{
    if (e == EXT2_OK)
        return KERN_SUCCESS;
    return e > 0 && e < EXT2_NERR ? FS_ENOENT - 1 + e : FS_EIO;
}

/* A path from a request: terminated inside the array, no NUL before the end. */
static kern_return_t check_path(const char *p, mach_msg_type_number_t n)
{
    if (n == 0 || n > FS_PATH_MAX || p[n - 1] != '\0' || strlen(p) != n - 1)
        return FS_EINVAL;
    return KERN_SUCCESS;
}

/* A request for the service port. */
static kern_return_t check_service(mach_port_t port)
{
    if (port != service_port)
        return FS_EBADF;
    return fs == NULL ? FS_ESHUTDOWN : KERN_SUCCESS;
}

/* A request for an open file, opened with `need` (FS_O_READ/WRITE or 0). */
static kern_return_t check_file(mach_port_t port, unsigned need, struct ofile **out)
{
    if (fs == NULL)
        return FS_ESHUTDOWN;
    struct ofile *o = lookup(port);
    if (o == NULL || (o->flags & need) != need)
        return FS_EBADF;
    *out = o;
    return KERN_SUCCESS;
}

static void fill_stat(const struct ext2_stat *s, fs_stat_t *st)
{
    *st = (fs_stat_t){
        .ino = s->ino, .mode = s->mode, .nlink = s->links, .uid = s->uid, .gid = s->gid,
        .size = s->size, .blocks = s->blocks, .blksize = s->blksize, .atime = s->atime,
        .mtime = s->mtime, .ctime = s->ctime, .flags = s->flags,
    };
}

/* ---- opening and closing ---- */

static unsigned ext2_flags(uint32_t flags)
{
    unsigned e = 0;
    if (flags & FS_O_WRITE)
        e |= EXT2_O_WRITE;
    if (flags & FS_O_CREAT)
        e |= EXT2_O_CREAT;
    if (flags & FS_O_EXCL)
        e |= EXT2_O_EXCL;
    if (flags & FS_O_TRUNC)
        e |= EXT2_O_TRUNC;
    if (flags & FS_O_DIRECTORY)
        e |= EXT2_O_DIRECTORY;
    return e;
}

kern_return_t S_fs_open(mach_port_t server, const fs_path_t path, mach_msg_type_number_t pathCnt,
                        uint32_t flags, uint32_t mode, mach_port_t *file)
{
    kern_return_t kr = check_service(server);
    if (kr == KERN_SUCCESS)
        kr = check_path(path, pathCnt);
    if (kr != KERN_SUCCESS)
        return kr;
    if ((flags & ~FS_O_ALL) != 0 || ((flags & FS_O_TRUNC) && !(flags & FS_O_WRITE)))
        return FS_EINVAL;
    if (nopen >= MAX_OPEN)
        return FS_EMFILE;
    struct ofile *o = calloc(1, sizeof(*o));
    if (o == NULL)
        return FS_ENOMEM;
    int e = ext2_open(fs, NULL, path, ext2_flags(flags), mode & 07777, &o->f);
    if (e != EXT2_OK) {
        free(o);
        return fs_err(e);
    }
    if (new_file_port(&o->port) != KERN_SUCCESS) {
        ext2_close(o->f);
        free(o);
        return FS_ENOMEM;
    }
    o->flags = flags;
    o->hnext = buckets[bucket(o->port)];
    buckets[bucket(o->port)] = o;
    nopen++;
    just_opened = o;
    *file = o->port;                    /* the reply makes the client's send right */
    return KERN_SUCCESS;
}

kern_return_t S_fs_close(mach_port_t file)
{
    struct ofile *o;
    kern_return_t kr = check_file(file, 0, &o);
    if (kr == KERN_SUCCESS)
        close_file(o);
    return kr;
}

/* ---- reading and writing ---- */

/* Read at most `count` bytes at the offset into buf: *done bytes, offset advanced. */
static kern_return_t read_at(struct ofile *o, void *buf, uint32_t count, uint32_t *done)
{
    size_t n = 0;
    int e = ext2_pread(o->f, buf, count, o->off, &n);
    o->off += n;
    *done = (uint32_t)n;
    return n > 0 ? KERN_SUCCESS : fs_err(e);   /* a short read before an error is a read */
}

kern_return_t S_fs_read(mach_port_t file, uint32_t count, fs_data_t data,
                        mach_msg_type_number_t *dataCnt)
{
    struct ofile *o;
    kern_return_t kr = check_file(file, FS_O_READ, &o);
    if (kr != KERN_SUCCESS)
        return kr;
    if (count > FS_INLINE_MAX)
        return FS_EINVAL;
    uint32_t done = 0;
    kr = read_at(o, data, count, &done);
    *dataCnt = done;
    return kr;
}

kern_return_t S_fs_read_ool(mach_port_t file, uint32_t count, vm_offset_t *data,
                            mach_msg_type_number_t *dataCnt)
{
    struct ofile *o;
    kern_return_t kr = check_file(file, FS_O_READ, &o);
    if (kr != KERN_SUCCESS)
        return kr;
    if (count > FS_IO_MAX)
        return FS_EINVAL;
    *data = 0;
    *dataCnt = 0;
    if (count == 0)
        return KERN_SUCCESS;
    vm_address_t buf = 0;
    if (vm_allocate(mach_task_self(), &buf, count, TRUE) != KERN_SUCCESS)
        return FS_ENOMEM;
    uint32_t done = 0;
    kr = read_at(o, (void *)buf, count, &done);
    /* The reply takes [buf, buf + done); give back the pages past it now. */
    vm_size_t keep = (done + 4095) & ~(vm_size_t)4095, all = (count + 4095) & ~(vm_size_t)4095;
    if (all > keep)
        vm_deallocate(mach_task_self(), buf + keep, all - keep);
    if (done == 0)
        return kr;
    *data = buf;
    *dataCnt = done;
    return KERN_SUCCESS;
}

/* Write count bytes at the offset (the end for append): *written, offset advanced. */
static kern_return_t write_at(struct ofile *o, const void *buf, uint32_t count, uint32_t *written)
{
    *written = 0;
    if (count == 0)
        return KERN_SUCCESS;
    if (o->flags & FS_O_APPEND) {
        struct ext2_stat st;
        ext2_fstat(o->f, &st);
        o->off = st.size;
    }
    size_t n = 0;
    int e = ext2_pwrite(o->f, buf, count, o->off, &n);
    o->off += n;
    *written = (uint32_t)n;
    return n > 0 ? KERN_SUCCESS : fs_err(e);   /* a short write is a write */
}

kern_return_t S_fs_write(mach_port_t file, const fs_data_t data, mach_msg_type_number_t dataCnt,
                         uint32_t *written)
{
    struct ofile *o;
    kern_return_t kr = check_file(file, FS_O_WRITE, &o);
    if (kr != KERN_SUCCESS)
        return kr;
    if (dataCnt > FS_INLINE_MAX)
        return FS_EINVAL;
    return write_at(o, data, dataCnt, written);
}

/* On success the client's memory is freed here; on an error the caller destroys the request. */
kern_return_t S_fs_write_ool(mach_port_t file, vm_offset_t data, mach_msg_type_number_t dataCnt,
                             uint32_t *written)
{
    struct ofile *o;
    kern_return_t kr = check_file(file, FS_O_WRITE, &o);
    if (kr != KERN_SUCCESS)
        return kr;
    if (dataCnt > FS_IO_MAX)
        return FS_EINVAL;
    kr = write_at(o, (const void *)data, dataCnt, written);
    if (kr == KERN_SUCCESS && dataCnt > 0)
        vm_deallocate(mach_task_self(), data, dataCnt);
    return kr;
}

/* base + offset as an offset, or FS_EINVAL if negative or overflowing. */
static kern_return_t add_offset(uint64_t base, int64_t offset, uint64_t *out)
{
    if (base > (uint64_t)INT64_MAX)
        return FS_EINVAL;
    int64_t b = (int64_t)base;
    if ((offset > 0 && b > INT64_MAX - offset) || b + offset < 0)
        return FS_EINVAL;
    *out = (uint64_t)(b + offset);
    return KERN_SUCCESS;
}

kern_return_t S_fs_seek(mach_port_t file, int64_t offset, int32_t whence, uint64_t *new_offset)
{
    struct ofile *o;
    kern_return_t kr = check_file(file, 0, &o);
    if (kr != KERN_SUCCESS)
        return kr;
    struct ext2_stat st;
    ext2_fstat(o->f, &st);
    if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFDIR) {
        /* Directory cursors are the library's: only a rewind is safe. */
        if (whence != FS_SEEK_SET || offset != 0)
            return FS_EINVAL;
        o->cursor = 0;
        *new_offset = 0;
        return KERN_SUCCESS;
    }
    if (whence < FS_SEEK_SET || whence > FS_SEEK_END)
        return FS_EINVAL;
    uint64_t base = whence == FS_SEEK_SET ? 0 : whence == FS_SEEK_CUR ? o->off : st.size;
    kr = add_offset(base, offset, &o->off);
    *new_offset = o->off;
    return kr;
}

kern_return_t S_fs_ftruncate(mach_port_t file, uint64_t size)
{
    struct ofile *o;
    kern_return_t kr = check_file(file, FS_O_WRITE, &o);
    if (kr != KERN_SUCCESS)
        return kr;
    return fs_err(ext2_ftruncate(o->f, size));
}

/* ---- what files are ---- */

kern_return_t S_fs_fstat(mach_port_t file, fs_stat_t *st)
{
    struct ofile *o;
    kern_return_t kr = check_file(file, 0, &o);
    if (kr != KERN_SUCCESS)
        return kr;
    struct ext2_stat s;
    kr = fs_err(ext2_fstat(o->f, &s));
    if (kr == KERN_SUCCESS)
        fill_stat(&s, st);
    return kr;
}

kern_return_t S_fs_stat(mach_port_t server, const fs_path_t path, mach_msg_type_number_t pathCnt,
                        fs_stat_t *st)
{
    kern_return_t kr = check_service(server);
    if (kr == KERN_SUCCESS)
        kr = check_path(path, pathCnt);
    if (kr != KERN_SUCCESS)
        return kr;
    struct ext2_stat s;
    kr = fs_err(ext2_stat(fs, NULL, path, &s));
    if (kr == KERN_SUCCESS)
        fill_stat(&s, st);
    return kr;
}

/* Append one entry to the listing at *pos; false if it does not fit. */
static bool put_dirent(char *buf, uint32_t *pos, const struct ext2_dirent *ent)
{
    uint32_t reclen = (uint32_t)(sizeof(struct fs_dirent) + ent->name_len + 1 + 7) & ~7u;
    if (*pos + reclen > FS_INLINE_MAX)
        return false;
    struct fs_dirent *d = (struct fs_dirent *)(void *)(buf + *pos);
    memset(d, 0, reclen);
    d->ino = ent->ino;
    d->reclen = (uint16_t)reclen;
    d->type = ent->type == EXT2_FT_REG_FILE ? FS_DT_REG : ent->type == EXT2_FT_DIR ? FS_DT_DIR
            : ent->type == EXT2_FT_SYMLINK ? FS_DT_LNK : FS_DT_UNKNOWN;
    d->namelen = ent->name_len;
    memcpy(d->name, ent->name, ent->name_len);
    *pos += reclen;
    return true;
}

kern_return_t S_fs_readdir(mach_port_t file, fs_data_t entries, mach_msg_type_number_t *count)
{
    struct ofile *o;
    kern_return_t kr = check_file(file, FS_O_READ, &o);
    if (kr != KERN_SUCCESS)
        return kr;
    uint32_t pos = 0;
    struct ext2_dirent ent;
    for (;;) {
        uint64_t before = o->cursor;
        int e = ext2_readdir(o->f, &o->cursor, &ent);
        if (e != EXT2_OK) {
            o->cursor = before;
            if (pos == 0)
                return fs_err(e);
            break;                      /* the error comes with the next call */
        }
        if (ent.ino == 0)
            break;
        if (!put_dirent(entries, &pos, &ent)) {
            o->cursor = before;         /* the next call starts with it */
            break;
        }
    }
    *count = pos;
    return KERN_SUCCESS;
}

/* ---- operations on names ---- */

/* The common start of the path operations. */
static kern_return_t path_request(mach_port_t server, const char *path, mach_msg_type_number_t n)
{
    kern_return_t kr = check_service(server);
    return kr == KERN_SUCCESS ? check_path(path, n) : kr;
}

kern_return_t S_fs_mkdir(mach_port_t server, const fs_path_t path, mach_msg_type_number_t pathCnt,
                         uint32_t mode)
{
    kern_return_t kr = path_request(server, path, pathCnt);
    return kr != KERN_SUCCESS ? kr : fs_err(ext2_mkdir(fs, NULL, path, mode & 07777));
}

kern_return_t S_fs_rmdir(mach_port_t server, const fs_path_t path, mach_msg_type_number_t pathCnt)
{
    kern_return_t kr = path_request(server, path, pathCnt);
    return kr != KERN_SUCCESS ? kr : fs_err(ext2_rmdir(fs, NULL, path));
}

kern_return_t S_fs_unlink(mach_port_t server, const fs_path_t path, mach_msg_type_number_t pathCnt)
{
    kern_return_t kr = path_request(server, path, pathCnt);
    return kr != KERN_SUCCESS ? kr : fs_err(ext2_unlink(fs, NULL, path));
}

kern_return_t S_fs_rename(mach_port_t server, const fs_path_t from, mach_msg_type_number_t fromCnt,
                          const fs_path_t to, mach_msg_type_number_t toCnt)
{
    kern_return_t kr = path_request(server, from, fromCnt);
    if (kr == KERN_SUCCESS)
        kr = check_path(to, toCnt);
    return kr != KERN_SUCCESS ? kr : fs_err(ext2_rename(fs, NULL, from, to));
}

kern_return_t S_fs_truncate(mach_port_t server, const fs_path_t path,
                            mach_msg_type_number_t pathCnt, uint64_t size)
{
    kern_return_t kr = path_request(server, path, pathCnt);
    return kr != KERN_SUCCESS ? kr : fs_err(ext2_truncate(fs, NULL, path, size));
}

/* ---- the whole file system ---- */

kern_return_t S_fs_sync(mach_port_t server)
{
    kern_return_t kr = check_service(server);
    return kr != KERN_SUCCESS ? kr : fs_err(ext2_sync(fs));
}

kern_return_t S_fs_statfs(mach_port_t server, fs_statfs_t *st)
{
    kern_return_t kr = check_service(server);
    if (kr != KERN_SUCCESS)
        return kr;
    struct ext2_statfs s;
    kr = fs_err(ext2_statfs(fs, &s));
    if (kr == KERN_SUCCESS)
        *st = (fs_statfs_t){
            .block_size = s.block_size, .blocks = s.blocks, .free_blocks = s.free_blocks,
            .inodes = s.inodes, .free_inodes = s.free_inodes, .name_max = s.name_max,
            .read_only = s.readonly, .open_files = nopen,
        };
    return kr;
}

kern_return_t S_fs_shutdown(mach_port_t server)
{
    kern_return_t kr = check_service(server);
    if (kr != KERN_SUCCESS)
        return kr;
    for (unsigned b = 0; b < NBUCKETS; b++)
        while (buckets[b] != NULL)
            close_file(buckets[b]);
    int e = ext2_unmount(fs);           /* frees fs even when it fails */
    fs = NULL;
    printf("fs: unmounted%s\n", e == EXT2_OK ? "" : " (with a write error)");
    return fs_err(e);
}

/* ---- start-up and the loop ---- */

int fs_server_init(mach_port_t disk, const struct fs_server_opts *o)
{
    struct ext2_blkdev dev;
    int err = fs_blkdev_open(&blkdev, disk, o->bcache_bytes, &dev);
    if (err != 0) {
        printf("fs: the disk does not answer: %s\n", mach_error_string(err));
        return -1;
    }
    static char msg[160];
    struct ext2_opts opts = {
        .flags = (o->read_only ? EXT2_MOUNT_RDONLY : 0) | (o->force ? EXT2_MOUNT_FORCE : 0),
        .cache_blocks = o->cache_blocks != 0 ? o->cache_blocks : 2048,
        .msg = msg, .msg_size = sizeof(msg),
    };
    int e = ext2_mount(&dev, &opts, &fs);
    if (e != EXT2_OK) {
        printf("fs: mount failed: %s%s%s\n", ext2_strerror(e), msg[0] ? ": " : "", msg);
        return -1;
    }
    struct ext2_statfs st;
    ext2_statfs(fs, &st);
    printf("fs: mounted ext2, %u blocks of %u bytes, %u inodes, %s%s%s\n", st.blocks,
           st.block_size, st.inodes, st.readonly ? "read-only" : "read-write",
           msg[0] ? ": " : "", msg);
    mach_port_t self = mach_task_self();
    if (mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &port_set) != KERN_SUCCESS ||
        mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &service_port) != KERN_SUCCESS ||
        mach_port_move_member(self, service_port, port_set) != KERN_SUCCESS)
        return -1;
    return 0;
}

mach_port_t fs_server_port(void)
{
    return service_port;
}

union msg_buf {
    mach_msg_header_t head;
    uint8_t bytes[2 * FS_PATH_MAX + 1024];
};

/* A notification on a file port: no-senders closes it. */
static void notification(mach_msg_header_t *in)
{
    if (in->msgh_id == MACH_NOTIFY_NO_SENDERS) {
        struct ofile *o = lookup(in->msgh_local_port);
        if (o != NULL)
            close_file(o);
    }
    mach_msg_destroy(in);
}

/*
 * Serve one request and send its reply.  If an fs_open reply cannot be
 * delivered (the client died meanwhile), no send right to the new file
 * port may ever exist: close the file at once.
 */
static void serve_one(mach_msg_header_t *in, mach_msg_header_t *out)
{
    just_opened = NULL;
    fs_server(in, out);
    kern_return_t ret = ((mig_reply_header_t *)out)->RetCode;
    if (ret == MIG_NO_REPLY)
        return;
    if (ret != KERN_SUCCESS) {
        in->msgh_remote_port = MACH_PORT_NULL;  /* the reply uses it */
        mach_msg_destroy(in);
    }
    if (!MACH_PORT_VALID(out->msgh_remote_port)) {
        mach_msg_destroy(out);          /* nobody to give it to */
        if (just_opened != NULL)
            close_file(just_opened);
        return;
    }
    if (mach_msg(out, MACH_SEND_MSG | MACH_SEND_TIMEOUT, out->msgh_size, 0, MACH_PORT_NULL, 0,
                 MACH_PORT_NULL) == MACH_MSG_SUCCESS)
        return;
    mach_msg_destroy(out);              /* the client is gone: free what the reply held */
    if (just_opened != NULL && lookup(just_opened->port) == just_opened)
        close_file(just_opened);
}

void fs_server_run(void)
{
    static union msg_buf in, out;
    for (;;) {
        mach_msg_return_t mr = mach_msg(&in.head, MACH_RCV_MSG, 0, sizeof(in), port_set, 0,
                                        MACH_PORT_NULL);
        if (mr != MACH_MSG_SUCCESS)
            continue;
        if (in.head.msgh_id >= MACH_NOTIFY_FIRST && in.head.msgh_id <= MACH_NOTIFY_LAST)
            notification(&in.head);
        else
            serve_one(&in.head, &out.head);
    }
}
