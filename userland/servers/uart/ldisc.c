// SPDX-License-Identifier: MIT
/* The console's line discipline (see ldisc.h). */
#include <string.h>
#include "ldisc.h"

#define CTRL(c) ((c) & 0x1f)
#define DEL 0x7f

void ldisc_init(struct ldisc *l, ldisc_echo_fn echo, void *echo_arg)
{
    memset(l, 0, sizeof(*l));
    ring_init(&l->ready, l->ready_buf, LDISC_READY);
    l->mode = LDISC_COOKED;
    l->echo = echo;
    l->echo_arg = echo_arg;
}

static void echo(struct ldisc *l, const char *s, size_t n)
{
    if (l->echo != NULL)
        l->echo(l->echo_arg, s, n);
}

/* How a byte of the line shows: control characters as ^X, tab as a space. */
static void echo_char(struct ldisc *l, uint8_t c)
{
    char s[2] = { (char)c, 0 };
    if (c == '\t')
        echo(l, " ", 1);
    else if (c < 0x20)
        s[0] = '^', s[1] = (char)(c + '@'), echo(l, s, 2);
    else
        echo(l, s, 1);
}

/* Columns the byte took when echoed (0 for UTF-8 continuation bytes). */
static int echo_width(uint8_t c)
{
    if (c < 0x20 && c != '\t')
        return 2;
    return (c & 0xc0) == 0x80 ? 0 : 1;
}

static void add_char(struct ldisc *l, uint8_t c)
{
    /* Keep room for the "\n" and for the whole line in ready (the invariant). */
    if (l->line_len + 1 >= LDISC_LINE_MAX || ring_free(&l->ready) < l->line_len + 2) {
        l->refused++;
        echo(l, "\a", 1);
        return;
    }
    l->line[l->line_len++] = c;
    echo_char(l, c);
}

/* Erase the last character (all bytes of a UTF-8 sequence) and its echo. */
static void erase_char(struct ldisc *l)
{
    int width = 0;
    while (l->line_len > 0) {
        uint8_t c = l->line[--l->line_len];
        width += echo_width(c);
        if ((c & 0xc0) != 0x80)
            break;                      /* the first byte of the character */
    }
    for (int i = 0; i < width; i++)
        echo(l, "\b \b", 3);
}

static void push_line(struct ldisc *l)
{
    for (uint32_t i = 0; i < l->line_len; i++)
        ring_put(&l->ready, l->line[i]);
    l->line_len = 0;
}

/* Enter: the line and its "\n" become readable. */
static void end_line(struct ldisc *l)
{
    if (ring_free(&l->ready) < l->line_len + 1) {
        l->refused++;                   /* raw bytes left from before fill it */
        echo(l, "\a", 1);
        return;
    }
    l->line[l->line_len++] = '\n';      /* add_char left room in line */
    push_line(l);
    echo(l, "\r\n", 2);
}

/* Ctrl-D: the line so far becomes readable; on an empty line, end of input. */
static void end_input(struct ldisc *l)
{
    if (l->line_len > 0) {
        push_line(l);
        return;
    }
    if (l->neof == LDISC_EOF_MAX) {
        l->refused++;
        return;
    }
    l->eof_at[l->neof++] = l->ready.tail;
}

static enum ldisc_event cooked_input(struct ldisc *l, uint8_t c)
{
    bool after_cr = l->last_cr;
    l->last_cr = c == '\r';
    switch (c) {
    case '\n':
        if (after_cr)
            return LDISC_NOTHING;       /* "\r\n" is one Enter */
        /* fall through */
    case '\r':
        end_line(l);
        return LDISC_NOTHING;
    case CTRL('C'):
        echo(l, "^C\r\n", 4);
        ldisc_flush(l);
        return LDISC_INTR;
    case CTRL('D'):
        end_input(l);
        return LDISC_NOTHING;
    case '\b':
    case DEL:
        erase_char(l);
        return LDISC_NOTHING;
    case CTRL('U'):
        while (l->line_len > 0)
            erase_char(l);
        return LDISC_NOTHING;
    default:
        add_char(l, c);
        return LDISC_NOTHING;
    }
}

enum ldisc_event ldisc_input(struct ldisc *l, uint8_t c)
{
    if (l->mode == LDISC_COOKED)
        return cooked_input(l, c);
    if (ring_free(&l->ready) == 0)
        l->refused++;
    else
        ring_put(&l->ready, c);
    return LDISC_NOTHING;
}

bool ldisc_readable(const struct ldisc *l)
{
    return ring_used(&l->ready) > 0 || l->neof > 0;
}

size_t ldisc_read(struct ldisc *l, char *buf, size_t max)
{
    uint32_t limit = ring_used(&l->ready);
    if (l->neof > 0) {
        limit = l->eof_at[0] - l->ready.head;
        if (limit == 0) {               /* the mark is next: end of input */
            l->neof--;
            memmove(l->eof_at, l->eof_at + 1, l->neof * sizeof(l->eof_at[0]));
            return 0;
        }
    }
    size_t n = 0;
    while (n < max && n < limit) {
        uint8_t c = ring_get(&l->ready);
        buf[n++] = (char)c;
        if (c == '\n' && l->mode == LDISC_COOKED)
            break;
    }
    return n;
}

void ldisc_set_mode(struct ldisc *l, enum ldisc_mode mode)
{
    if (mode == LDISC_RAW && l->mode == LDISC_COOKED)
        push_line(l);                   /* room for it is kept by add_char */
    l->mode = mode;
    l->last_cr = false;
}

void ldisc_flush(struct ldisc *l)
{
    l->line_len = 0;
    ring_clear(&l->ready);
    l->neof = 0;
}
