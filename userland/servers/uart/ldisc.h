/* SPDX-License-Identifier: MIT */
/*
 * The console's line discipline: what happens to each byte typed before a
 * reader gets it.  Cooked mode: echo, an edited line delivered at Enter,
 * Backspace/DEL, Ctrl-U, Ctrl-C, Ctrl-D; raw mode: every byte as it comes.
 * No Mach here (the echo is a callback), so it can be tested anywhere.
 *
 * State: `line` is the line being edited (cooked mode only); `ready` holds
 * what readers may take: whole lines in cooked mode, any bytes in raw mode,
 * and at positions `eof_at` the end-of-input marks Ctrl-D leaves.
 * Invariant (cooked mode): ready has room for line + "\n", so Enter never
 * loses a line.
 */
#ifndef _UART_LDISC_H_
#define _UART_LDISC_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ring.h"

#define LDISC_LINE_MAX  1024    /* longest line in cooked mode, "\n" included */
#define LDISC_READY     4096    /* bytes waiting for readers (a power of two) */
#define LDISC_EOF_MAX   8       /* end-of-input marks waiting */

enum ldisc_mode { LDISC_COOKED = 0, LDISC_RAW = 1 };

/* What ldisc_input asks of the caller. */
enum ldisc_event {
    LDISC_NOTHING = 0,
    LDISC_INTR = 1,             /* Ctrl-C in cooked mode: input flushed */
};

typedef void (*ldisc_echo_fn)(void *arg, const char *s, size_t n);

struct ldisc {
    enum ldisc_mode mode;
    uint8_t line[LDISC_LINE_MAX];
    uint32_t line_len;
    uint8_t ready_buf[LDISC_READY];
    struct ring ready;
    uint32_t eof_at[LDISC_EOF_MAX];     /* ready positions, oldest first */
    uint32_t neof;
    bool last_cr;                       /* the byte before was '\r' */
    uint64_t refused;                   /* bytes dropped: line or queue full */
    ldisc_echo_fn echo;
    void *echo_arg;
};

/* Start empty, cooked. */
void ldisc_init(struct ldisc *l, ldisc_echo_fn echo, void *echo_arg);

/* Take one byte from the terminal. */
enum ldisc_event ldisc_input(struct ldisc *l, uint8_t c);

/* Is there something for a reader (bytes or an end-of-input mark)? */
bool ldisc_readable(const struct ldisc *l);

/*
 * Give a reader at most max (> 0) bytes: at most one line in cooked mode.
 * Only when ldisc_readable(); 0 means end of input (the mark is used up).
 */
size_t ldisc_read(struct ldisc *l, char *buf, size_t max);

/* Change mode; a half-typed line becomes readable when going raw. */
void ldisc_set_mode(struct ldisc *l, enum ldisc_mode mode);

/* Forget everything typed and not yet read. */
void ldisc_flush(struct ldisc *l);

#endif /* _UART_LDISC_H_ */
