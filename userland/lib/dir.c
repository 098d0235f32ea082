// SPDX-License-Identifier: MIT
/*
 * <dirent.h> for picolibc: a DIR is an open directory descriptor and a
 * buffer of entries from fs_readdir, handed out one by one.  Listings from
 * the server are checked before use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mach.h>
#include <rvmach/file.h>

struct rvmach_dir {
    int fd;
    uint32_t pos, len;          /* the next record in buf, and the end */
    struct dirent ent;          /* what readdir returns */
    char buf[FS_INLINE_MAX];
};

DIR *fdopendir(int fd)
{
    if (!MACH_PORT_VALID(rvmach_file_port(fd))) {
        errno = EBADF;
        return NULL;
    }
    DIR *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    d->fd = fd;
    return d;
}

DIR *opendir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (d == NULL)
        close(fd);
    return d;
}

/* Fetch the next batch of entries; false at the end or on an error (errno set). */
static bool refill(DIR *d)
{
    mach_msg_type_number_t n = sizeof(d->buf);
    kern_return_t kr = fs_readdir(rvmach_file_port(d->fd), d->buf, &n);
    d->pos = 0;
    d->len = 0;
    if (kr != KERN_SUCCESS) {
        errno = rvmach_errno(kr);
        return false;
    }
    d->len = n <= sizeof(d->buf) ? n : 0;
    return d->len > 0;
}

/* The record at d->pos if it is well formed (inside the buffer, name terminated). */
static const struct fs_dirent *record(const DIR *d)
{
    uint32_t left = d->len - d->pos;
    if (left < sizeof(struct fs_dirent))
        return NULL;
    const struct fs_dirent *r = (const struct fs_dirent *)(const void *)(d->buf + d->pos);
    if (r->reclen < sizeof(*r) + r->namelen + 1u || r->reclen > left || r->reclen % 8 != 0 ||
        r->name[r->namelen] != '\0')
        return NULL;
    return r;
}

static unsigned char dtype(uint8_t t)
{
    return t == FS_DT_REG ? DT_REG : t == FS_DT_DIR ? DT_DIR : t == FS_DT_LNK ? DT_LNK : DT_UNKNOWN;
}

struct dirent *readdir(DIR *d)
{
    if (d == NULL) {
        errno = EBADF;
        return NULL;
    }
    if (d->pos >= d->len && !refill(d))
        return NULL;
    const struct fs_dirent *r = record(d);
    if (r == NULL) {
        d->pos = d->len;                /* a garbled listing: stop here */
        errno = EIO;
        return NULL;
    }
    d->ent.d_ino = r->ino;
    d->ent.d_type = dtype(r->type);
    memcpy(d->ent.d_name, r->name, (size_t)r->namelen + 1);
    d->pos += r->reclen;
    return &d->ent;
}

void rewinddir(DIR *d)
{
    if (d == NULL)
        return;
    lseek(d->fd, 0, SEEK_SET);
    d->pos = d->len = 0;
}

int dirfd(DIR *d)
{
    return d != NULL ? d->fd : -1;
}

int closedir(DIR *d)
{
    if (d == NULL) {
        errno = EBADF;
        return -1;
    }
    int r = close(d->fd);
    free(d);
    return r;
}
