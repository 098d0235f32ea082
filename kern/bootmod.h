/* SPDX-License-Identifier: MIT */
/*
 * Boot modules: user programs and data files packed into the kernel image or
 * an initrd as a "newc" cpio archive (what `cpio -o -H newc` and
 * scripts/mkbootmods.py write).  See docs/boot-modules.md.
 */
#ifndef _KERN_BOOTMOD_H_
#define _KERN_BOOTMOD_H_

#include <kern/types.h>

/*
 * The format, all offsets from the start of the archive:
 *   header   110 bytes: "070701" and 13 fields of 8 hex digits (ino, mode,
 *            uid, gid, nlink, mtime, filesize, devmajor, devminor,
 *            rdevmajor, rdevminor, namesize, check);
 *   name     namesize bytes, the last one NUL, then NULs up to a multiple
 *            of 4;
 *   data     filesize bytes, then NULs up to a multiple of 4;
 * repeated, until an entry named "TRAILER!!!".  Whatever follows the
 * trailer (cpio pads to 512-byte blocks) is ignored.
 */
#define BOOTMOD_MAGIC       "070701"
#define BOOTMOD_HDR_SIZE    110
#define BOOTMOD_TRAILER     "TRAILER!!!"

/* The file type bits of a mode (the values of <sys/stat.h>). */
#define BOOTMOD_S_IFMT      0170000u
#define BOOTMOD_S_IFREG     0100000u
#define BOOTMOD_S_IFDIR     0040000u

/*
 * A checked archive: bootmod_open() has checked every entry up to and
 * including the trailer, so walking it and looking names up cannot fail.
 */
struct bootmod_archive {
    const uint8_t *base;
    size_t size;                /* bytes given to bootmod_open() */
    size_t end;                 /* offset just past the trailer's name */
    unsigned count;             /* entries before the trailer */
};

/* One entry; name and data point into the archive. */
struct bootmod_entry {
    const char *name;           /* NUL-terminated, namelen > 0 */
    size_t namelen;
    const uint8_t *data;        /* size bytes */
    size_t size;
    uint32_t mode;              /* type and permission bits, e.g. 0100755 */
    size_t offset;              /* offset of its header */
    size_t next;                /* offset of the next header (walk cursor) */
};

/*
 * Check the archive [buf, buf + size): every header, name and data range up
 * to the trailer.  Reads only inside the buffer (any alignment will do).
 * Returns KERN_SUCCESS (err set to ""), or KERN_INVALID_ARGUMENT with a
 * one-line message starting "bootmod: " in err[0 .. errlen).  err may be
 * NULL when errlen is 0.
 */
kern_return_t bootmod_open(struct bootmod_archive *ar, const void *buf,
                           size_t size, char *err, size_t errlen);

/*
 * Walk an opened archive in order, trailer excluded:
 *     for (bool ok = bootmod_first(ar, &e); ok; ok = bootmod_next(ar, &e))
 * Each returns false when there is no further entry (*e is then unspecified).
 */
bool bootmod_first(const struct bootmod_archive *ar, struct bootmod_entry *e);
bool bootmod_next(const struct bootmod_archive *ar, struct bootmod_entry *e);

/*
 * The first entry called `name` (any type).  Leading "./" and "/" are
 * ignored on both sides, so "sh", "./sh" and "/sh" all find "sh".  Returns
 * false if there is none.
 */
bool bootmod_find(const struct bootmod_archive *ar, const char *name,
                  struct bootmod_entry *e);

static inline bool bootmod_is_file(const struct bootmod_entry *e)
{
    return (e->mode & BOOTMOD_S_IFMT) == BOOTMOD_S_IFREG;
}

#endif /* _KERN_BOOTMOD_H_ */
