/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the system-test programs: TEST lines, checks, children
 * running a function in a copy of this task, leak accounting, power off.
 */
#ifndef _TESTLIB_H_
#define _TESTLIB_H_

#include <stdbool.h>
#include <stdio.h>
#include <mach.h>

/* Check `cond`; on failure print where and why and mark the test failed. */
#define CHECK(cond, ...) tl_check((cond), __FILE__, __LINE__, #cond, __VA_ARGS__)
/* Expect the code `want` from `got`, saying what was tried. */
#define EXPECT_KR(got, want, what) do { \
        kern_return_t got_ = (got); \
        CHECK(got_ == (want), "%s: got %d (%s), want %d", what, got_, \
              mach_error_string(got_), (int)(want)); \
    } while (0)

#define CHECK_KR(expr) do { \
        kern_return_t kr_ = (expr); \
        CHECK(kr_ == KERN_SUCCESS, "%s -> %s (%#x)", #expr, mach_error_string(kr_), kr_); \
    } while (0)

bool tl_check(bool cond, const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Run one named test: prints TEST name PASS|FAIL. */
void tl_run(const char *name, void (*fn)(void));

/* Quiet mode: run tests without TEST lines (a warm-up round). */
void tl_quiet(bool on);

/* Print the summary line and power off (first task only), returning the failures. */
int tl_finish(void);

/*
 * A child task with a copy of this task's memory (task_create with
 * inherit), whose first thread runs fn(arg) and then ends the task.
 * `bootstrap`, if valid, becomes the child's bootstrap port.  *out: the
 * child's task port.
 */
kern_return_t tl_spawn(void (*fn)(void *), void *arg, mach_port_t bootstrap, task_t *out);

/* Wait (up to `ms`) until the task whose port we hold has died. */
bool tl_wait_dead(task_t task, unsigned ms);

/* Kernel counters now. */
struct rvmach_kstats tl_stats(void);

/* Kernel counters once they have stopped changing (the reaper is done). */
struct rvmach_kstats tl_stats_quiet(void);

/* Wait until the kernel's counts are back to `base` (reaping takes a moment). */
bool tl_wait_settled(const struct rvmach_kstats *base, unsigned ms);

/* The bootstrap port a child got from tl_spawn. */
mach_port_t tl_bootstrap_port(void);

#endif /* _TESTLIB_H_ */
