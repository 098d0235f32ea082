/* SPDX-License-Identifier: MIT */
/*
 * sh, the shell: a read-eval-print loop over the console server.
 *
 *   main.c      the loop: prompt, read a line, parse, run
 *   lineedit.c  the line editor (raw console mode): cursor keys, history
 *   parse.c     words, quotes, and the > / >> redirection
 *   cmd_file.c  commands on files: ls cat echo mkdir rm mv stat ...
 *   cmd_sys.c   commands on the system: ps ports vm kill mem uptime poweroff
 *   run.c       running a program from the disk in a new task
 *
 * Every command reports a failure as one line "NAME: what went wrong" and
 * returns nonzero; the shell then prints the next prompt.  docs/shell.md
 * is the user's guide.
 */
#ifndef SH_H
#define SH_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <mach.h>
#include "parse.h"

#define SH_HISTORY  32          /* lines the history keeps */

/* What a command runs with. */
struct sh {
    int out;                    /* where its output goes: 1, or a file (> or >>) */
    bool interactive;           /* reading from a person at the console */
};

/* A built-in command. */
struct sh_cmd {
    const char *name;
    int (*fn)(struct sh *sh, int argc, char **argv);
    const char *args;           /* for `help`: the arguments it takes */
    const char *what;           /* for `help`: one line on what it does */
};

/* The command tables (cmd_file.c, cmd_sys.c), each ended by a NULL name. */
extern const struct sh_cmd sh_file_cmds[];
extern const struct sh_cmd sh_sys_cmds[];

/* The built-in command called `name`, or NULL. */
const struct sh_cmd *sh_find_cmd(const char *name);

/* printf to the command's output (sh->out).  Returns -1 if the write failed. */
int sh_printf(struct sh *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write bytes to the command's output: 0, or -1 (errno set). */
int sh_write(struct sh *sh, const void *buf, size_t len);

/* One line "cmd: message\n" to stderr.  Returns 1 (a command's failure status). */
int sh_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- lineedit.c ---- */

struct sh_history {
    char lines[SH_HISTORY][SH_LINE_MAX + 1];
    unsigned count;             /* lines ever added */
};

/* Add a line to the history (blank lines and repeats of the last are not). */
void sh_history_add(struct sh_history *h, const char *line);

/* Results of sh_readline besides a length. */
#define SH_READ_EOF        (-1)  /* Ctrl-D on an empty line */
#define SH_READ_INTERRUPT  (-2)  /* Ctrl-C: the line was thrown away */
#define SH_READ_ERROR      (-3)  /* the console failed (message printed) */
#define SH_READ_END        (-4)  /* the input has ended for good (no console) */

/*
 * Print `prompt` and read one line into buf (NUL-terminated, without the
 * newline) with editing and history.  Returns its length or SH_READ_*.
 * Uses the console's raw mode; where there is none (no console server),
 * reads a cooked line from stdin instead.
 */
int sh_readline(const char *prompt, char *buf, size_t size, struct sh_history *h);

/* Put the console back into cooked mode (for programs, and at exit). */
void sh_console_cooked(void);

/* ---- run.c ---- */

/*
 * Run the program at path argv[0] (with a '/') or /bin/argv[0] in a new
 * task, in the foreground: Ctrl-C ends it.  Waits until it has ended.
 * Returns 0 when it ran (and ended), 127 when there is no such program,
 * 1 on another failure (message printed).
 */
int sh_run_program(struct sh *sh, int argc, char **argv);

/* ---- cmd_sys.c ---- */

/*
 * The task named by `spec`: a task id as `ps` shows it, or a task's name.
 * Returns a send right to its port (the caller deallocates it), or
 * MACH_PORT_NULL after printing "cmd: ..." on what went wrong.
 */
mach_port_t sh_find_task(const char *cmd, const char *spec);

#endif /* SH_H */
