// SPDX-License-Identifier: MIT
/*
 * Stress tests of the fs server (test/qemu: user.fsstress.*), started by
 * bootstrap after `blk` and `fs`:
 *   fsstress.parallel  four tasks at once, each writing, reading back,
 *                      renaming and removing its own files
 *   fsstress.many      5,000 small files in one directory: made, listed,
 *                      read, half removed
 *   fsstress.big       a 16 MiB file written and read back with a CRC
 * Ends with an unmount and FILECHECK lines for the test script.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rvmach/file.h>
#include "storetest.h"
#include "testlib.h"

#define WORKERS 4

static unsigned rounds = 40;            /* per worker; rounds=N on the command line */

/* ---- four tasks at once ---- */

/* One round of a worker: a file of random size, written, checked, renamed. */
static int worker_round(unsigned id, unsigned r, uint8_t *buf, uint8_t *back)
{
    char path[64], path2[64];
    size_t n = 1 + (r * 7919u + id * 104729u) % (96 * 1024);
    snprintf(path, sizeof(path), "/stress/w%u/f%u", id, r);
    snprintf(path2, sizeof(path2), "/stress/w%u/g%u", id, r);
    st_pattern(buf, n, id * 1000 + r);
    if (st_write_file(path, (const char *)buf, n) != 0)
        return 1;
    if (st_read_file(path, (char *)back, n + 1) != (long)n || memcmp(buf, back, n) != 0)
        return 2;
    if (rename(path, path2) != 0)
        return 3;
    if (r % 2 == 0 && unlink(path2) != 0)
        return 4;                       /* keep every other file */
    return 0;
}

/* In a task of its own: `rounds` rounds; the outcome goes into /stress/result-ID. */
static void worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    uint8_t *buf = malloc(96 * 1024), *back = malloc(96 * 1024 + 1);
    char dir[32], res[32], msg[64];
    snprintf(dir, sizeof(dir), "/stress/w%u", id);
    int err = mkdir(dir, 0755) == 0 ? 0 : 10;
    unsigned r = 0;
    for (; r < rounds && err == 0; r++)
        err = worker_round(id, r, buf, back);
    snprintf(res, sizeof(res), "/stress/result-%u", id);
    int len = snprintf(msg, sizeof(msg), "%d %u %d", err, r, errno);
    st_write_file(res, msg, (size_t)len);
}

static void test_parallel(void)
{
    CHECK(mkdir("/stress", 0755) == 0, "mkdir /stress: %d", errno);
    task_t tasks[WORKERS];
    for (unsigned i = 0; i < WORKERS; i++)
        CHECK_KR(tl_spawn(worker, (void *)(uintptr_t)i, tl_bootstrap_port(), &tasks[i]));
    for (unsigned i = 0; i < WORKERS; i++) {
        CHECK(tl_wait_dead(tasks[i], 240000), "worker %u did not end", i);
        mach_port_deallocate(mach_task_self(), tasks[i]);
        char res[32], msg[64] = "";
        snprintf(res, sizeof(res), "/stress/result-%u", i);
        long n = st_read_file(res, msg, sizeof(msg) - 1);
        msg[n > 0 ? n : 0] = '\0';
        CHECK(n > 0 && strncmp(msg, "0 ", 2) == 0, "worker %u: '%s' (error round errno)", i, msg);
    }
}

/* ---- many files in one directory ---- */

#define MANY 5000

static void test_many(void)
{
    char path[64], buf[32];
    CHECK(mkdir("/many", 0755) == 0, "mkdir /many");
    for (int i = 0; i < MANY; i++) {
        snprintf(path, sizeof(path), "/many/file-%05d", i);
        int len = snprintf(buf, sizeof(buf), "file %d\n", i);
        if (!CHECK(st_write_file(path, buf, (size_t)len) == 0, "create %s: %d", path, errno))
            return;
    }
    DIR *d = opendir("/many");
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        count += strncmp(e->d_name, "file-", 5) == 0;
    closedir(d);
    CHECK(count == MANY, "listed %d files", count);
    for (int i = 0; i < MANY; i += 97) {
        snprintf(path, sizeof(path), "/many/file-%05d", i);
        char want[32];
        int len = snprintf(want, sizeof(want), "file %d\n", i);
        long n = st_read_file(path, buf, sizeof(buf));
        CHECK(n == len && memcmp(buf, want, (size_t)len) == 0, "read %s", path);
    }
    for (int i = 0; i < MANY; i += 2) {
        snprintf(path, sizeof(path), "/many/file-%05d", i);
        if (!CHECK(unlink(path) == 0, "unlink %s: %d", path, errno))
            return;
    }
}

/* ---- one big file ---- */

#define BIG (16u << 20)
#define PIECE (256u * 1024)

static void test_big(void)
{
    uint8_t *buf = malloc(PIECE);
    int fd = open("/big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0, "create /big.bin: %d", errno);
    uint32_t crc = 0;
    for (uint32_t off = 0; off < BIG; off += PIECE) {
        st_pattern(buf, PIECE, off / PIECE);
        crc = st_crc32(crc, buf, PIECE);
        if (!CHECK(write(fd, buf, PIECE) == (ssize_t)PIECE, "write at %u: %d", off, errno))
            break;
    }
    close(fd);
    fd = open("/big.bin", O_RDONLY);
    uint32_t crc2 = 0, total = 0;
    ssize_t r;
    while ((r = read(fd, buf, PIECE)) > 0) {
        crc2 = st_crc32(crc2, buf, (size_t)r);
        total += (uint32_t)r;
    }
    close(fd);
    CHECK(total == BIG && crc2 == crc, "read back %u bytes, crc %08x, want %08x", total, crc2,
          crc);
    free(buf);
}

/* Is part `name` wanted?  No arguments: every part. */
static bool wanted(int argc, char **argv, const char *name)
{
    bool any = false;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "rounds=", 7) == 0)
            continue;
        any = true;
        if (strcmp(argv[i], name) == 0)
            return true;
    }
    return !any;
}

/* Arguments: the parts to run (parallel, many, big; default all), rounds=N. */
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "rounds=", 7) == 0)
            rounds = (unsigned)strtoul(argv[i] + 7, NULL, 10);
    if (!CHECK(MACH_PORT_VALID(rvmach_file_server()), "no file server"))
        return tl_finish();
    if (wanted(argc, argv, "parallel")) {
        tl_run("fsstress.parallel", test_parallel);
        st_filecheck("/stress/w3/g1");
    }
    if (wanted(argc, argv, "many")) {
        tl_run("fsstress.many", test_many);
        st_filecheck("/many/file-04999");
    }
    if (wanted(argc, argv, "big")) {
        tl_run("fsstress.big", test_big);
        st_filecheck("/big.bin");
    }
    tl_run("fsstress.unmount", st_unmount);
    return tl_finish();
}
