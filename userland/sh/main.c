// SPDX-License-Identifier: MIT
/*
 * sh: print a prompt, read a line, run it, again.  A line is a built-in
 * command (cmd_file.c, cmd_sys.c) or a program on the disk (run.c).
 *
 *   sh              the interactive shell on the console
 *   sh -c LINE      run one command line and exit with its status
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rvmach/console.h>
#include <rvmach/file.h>
#include "sh.h"

int sh_write(struct sh *sh, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(sh->out, p, len);
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int sh_printf(struct sh *sh, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n >= sizeof(buf)) {     /* long: format again into the heap */
        char *big = malloc((size_t)n + 1);
        if (big == NULL)
            return -1;
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        int r = sh_write(sh, big, (size_t)n);
        free(big);
        return r;
    }
    return sh_write(sh, buf, (size_t)n);
}

int sh_error(const char *cmd, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", cmd, buf);
    return 1;
}

const struct sh_cmd *sh_find_cmd(const char *name)
{
    const struct sh_cmd *tables[] = { sh_file_cmds, sh_sys_cmds };
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
        for (const struct sh_cmd *c = tables[t]; c->name != NULL; c++)
            if (strcmp(c->name, name) == 0)
                return c;
    return NULL;
}

/* Run one parsed command line; returns its status (0: success). */
static int run_parsed(struct sh_parsed *p, bool interactive)
{
    struct sh sh = { .out = 1, .interactive = interactive };
    const struct sh_cmd *cmd = sh_find_cmd(p->argv[0]);
    if (cmd == NULL && p->redirect != NULL)
        return sh_error("sh", "> and >> work with built-in commands only");
    if (cmd == NULL) {
        int status = sh_run_program(&sh, p->argc, p->argv);
        if (status == 127)
            sh_error("sh", "%s: no such command or program (type help)", p->argv[0]);
        return status;
    }
    if (p->redirect != NULL) {
        int flags = O_WRONLY | O_CREAT | (p->append ? O_APPEND : O_TRUNC);
        sh.out = open(p->redirect, flags, 0644);
        if (sh.out < 0)
            return sh_error("sh", "%s: %s", p->redirect, strerror(errno));
    }
    int status = cmd->fn(&sh, p->argc, p->argv);
    if (sh.out != 1 && close(sh.out) < 0)
        status = sh_error("sh", "%s: %s", p->redirect, strerror(errno));
    fflush(stdout);
    return status;
}

static int run_line(const char *line, bool interactive)
{
    static struct sh_parsed parsed;
    char err[128];
    if (sh_parse(line, &parsed, err, sizeof(err)) < 0)
        return sh_error("sh", "%s", err);
    if (parsed.argc == 0)
        return 0;
    return run_parsed(&parsed, interactive);
}

/* The first lines a person sees: /etc/motd if the disk has one. */
static void greet(void)
{
    int fd = open("/etc/motd", O_RDONLY);
    if (fd >= 0) {
        char buf[1024];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            fwrite(buf, 1, (size_t)n, stdout);
        close(fd);
    }
    printf("Type help for the commands.\n");
}

int main(int argc, char **argv)
{
    task_set_name(mach_task_self(), "sh");
    if (argc == 3 && strcmp(argv[1], "-c") == 0)
        return run_line(argv[2], false);
    if (argc != 1) {
        fprintf(stderr, "usage: sh [-c LINE]\n");
        return 2;
    }
    /* The file server may still be starting: a missing one is not fatal. */
    if (!MACH_PORT_VALID(rvmach_file_server()))
        printf("sh: no file server: only commands that need no files will work\n");
    greet();
    static struct sh_history history;
    static char line[SH_LINE_MAX + 1];
    for (;;) {
        char cwd[256], prompt[300];
        if (getcwd(cwd, sizeof(cwd)) == NULL)
            snprintf(cwd, sizeof(cwd), "?");
        snprintf(prompt, sizeof(prompt), "rvmach:%s$ ", cwd);
        int n = sh_readline(prompt, line, sizeof(line), &history);
        if (n == SH_READ_INTERRUPT)
            continue;
        if (n == SH_READ_EOF) {
            printf("sh: ^D: the shell stays (type poweroff to turn the machine off)\n");
            continue;
        }
        if (n == SH_READ_END)
            return 0;
        if (n == SH_READ_ERROR) {
            rvmach_sleep_ms(1000);
            continue;
        }
        sh_history_add(&history, line);
        run_line(line, true);
    }
}
