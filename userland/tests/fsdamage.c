// SPDX-License-Identifier: MIT
/*
 * The fs server on a damaged image (test/qemu: user.fsdamage.*), started
 * by bootstrap after `blk` and `fs`: if the mount was refused there is no
 * "fs" and that is the result; otherwise walk the whole tree (depth
 * bounded: a damaged tree may loop), read every file, list every
 * directory, try changes everywhere, and check that the server still
 * answers.  Errors are expected; a dead or silent server is the failure.
 * Prints "fsdamage: N operations, M errors".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <rvmach/file.h>
#include "storetest.h"
#include "testlib.h"

#define MAX_DEPTH 12
#define MAX_ENTRIES 4000

static unsigned ops, errors, entries;

static void note(int result)
{
    ops++;
    if (result < 0)
        errors++;
}

static void read_file(const char *path)
{
    static char buf[64 * 1024];
    int fd = open(path, O_RDONLY);
    note(fd);
    if (fd < 0)
        return;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0)
        ;
    note((int)r);
    note(close(fd));
}

/* Changes in directory `dir`: each may fail on a damaged or read-only file system. */
static void try_changes(const char *dir)
{
    char a[300], b[300];
    snprintf(a, sizeof(a), "%s/.damage-new", dir);
    snprintf(b, sizeof(b), "%s/.damage-renamed", dir);
    note(st_write_file(a, "new\n", 4));
    note(rename(a, b));
    note(unlink(b));
    snprintf(a, sizeof(a), "%s/.damage-dir", dir);
    note(mkdir(a, 0755));
    note(rmdir(a));
}

static void walk(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    note(d != NULL ? 0 : -1);
    if (d == NULL)
        return;
    struct dirent *e;
    char path[300];
    while ((e = readdir(d)) != NULL && entries++ < MAX_ENTRIES) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, e->d_name);
        struct stat st;
        note(stat(path, &st));
        if (e->d_type == DT_DIR && depth < MAX_DEPTH)
            walk(path, depth + 1);
        else if (e->d_type != DT_DIR)
            read_file(path);
    }
    closedir(d);
    try_changes(dir);
}

static void test_damage(void)
{
    mach_port_t fs = rvmach_file_server();
    if (!MACH_PORT_VALID(fs)) {
        printf("fsdamage: no file server: the mount was refused\n");
        return;
    }
    walk("/", 0);
    fs_statfs_t st;
    CHECK(rvmach_statfs(&st) == 0, "the server does not answer statfs: %d", errno);
    printf("fsdamage: %u operations, %u errors, %s\n", ops, errors,
           st.read_only ? "read-only now" : "read-write");
    CHECK(rvmach_fs_shutdown() == 0 || errno == EIO, "shutdown: %d", errno);
}

int main(void)
{
    tl_run("fsdamage", test_damage);
    return tl_finish();
}
