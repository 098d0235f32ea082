// SPDX-License-Identifier: MIT
/*
 * picolibc's hooks: where stdout goes, how the program ends, where malloc
 * gets memory.  Output goes through a replaceable writer: the kernel's debug
 * trap until a console server is found (userland/lib/console.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mach.h>
#include "libmach_internal.h"

/* ---- stdio ---- */

static ssize_t debug_writer(const char *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        size_t n = len - done > 1024 ? 1024 : len - done;
        if (rvmach_debug_write(buf + done, n) != KERN_SUCCESS)
            return -1;
        done += n;
    }
    return (ssize_t)len;
}

static ssize_t (*writer)(const char *buf, size_t len) = debug_writer;

void rvmach_set_console_writer(ssize_t (*fn)(const char *buf, size_t len))
{
    writer = fn != NULL ? fn : debug_writer;
}

/* One line buffer for stdout and stderr, flushed at '\n' or when full. */
static __thread char line[256];
static __thread size_t line_len;

static int flush_line(FILE *f)
{
    (void)f;
    if (line_len > 0 && writer(line, line_len) < 0) {
        line_len = 0;
        return EOF;
    }
    line_len = 0;
    return 0;
}

static int put_char(char c, FILE *f)
{
    line[line_len++] = c;
    if (c == '\n' || line_len == sizeof(line))
        return flush_line(f) == 0 ? (unsigned char)c : EOF;
    return (unsigned char)c;
}

static int get_char(FILE *f)
{
    return rvmach_console_getc(f);
}

static FILE stdio_file = FDEV_SETUP_STREAM(put_char, get_char, flush_line, _FDEV_SETUP_RW);
FILE *const stdin = &stdio_file;
FILE *const stdout = &stdio_file;
FILE *const stderr = &stdio_file;

/* ---- the end ---- */

void _exit(int status)
{
    flush_line(stdout);
    rvmach_task_exit(status);
}

/* ---- memory for malloc: a large lazily-backed region grown by sbrk ---- */

#define HEAP_RESERVE (512UL << 20)

static vm_address_t heap_base, heap_brk;

void *sbrk(ptrdiff_t incr)
{
    if (heap_base == 0) {
        vm_address_t addr = 0;
        if (vm_allocate(mach_task_self(), &addr, HEAP_RESERVE, TRUE) != KERN_SUCCESS) {
            errno = ENOMEM;
            return (void *)-1;
        }
        heap_base = heap_brk = addr;
    }
    if (incr < 0 || heap_brk + (size_t)incr > heap_base + HEAP_RESERVE) {
        errno = ENOMEM;
        return (void *)-1;
    }
    vm_address_t old = heap_brk;
    heap_brk += (size_t)incr;
    return (void *)old;
}
