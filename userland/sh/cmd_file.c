// SPDX-License-Identifier: MIT
/*
 * The shell's commands on files and directories.  They use the C library's
 * POSIX calls (open, read, stat, readdir ...), which libmach turns into
 * requests to the file server (userland/lib/file.c, dir.c); an error comes
 * back in errno and is printed with strerror.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <rvmach/file.h>
#include "sh.h"

/* Bytes copied at a time by cat and cp. */
#define COPY_CHUNK 8192

static int usage(const char *cmd)
{
    const struct sh_cmd *c = sh_find_cmd(cmd);
    return sh_error(cmd, "usage: %s %s", cmd, c != NULL ? c->args : "");
}

/* ---- ls ---- */

struct entry {
    char *name;
    unsigned char type;         /* DT_*, from the directory entry */
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void mode_string(mode_t mode, char out[11])
{
    out[0] = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : S_ISREG(mode) ? '-' : '?';
    const char *rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        out[1 + i] = (mode & (0400 >> i)) ? rwx[i] : '-';
    out[10] = '\0';
}

/* One line of ls -l: mode, links, size, name (st NULL: stat failed). */
static int print_long(struct sh *sh, const char *name, const struct stat *st)
{
    if (st == NULL)
        return sh_printf(sh, "?????????? %3s %10s %s\n", "?", "?", name);
    char mode[11];
    mode_string(st->st_mode, mode);
    return sh_printf(sh, "%s %3lu %10lld %s\n", mode, (unsigned long)st->st_nlink,
                     (long long)st->st_size, name);
}

/* List one directory: entries sorted by name. */
static int list_dir(struct sh *sh, const char *path, bool all, bool lng)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return sh_error("ls", "%s: %s", path, strerror(errno));
    struct entry *ents = NULL;
    size_t n = 0, cap = 0;
    int status = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (!all && de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            struct entry *bigger = realloc(ents, cap * sizeof(*ents));
            if (bigger == NULL) {
                status = sh_error("ls", "%s: out of memory after %zu entries", path, n);
                break;
            }
            ents = bigger;
        }
        ents[n].name = strdup(de->d_name);
        if (ents[n].name == NULL) {
            status = sh_error("ls", "%s: out of memory after %zu entries", path, n);
            break;
        }
        ents[n].type = de->d_type;
        n++;
        errno = 0;
    }
    if (de == NULL && errno != 0)
        status = sh_error("ls", "%s: %s", path, strerror(errno));
    closedir(d);
    qsort(ents, n, sizeof(*ents), by_name);
    for (size_t i = 0; i < n; i++) {
        int r;
        if (lng) {
            char full[FS_PATH_MAX];
            struct stat st;
            bool ok = snprintf(full, sizeof(full), "%s/%s", path, ents[i].name) < (int)sizeof(full)
                      && stat(full, &st) == 0;
            r = print_long(sh, ents[i].name, ok ? &st : NULL);
        } else {
            r = sh_printf(sh, "%s%s\n", ents[i].name, ents[i].type == DT_DIR ? "/" : "");
        }
        if (r < 0) {
            status = sh_error("ls", "writing: %s", strerror(errno));
            break;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(ents[i].name);
    free(ents);
    return status;
}

static int cmd_ls(struct sh *sh, int argc, char **argv)
{
    bool all = false, lng = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        for (const char *f = argv[i] + 1; *f; f++) {
            if (*f == 'a')
                all = true;
            else if (*f == 'l')
                lng = true;
            else
                return usage("ls");
        }
    }
    if (i == argc)
        return list_dir(sh, ".", all, lng);
    int status = 0;
    for (int first = i; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            status = sh_error("ls", "%s: %s", argv[i], strerror(errno));
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (lng)
                print_long(sh, argv[i], &st);
            else
                sh_printf(sh, "%s\n", argv[i]);
            continue;
        }
        if (argc - first > 1)
            sh_printf(sh, "%s:\n", argv[i]);
        status |= list_dir(sh, argv[i], all, lng);
    }
    return status;
}

/* ---- reading and writing files ---- */

static int cmd_cat(struct sh *sh, int argc, char **argv)
{
    if (argc < 2)
        return usage("cat");
    static char buf[COPY_CHUNK];
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            status = sh_error("cat", "%s: %s", argv[i], strerror(errno));
            continue;
        }
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            status = sh_error("cat", "%s: is a directory", argv[i]);
            close(fd);
            continue;
        }
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            if (sh_write(sh, buf, (size_t)n) < 0) {
                status = sh_error("cat", "writing: %s", strerror(errno));
                break;
            }
        if (n < 0)
            status = sh_error("cat", "%s: %s", argv[i], strerror(errno));
        close(fd);
    }
    return status;
}

static int cmd_echo(struct sh *sh, int argc, char **argv)
{
    int i = 1;
    bool newline = true;
    if (i < argc && strcmp(argv[i], "-n") == 0) {
        newline = false;
        i++;
    }
    for (int first = i; i < argc; i++)
        if ((i > first && sh_write(sh, " ", 1) < 0) || sh_write(sh, argv[i], strlen(argv[i])) < 0)
            return sh_error("echo", "%s", strerror(errno));
    if (newline && sh_write(sh, "\n", 1) < 0)
        return sh_error("echo", "%s", strerror(errno));
    return 0;
}

static int cmd_touch(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    if (argc < 2)
        return usage("touch");
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);
        if (fd < 0)
            status = sh_error("touch", "%s: %s", argv[i], strerror(errno));
        else
            close(fd);
    }
    return status;
}

/* Copy the file `from` to `to` (made or emptied). */
static int copy_file(const char *from, const char *to)
{
    static char buf[COPY_CHUNK];
    int in = open(from, O_RDONLY);
    if (in < 0)
        return sh_error("cp", "%s: %s", from, strerror(errno));
    struct stat st;
    if (fstat(in, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(in);
        return sh_error("cp", "%s: is a directory", from);
    }
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        close(in);
        return sh_error("cp", "%s: %s", to, strerror(errno));
    }
    int status = 0;
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        ssize_t done = 0;
        while (done < n) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w <= 0) {
                status = sh_error("cp", "%s: %s", to, w == 0 ? "nothing written" : strerror(errno));
                goto out;
            }
            done += w;
        }
    }
    if (n < 0)
        status = sh_error("cp", "%s: %s", from, strerror(errno));
out:
    close(in);
    if (close(out) < 0 && status == 0)
        status = sh_error("cp", "%s: %s", to, strerror(errno));
    return status;
}

/* TO, or TO/basename(FROM) when TO is a directory (for mv and cp). */
static const char *target_path(const char *from, const char *to, char *buf, size_t size)
{
    struct stat st;
    if (stat(to, &st) < 0 || !S_ISDIR(st.st_mode))
        return to;
    const char *base = strrchr(from, '/');
    base = base != NULL ? base + 1 : from;
    if (snprintf(buf, size, "%s/%s", to, base) >= (int)size)
        return NULL;
    return buf;
}

static int cmd_cp(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    if (argc != 3)
        return usage("cp");
    char buf[512];
    const char *to = target_path(argv[1], argv[2], buf, sizeof(buf));
    if (to == NULL)
        return sh_error("cp", "%s: the path is too long", argv[2]);
    return copy_file(argv[1], to);
}

static int cmd_mv(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    if (argc != 3)
        return usage("mv");
    char buf[512];
    const char *to = target_path(argv[1], argv[2], buf, sizeof(buf));
    if (to == NULL)
        return sh_error("mv", "%s: the path is too long", argv[2]);
    if (rename(argv[1], to) < 0)
        return sh_error("mv", "%s -> %s: %s", argv[1], to, strerror(errno));
    return 0;
}

/* ---- directories and names ---- */

static int each_path(int argc, char **argv, const char *cmd, int (*op)(const char *))
{
    if (argc < 2)
        return usage(cmd);
    int status = 0;
    for (int i = 1; i < argc; i++)
        if (op(argv[i]) < 0)
            status = sh_error(cmd, "%s: %s", argv[i], strerror(errno));
    return status;
}

static int make_dir(const char *path)
{
    return mkdir(path, 0755);
}

static int remove_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    return unlink(path);
}

static int cmd_mkdir(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    return each_path(argc, argv, "mkdir", make_dir);
}

static int cmd_rmdir(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    return each_path(argc, argv, "rmdir", rmdir);
}

static int cmd_rm(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    return each_path(argc, argv, "rm", remove_file);
}

static int cmd_cd(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    if (argc > 2)
        return usage("cd");
    const char *to = argc == 2 ? argv[1] : "/";
    if (chdir(to) < 0)
        return sh_error("cd", "%s: %s", to, strerror(errno));
    return 0;
}

static int cmd_pwd(struct sh *sh, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage("pwd");
    char cwd[FS_PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return sh_error("pwd", "%s", strerror(errno));
    return sh_printf(sh, "%s\n", cwd) < 0 ? sh_error("pwd", "%s", strerror(errno)) : 0;
}

static const char *type_name(mode_t mode)
{
    return S_ISDIR(mode) ? "directory" : S_ISREG(mode) ? "regular file"
         : S_ISLNK(mode) ? "symbolic link" : "other";
}

static void print_time(struct sh *sh, const char *what, time_t t)
{
    struct tm tm;
    char buf[64];
    if (gmtime_r(&t, &tm) != NULL && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
        sh_printf(sh, "%s: %s\n", what, buf);
    else
        sh_printf(sh, "%s: %lld\n", what, (long long)t);
}

static int cmd_stat(struct sh *sh, int argc, char **argv)
{
    if (argc < 2)
        return usage("stat");
    int status = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            status = sh_error("stat", "%s: %s", argv[i], strerror(errno));
            continue;
        }
        char mode[11];
        mode_string(st.st_mode, mode);
        sh_printf(sh, "  File: %s\n  Type: %s\n", argv[i], type_name(st.st_mode));
        sh_printf(sh, "  Size: %lld bytes, %lld blocks of 512\n", (long long)st.st_size,
                  (long long)st.st_blocks);
        sh_printf(sh, " Inode: %lu  Links: %lu\n", (unsigned long)st.st_ino,
                  (unsigned long)st.st_nlink);
        sh_printf(sh, "Access: %04o (%s)  Uid: %lu  Gid: %lu\n", (unsigned)(st.st_mode & 07777),
                  mode, (unsigned long)st.st_uid, (unsigned long)st.st_gid);
        print_time(sh, "Modify", st.st_mtim.tv_sec);
        print_time(sh, "Change", st.st_ctim.tv_sec);
    }
    return status;
}

static int cmd_df(struct sh *sh, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage("df");
    fs_statfs_t s;
    if (rvmach_statfs(&s) < 0)
        return sh_error("df", "%s", strerror(errno));
    uint64_t kib = s.block_size / 1024;
    sh_printf(sh, "block size %llu, %llu KiB total, %llu KiB used, %llu KiB free\n",
              (unsigned long long)s.block_size, (unsigned long long)(s.blocks * kib),
              (unsigned long long)((s.blocks - s.free_blocks) * kib),
              (unsigned long long)(s.free_blocks * kib));
    sh_printf(sh, "inodes %llu total, %llu free; %llu files open%s\n",
              (unsigned long long)s.inodes, (unsigned long long)s.free_inodes,
              (unsigned long long)s.open_files, s.read_only ? "; read-only" : "");
    return 0;
}

static int cmd_sync(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    (void)argv;
    if (argc != 1)
        return usage("sync");
    sync();
    return 0;
}

const struct sh_cmd sh_file_cmds[] = {
    { "ls", cmd_ls, "[-a] [-l] [PATH...]", "list a directory (-l: mode, links, size)" },
    { "cat", cmd_cat, "FILE...", "print files" },
    { "echo", cmd_echo, "[-n] [WORD...]", "print the words (with > FILE or >> FILE: into a file)" },
    { "touch", cmd_touch, "FILE...", "make empty files (existing ones are left alone)" },
    { "cp", cmd_cp, "FROM TO", "copy a file (TO may be a directory)" },
    { "mv", cmd_mv, "FROM TO", "rename a file or directory (TO may be a directory)" },
    { "rm", cmd_rm, "FILE...", "remove files" },
    { "mkdir", cmd_mkdir, "DIR...", "make directories" },
    { "rmdir", cmd_rmdir, "DIR...", "remove empty directories" },
    { "cd", cmd_cd, "[DIR]", "change the current directory (to / without DIR)" },
    { "pwd", cmd_pwd, "", "print the current directory" },
    { "stat", cmd_stat, "PATH...", "show a file's inode: type, size, links, mode, times" },
    { "df", cmd_df, "", "space and inodes of the file system" },
    { "sync", cmd_sync, "", "write everything cached back to the disk" },
    { NULL, NULL, NULL, NULL },
};
