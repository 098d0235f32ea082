/* SPDX-License-Identifier: MIT */
/*
 * panic(): stop the whole machine on a broken invariant, after telling why.
 * kassert(): check an invariant; compiled in every build, because a kernel
 * for teaching must say what went wrong rather than run on in a bad state.
 */
#ifndef _KERN_PANIC_H_
#define _KERN_PANIC_H_

#include <kern/types.h>

__noreturn void panic(const char *fmt, ...) __printflike(1, 2);

/*
 * For reports that print more than a message (trap.c): panic_begin() stops
 * the other harts and takes the console for this hart alone; the caller
 * prints; panic_end() says the machine is halted and stops this hart.
 */
void panic_begin(void);
__noreturn void panic_end(void);

/* True once any hart has begun a panic (spin loops check it and stop). */
bool panic_in_progress(void);

#define kassert(e) \
    ((e) ? (void)0 \
         : panic("assertion failed: %s (%s:%d in %s)", #e, __FILE__, \
                 __LINE__, __func__))

#endif /* _KERN_PANIC_H_ */
