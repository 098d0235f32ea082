// SPDX-License-Identifier: MIT
/*
 * The shell's command-line syntax: words, quotes, comments and output
 * redirection.  Each word is copied, quotes removed, into the store of the
 * result; a word is never longer than the text it came from, so the store
 * (twice a line) always has room for the words and their NULs.
 */
#include <stdio.h>
#include <string.h>
#include "parse.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Copy the word starting at *pos to *out (NUL-terminated), leaving *pos
 * after it and *out after the NUL.  Returns 0, or -1 with a reason in err.
 */
static int read_word(const char **pos, char **out, char *err, size_t errlen)
{
    const char *in = *pos;
    char *o = *out;
    char quote = 0;
    for (;;) {
        char c = *in;
        if (c == '\0') {
            if (quote != 0) {
                snprintf(err, errlen, "missing closing %c", quote);
                return -1;
            }
            break;
        }
        if (quote == '\'') {            /* '...': every character as it is */
            in++;
            if (c == '\'')
                quote = 0;
            else
                *o++ = c;
            continue;
        }
        if (quote == '"') {             /* "...": only \" and \\ are special */
            in++;
            if (c == '"')
                quote = 0;
            else if (c == '\\' && (*in == '"' || *in == '\\'))
                *o++ = *in++;
            else
                *o++ = c;
            continue;
        }
        if (is_blank(c) || c == '>')
            break;                      /* the end of an unquoted word */
        in++;
        if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '\\') {
            if (*in == '\0') {
                snprintf(err, errlen, "a backslash at the end of the line");
                return -1;
            }
            *o++ = *in++;
        } else {
            *o++ = c;
        }
    }
    *o++ = '\0';
    *pos = in;
    *out = o;
    return 0;
}

int sh_parse(const char *line, struct sh_parsed *p, char *err, size_t errlen)
{
    if (strlen(line) > SH_LINE_MAX) {
        snprintf(err, errlen, "the line is longer than %d bytes", SH_LINE_MAX);
        return -1;
    }
    p->argc = 0;
    p->redirect = NULL;
    p->append = false;
    const char *pos = line;
    char *out = p->store;
    bool want_file = false;
    for (;;) {
        while (is_blank(*pos))
            pos++;
        if (*pos == '\0' || *pos == '#')
            break;
        if (*pos == '>') {
            if (want_file || p->redirect != NULL) {
                snprintf(err, errlen, "only one > or >> per command");
                return -1;
            }
            pos++;
            p->append = *pos == '>';
            if (p->append)
                pos++;
            if (*pos == '>') {
                snprintf(err, errlen, "unexpected >");
                return -1;
            }
            want_file = true;
            continue;
        }
        char *word = out;
        if (read_word(&pos, &out, err, errlen) < 0)
            return -1;
        if (want_file) {
            if (word[0] == '\0') {
                snprintf(err, errlen, "an empty file name after >");
                return -1;
            }
            p->redirect = word;
            want_file = false;
            continue;
        }
        if (p->argc == SH_ARGS_MAX) {
            snprintf(err, errlen, "more than %d words", SH_ARGS_MAX);
            return -1;
        }
        p->argv[p->argc++] = word;
    }
    if (want_file) {
        snprintf(err, errlen, "a file name must follow %s", p->append ? ">>" : ">");
        return -1;
    }
    if (p->redirect != NULL && p->argc == 0) {
        snprintf(err, errlen, "a command must come before >");
        return -1;
    }
    p->argv[p->argc] = NULL;
    return 0;
}
