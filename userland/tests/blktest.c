// SPDX-License-Identifier: MIT
/*
 * System tests of the blk server (blk.defs), started by bootstrap after
 * `blk` (test/qemu: user.blk.*): geometry, reads and writes inline and out
 * of line checked byte for byte, flush, many requests in flight from
 * several threads, out-of-range and malformed requests.  Disk 0 must be a
 * scratch disk of at least 8 MiB; an optional read-only disk 1 is tried too.
 */
#include <stdlib.h>
#include <string.h>
#include <rvmach/blk_types.h>
#include <rvmach/blk_user.h>
#include <rvmach/name.h>
#include "testlib.h"

#define SECTOR 512u
#define PAGE 4096u

static mach_port_t disk, disk_ro;
static uint64_t sectors;

/* A byte of the pattern for `seed` at byte `i`. */
static uint8_t pat(uint32_t seed, uint64_t i)
{
    uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ULL ^ seed;
    x ^= x >> 29;
    return (uint8_t)(x * 0xbf58476d1ce4e5b9ULL >> 56);
}

static void fill(uint8_t *buf, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = pat(seed, i);
}

static bool same(const uint8_t *buf, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != pat(seed, i))
            return false;
    return true;
}

/*
 * Write n bytes of pattern `seed` at sector s (inline or out of line by
 * size), through buf (n bytes; threads bring their own: malloc is not
 * safe across threads).
 */
static kern_return_t put_buf(mach_port_t d, uint64_t s, size_t n, uint32_t seed, uint8_t *buf)
{
    fill(buf, n, seed);
    return n <= BLK_INLINE_MAX ? blk_write_inline(d, s, (char *)buf, n)
                               : blk_write(d, s, (vm_offset_t)buf, n);
}

static kern_return_t put(mach_port_t d, uint64_t s, size_t n, uint32_t seed)
{
    uint8_t *buf = malloc(n);
    if (buf == NULL)
        return KERN_RESOURCE_SHORTAGE;
    kern_return_t kr = put_buf(d, s, n, seed, buf);
    free(buf);
    return kr;
}

/* Read n bytes at sector s and compare with pattern `seed`: KERN_SUCCESS, or an error. */
static kern_return_t check(mach_port_t d, uint64_t s, size_t n, uint32_t seed, bool *ok)
{
    *ok = false;
    if (n <= BLK_INLINE_MAX) {
        char buf[BLK_INLINE_MAX];
        mach_msg_type_number_t got = sizeof(buf);
        kern_return_t kr = blk_read_inline(d, s, n / SECTOR, buf, &got);
        *ok = kr == KERN_SUCCESS && got == n && same((uint8_t *)buf, n, seed);
        return kr;
    }
    vm_offset_t data = 0;
    mach_msg_type_number_t got = 0;
    kern_return_t kr = blk_read(d, s, n / SECTOR, &data, &got);
    if (kr == KERN_SUCCESS) {
        *ok = got == n && same((const uint8_t *)data, n, seed);
        vm_deallocate(mach_task_self(), data, got);
    }
    return kr;
}

/* ---- the tests ---- */

static void test_info(void)
{
    uint32_t ss = 0;
    boolean_t ro = TRUE;
    CHECK_KR(blk_info(disk, &ss, &sectors, &ro));
    CHECK(ss == SECTOR, "sector size %u", ss);
    CHECK(sectors >= 16384, "only %lu sectors", (unsigned long)sectors);
    CHECK(!ro, "the scratch disk is read-only");
    printf("  disk 0: %lu sectors of %u bytes\n", (unsigned long)sectors, ss);
}

/* Sizes around the inline limit, the bounce-buffer chunk and the maximum transfer. */
static void test_read_write(void)
{
    static const uint32_t sizes[] = { 512, 1024, 4096, 8192, 8704, 65536, 66048, 129 * 512,
                                      300 * 1024, BLK_MAX_TRANSFER };
    uint64_t s = 64;
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        bool ok;
        CHECK_KR(put(disk, s, sizes[i], 100 + i));
        CHECK_KR(check(disk, s, sizes[i], 100 + i, &ok));
        CHECK(ok, "%u bytes at sector %lu read back wrong", sizes[i], (unsigned long)s);
        s += sizes[i] / SECTOR + 7;
    }
    /* The first and the last sector of the disk. */
    bool ok;
    CHECK_KR(put(disk, 0, SECTOR, 7));
    CHECK_KR(put(disk, sectors - 1, SECTOR, 8));
    CHECK_KR(check(disk, 0, SECTOR, 7, &ok));
    CHECK(ok, "sector 0 read back wrong");
    CHECK_KR(check(disk, sectors - 1, SECTOR, 8, &ok));
    CHECK(ok, "the last sector read back wrong");
    CHECK_KR(blk_flush(disk));
}

/* Every request that names sectors outside the disk or a bad size is refused. */
static void test_bad_ranges(void)
{
    char buf[BLK_INLINE_MAX];
    mach_msg_type_number_t n = sizeof(buf);
    vm_offset_t data = 0;
    mach_msg_type_number_t dn = 0;
    CHECK(blk_read_inline(disk, sectors, 1, buf, &n) == BLK_ERANGE, "read at the end");
    n = sizeof(buf);
    CHECK(blk_read_inline(disk, sectors - 1, 2, buf, &n) == BLK_ERANGE, "read over the end");
    n = sizeof(buf);
    CHECK(blk_read_inline(disk, UINT64_MAX, 1, buf, &n) == BLK_ERANGE, "sector 2^64-1");
    n = sizeof(buf);
    CHECK(blk_read_inline(disk, UINT64_MAX - 1, 4, buf, &n) == BLK_ERANGE, "sum overflows");
    n = sizeof(buf);
    CHECK(blk_read_inline(disk, 0, 0, buf, &n) == BLK_ESIZE, "count 0");
    n = sizeof(buf);
    CHECK(blk_read_inline(disk, 0, 17, buf, &n) == BLK_ESIZE, "inline over 8 KiB");
    CHECK(blk_read(disk, 0, 0xffffffffu, &data, &dn) == BLK_ESIZE, "count 2^32-1");
    CHECK(blk_read(disk, 0, BLK_MAX_TRANSFER / SECTOR + 1, &data, &dn) == BLK_ESIZE,
          "over the maximum transfer");
    memset(buf, 0, sizeof(buf));
    CHECK(blk_write_inline(disk, 0, buf, 100) == BLK_EINVAL, "a partial sector");
    CHECK(blk_write_inline(disk, sectors, buf, 512) == BLK_ERANGE, "write at the end");
    CHECK(blk_write_inline(disk, 0, buf, 0) == BLK_ESIZE, "empty write");
    CHECK(put(disk, 0, 2 * BLK_MAX_TRANSFER, 1) == BLK_ESIZE, "2 MiB out of line");
    CHECK(put(disk, sectors - 8, 8192, 1) == BLK_ERANGE, "out of line over the end");
    bool ok;
    CHECK_KR(check(disk, sectors - 1, SECTOR, 8, &ok));
    CHECK(ok, "a refused write changed the disk");
}

#pragma pack(push, 4)
struct raw_req {
    mach_msg_header_t head;
    mach_msg_type_t t1;
    uint64_t sector;
    mach_msg_type_t t2;
    uint32_t count;
};
#pragma pack(pop)

/* Send a hand-made message and return the RetCode of the reply (or the mach_msg error). */
static kern_return_t raw_rpc(struct raw_req *r, mach_msg_size_t size)
{
    union {
        struct raw_req req;
        struct { mig_reply_header_t h; uint8_t rest[BLK_INLINE_MAX + 64]; } rep;
    } buf;
    mach_port_t reply = mach_reply_port();
    memcpy(&buf.req, r, sizeof(*r));
    buf.req.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    buf.req.head.msgh_remote_port = disk;
    buf.req.head.msgh_local_port = reply;
    buf.req.head.msgh_size = size;
    mach_msg_return_t mr = mach_msg(&buf.req.head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
                                    size, sizeof(buf), reply, 5000, MACH_PORT_NULL);
    mach_port_destroy(mach_task_self(), reply);
    return mr != MACH_MSG_SUCCESS ? mr : buf.rep.h.RetCode;
}

/* Messages MIG's stubs would never send: the server answers and goes on. */
static void test_bad_messages(void)
{
    struct raw_req r;
    memset(&r, 0, sizeof(r));
    r.t1 = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_INTEGER_64, .msgt_size = 64,
                              .msgt_number = 1, .msgt_inline = 1 };
    r.t2 = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32,
                              .msgt_number = 1, .msgt_inline = 1 };
    r.count = 1;
    r.head.msgh_id = 8404;                              /* blk_read_inline */
    CHECK(raw_rpc(&r, sizeof(r)) == KERN_SUCCESS, "a well-made request");
    r.head.msgh_id = 8499;
    CHECK(raw_rpc(&r, sizeof(r)) == MIG_BAD_ID, "unknown id");
    r.head.msgh_id = 8404;
    CHECK(raw_rpc(&r, sizeof(r) - 8) == MIG_BAD_ARGUMENTS, "short message");
    r.t2.msgt_name = MACH_MSG_TYPE_INTEGER_16;
    CHECK(raw_rpc(&r, sizeof(r)) == MIG_BAD_ARGUMENTS, "wrong item type");
    r.t2.msgt_name = MACH_MSG_TYPE_INTEGER_32;
    r.head.msgh_id = 8402;                              /* blk_write without its data */
    CHECK(raw_rpc(&r, sizeof(r)) == MIG_BAD_ARGUMENTS, "write without data");
    /* A request without a reply port: served, answered to nobody. */
    r.head.msgh_id = 8404;
    r.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    r.head.msgh_remote_port = disk;
    r.head.msgh_local_port = MACH_PORT_NULL;
    r.head.msgh_size = sizeof(r);
    CHECK_KR(mach_msg(&r.head, MACH_SEND_MSG, sizeof(r), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
    bool ok;
    CHECK_KR(check(disk, 0, SECTOR, 7, &ok));
    CHECK(ok, "the server lost track after bad messages");
}

/* ---- many requests in flight ---- */

#define NTHREADS 6
#define OPS 30
#define REGION 1024                     /* sectors per thread */

struct worker {
    unsigned id;
    int errors;
    volatile int done;
    uint8_t buf[160 * SECTOR];
};

static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Write and read back random pieces of this thread's own region. */
static void worker(void *arg)
{
    struct worker *w = arg;
    uint32_t rnd = 0x1234567u + w->id * 7919u;
    uint64_t base = 4096 + (uint64_t)w->id * REGION;
    for (int i = 0; i < OPS; i++) {
        uint32_t n = 1 + next_rand(&rnd) % 160;          /* up to 80 KiB */
        uint64_t s = base + next_rand(&rnd) % (REGION - n);
        uint32_t seed = w->id * 100000u + (uint32_t)i;
        bool ok = false;
        if (put_buf(disk, s, (size_t)n * SECTOR, seed, w->buf) != KERN_SUCCESS ||
            check(disk, s, (size_t)n * SECTOR, seed, &ok) != KERN_SUCCESS || !ok)
            w->errors++;
    }
    __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

static void test_parallel(void)
{
    static struct worker w[NTHREADS];
    for (unsigned i = 0; i < NTHREADS; i++) {
        w[i].id = i;
        w[i].errors = 0;
        w[i].done = 0;
        CHECK_KR(rvmach_thread_spawn(worker, &w[i], 64 * 1024, NULL));
    }
    for (unsigned i = 0; i < NTHREADS; i++) {
        for (int t = 0; t < 60000 && !__atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE); t += 10)
            rvmach_sleep_ms(10);
        CHECK(w[i].done, "thread %u did not finish", i);
        CHECK(w[i].errors == 0, "thread %u: %d bad requests", i, w[i].errors);
    }
    CHECK_KR(blk_flush(disk));
}

/* The optional read-only disk: reads work, writes are refused. */
static void test_read_only(void)
{
    uint32_t ss;
    uint64_t n;
    boolean_t ro = FALSE;
    CHECK_KR(blk_info(disk_ro, &ss, &n, &ro));
    CHECK(ro, "disk 1 is not read-only");
    char buf[BLK_INLINE_MAX];
    mach_msg_type_number_t got = sizeof(buf);
    CHECK_KR(blk_read_inline(disk_ro, 0, 2, buf, &got));
    memset(buf, 0, sizeof(buf));
    CHECK(blk_write_inline(disk_ro, 0, buf, 512) == BLK_EROFS, "write to a read-only disk");
}

int main(void)
{
    if (!CHECK(rvmach_lookup("blk0", &disk) == KERN_SUCCESS, "no blk0"))
        return tl_finish();
    tl_run("blk.info", test_info);
    tl_run("blk.read_write", test_read_write);
    tl_run("blk.bad_ranges", test_bad_ranges);
    tl_run("blk.bad_messages", test_bad_messages);
    tl_run("blk.parallel", test_parallel);
    if (rvmach_lookup("blk1", &disk_ro) == KERN_SUCCESS)
        tl_run("blk.read_only", test_read_only);
    return tl_finish();
}
