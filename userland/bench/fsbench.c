// SPDX-License-Identifier: MIT
/*
 * Storage and console benchmarks, in guest instructions (run under QEMU with -icount
 * shift=0 -smp 1, where `instret` counts every instruction of the hart:
 * this program, the uart, fs and blk servers, the kernel).  Started by
 * bootstrap after `uart`, `blk` and `fs` on bench.img (three 16 MiB files).  Each figure is
 * the median of several runs; each prints `BENCH <name> <value>`:
 *   blk_read_per_KiB           raw blk_read of 64 KiB requests (out of line)
 *   fs_read_cold_per_KiB       read() of a 16 MiB file never read since mount
 *   fs_read_cached_per_KiB     the same file read again
 *   fs_create_write1k_close    open(O_CREAT) + write 1 KiB + close, per file
 *   console_write_per_byte     write() of 80-byte lines to the console server,
 *                              until the uart server has sent them all
 *
 * Waiting for the disk is not work, but QEMU 7.2's `instret` keeps counting
 * while the hart sleeps in wfi (its virtual clock runs on in host time),
 * which made the figures depend on how busy the host was.  So a spinner
 * thread keeps the hart from ever sleeping: it counts its own loops, three
 * instructions each, and those instructions are taken off every figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <rvmach/blk_user.h>
#include <rvmach/console.h>
#include <rvmach/file.h>
#include <rvmach/name.h>
#include "storetest.h"
#include "testlib.h"

#define BIG_KIB (16u * 1024)
#define CHUNK (64u * 1024)
#define FILES 100

static volatile uint64_t spins;         /* loops of the spinner so far */

/* Never returns: three instructions per loop, the count stored each time. */
static void spinner(void *arg)
{
    (void)arg;
    __asm__ volatile("li t0, 0\n"
                     "1: addi t0, t0, 1\n"
                     "   sd t0, 0(%0)\n"
                     "   j 1b\n"
                     : : "r"(&spins) : "t0", "memory");
    __builtin_unreachable();
}

/* Instructions retired so far, less the spinner's. */
static inline uint64_t instret(void)
{
    uint64_t v, s = spins;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v - 3 * s;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof(v[0]), cmp_u64);
    return v[n / 2];
}

/* Read a whole file in CHUNK pieces; the instructions it took (0 on an error). */
static uint64_t read_file(const char *path)
{
    static char buf[CHUNK];
    uint64_t t0 = instret();
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    uint64_t total = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0)
        total += (uint64_t)r;
    close(fd);
    uint64_t t = instret() - t0;
    if (!CHECK(total == (uint64_t)BIG_KIB * 1024, "%s: read %lu bytes", path,
               (unsigned long)total))
        return 0;
    return t;
}

static void bench_fs_read(void)
{
    uint64_t cold[3], cached[3];
    const char *files[3] = { "/big1.bin", "/big2.bin", "/big3.bin" };
    for (int i = 0; i < 3; i++)
        cold[i] = read_file(files[i]) / BIG_KIB;
    for (int i = 0; i < 3; i++)
        cached[i] = read_file(files[2]) / BIG_KIB;
    printf("BENCH fs_read_cold_per_KiB %lu\n", (unsigned long)median(cold, 3));
    printf("BENCH fs_read_cached_per_KiB %lu\n", (unsigned long)median(cached, 3));
}

/* Raw reads of 16 MiB from the disk in CHUNK requests. */
static void bench_blk_read(void)
{
    mach_port_t disk;
    if (!CHECK(rvmach_lookup("blk", &disk) == KERN_SUCCESS, "no blk"))
        return;
    uint64_t per[5];
    for (int run = 0; run < 5; run++) {
        uint64_t t0 = instret();
        for (uint32_t kib = 0; kib < BIG_KIB; kib += CHUNK / 1024) {
            vm_offset_t data = 0;
            mach_msg_type_number_t n = 0;
            kern_return_t kr = blk_read(disk, 8192 + (uint64_t)kib * 2, CHUNK / 512, &data, &n);
            if (!CHECK(kr == KERN_SUCCESS && n == CHUNK, "blk_read: %s", mach_error_string(kr)))
                return;
            vm_deallocate(mach_task_self(), data, n);
        }
        per[run] = (instret() - t0) / BIG_KIB;
    }
    printf("BENCH blk_read_per_KiB %lu\n", (unsigned long)median(per, 5));
}

/* FILES files in a new directory: open(O_CREAT), write 1 KiB, close. */
static uint64_t create_files(int run)
{
    static char kib[1024];
    char path[64];
    snprintf(path, sizeof(path), "/bench%d", run);
    mkdir(path, 0755);
    uint64_t t0 = instret();
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof(path), "/bench%d/f%d", run, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, kib, sizeof(kib)) != (ssize_t)sizeof(kib)) {
            CHECK(0, "create %s: errno %d", path, errno);
            return 0;
        }
        close(fd);
    }
    return (instret() - t0) / FILES;
}

static void bench_create(void)
{
    uint64_t per[5];
    create_files(99);                   /* warm up */
    for (int run = 0; run < 5; run++)
        per[run] = create_files(run);
    printf("BENCH fs_create_write1k_close %lu\n", (unsigned long)median(per, 5));
}

/*
 * CONSOLE_LINES lines of 80 bytes through write(1), then console_drain,
 * which returns once the uart server has put every byte in the UART: the
 * figure covers the RPCs, the server's buffering and its transmit
 * interrupts.
 */
#define CONSOLE_LINES 128
static void bench_console(void)
{
    char line[80];
    memset(line, '.', sizeof(line));
    line[sizeof(line) - 1] = '\n';
    uint64_t per[3];
    for (int run = 0; run < 3; run++) {
        if (!CHECK(rvmach_console_drain() == KERN_SUCCESS, "no console server"))
            return;
        uint64_t t0 = instret();
        for (int i = 0; i < CONSOLE_LINES; i++) {
            memcpy(line, "console benchmark ", 18);
            if (!CHECK(write(STDOUT_FILENO, line, sizeof(line)) == (ssize_t)sizeof(line),
                       "write: errno %d", errno))
                return;
        }
        rvmach_console_drain();
        per[run] = (instret() - t0) / (CONSOLE_LINES * sizeof(line));
    }
    printf("BENCH console_write_per_byte %lu\n", (unsigned long)median(per, 3));
}

static void run_all(void)
{
    bench_fs_read();                    /* first: the files must be cold */
    bench_blk_read();
    bench_create();
    bench_console();
}

int main(void)
{
    if (!CHECK(MACH_PORT_VALID(rvmach_file_server()), "no file server"))
        return tl_finish();
    CHECK_KR(rvmach_thread_spawn(spinner, NULL, 4096, NULL));
    while (spins == 0)
        swtch();
    tl_run("fsbench", run_all);
    CHECK(rvmach_fs_shutdown() == 0, "unmount");
    printf("BENCH done\n");
    return tl_finish();
}
