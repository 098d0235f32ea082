// SPDX-License-Identifier: MIT
/* The shell's command-line parser (userland/sh/parse.c): words, quotes, > and >>. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"

static struct sh_parsed p;
static char err[128];

/* Parse `line`, expect success and exactly the words given (NULL-ended). */
static void words(const char *line, ...)
{
    err[0] = '\0';
    assert_int_equal(sh_parse(line, &p, err, sizeof(err)), 0);
    va_list ap;
    va_start(ap, line);
    int i = 0;
    for (const char *w; (w = va_arg(ap, const char *)) != NULL; i++) {
        assert_true(i < p.argc);
        assert_string_equal(p.argv[i], w);
    }
    va_end(ap);
    assert_int_equal(p.argc, i);
    assert_null(p.argv[p.argc]);
}

/* Parse `line`, expect failure with `reason` in the message. */
static void fails(const char *line, const char *reason)
{
    err[0] = '\0';
    assert_int_equal(sh_parse(line, &p, err, sizeof(err)), -1);
    if (strstr(err, reason) == NULL)
        fail_msg("'%s': error '%s' lacks '%s'", line, err, reason);
}

static void test_blanks_and_words(void **state)
{
    (void)state;
    words("", NULL);
    words("   \t ", NULL);
    words("ls", "ls", NULL);
    words("  ls  -l\t/bin  ", "ls", "-l", "/bin", NULL);
    assert_null(p.redirect);
}

static void test_quotes(void **state)
{
    (void)state;
    words("echo 'a  b' \"c  d\"", "echo", "a  b", "c  d", NULL);
    words("echo '' \"\"", "echo", "", "", NULL);
    words("echo ab'cd'\"ef\"", "echo", "abcdef", NULL);
    words("echo \"say \\\"hi\\\" \\\\ \\n\"", "echo", "say \"hi\" \\ \\n", NULL);
    words("echo 'no \\escape \"here\"'", "echo", "no \\escape \"here\"", NULL);
    words("echo a\\ b \\>x", "echo", "a b", ">x", NULL);
    words("echo '> not redirect'", "echo", "> not redirect", NULL);
    assert_null(p.redirect);
    fails("echo 'open", "missing closing '");
    fails("echo \"open", "missing closing \"");
    fails("echo end\\", "backslash");
}

static void test_comments(void **state)
{
    (void)state;
    words("# all comment", NULL);
    words("ls /  # the root", "ls", "/", NULL);
    words("echo a#b", "echo", "a#b", NULL);
    words("echo '#not'", "echo", "#not", NULL);
}

static void test_redirect(void **state)
{
    (void)state;
    words("echo hi > /tmp/f", "echo", "hi", NULL);
    assert_string_equal(p.redirect, "/tmp/f");
    assert_false(p.append);
    words("echo hi>>f", "echo", "hi", NULL);
    assert_string_equal(p.redirect, "f");
    assert_true(p.append);
    words("echo >f hi there", "echo", "hi", "there", NULL);
    assert_string_equal(p.redirect, "f");
    words("echo hi > 'a file'", "echo", "hi", NULL);
    assert_string_equal(p.redirect, "a file");
    fails("echo hi >", "must follow >");
    fails("echo hi >>", "must follow >>");
    fails("echo > a > b", "only one");
    fails("echo >>> a", "unexpected >");
    fails("> f", "command must come before");
    fails("echo > ''", "empty file name");
}

static void test_limits(void **state)
{
    (void)state;
    /* SH_ARGS_MAX one-letter words fit, one more does not. */
    char line[SH_LINE_MAX + 2];
    size_t n = 0;
    for (int i = 0; i < SH_ARGS_MAX; i++) {
        line[n++] = 'a';
        line[n++] = ' ';
    }
    line[n] = '\0';
    assert_int_equal(sh_parse(line, &p, err, sizeof(err)), 0);
    assert_int_equal(p.argc, SH_ARGS_MAX);
    strcpy(line + n, "b");
    fails(line, "more than");
    /* The longest line is accepted, a longer one refused, never truncated. */
    memset(line, 'x', SH_LINE_MAX);
    line[SH_LINE_MAX] = '\0';
    assert_int_equal(sh_parse(line, &p, err, sizeof(err)), 0);
    assert_int_equal(strlen(p.argv[0]), SH_LINE_MAX);
    line[SH_LINE_MAX] = 'x';
    line[SH_LINE_MAX + 1] = '\0';
    fails(line, "longer than");
}

/* Random lines: never a crash or an overrun (ASan watches), words always terminated. */
static void test_random_lines(void **state)
{
    (void)state;
    const char alphabet[] = "ab '\"\\>#\t";
    srand(7);
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)rand() % 80;
        char *line = malloc(len + 1);
        for (size_t i = 0; i < len; i++)
            line[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
        line[len] = '\0';
        if (sh_parse(line, &p, err, sizeof(err)) == 0) {
            assert_true(p.argc >= 0 && p.argc <= SH_ARGS_MAX);
            for (int i = 0; i < p.argc; i++)
                assert_true(strlen(p.argv[i]) <= len);
        } else {
            assert_true(err[0] != '\0');
        }
        free(line);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blanks_and_words),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_redirect),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_random_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
