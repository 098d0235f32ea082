// SPDX-License-Identifier: MIT
/* Helpers of the storage tests (see storetest.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rvmach/file.h>
#include "storetest.h"
#include "testlib.h"

struct stat st_dummy;

int st_write_file(const char *path, const char *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, data, n);
    int saved = errno;
    close(fd);
    errno = saved;
    return w == (ssize_t)n ? 0 : -1;
}

long st_read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, buf, size);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

void st_pattern(uint8_t *buf, size_t n, uint32_t seed)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)seed << 32 | seed);
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        buf[i] = (uint8_t)(x >> (i % 8 * 8));
    }
}

uint32_t st_crc32(uint32_t crc, const void *buf, size_t n)
{
    static uint32_t table[256];
    if (table[1] == 0)
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    const uint8_t *p = buf;
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

void st_filecheck(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (!CHECK(fd >= 0, "filecheck %s: errno %d", path, errno))
        return;
    static char buf[64 * 1024];
    uint32_t crc = 0;
    unsigned long size = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0) {
        crc = st_crc32(crc, buf, (size_t)r);
        size += (unsigned long)r;
    }
    close(fd);
    printf("FILECHECK %s %lu %08x\n", path, size, crc);
}

void st_unmount(void)
{
    CHECK(rvmach_fs_shutdown() == 0, "fs_shutdown: errno %d", errno);
    CHECK(open("/README", O_RDONLY) == -1 && errno == EIO, "the server still serves");
}

/* ---- bad requests ---- */

#pragma pack(push, 4)
struct open_req {
    mach_msg_header_t head;
    mach_msg_type_long_t path_type;
    char path[5000];
    mach_msg_type_t flags_type;
    uint32_t flags;
    mach_msg_type_t mode_type;
    uint32_t mode;
};
#pragma pack(pop)

/*
 * An fs_open request made by hand: `len` path bytes declared (data as
 * given), then flags and mode right after the padded path.  Returns the
 * reply's RetCode (a file port in the reply is released).
 */
static kern_return_t raw_open(mach_port_t server, const char *path, uint32_t len,
                              unsigned char path_name)
{
    static union {
        struct open_req r;
        mach_msg_header_t rep;
    } m;
    struct open_req *r = &m.r;
    memset(r, 0, sizeof(*r));
    r->path_type = (mach_msg_type_long_t){
        .msgtl_header = { .msgt_inline = 1, .msgt_longform = 1 },
        .msgtl_name = path_name, .msgtl_size = 8, .msgtl_number = len };
    memcpy(r->path, path, len < sizeof(r->path) ? len : sizeof(r->path));
    uint32_t padded = (len + 3) & ~3u;
    uint8_t *after = (uint8_t *)r->path + padded;
    mach_msg_type_t it = { .msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32,
                           .msgt_number = 1, .msgt_inline = 1 };
    uint32_t flags = FS_O_READ, mode = 0;
    memcpy(after, &it, 4);
    memcpy(after + 4, &flags, 4);
    memcpy(after + 8, &it, 4);
    memcpy(after + 12, &mode, 4);
    mach_msg_size_t size = (mach_msg_size_t)(sizeof(r->head) + sizeof(r->path_type) + padded + 16);
    mach_port_t reply = mach_reply_port();
    r->head = (mach_msg_header_t){
        .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
        .msgh_size = size, .msgh_remote_port = server, .msgh_local_port = reply,
        .msgh_id = 8600 };
    mach_msg_return_t mr = mach_msg(&r->head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
                                    size, sizeof(m), reply, 5000, MACH_PORT_NULL);
    mach_port_destroy(mach_task_self(), reply);
    if (mr != MACH_MSG_SUCCESS)
        return mr;
    kern_return_t ret = ((mig_reply_header_t *)&m.rep)->RetCode;
    mach_msg_destroy(&m.rep);           /* a file port, if it opened */
    return ret;
}

/* A message with only a header and an id. */
static kern_return_t raw_id(mach_port_t server, mach_msg_id_t id)
{
    union { mach_msg_header_t h; uint8_t b[256]; } m;
    mach_port_t reply = mach_reply_port();
    m.h = (mach_msg_header_t){
        .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
        .msgh_size = sizeof(m.h), .msgh_remote_port = server, .msgh_local_port = reply,
        .msgh_id = id };
    mach_msg_return_t mr = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
                                    sizeof(m.h), sizeof(m), reply, 5000, MACH_PORT_NULL);
    mach_port_destroy(mach_task_self(), reply);
    return mr != MACH_MSG_SUCCESS ? mr : ((mig_reply_header_t *)&m.h)->RetCode;
}

static void bad_paths(mach_port_t s)
{
    static char big[5000];
    memset(big, 'a', sizeof(big));
    big[sizeof(big) - 1] = '\0';
    EXPECT_KR(raw_open(s, "/README", 8, MACH_MSG_TYPE_CHAR), KERN_SUCCESS, "a good open");
    EXPECT_KR(raw_open(s, "/README", 7, MACH_MSG_TYPE_CHAR), FS_EINVAL, "unterminated path");
    EXPECT_KR(raw_open(s, "/RE\0ADME", 9, MACH_MSG_TYPE_CHAR), FS_EINVAL, "NUL inside");
    EXPECT_KR(raw_open(s, "", 0, MACH_MSG_TYPE_CHAR), FS_EINVAL, "empty path array");
    EXPECT_KR(raw_open(s, big, sizeof(big), MACH_MSG_TYPE_CHAR), FS_EINVAL, "5000-byte path");
    EXPECT_KR(raw_open(s, "/README", 8, MACH_MSG_TYPE_INTEGER_32), MIG_BAD_ARGUMENTS,
              "path of the wrong type");
    EXPECT_KR(raw_id(s, 8699), MIG_BAD_ID, "unknown id");
    EXPECT_KR(raw_id(s, 8600), MIG_BAD_ARGUMENTS, "fs_open without arguments");
}

/* A path in an array of the size the stubs expect. */
static const char *P(const char *s)
{
    static fs_path_t buf;
    strlcpy(buf, s, sizeof(buf));
    return buf;
}

static void bad_file_requests(mach_port_t s, mach_port_t f)
{
    char data[FS_INLINE_MAX];
    mach_msg_type_number_t n = sizeof(data);
    vm_offset_t ool = 0;
    uint64_t off = 0;
    CHECK(fs_read(f, FS_INLINE_MAX + 1, data, &n) == FS_EINVAL, "inline read too big");
    CHECK(fs_read_ool(f, FS_IO_MAX + 1, &ool, &n) == FS_EINVAL, "OOL read too big");
    CHECK(fs_seek(f, 10, FS_SEEK_SET, &off) == KERN_SUCCESS, "seek");
    CHECK(fs_seek(f, INT64_MAX, FS_SEEK_CUR, &off) == FS_EINVAL, "offset overflow");
    CHECK(fs_seek(f, 0, 9, &off) == FS_EINVAL, "bad whence");
    CHECK(fs_seek(f, -11, FS_SEEK_CUR, &off) == FS_EINVAL, "negative result");
    n = sizeof(data);
    CHECK(fs_read(s, 10, data, &n) == FS_EBADF, "read on the service port");
    CHECK(fs_close(s) == FS_EBADF, "close the service port");
    CHECK(fs_readdir(f, data, &n) == FS_ENOTDIR, "readdir of a file");
    uint32_t w = 0;
    CHECK(fs_write(f, data, 1, &w) == FS_EBADF, "write to a read-only open");
    mach_port_t f2 = MACH_PORT_NULL;
    CHECK(fs_open(f, P("/README"), 8, FS_O_READ, 0, &f2) == FS_EBADF, "open on a file port");
    CHECK(fs_open(s, P("/README"), 8, 0x1000, 0, &f2) == FS_EINVAL, "unknown flags");
    CHECK(fs_open(s, P("/README"), 8, FS_O_READ | FS_O_TRUNC, 0, &f2) == FS_EINVAL,
          "truncate without write");
}

/* A 2 MiB out-of-line write is refused, and its memory given back. */
static void bad_big_write(mach_port_t s)
{
    mach_port_t f = MACH_PORT_NULL;
    CHECK_KR(fs_open(s, P("/fstest-big"), 12, FS_O_WRITE | FS_O_CREAT, 0644, &f));
    vm_address_t buf = 0;
    CHECK_KR(vm_allocate(mach_task_self(), &buf, 2 << 20, TRUE));
    uint32_t w = 0;
    CHECK(fs_write_ool(f, buf, 2 << 20, &w) == FS_EINVAL, "a 2 MiB write");
    vm_deallocate(mach_task_self(), buf, 2 << 20);
    fs_close(f);
    mach_port_deallocate(mach_task_self(), f);
    CHECK(unlink("/fstest-big") == 0, "unlink");
}

void st_bad_requests(void)
{
    mach_port_t s = rvmach_file_server();
    mach_port_t f = MACH_PORT_NULL;
    if (!CHECK(fs_open(s, P("/README"), 8, FS_O_READ, 0, &f) == KERN_SUCCESS, "open /README"))
        return;
    bad_paths(s);
    bad_file_requests(s, f);
    bad_big_write(s);
    fs_close(f);
    mach_port_deallocate(mach_task_self(), f);
    char buf[16];
    CHECK(st_read_file("/README", buf, sizeof(buf)) == sizeof(buf), "still serving");
}
