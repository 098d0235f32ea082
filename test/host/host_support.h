/* SPDX-License-Identifier: MIT */
/*
 * What host tests get in place of the kernel's console and panic:
 * kprintf() prints to stdout; panic() prints and aborts, unless a test is
 * expecting it with EXPECT_PANIC(), which catches it and checks it happened.
 */
#ifndef _TEST_HOST_SUPPORT_H_
#define _TEST_HOST_SUPPORT_H_

#include <setjmp.h>
#include <stdbool.h>

extern jmp_buf *host_panic_jmp;
extern char host_panic_msg[256];

/* Run `stmt`; fail the test (cmocka) unless it panics. */
#define EXPECT_PANIC(stmt) do { \
        jmp_buf jb_; \
        bool panicked_ = false; \
        host_panic_jmp = &jb_; \
        if (setjmp(jb_) == 0) { stmt; } else { panicked_ = true; } \
        host_panic_jmp = NULL; \
        if (!panicked_) fail_msg("expected a panic from: %s", #stmt); \
    } while (0)

#endif /* _TEST_HOST_SUPPORT_H_ */
