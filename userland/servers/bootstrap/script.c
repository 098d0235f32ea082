// SPDX-License-Identifier: MIT
/*
 * The boot script (boot.conf): which programs to start, in order.  Each
 * line is `[priv] [wait=SERVICE] PROGRAM [args...]`; a word starting with
 * '#' begins a comment.  A bad line is reported and skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rvmach/exec.h>
#include "bootstrap.h"

static const char *conf_name;
static struct boot_line *lines;
static unsigned nlines, next_line, started, skipped;
static bool done;

/* The wait of a `wait=SERVICE` line, between its start and SERVICE's registration. */
static struct {
    bool active;
    const struct boot_line *line;
    const struct child *child;
    uint64_t deadline_ns;
} waiting;

static void line_error(unsigned lineno, const char *why)
{
    printf("bootstrap: %s:%u: %s, line skipped\n", conf_name, lineno, why);
    skipped++;
}

/* Split buf into words at blanks, up to a '#' word; returns the count, or -1 if over max. */
static int split_words(char *buf, char **words, int max)
{
    int n = 0;
    for (char *p = buf;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            *p++ = '\0';
        if (*p == '\0' || *p == '#')
            return n;
        if (n == max)
            return -1;
        words[n++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
    }
}

/* The leading `priv` and `wait=NAME` words; returns how many, or -1 after an error. */
static int parse_options(struct boot_line *l, char **words, int n)
{
    int i = 0;
    for (; i < n; i++) {
        if (strcmp(words[i], "priv") == 0) {
            l->priv = true;
        } else if (strncmp(words[i], "wait=", 5) == 0) {
            if (!rvmach_name_ok(words[i] + 5)) {
                line_error(l->lineno, "wait= needs a valid service name");
                return -1;
            }
            strcpy(l->wait, words[i] + 5);      /* fits: rvmach_name_ok */
        } else if (strcmp(words[i], "wait") == 0) {
            line_error(l->lineno, "'wait' needs the service to wait for: wait=NAME");
            return -1;
        } else {
            break;
        }
    }
    return i;
}

/* Parse one line (without its '\n'); true if it names a program. */
static bool parse_line(const char *text, size_t len, struct boot_line *l)
{
    if (len >= sizeof(l->buf)) {
        line_error(l->lineno, "line too long");
        return false;
    }
    if (memchr(text, '\0', len) != NULL) {
        line_error(l->lineno, "a NUL byte in the line");
        return false;
    }
    memcpy(l->buf, text, len);
    l->buf[len] = '\0';
    char *words[BS_ARGS_MAX + 2];
    int n = split_words(l->buf, words, BS_ARGS_MAX + 2);
    int opts = n < 0 ? -1 : parse_options(l, words, n);
    if (n < 0)
        line_error(l->lineno, "too many words");
    if (opts < 0)
        return false;
    if (opts == n) {
        if (n > 0)
            line_error(l->lineno, "no program named");
        return false;
    }
    if (n - opts > BS_ARGS_MAX) {
        line_error(l->lineno, "too many arguments");
        return false;
    }
    l->argc = n - opts;
    memcpy(l->argv, words + opts, (size_t)l->argc * sizeof(char *));
    l->argv[l->argc] = NULL;
    return true;
}

static unsigned count_lines(const char *text, size_t size)
{
    unsigned n = 1;
    for (size_t i = 0; i < size; i++)
        n += text[i] == '\n';
    return n;
}

void script_load(const char *conf)
{
    const void *data;
    size_t size;
    char err[128];
    conf_name = conf;
    if (rvmach_bootmod_find(conf, &data, &size, err, sizeof(err)) != KERN_SUCCESS) {
        printf("bootstrap: no boot script (%s): nothing to start\n", err);
        return;
    }
    const char *text = data;
    unsigned max = count_lines(text, size);
    lines = calloc(max, sizeof(*lines));
    if (lines == NULL) {
        printf("bootstrap: no memory for the %u lines of %s\n", max, conf);
        return;
    }
    for (unsigned lineno = 1; size > 0; lineno++) {
        const char *nl = memchr(text, '\n', size);
        size_t len = nl != NULL ? (size_t)(nl - text) : size;
        struct boot_line *l = &lines[nlines];
        *l = (struct boot_line){ .lineno = lineno };
        if (parse_line(text, len, l))
            nlines++;
        text += len + (nl != NULL);
        size -= len + (nl != NULL);
    }
}

static void begin_wait(const struct boot_line *l, const struct child *c)
{
    waiting.active = true;
    waiting.line = l;
    waiting.child = c;
    waiting.deadline_ns = rvmach_uptime_ns() + (uint64_t)BS_WAIT_MS * 1000000;
}

void script_continue(mach_port_t service)
{
    while (!waiting.active && next_line < nlines) {
        const struct boot_line *l = &lines[next_line++];
        const struct child *c = children_start(l, conf_name, service);
        if (c == NULL) {
            skipped++;
            continue;
        }
        started++;
        if (l->wait[0] != '\0' && !names_registered(l->wait))
            begin_wait(l, c);
    }
    if (!waiting.active && next_line == nlines && !done && conf_name != NULL) {
        done = true;
        printf("bootstrap: %s done: %u started, %u skipped\n", conf_name, started, skipped);
    }
}

mach_msg_timeout_t script_wait_ms(void)
{
    if (!waiting.active)
        return 0;
    uint64_t now = rvmach_uptime_ns();
    if (now >= waiting.deadline_ns)
        return 1;
    return (mach_msg_timeout_t)((waiting.deadline_ns - now) / 1000000 + 1);
}

void script_wait_check(void)
{
    if (waiting.active && rvmach_uptime_ns() >= waiting.deadline_ns) {
        printf("bootstrap: gave up waiting for '%s' from '%s' after %d s\n",
               waiting.line->wait, child_name(waiting.child), BS_WAIT_MS / 1000);
        waiting.active = false;
    }
}

void script_name_registered(const char *name)
{
    if (waiting.active && strcmp(name, waiting.line->wait) == 0)
        waiting.active = false;
}

void script_child_died(const struct child *c)
{
    if (waiting.active && waiting.child == c) {
        printf("bootstrap: '%s' died before registering '%s'\n", child_name(c),
               waiting.line->wait);
        waiting.active = false;
    }
}
