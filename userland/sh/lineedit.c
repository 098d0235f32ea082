// SPDX-License-Identifier: MIT
/*
 * The line editor.  The console is put in raw mode, so every key arrives
 * as bytes the moment it is typed and nothing is echoed: the editor keeps
 * the line and the cursor, and draws them itself with VT100 sequences.
 *
 *   printable      insert at the cursor
 *   Backspace      delete before the cursor (DEL 0x7f or ^H)
 *   Delete, ^D     delete under the cursor (^D on an empty line: end of input)
 *   Left/Right ^B/^F   move;  Home/End ^A/^E: to the start, the end
 *   Up/Down ^P/^N  older / newer history line
 *   ^U ^K ^W       erase the line / to its end / the word before the cursor
 *   ^C             throw the line away;  ^L: clear the screen
 *   Enter          done (CR, LF, or CR LF)
 *
 * Typing at the end of the line, the common case, echoes just the
 * character, and Backspace there just "\b \b", so a transcript of the
 * session reads like what was typed.  Every other edit redraws the line.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <rvmach/console.h>
#include "sh.h"

/* Keys after decoding escape sequences (values above any byte). */
enum {
    KEY_UP = 0x100, KEY_DOWN, KEY_LEFT, KEY_RIGHT, KEY_HOME, KEY_END, KEY_DELETE,
    KEY_NONE,       /* an escape sequence we do not know: ignored */
};

#define CTRL(c) ((c) & 0x1f)

/* Input bytes read ahead of use. */
static char inbuf[64];
static size_t in_pos, in_len;
static bool last_was_cr;        /* a LF right after a CR ends no second line */

/* The next input byte, or -1 at end of input, -2 on ^C from the server, -3 on error. */
static int next_byte(void)
{
    if (in_pos == in_len) {
        size_t got = 0;
        kern_return_t kr = rvmach_console_read(inbuf, sizeof(inbuf), &got);
        if (kr == KERN_ABORTED)
            return -2;
        if (kr != KERN_SUCCESS) {
            fprintf(stderr, "sh: reading the console: %s\n", mach_error_string(kr));
            return -3;
        }
        if (got == 0)
            return -1;
        in_pos = 0;
        in_len = got;
    }
    return (unsigned char)inbuf[in_pos++];
}

/* The next key: a byte, or KEY_* for an escape sequence. */
static int next_key(void)
{
    int c = next_byte();
    if (c != 0x1b)
        return c;
    int c1 = next_byte();
    if (c1 < 0)
        return c1;
    if (c1 != '[' && c1 != 'O')
        return KEY_NONE;
    int c2 = next_byte();
    if (c2 < 0)
        return c2;
    switch (c2) {
    case 'A': return KEY_UP;
    case 'B': return KEY_DOWN;
    case 'C': return KEY_RIGHT;
    case 'D': return KEY_LEFT;
    case 'H': return KEY_HOME;
    case 'F': return KEY_END;
    default: break;
    }
    if (c2 >= '0' && c2 <= '9') {       /* ESC [ n ~ */
        int n = c2 - '0', c3;
        while ((c3 = next_byte()) >= '0' && c3 <= '9')
            n = n * 10 + (c3 - '0');
        if (c3 < 0)
            return c3;
        if (c3 != '~')
            return KEY_NONE;
        switch (n) {
        case 1: case 7: return KEY_HOME;
        case 4: case 8: return KEY_END;
        case 3: return KEY_DELETE;
        default: return KEY_NONE;
        }
    }
    return KEY_NONE;
}

static void put(const char *s, size_t n)
{
    fwrite(s, 1, n, stdout);
}

static void puts_raw(const char *s)
{
    put(s, strlen(s));
}

/* What is on the screen: the prompt, then the line with the cursor at pos. */
struct edit {
    const char *prompt;
    char *buf;
    size_t size;                /* buf holds at most size - 1 bytes */
    size_t len, pos;
};

/* Draw the whole line again and put the cursor back where it belongs. */
static void redraw(struct edit *e)
{
    puts_raw("\r");
    puts_raw(e->prompt);
    put(e->buf, e->len);
    puts_raw("\x1b[K");                 /* erase what is left of a longer line */
    if (e->len > e->pos)
        printf("\x1b[%zuD", e->len - e->pos);
}

static void insert(struct edit *e, char c)
{
    if (e->len + 1 >= e->size) {
        puts_raw("\a");                 /* full: ring the bell, keep the line */
        return;
    }
    memmove(e->buf + e->pos + 1, e->buf + e->pos, e->len - e->pos);
    e->buf[e->pos++] = c;
    e->len++;
    if (e->pos == e->len)
        put(&c, 1);
    else
        redraw(e);
}

static void erase_before(struct edit *e, size_t n)
{
    if (n > e->pos)
        n = e->pos;
    if (n == 0)
        return;
    bool at_end = e->pos == e->len;
    memmove(e->buf + e->pos - n, e->buf + e->pos, e->len - e->pos);
    e->pos -= n;
    e->len -= n;
    if (at_end && n == 1)
        puts_raw("\b \b");
    else
        redraw(e);
}

static void set_line(struct edit *e, const char *s)
{
    size_t n = strlen(s);
    if (n >= e->size)
        n = e->size - 1;
    memcpy(e->buf, s, n);
    e->len = e->pos = n;
    redraw(e);
}

void sh_history_add(struct sh_history *h, const char *line)
{
    if (line[strspn(line, " \t")] == '\0')
        return;
    if (h->count > 0 && strcmp(h->lines[(h->count - 1) % SH_HISTORY], line) == 0)
        return;
    snprintf(h->lines[h->count % SH_HISTORY], sizeof(h->lines[0]), "%s", line);
    h->count++;
}

static bool raw_mode;

void sh_console_cooked(void)
{
    if (raw_mode) {
        fflush(stdout);
        rvmach_console_set_mode(CONSOLE_MODE_COOKED);
        raw_mode = false;
    }
}

/* Without a console server: a line from stdin, the way read() gives it. */
static int read_cooked(const char *prompt, char *buf, size_t size)
{
    fputs(prompt, stdout);
    fflush(stdout);
    size_t len = 0;
    for (;;) {
        char c;
        ssize_t n = read(0, &c, 1);
        if (n <= 0) {
            if (len == 0)
                return SH_READ_END;
            break;
        }
        if (c == '\n' || c == '\r')
            break;
        if (len + 1 < size)
            buf[len++] = c;
    }
    buf[len] = '\0';
    return (int)len;
}

/* Where the arrow keys are in the history: `shown` == count is the line being typed. */
struct browse {
    struct sh_history *h;
    unsigned shown, oldest;
    char typed[SH_LINE_MAX + 1];        /* the new line, kept while browsing */
};

/* Up (older) or down (newer) in the history; rings the bell at either end. */
static void browse_step(struct edit *e, struct browse *b, bool up)
{
    if (up ? b->shown == b->oldest : b->shown == b->h->count) {
        puts_raw("\a");
        return;
    }
    if (b->shown == b->h->count) {      /* leaving the new line: keep it */
        memcpy(b->typed, e->buf, e->len);
        b->typed[e->len] = '\0';
    }
    b->shown += up ? -1u : 1u;
    set_line(e, b->shown == b->h->count ? b->typed : b->h->lines[b->shown % SH_HISTORY]);
}

/* A key that edits the line or moves in it (not Enter, ^C, ^D or history). */
static void edit_key(struct edit *e, int k)
{
    switch (k) {
    case KEY_DELETE:
        if (e->pos < e->len) {
            memmove(e->buf + e->pos, e->buf + e->pos + 1, e->len - e->pos - 1);
            e->len--;
            redraw(e);
        }
        break;
    case 0x7f:
    case CTRL('H'):
        erase_before(e, 1);
        break;
    case KEY_LEFT:
    case CTRL('B'):
        if (e->pos > 0) {
            e->pos--;
            puts_raw("\x1b[D");
        }
        break;
    case KEY_RIGHT:
    case CTRL('F'):
        if (e->pos < e->len) {
            e->pos++;
            puts_raw("\x1b[C");
        }
        break;
    case KEY_HOME:
    case CTRL('A'):
        e->pos = 0;
        redraw(e);
        break;
    case KEY_END:
    case CTRL('E'):
        e->pos = e->len;
        redraw(e);
        break;
    case CTRL('U'):
        e->len = e->pos = 0;
        redraw(e);
        break;
    case CTRL('K'):
        e->len = e->pos;
        redraw(e);
        break;
    case CTRL('W'): {
        size_t p = e->pos;
        while (p > 0 && e->buf[p - 1] == ' ')
            p--;
        while (p > 0 && e->buf[p - 1] != ' ')
            p--;
        erase_before(e, e->pos - p);
        break;
    }
    case CTRL('L'):
        puts_raw("\x1b[H\x1b[2J");
        redraw(e);
        break;
    default:
        if (k >= 0x20 && k < 0x7f)
            insert(e, (char)k);
        else if (k != KEY_NONE)
            puts_raw("\a");            /* a control key with no meaning here */
        break;
    }
}

int sh_readline(const char *prompt, char *buf, size_t size, struct sh_history *h)
{
    if (!raw_mode) {
        fflush(stdout);
        kern_return_t kr = rvmach_console_set_mode(CONSOLE_MODE_RAW);
        if (kr != KERN_SUCCESS)
            return read_cooked(prompt, buf, size);
        raw_mode = true;
    }
    struct edit e = { .prompt = prompt, .buf = buf, .size = size };
    struct browse b = { .h = h, .shown = h->count,
                        .oldest = h->count > SH_HISTORY ? h->count - SH_HISTORY : 0 };
    puts_raw(prompt);
    int result;
    for (;;) {
        fflush(stdout);
        int k = next_key();
        if (k < 0) {
            if (k == -2) {              /* the server saw ^C (cooked race): as ^C */
                k = CTRL('C');
            } else {
                result = k == -1 ? SH_READ_END : SH_READ_ERROR;
                if (k == -1 && e.len > 0)
                    result = (int)e.len;    /* the input ended after a partial line */
                break;
            }
        }
        if (k == '\n' && last_was_cr) {
            last_was_cr = false;
            continue;
        }
        last_was_cr = k == '\r';
        if (k == '\r' || k == '\n') {
            result = (int)e.len;
            break;
        }
        if (k == CTRL('C')) {
            puts_raw("^C\n");
            buf[0] = '\0';
            return SH_READ_INTERRUPT;
        }
        if (k == CTRL('D') && e.len == 0) {
            puts_raw("\n");
            return SH_READ_EOF;
        }
        if (k == KEY_UP || k == CTRL('P') || k == KEY_DOWN || k == CTRL('N'))
            browse_step(&e, &b, k == KEY_UP || k == CTRL('P'));
        else
            edit_key(&e, k == CTRL('D') ? KEY_DELETE : k);     /* ^D on a line: Delete */
    }
    buf[e.len] = '\0';
    puts_raw("\n");
    fflush(stdout);
    return result;
}
