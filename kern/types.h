/* SPDX-License-Identifier: MIT */
/* Basic kernel types: the freestanding C headers plus physical/virtual addresses. */
#ifndef _KERN_TYPES_H_
#define _KERN_TYPES_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mach/kern_return.h>

typedef uint64_t paddr_t;   /* a physical address */
typedef uintptr_t vaddr_t;  /* a kernel or user virtual address */

#define ARRAY_SIZE(a)       (sizeof(a) / sizeof((a)[0]))
#define ROUND_DOWN(x, a)    ((x) & ~((__typeof__(x))(a) - 1))
#define ROUND_UP(x, a)      ROUND_DOWN((x) + (a) - 1, (a))
#define IS_ALIGNED(x, a)    (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b)           ((a) < (b) ? (a) : (b))
#define MAX(a, b)           ((a) > (b) ? (a) : (b))
#define container_of(p, type, member) \
    ((type *)((char *)(p) - offsetof(type, member)))

#define __noreturn          __attribute__((noreturn))
#define __printflike(f, a)  __attribute__((format(printf, f, a)))
#define __unused            __attribute__((unused))
/*
 * For a hot function that calls nothing that returns (a leaf, or one that
 * only tail-calls): no frame record, which the kernel otherwise keeps in
 * every function.  A backtrace finds its caller through ra (kern/backtrace.c).
 */
#define __hot_leaf          __attribute__((optimize("omit-frame-pointer")))
#ifndef __noinline
#define __noinline          __attribute__((noinline))
#endif
#define likely(x)           __builtin_expect(!!(x), 1)
#define unlikely(x)         __builtin_expect(!!(x), 0)

#endif /* _KERN_TYPES_H_ */
