/* SPDX-License-Identifier: MIT */
/*
 * The shell's command-line syntax (parse.c).  Needs only the C library, so
 * the host unit tests build it too (test/host/test_sh_parse.c).
 */
#ifndef SH_PARSE_H
#define SH_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define SH_LINE_MAX 1024        /* bytes in a command line, without the NUL */
#define SH_ARGS_MAX 64          /* words in a command line */

struct sh_parsed {
    char store[2 * SH_LINE_MAX + 2];    /* the words, each NUL-terminated */
    int argc;
    char *argv[SH_ARGS_MAX + 1];        /* argv[argc] == NULL */
    const char *redirect;               /* file after > or >>, or NULL */
    bool append;                        /* >> rather than > */
};

/*
 * Split `line` into words (copied into p->store): blanks separate words; '...'
 * keeps everything literally; "..." keeps blanks and allows \" and \\;
 * a backslash outside quotes keeps the next character; '#' at the start of
 * a word begins a comment; > FILE and >> FILE send the output to FILE.
 * Returns 0 with p filled in (p->argc may be 0: nothing to do), or -1 with
 * a one-line reason in err.
 */
int sh_parse(const char *line, struct sh_parsed *p, char *err, size_t errlen);

#endif /* SH_PARSE_H */
