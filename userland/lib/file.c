// SPDX-License-Identifier: MIT
/*
 * POSIX file calls for picolibc over the file protocol (rvmach/file.h):
 * a table of descriptors (console or an open file's port), paths made
 * absolute against a current directory, errors turned into errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <mach.h>
#include <rvmach/blk_types.h>
#include <rvmach/file.h>
#include <rvmach/name.h>

enum fd_kind { FD_FREE, FD_CONSOLE, FD_FILE };

struct fd {
    enum fd_kind kind;
    mach_port_t port;           /* FD_FILE: the open file's port */
};

/*
 * files_lock guards fds, fs_port, fs_looked_up and cwd; RPCs are made
 * without it (each thread has its own reply port).
 */
static int files_lock;
static struct fd fds[RVMACH_FD_MAX] = {
    [0] = { FD_CONSOLE, MACH_PORT_NULL },
    [1] = { FD_CONSOLE, MACH_PORT_NULL },
    [2] = { FD_CONSOLE, MACH_PORT_NULL },
};
static mach_port_t fs_port;
static bool fs_looked_up;
static char cwd[FS_PATH_MAX] = "/";

static void lock(void)
{
    while (__atomic_exchange_n(&files_lock, 1, __ATOMIC_ACQUIRE))
        swtch();
}

static void unlock(void)
{
    __atomic_store_n(&files_lock, 0, __ATOMIC_RELEASE);
}

/* ---- errors ---- */

int rvmach_errno(kern_return_t kr)
{
    static const int fs_errno[] = {
        ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, ENOSPC, EINVAL, EIO, EIO, EROFS,
        ENAMETOOLONG, EFBIG, ENOMEM, ENOTSUP, EMLINK, EBUSY, EBADF, EIO, ENFILE,
    };
    if (kr >= FS_ENOENT && kr <= FS_EMFILE)
        return fs_errno[kr - FS_ENOENT];
    switch (kr) {
    case KERN_SUCCESS: return 0;
    case BLK_ERANGE: case BLK_ESIZE: case BLK_EINVAL: return EINVAL;
    case BLK_EROFS: return EROFS;
    case BLK_ENOMEM: case KERN_RESOURCE_SHORTAGE: case MACH_SEND_NO_BUFFER: return ENOMEM;
    case BLK_ENODEV: return ENXIO;
    case MACH_SEND_INVALID_MEMORY: return EFAULT;
    default: return EIO;                /* device errors, a dead server, MIG errors */
    }
}

static int fail(int err)
{
    errno = err;
    return -1;
}

static int fail_kr(kern_return_t kr)
{
    return fail(rvmach_errno(kr));
}

/* ---- the server ---- */

void rvmach_file_connect(mach_port_t fs)
{
    lock();
    mach_port_t old = fs_port;
    fs_port = fs;
    fs_looked_up = MACH_PORT_VALID(fs);
    unlock();
    if (MACH_PORT_VALID(old) && old != fs)
        mach_port_deallocate(mach_task_self(), old);
}

/* A failed look-up is tried again at the next call: the server may come later. */
mach_port_t rvmach_file_server(void)
{
    lock();
    bool need = !fs_looked_up;
    unlock();
    mach_port_t port = MACH_PORT_NULL;
    if (!need || rvmach_lookup("fs", &port) != KERN_SUCCESS)
        return fs_port;
    lock();
    bool raced = fs_looked_up;          /* another thread found it meanwhile */
    if (!raced) {
        fs_port = port;
        fs_looked_up = true;
    }
    unlock();
    if (raced)
        mach_port_deallocate(mach_task_self(), port);
    return fs_port;
}

/* After an RPC to the server: if it is gone, look it up again next time. */
static kern_return_t server_result(mach_port_t server, kern_return_t kr)
{
    if (kr == MACH_SEND_INVALID_DEST || kr == MIG_SERVER_DIED) {
        lock();
        bool same = fs_port == server;
        if (same) {
            fs_port = MACH_PORT_NULL;
            fs_looked_up = false;
        }
        unlock();
        if (same)
            mach_port_deallocate(mach_task_self(), server);
    }
    return kr;
}

/* ---- paths ---- */

/* Append component [c, c + len) to out (length *n); ".." goes up. */
static int add_component(char *out, size_t *n, const char *c, size_t len)
{
    if (len == 0 || (len == 1 && c[0] == '.'))
        return 0;
    if (len == 2 && c[0] == '.' && c[1] == '.') {
        while (*n > 0 && out[--*n] != '/')
            ;
        out[*n] = '\0';
        return 0;
    }
    if (len > 255)
        return ENAMETOOLONG;
    if (*n + 1 + len >= FS_PATH_MAX)
        return ENAMETOOLONG;
    out[(*n)++] = '/';
    memcpy(out + *n, c, len);
    *n += len;
    out[*n] = '\0';
    return 0;
}

/* Walk the components of `path` onto out. */
static int add_path(char *out, size_t *n, const char *path)
{
    while (*path != '\0') {
        const char *end = strchr(path, '/');
        size_t len = end != NULL ? (size_t)(end - path) : strlen(path);
        int err = add_component(out, n, path, len);
        if (err != 0)
            return err;
        path += len;
        while (*path == '/')
            path++;
    }
    return 0;
}

/*
 * `path` as an absolute path without ".", ".." or repeated slashes, in
 * out[FS_PATH_MAX].  ".." is resolved by the text (no symbolic links are
 * followed anyway).  0 or an errno value.
 */
static int full_path(const char *path, char *out)
{
    if (path == NULL)
        return EFAULT;
    if (path[0] == '\0')
        return ENOENT;
    size_t n = 0;
    out[0] = '\0';
    int err = 0;
    if (path[0] != '/') {
        lock();
        err = add_path(out, &n, cwd);
        unlock();
    }
    if (err == 0)
        err = add_path(out, &n, path);
    if (err == 0 && n == 0)
        strcpy(out, "/");
    return err;
}

/* ---- descriptors ---- */

/* The lowest free descriptor, claimed for `port`; -1 if none. */
static int fd_alloc(mach_port_t port)
{
    lock();
    for (int i = 0; i < RVMACH_FD_MAX; i++) {
        if (fds[i].kind == FD_FREE) {
            fds[i] = (struct fd){ FD_FILE, port };
            unlock();
            return i;
        }
    }
    unlock();
    return -1;
}

/* What fd is: FD_FREE for a bad number. */
static enum fd_kind fd_get(int fd, mach_port_t *port)
{
    if (fd < 0 || fd >= RVMACH_FD_MAX)
        return FD_FREE;
    lock();
    enum fd_kind kind = fds[fd].kind;
    *port = fds[fd].port;
    unlock();
    return kind;
}

mach_port_t rvmach_file_port(int fd)
{
    mach_port_t port = MACH_PORT_NULL;
    return fd_get(fd, &port) == FD_FILE ? port : MACH_PORT_NULL;
}

void rvmach_file_child_init(void)
{
    for (int i = 0; i < RVMACH_FD_MAX; i++)
        if (fds[i].kind == FD_FILE)
            fds[i] = (struct fd){ FD_FREE, MACH_PORT_NULL };
    fs_port = MACH_PORT_NULL;
    fs_looked_up = false;
    files_lock = 0;
}

/* ---- open and close ---- */

static int fs_flags(int flags, uint32_t *out)
{
    uint32_t f = 0;
    switch (flags & O_ACCMODE) {
    case O_RDONLY: f = FS_O_READ; break;
    case O_WRONLY: f = FS_O_WRITE; break;
    case O_RDWR: f = FS_O_READ | FS_O_WRITE; break;
    default: return EINVAL;
    }
    if (flags & O_CREAT)
        f |= FS_O_CREAT;
    if (flags & O_EXCL)
        f |= FS_O_EXCL;
    if (flags & O_TRUNC)
        f |= FS_O_TRUNC;
    if (flags & O_APPEND)
        f |= FS_O_APPEND;
    if (flags & O_DIRECTORY)
        f |= FS_O_DIRECTORY;
    if ((f & FS_O_TRUNC) && !(f & FS_O_WRITE))
        f &= ~FS_O_TRUNC;               /* POSIX leaves it undefined: ignore it */
    *out = f;
    return 0;
}

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    char full[FS_PATH_MAX];
    uint32_t f;
    int err = full_path(path, full);
    if (err == 0)
        err = fs_flags(flags, &f);
    if (err != 0)
        return fail(err);
    mach_port_t server = rvmach_file_server();
    if (!MACH_PORT_VALID(server))
        return fail(ENXIO);
    mach_port_t file = MACH_PORT_NULL;
    kern_return_t kr = fs_open(server, full, (mach_msg_type_number_t)strlen(full) + 1, f,
                               (uint32_t)mode, &file);
    if (server_result(server, kr) != KERN_SUCCESS)
        return fail_kr(kr);
    int fd = fd_alloc(file);
    if (fd < 0) {
        fs_close(file);
        mach_port_deallocate(mach_task_self(), file);
        return fail(EMFILE);
    }
    return fd;
}

int close(int fd)
{
    mach_port_t port = MACH_PORT_NULL;
    enum fd_kind kind = fd_get(fd, &port);
    if (kind == FD_FREE)
        return fail(EBADF);
    lock();
    fds[fd] = (struct fd){ FD_FREE, MACH_PORT_NULL };
    unlock();
    if (kind == FD_CONSOLE)
        return 0;
    kern_return_t kr = fs_close(port);
    mach_port_deallocate(mach_task_self(), port);
    return kr == KERN_SUCCESS ? 0 : fail_kr(kr);
}

/* ---- reading and writing ---- */

static ssize_t console_read(char *buf, size_t n)
{
    size_t i = 0;
    fflush(stdout);
    while (i < n) {
        int c = getchar();
        if (c == EOF)
            break;
        buf[i++] = (char)c;
        if (c == '\n')
            break;
    }
    return (ssize_t)i;
}

static ssize_t console_write(int fd, const void *buf, size_t n)
{
    FILE *f = fd == 2 ? stderr : stdout;
    size_t w = fwrite(buf, 1, n, f);
    fflush(f);
    return w == 0 && n > 0 ? fail(EIO) : (ssize_t)w;
}

/* One read RPC of at most FS_IO_MAX bytes: *got bytes. */
static kern_return_t read_piece(mach_port_t port, char *buf, uint32_t want, uint32_t *got)
{
    *got = 0;
    if (want <= FS_INLINE_MAX) {
        mach_msg_type_number_t n = want;
        kern_return_t kr = fs_read(port, want, buf, &n);
        if (kr == KERN_SUCCESS)
            *got = n <= want ? n : want;
        return kr;
    }
    vm_offset_t data = 0;
    mach_msg_type_number_t n = 0;
    kern_return_t kr = fs_read_ool(port, want, &data, &n);
    if (kr == KERN_SUCCESS && data != 0) {
        *got = n <= want ? n : want;
        memcpy(buf, (const void *)data, *got);
    }
    if (data != 0)
        vm_deallocate(mach_task_self(), data, n);
    return kr;
}

static ssize_t file_read(mach_port_t port, char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        uint32_t want = n - done > FS_IO_MAX ? FS_IO_MAX : (uint32_t)(n - done), got;
        kern_return_t kr = read_piece(port, buf + done, want, &got);
        if (kr != KERN_SUCCESS)
            return done > 0 ? (ssize_t)done : fail_kr(kr);
        done += got;
        if (got < want)
            break;                      /* the end of the file */
    }
    return (ssize_t)done;
}

ssize_t read(int fd, void *buf, size_t n)
{
    mach_port_t port = MACH_PORT_NULL;
    switch (fd_get(fd, &port)) {
    case FD_CONSOLE: return console_read(buf, n);
    case FD_FILE: return file_read(port, buf, n);
    default: return fail(EBADF);
    }
}

static kern_return_t write_piece(mach_port_t port, const char *buf, uint32_t n, uint32_t *done)
{
    *done = 0;
    if (n <= FS_INLINE_MAX)
        return fs_write(port, buf, n, done);
    return fs_write_ool(port, (vm_offset_t)buf, n, done);
}

static ssize_t file_write(mach_port_t port, const char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        uint32_t want = n - done > FS_IO_MAX ? FS_IO_MAX : (uint32_t)(n - done), put;
        kern_return_t kr = write_piece(port, buf + done, want, &put);
        if (kr != KERN_SUCCESS)
            return done > 0 ? (ssize_t)done : fail_kr(kr);
        done += put < want ? put : want;
        if (put < want)
            break;                      /* the disk is full: a short write */
    }
    return (ssize_t)done;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    mach_port_t port = MACH_PORT_NULL;
    switch (fd_get(fd, &port)) {
    case FD_CONSOLE: return console_write(fd, buf, n);
    case FD_FILE: return file_write(port, buf, n);
    default: return fail(EBADF);
    }
}

off_t lseek(int fd, off_t offset, int whence)
{
    mach_port_t port = MACH_PORT_NULL;
    enum fd_kind kind = fd_get(fd, &port);
    if (kind == FD_CONSOLE)
        return fail(ESPIPE);
    if (kind != FD_FILE)
        return fail(EBADF);
    uint64_t now = 0;
    kern_return_t kr = fs_seek(port, offset, whence, &now);
    return kr == KERN_SUCCESS ? (off_t)now : fail_kr(kr);
}

int ftruncate(int fd, off_t length)
{
    mach_port_t port = MACH_PORT_NULL;
    if (fd_get(fd, &port) != FD_FILE)
        return fail(fd_get(fd, &port) == FD_CONSOLE ? EINVAL : EBADF);
    if (length < 0)
        return fail(EINVAL);
    kern_return_t kr = fs_ftruncate(port, (uint64_t)length);
    return kr == KERN_SUCCESS ? 0 : fail_kr(kr);
}

/* ---- what files are ---- */

static void to_stat(const fs_stat_t *s, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = s->ino;
    st->st_mode = (mode_t)s->mode;
    st->st_nlink = (nlink_t)s->nlink;
    st->st_uid = (uid_t)s->uid;
    st->st_gid = (gid_t)s->gid;
    st->st_size = (off_t)s->size;
    st->st_blksize = (blksize_t)s->blksize;
    st->st_blocks = (blkcnt_t)s->blocks;
    st->st_atim.tv_sec = (time_t)s->atime;
    st->st_mtim.tv_sec = (time_t)s->mtime;
    st->st_ctim.tv_sec = (time_t)s->ctime;
}

int fstat(int fd, struct stat *st)
{
    mach_port_t port = MACH_PORT_NULL;
    enum fd_kind kind = fd_get(fd, &port);
    if (kind == FD_CONSOLE) {
        memset(st, 0, sizeof(*st));
        st->st_mode = S_IFCHR | 0620;
        return 0;
    }
    if (kind != FD_FILE)
        return fail(EBADF);
    fs_stat_t s;
    kern_return_t kr = fs_fstat(port, &s);
    if (kr != KERN_SUCCESS)
        return fail_kr(kr);
    to_stat(&s, st);
    return 0;
}

int isatty(int fd)
{
    mach_port_t port;
    enum fd_kind kind = fd_get(fd, &port);
    if (kind == FD_CONSOLE)
        return 1;
    errno = kind == FD_FILE ? ENOTTY : EBADF;
    return 0;
}

/*
 * The common shape of the calls on one path: make it absolute, find the
 * server, call `op`, turn the answer into 0 or -1 and errno.
 */
typedef kern_return_t path_op(mach_port_t server, const char *path, mach_msg_type_number_t n,
                              void *arg);

static int on_path(const char *path, path_op *op, void *arg)
{
    char full[FS_PATH_MAX];
    int err = full_path(path, full);
    if (err != 0)
        return fail(err);
    mach_port_t server = rvmach_file_server();
    if (!MACH_PORT_VALID(server))
        return fail(ENXIO);
    kern_return_t kr = server_result(server, op(server, full,
                                                (mach_msg_type_number_t)strlen(full) + 1, arg));
    return kr == KERN_SUCCESS ? 0 : fail_kr(kr);
}

static kern_return_t op_stat(mach_port_t s, const char *p, mach_msg_type_number_t n, void *arg)
{
    fs_stat_t st;
    kern_return_t kr = fs_stat(s, p, n, &st);
    if (kr == KERN_SUCCESS)
        to_stat(&st, arg);
    return kr;
}

int stat(const char *path, struct stat *st)
{
    return on_path(path, op_stat, st);
}

int lstat(const char *path, struct stat *st)
{
    return on_path(path, op_stat, st);  /* links are never followed anyway */
}

int access(const char *path, int mode)
{
    (void)mode;                         /* permissions are not enforced */
    struct stat st;
    return stat(path, &st);
}

/* ---- operations on names ---- */

static kern_return_t op_unlink(mach_port_t s, const char *p, mach_msg_type_number_t n, void *arg)
{
    (void)arg;
    return fs_unlink(s, p, n);
}

static kern_return_t op_rmdir(mach_port_t s, const char *p, mach_msg_type_number_t n, void *arg)
{
    (void)arg;
    return fs_rmdir(s, p, n);
}

static kern_return_t op_mkdir(mach_port_t s, const char *p, mach_msg_type_number_t n, void *arg)
{
    return fs_mkdir(s, p, n, *(const uint32_t *)arg);
}

static kern_return_t op_truncate(mach_port_t s, const char *p, mach_msg_type_number_t n,
                                 void *arg)
{
    return fs_truncate(s, p, n, *(const uint64_t *)arg);
}

/* rename's second path comes in through arg. */
static kern_return_t op_rename(mach_port_t s, const char *p, mach_msg_type_number_t n, void *arg)
{
    const char *to = arg;
    return fs_rename(s, p, n, to, (mach_msg_type_number_t)strlen(to) + 1);
}

int unlink(const char *path)
{
    return on_path(path, op_unlink, NULL);
}

int rmdir(const char *path)
{
    return on_path(path, op_rmdir, NULL);
}

int mkdir(const char *path, mode_t mode)
{
    uint32_t m = (uint32_t)mode;
    return on_path(path, op_mkdir, &m);
}

int truncate(const char *path, off_t length)
{
    if (length < 0)
        return fail(EINVAL);
    uint64_t len = (uint64_t)length;
    return on_path(path, op_truncate, &len);
}

int rename(const char *from, const char *to)
{
    char full_to[FS_PATH_MAX];
    int err = full_path(to, full_to);
    if (err != 0)
        return fail(err);
    return on_path(from, op_rename, full_to);
}

/* ---- the whole file system ---- */

int rvmach_statfs(fs_statfs_t *st)
{
    mach_port_t server = rvmach_file_server();
    if (!MACH_PORT_VALID(server))
        return fail(ENXIO);
    kern_return_t kr = server_result(server, fs_statfs(server, st));
    return kr == KERN_SUCCESS ? 0 : fail_kr(kr);
}

int rvmach_fs_shutdown(void)
{
    mach_port_t server = rvmach_file_server();
    if (!MACH_PORT_VALID(server))
        return fail(ENXIO);
    kern_return_t kr = server_result(server, fs_shutdown(server));
    return kr == KERN_SUCCESS ? 0 : fail_kr(kr);
}

void sync(void)
{
    mach_port_t server = rvmach_file_server();
    if (MACH_PORT_VALID(server))
        server_result(server, fs_sync(server));
}

int fsync(int fd)
{
    mach_port_t port;
    enum fd_kind kind = fd_get(fd, &port);
    if (kind == FD_FREE)
        return fail(EBADF);
    if (kind == FD_CONSOLE)
        return 0;
    mach_port_t server = rvmach_file_server();     /* the server syncs everything */
    if (!MACH_PORT_VALID(server))
        return fail(ENXIO);
    kern_return_t kr = server_result(server, fs_sync(server));
    return kr == KERN_SUCCESS ? 0 : fail_kr(kr);
}

/* ---- the current directory ---- */

int chdir(const char *path)
{
    char full[FS_PATH_MAX];
    int err = full_path(path, full);
    if (err != 0)
        return fail(err);
    struct stat st;
    if (stat(full, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return fail(ENOTDIR);
    lock();
    strcpy(cwd, full);
    unlock();
    return 0;
}

char *getcwd(char *buf, size_t size)
{
    if (buf == NULL || size == 0) {
        errno = EINVAL;
        return NULL;
    }
    lock();
    size_t len = strlen(cwd);
    bool fits = len < size;
    if (fits)
        memcpy(buf, cwd, len + 1);
    unlock();
    if (!fits) {
        errno = ERANGE;
        return NULL;
    }
    return buf;
}
