// SPDX-License-Identifier: MIT
/*
 * System tests of the fs server through the C library (open, read, write,
 * stdio, dirent ...), started by bootstrap after `blk` and `fs`
 * (test/qemu: user.fs.*): create, append, read back, list, rename, remove
 * files and directories; errors in errno; bad requests made by hand; files
 * closed when their client dies.  Ends with an unmount, then lines
 * "FILECHECK path size crc32" that the test script checks on the image
 * with debugfs after QEMU has powered off.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <rvmach/file.h>
#include "storetest.h"
#include "testlib.h"

#define T "/fstest"                     /* everything happens under here */

static void test_create_read(void)
{
    CHECK(mkdir(T, 0755) == 0, "mkdir " T ": %d", errno);
    int fd = open(T "/a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0, "create: errno %d", errno);
    CHECK(write(fd, "hello ", 6) == 6, "write");
    CHECK(write(fd, "world\n", 6) == 6, "write");
    CHECK(close(fd) == 0, "close");
    char buf[64];
    fd = open(T "/a.txt", O_RDONLY);
    CHECK(fd >= 0, "open to read: errno %d", errno);
    CHECK(read(fd, buf, sizeof(buf)) == 12 && memcmp(buf, "hello world\n", 12) == 0,
          "read back");
    CHECK(read(fd, buf, sizeof(buf)) == 0, "read at the end");
    CHECK(lseek(fd, 6, SEEK_SET) == 6, "lseek");
    CHECK(read(fd, buf, 5) == 5 && memcmp(buf, "world", 5) == 0, "read after lseek");
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 12 && S_ISREG(st.st_mode), "fstat");
    close(fd);
}

static void test_append(void)
{
    int fd = open(T "/a.txt", O_WRONLY | O_APPEND);
    CHECK(fd >= 0, "open for append: errno %d", errno);
    lseek(fd, 0, SEEK_SET);             /* append wins over the offset */
    CHECK(write(fd, "again\n", 6) == 6, "append");
    close(fd);
    FILE *f = fopen(T "/a.txt", "a");
    CHECK(f != NULL, "fopen a");
    fprintf(f, "line %d\n", 3);
    CHECK(fclose(f) == 0, "fclose");
    char line[64];
    f = fopen(T "/a.txt", "r");
    CHECK(f != NULL, "fopen r");
    const char *want[] = { "hello world\n", "again\n", "line 3\n" };
    for (int i = 0; i < 3; i++)
        CHECK(fgets(line, sizeof(line), f) != NULL && strcmp(line, want[i]) == 0,
              "line %d: '%s'", i, line);
    CHECK(fgets(line, sizeof(line), f) == NULL, "no fourth line");
    fclose(f);
    struct stat st;
    CHECK(stat(T "/a.txt", &st) == 0 && st.st_size == 25, "size %ld", (long)st.st_size);
}

/* Names in directory `path` (without "." and ".."), sorted, joined by spaces. */
static void list_dir(const char *path, char *out, size_t size)
{
    char names[64][64];
    int n = 0;
    DIR *d = opendir(path);
    out[0] = '\0';
    if (!CHECK(d != NULL, "opendir %s: errno %d", path, errno))
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            strlcpy(names[n++], e->d_name, sizeof(names[0]));
    closedir(d);
    qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < n; i++) {
        if (i > 0)
            strlcat(out, " ", size);
        strlcat(out, names[i], size);
    }
}

static void test_dirs(void)
{
    CHECK(mkdir(T "/d1", 0755) == 0, "mkdir d1");
    CHECK(mkdir(T "/d1/d2", 0755) == 0, "mkdir d2");
    CHECK(mkdir(T "/d1/d2/d3", 0755) == 0, "mkdir d3");
    CHECK(st_write_file(T "/d1/d2/d3/deep.txt", "deep\n", 5) == 0, "deep file");
    CHECK(st_write_file(T "/d1/x", "x", 1) == 0 && st_write_file(T "/d1/y", "yy", 2) == 0,
          "files in d1");
    char names[256];
    list_dir(T "/d1", names, sizeof(names));
    CHECK(strcmp(names, "d2 x y") == 0, "d1 holds '%s'", names);
    CHECK(chdir(T "/d1/d2") == 0, "chdir");
    char cwd[128];
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, T "/d1/d2") == 0, "cwd %s", cwd);
    char buf[8];
    CHECK(st_read_file("d3/../d3/deep.txt", buf, sizeof(buf)) == 5 &&
          memcmp(buf, "deep\n", 5) == 0, "relative path");
    CHECK(chdir("../..") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, T) == 0, "chdir ..");
    CHECK(chdir("/") == 0, "chdir /");
    struct stat st;
    CHECK(stat(T "/d1/d2", &st) == 0 && S_ISDIR(st.st_mode), "stat dir");
    DIR *d = opendir(T "/d1");
    int seen = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        seen += strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    rewinddir(d);
    CHECK(readdir(d) != NULL, "readdir after rewinddir");
    closedir(d);
    CHECK(seen == 2, "'.' and '..' listed (%d)", seen);
}

static void test_rename_remove(void)
{
    char names[256], buf[8];
    CHECK(rename(T "/d1/x", T "/d1/d2/x2") == 0, "rename across dirs");
    CHECK(rename(T "/d1/y", T "/d1/d2/x2") == 0, "rename over a file");
    CHECK(st_read_file(T "/d1/d2/x2", buf, sizeof(buf)) == 2, "replaced content");
    CHECK(rename(T "/d1/d2/d3", T "/d3moved") == 0, "rename a directory");
    CHECK(st_read_file(T "/d3moved/deep.txt", buf, sizeof(buf)) == 5, "moved dir's file");
    list_dir(T "/d1/d2", names, sizeof(names));
    CHECK(strcmp(names, "x2") == 0, "d2 holds '%s'", names);
    CHECK(rmdir(T "/d3moved") == -1 && errno == ENOTEMPTY, "rmdir non-empty: %d", errno);
    CHECK(unlink(T "/d3moved/deep.txt") == 0, "unlink");
    CHECK(rmdir(T "/d3moved") == 0, "rmdir");
    CHECK(stat(T "/d3moved", &st_dummy) == -1 && errno == ENOENT, "gone");
    CHECK(remove(T "/d1/d2/x2") == 0, "remove (stdio)");
    CHECK(rmdir(T "/d1/d2") == 0 && rmdir(T "/d1") == 0, "rmdir the rest");
    list_dir(T, names, sizeof(names));
    CHECK(strcmp(names, "a.txt") == 0, T " holds '%s'", names);
}

static void test_errors(void)
{
    char longname[300], longpath[FS_PATH_MAX + 16];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    memset(longpath, 'p', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    CHECK(open(T "/nope", O_RDONLY) == -1 && errno == ENOENT, "ENOENT %d", errno);
    CHECK(open(T "/a.txt", O_RDWR | O_CREAT | O_EXCL, 0644) == -1 && errno == EEXIST, "EEXIST");
    CHECK(mkdir(T, 0755) == -1 && errno == EEXIST, "mkdir EEXIST");
    CHECK(rmdir(T "/a.txt") == -1 && errno == ENOTDIR, "rmdir a file: %d", errno);
    CHECK(unlink(T) == -1 && errno == EISDIR, "unlink a dir: %d", errno);
    CHECK(open(T "/a.txt/x", O_RDONLY) == -1 && errno == ENOTDIR, "file as dir: %d", errno);
    CHECK(open(T, O_WRONLY) == -1 && errno == EISDIR, "write a dir: %d", errno);
    CHECK(opendir(T "/a.txt") == NULL && errno == ENOTDIR, "opendir a file: %d", errno);
    CHECK(open(longname, O_RDONLY) == -1 && errno == ENAMETOOLONG, "long name: %d", errno);
    CHECK(open(longpath, O_RDONLY) == -1 && errno == ENAMETOOLONG, "long path: %d", errno);
    CHECK(rename(T, T "/a.txt") == -1 && errno == ENOTDIR, "dir over file: %d", errno);
    int fd = open(T "/a.txt", O_RDONLY);
    char c;
    CHECK(write(fd, "x", 1) == -1 && errno == EBADF, "write on O_RDONLY: %d", errno);
    close(fd);
    fd = open(T "/a.txt", O_WRONLY);
    CHECK(read(fd, &c, 1) == -1 && errno == EBADF, "read on O_WRONLY: %d", errno);
    CHECK(lseek(fd, -5, SEEK_SET) == -1 && errno == EINVAL, "negative offset");
    close(fd);
    CHECK(close(fd) == -1 && errno == EBADF, "close twice");
    fd = open(T "/a.txt", O_WRONLY);
    CHECK(write(fd, (const void *)4096, 100000) == -1 && errno == EFAULT,
          "out-of-line data from unmapped memory: %d", errno);
    close(fd);
    CHECK(read(77, &c, 1) == -1 && errno == EBADF, "bad fd");
}

static void test_truncate(void)
{
    int fd = open(T "/t.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    static char buf[20000];
    memset(buf, 'z', sizeof(buf));
    CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write 20000");
    CHECK(ftruncate(fd, 100) == 0, "ftruncate");
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 100, "size after ftruncate");
    CHECK(truncate(T "/t.bin", 5000) == 0, "truncate up");
    CHECK(lseek(fd, 0, SEEK_END) == 5000, "end at 5000");
    CHECK(lseek(fd, 4000, SEEK_SET) == 4000 && read(fd, buf, 10) == 10 && buf[0] == 0,
          "a hole reads zeros");
    close(fd);
    fd = open(T "/t.bin", O_RDWR | O_TRUNC);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC");
    close(fd);
    CHECK(unlink(T "/t.bin") == 0, "unlink");
}

/* A file unlinked while open stays readable until closed. */
static void test_unlink_open(void)
{
    CHECK(st_write_file(T "/tmp", "still here", 10) == 0, "write");
    int fd = open(T "/tmp", O_RDONLY);
    CHECK(unlink(T "/tmp") == 0, "unlink while open");
    char buf[16];
    CHECK(read(fd, buf, sizeof(buf)) == 10, "read after unlink");
    CHECK(close(fd) == 0, "close");
    CHECK(access(T "/tmp", F_OK) == -1, "gone");
}

/* Binary stdio, in sizes around the inline and out-of-line limits. */
static void test_stdio_big(void)
{
    const size_t sizes[] = { 1, 8191, 8192, 8193, 100000, 3 << 20 };
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        uint8_t *buf = malloc(n), *back = malloc(n);
        st_pattern(buf, n, (uint32_t)i);
        FILE *f = fopen(T "/bin.dat", "w");
        CHECK(f != NULL && fwrite(buf, 1, n, f) == n && fclose(f) == 0, "fwrite %zu", n);
        int fd = open(T "/bin.dat", O_RDONLY);
        CHECK(read(fd, back, n) == (ssize_t)n && memcmp(buf, back, n) == 0, "read %zu", n);
        close(fd);
        free(buf);
        free(back);
    }
    unlink(T "/bin.dat");
}

#define CHILD_FILES 20

/* In a child task: open files and die without closing them. */
static void opener(void *arg)
{
    (void)arg;
    for (int i = 0; i < CHILD_FILES; i++)
        open(T "/a.txt", O_RDONLY);
}

static void test_client_death(void)
{
    fs_statfs_t before, after;
    CHECK(rvmach_statfs(&before) == 0, "statfs");
    task_t child;
    CHECK_KR(tl_spawn(opener, NULL, tl_bootstrap_port(), &child));
    CHECK(tl_wait_dead(child, 10000), "the child did not end");
    mach_port_deallocate(mach_task_self(), child);
    for (int i = 0; i < 200; i++) {
        CHECK(rvmach_statfs(&after) == 0, "statfs");
        if (after.open_files == before.open_files)
            break;
        rvmach_sleep_ms(10);
    }
    CHECK(after.open_files == before.open_files, "open files %lu, before %lu",
          (unsigned long)after.open_files, (unsigned long)before.open_files);
}

/* Files for the script to check with debugfs after the power-off. */
static void test_persist(void)
{
    static const char text[] = "rvmach fs test: this line survives the power-off\n";
    CHECK(st_write_file("/persist.txt", text, sizeof(text) - 1) == 0, "write");
    size_t n = 300 * 1024 + 17;
    uint8_t *buf = malloc(n);
    st_pattern(buf, n, 42);
    CHECK(st_write_file(T "/pattern.bin", (const char *)buf, n) == 0, "write pattern");
    free(buf);
}

int main(void)
{
    if (!CHECK(MACH_PORT_VALID(rvmach_file_server()), "no file server"))
        return tl_finish();
    tl_run("fs.create_read", test_create_read);
    tl_run("fs.append", test_append);
    tl_run("fs.dirs", test_dirs);
    tl_run("fs.rename_remove", test_rename_remove);
    tl_run("fs.errors", test_errors);
    tl_run("fs.truncate", test_truncate);
    tl_run("fs.unlink_open", test_unlink_open);
    tl_run("fs.stdio_big", test_stdio_big);
    tl_run("fs.client_death", test_client_death);
    tl_run("fs.bad_requests", st_bad_requests);
    tl_run("fs.persist", test_persist);
    st_filecheck("/persist.txt");
    st_filecheck(T "/pattern.bin");
    st_filecheck(T "/a.txt");
    tl_run("fs.unmount", st_unmount);
    return tl_finish();
}
