// SPDX-License-Identifier: MIT
/*
 * The boot-module archive reader: checks a newc cpio archive once, then walks
 * it and finds entries by name.  Every read is checked against the buffer.
 */
#include <stdarg.h>
#include <kern/bootmod.h>
#include <kern/printf.h>
#include <kern/string.h>

/* The header's fields, in order, each 8 hex digits after the 6-byte magic. */
enum {
    F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR,
    F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor",
    "devminor", "rdevmajor", "rdevminor", "namesize", "check",
};

_Static_assert(6 + 8 * F_COUNT == BOOTMOD_HDR_SIZE, "newc header layout");

/* Where messages go; NULL when decoding an archive already checked. */
struct bootmod_msg {
    char *buf;
    size_t len;
};

static kern_return_t bootmod_fail(struct bootmod_msg *m, const char *fmt, ...)
    __printflike(2, 3);

static kern_return_t bootmod_fail(struct bootmod_msg *m, const char *fmt, ...)
{
    va_list ap;
    if (m != NULL && m->buf != NULL && m->len > 0) {
        va_start(ap, fmt);
        kvsnprintf(m->buf, m->len, fmt, ap);
        va_end(ap);
    }
    return KERN_INVALID_ARGUMENT;
}

static size_t align4(size_t x)
{
    return (x + 3) & ~(size_t)3;
}

/* 8 hex digits (either case) into *v; false if any is not a hex digit. */
static bool parse_hex8(const uint8_t *p, uint32_t *v)
{
    uint32_t x = 0;
    for (unsigned i = 0; i < 8; i++) {
        uint8_t ch = p[i];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            d = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            d = ch - 'A' + 10;
        else
            return false;
        x = x << 4 | d;
    }
    *v = x;
    return true;
}

/* ---- one entry ----------------------------------------------------------- */

/* The fixed header at `off`: magic and fields.  110 bytes are readable. */
static kern_return_t decode_fields(const uint8_t *p, size_t off,
                                   uint32_t f[F_COUNT], struct bootmod_msg *m)
{
    if (memcmp(p, BOOTMOD_MAGIC, 6) != 0)
        return bootmod_fail(m, "bootmod: bad magic at offset 0x%zx (a newc "
                            "header starts with \"070701\": was it made with "
                            "cpio -H newc?)", off);
    for (unsigned i = 0; i < F_COUNT; i++) {
        if (!parse_hex8(p + 6 + 8 * i, &f[i]))
            return bootmod_fail(m, "bootmod: field %s of the header at offset "
                                "0x%zx is not 8 hex digits", field_names[i],
                                off);
    }
    return KERN_SUCCESS;
}

/* The name after the header at `off`: inside the buffer, one final NUL. */
static kern_return_t decode_name(const uint8_t *base, size_t size, size_t off,
                                 uint32_t namesize, struct bootmod_msg *m)
{
    size_t name_off = off + BOOTMOD_HDR_SIZE;
    const char *name = (const char *)base + name_off;

    if (namesize == 0)
        return bootmod_fail(m, "bootmod: entry at offset 0x%zx has name "
                            "size 0", off);
    if (namesize > size - name_off)
        return bootmod_fail(m, "bootmod: name of the entry at offset 0x%zx "
                            "(namesize %u) runs past the end of the %zu-byte "
                            "archive", off, namesize, size);
    if (name[namesize - 1] != '\0')
        return bootmod_fail(m, "bootmod: name of the entry at offset 0x%zx is "
                            "not NUL-terminated at namesize - 1", off);
    if (strlen(name) != namesize - 1)
        return bootmod_fail(m, "bootmod: name of the entry at offset 0x%zx "
                            "has a NUL before its end", off);
    if (namesize == 1)
        return bootmod_fail(m, "bootmod: entry at offset 0x%zx has an empty "
                            "name", off);
    return KERN_SUCCESS;
}

static bool is_trailer(const struct bootmod_entry *e)
{
    return strcmp(e->name, BOOTMOD_TRAILER) == 0;
}

/*
 * Decode the entry whose header is at `off` into *e.  The trailer's data is
 * not checked: the archive ends with its name.
 */
static kern_return_t decode_entry(const uint8_t *base, size_t size,
                                  size_t off, struct bootmod_entry *e,
                                  struct bootmod_msg *m)
{
    uint32_t f[F_COUNT];

    if (off == size)
        return bootmod_fail(m, "bootmod: the archive ends at offset 0x%zx "
                            "without a " BOOTMOD_TRAILER " entry", off);
    if (off > size || size - off < BOOTMOD_HDR_SIZE)
        return bootmod_fail(m, "bootmod: truncated header at offset 0x%zx "
                            "(the archive is %zu bytes)", off, size);
    kern_return_t kr = decode_fields(base + off, off, f, m);
    if (kr == KERN_SUCCESS)
        kr = decode_name(base, size, off, f[F_NAMESIZE], m);
    if (kr != KERN_SUCCESS)
        return kr;
    size_t data_off = align4(off + BOOTMOD_HDR_SIZE + f[F_NAMESIZE]);
    *e = (struct bootmod_entry){
        .name = (const char *)base + off + BOOTMOD_HDR_SIZE,
        .namelen = f[F_NAMESIZE] - 1, .data = base + data_off,
        .size = f[F_FILESIZE], .mode = f[F_MODE], .offset = off,
        .next = align4(data_off + f[F_FILESIZE]),
    };
    if (!is_trailer(e) && (data_off > size || e->size > size - data_off))
        return bootmod_fail(m, "bootmod: data of '%.64s' (offset 0x%zx, %zu "
                            "bytes) runs past the end of the %zu-byte archive",
                            e->name, data_off, e->size, size);
    return KERN_SUCCESS;
}

/* ---- the archive --------------------------------------------------------- */

kern_return_t bootmod_open(struct bootmod_archive *ar, const void *buf,
                           size_t size, char *err, size_t errlen)
{
    struct bootmod_msg m = { err, errlen };
    struct bootmod_entry e;
    size_t off = 0;
    unsigned count = 0;

    /* Each entry takes at least 112 bytes, so the loop is bounded. */
    for (;;) {
        kern_return_t kr = decode_entry(buf, size, off, &e, &m);
        if (kr != KERN_SUCCESS)
            return kr;
        if (is_trailer(&e))
            break;
        count++;
        off = e.next;
    }
    *ar = (struct bootmod_archive){
        .base = buf, .size = size, .count = count,
        .end = off + BOOTMOD_HDR_SIZE + e.namelen + 1,
    };
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    return KERN_SUCCESS;
}

/* The entry at `off`, or false at the trailer (or past the checked end). */
static bool entry_at(const struct bootmod_archive *ar, size_t off,
                     struct bootmod_entry *e)
{
    if (off >= ar->end)
        return false;
    if (decode_entry(ar->base, ar->size, off, e, NULL) != KERN_SUCCESS)
        return false;                   /* cannot happen once opened */
    return !is_trailer(e);
}

bool bootmod_first(const struct bootmod_archive *ar, struct bootmod_entry *e)
{
    return entry_at(ar, 0, e);
}

bool bootmod_next(const struct bootmod_archive *ar, struct bootmod_entry *e)
{
    return entry_at(ar, e->next, e);
}

/* A name without its leading "./" and "/" parts. */
static const char *strip_root(const char *s)
{
    for (;;) {
        if (s[0] == '/')
            s++;
        else if (s[0] == '.' && s[1] == '/')
            s += 2;
        else
            return s;
    }
}

bool bootmod_find(const struct bootmod_archive *ar, const char *name,
                  struct bootmod_entry *e)
{
    const char *want = strip_root(name);

    for (bool ok = bootmod_first(ar, e); ok; ok = bootmod_next(ar, e)) {
        if (strcmp(strip_root(e->name), want) == 0)
            return true;
    }
    return false;
}
