/* SPDX-License-Identifier: MIT */
/*
 * Kernel self-tests, chosen on the kernel command line: `test=all` runs
 * every ordinary test, `test=a,b` runs the named ones (including the
 * deliberate-crash tests, which are never part of `all`).  Each prints one
 * line `TEST <name> PASS` or `TEST <name> FAIL`, then the kernel prints a
 * summary and powers off.  test/qemu/ boots the kernel this way.
 */
#ifndef _KERN_SELFTEST_H_
#define _KERN_SELFTEST_H_

#include <kern/types.h>

struct selftest {
    const char *name;
    const char *purpose;        /* one line */
    bool (*run)(void);          /* true = pass; print why before failing */
    bool crash;                 /* deliberately panics: run only by name */
};

/* The value of test= in the boot arguments, or NULL. */
const char *selftest_requested(const char *bootargs);

/* Run the tests named in `list` (comma separated, or "all"). */
void selftest_run(const char *list);

/* Tests that live in arch/riscv (W^X, guard pages ...). */
extern const struct selftest arch_selftests[];
extern const unsigned arch_selftest_count;

/* Report a failed check inside a test: prints and returns false. */
bool selftest_fail(const char *fmt, ...) __printflike(1, 2);

#endif /* _KERN_SELFTEST_H_ */
