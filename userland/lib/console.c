// SPDX-License-Identifier: MIT
/*
 * The C library's console: stdout and stderr through console_write, stdin
 * through console_read, when a console server is known (looked up once as
 * "console" through the name service, or given by rvmach_console_connect);
 * the kernel's debug trap otherwise.  See rvmach/console.h.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <mach.h>
#include <rvmach/console.h>
#include <rvmach/name.h>
#include "libmach_internal.h"

#define DEBUG_CHUNK     1024    /* the most one debug trap takes */
#define SHORTAGE_WAIT_MS 10     /* the server's write queue is full: wait, retry */
#define SHORTAGE_TRIES  500

enum console_state {
    CONSOLE_UNKNOWN,            /* not looked up yet */
    CONSOLE_LOOKING,            /* a thread is looking it up */
    CONSOLE_CONNECTED,          /* console_port is the server */
    CONSOLE_NONE,               /* the debug trap */
};

/* console_port is set before state says CONNECTED (release/acquire). */
static _Atomic int state = CONSOLE_UNKNOWN;
static mach_port_t console_port = MACH_PORT_NULL;

/* stdin's buffer: what the last console_read brought and getc has not taken. */
static char in_buf[CONSOLE_DATA_MAX];
static size_t in_len, in_pos;

static ssize_t debug_write(const char *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        size_t n = len - done > DEBUG_CHUNK ? DEBUG_CHUNK : len - done;
        if (rvmach_debug_write(buf + done, n) != KERN_SUCCESS)
            return -1;
        done += n;
    }
    return (ssize_t)len;
}

void rvmach_console_connect(mach_port_t console)
{
    console_port = MACH_PORT_VALID(console) ? console : MACH_PORT_NULL;
    in_len = in_pos = 0;
    atomic_store(&state, MACH_PORT_VALID(console) ? CONSOLE_CONNECTED : CONSOLE_NONE);
}

void rvmach_console_child_init(void)
{
    rvmach_console_connect(MACH_PORT_NULL);
}

/* Look "console" up, once per task, unless told where it is. */
static void lookup_once(void)
{
    int expected = CONSOLE_UNKNOWN;
    if (!atomic_compare_exchange_strong(&state, &expected, CONSOLE_LOOKING))
        return;
    mach_port_t port = MACH_PORT_NULL;
    if (rvmach_lookup("console", &port) != KERN_SUCCESS)
        port = MACH_PORT_NULL;          /* no name service, or no console in it */
    console_port = port;
    atomic_store(&state, MACH_PORT_VALID(port) ? CONSOLE_CONNECTED : CONSOLE_NONE);
}

mach_port_t rvmach_console_port(void)
{
    lookup_once();
    return atomic_load(&state) == CONSOLE_CONNECTED ? console_port : MACH_PORT_NULL;
}

/* Did `kr` say that the server's port is dead?  Then stop using it. */
static bool server_gone(kern_return_t kr, mach_port_t port)
{
    if (kr != MACH_SEND_INVALID_DEST && kr != MIG_SERVER_DIED && kr != MACH_SEND_INVALID_RIGHT)
        return false;
    int expected = CONSOLE_CONNECTED;
    if (console_port == port)
        atomic_compare_exchange_strong(&state, &expected, CONSOLE_NONE);
    return true;
}

ssize_t rvmach_console_write(const char *buf, size_t len)
{
    mach_port_t port = rvmach_console_port();
    size_t done = 0;
    for (int tries = 0; done < len && MACH_PORT_VALID(port);) {
        uint32_t n = len - done > CONSOLE_DATA_MAX ? CONSOLE_DATA_MAX : (uint32_t)(len - done);
        uint32_t written = 0;
        kern_return_t kr = console_write(port, buf + done, n, &written);
        if (kr == KERN_RESOURCE_SHORTAGE && tries++ < SHORTAGE_TRIES) {
            rvmach_sleep_ms(SHORTAGE_WAIT_MS);
            continue;
        }
        if (kr != KERN_SUCCESS || written == 0 || written > n) {
            server_gone(kr, port);
            break;                      /* the rest goes through the debug trap */
        }
        done += written;
    }
    if (done < len && debug_write(buf + done, len - done) < 0)
        return -1;
    return (ssize_t)len;
}

/* The C library's writer (libc_glue.c): the console, or the debug trap. */
static ssize_t console_writer(const char *buf, size_t len)
{
    return rvmach_console_write(buf, len);
}

__attribute__((constructor)) static void console_glue_init(void)
{
    rvmach_set_console_writer(console_writer);
}

/* One console_read from the server into buf (max <= CONSOLE_DATA_MAX). */
static kern_return_t read_server(char *buf, size_t max, size_t *got)
{
    *got = 0;
    mach_port_t port = rvmach_console_port();
    if (!MACH_PORT_VALID(port))
        return MACH_SEND_INVALID_DEST;
    mach_msg_type_number_t n = (mach_msg_type_number_t)max;
    kern_return_t kr = console_read(port, (uint32_t)max, buf, &n);
    server_gone(kr, port);
    if (kr == KERN_SUCCESS)
        *got = n;
    return kr;
}

kern_return_t rvmach_console_read(char *buf, size_t max, size_t *got)
{
    *got = 0;
    if (max == 0)
        return KERN_INVALID_ARGUMENT;
    if (in_pos < in_len) {
        size_t n = in_len - in_pos < max ? in_len - in_pos : max;
        for (size_t i = 0; i < n; i++)
            buf[i] = in_buf[in_pos++];
        *got = n;
        return KERN_SUCCESS;
    }
    return read_server(buf, max > CONSOLE_DATA_MAX ? CONSOLE_DATA_MAX : max, got);
}

/*
 * stdin (libc_glue.c): one byte, _FDEV_EOF at end of input (Ctrl-D, or no
 * console at all), _FDEV_ERR with errno EINTR after Ctrl-C.  What was
 * written to stdout without a newline (a prompt) goes out first.
 */
int rvmach_console_getc(FILE *f)
{
    (void)f;
    if (in_pos == in_len) {
        fflush(stdout);
        size_t got = 0;
        kern_return_t kr = read_server(in_buf, sizeof(in_buf), &got);
        if (kr == KERN_ABORTED) {
            errno = EINTR;
            return _FDEV_ERR;
        }
        if (kr == MACH_SEND_INVALID_DEST || (kr == KERN_SUCCESS && got == 0))
            return _FDEV_EOF;
        if (kr != KERN_SUCCESS) {
            errno = EIO;
            return _FDEV_ERR;
        }
        in_len = got;
        in_pos = 0;
    }
    return (unsigned char)in_buf[in_pos++];
}

kern_return_t rvmach_console_set_mode(unsigned mode)
{
    mach_port_t port = rvmach_console_port();
    if (!MACH_PORT_VALID(port))
        return MACH_SEND_INVALID_DEST;
    kern_return_t kr = console_set_mode(port, mode);
    server_gone(kr, port);
    return kr;
}

kern_return_t rvmach_console_set_foreground(task_t task)
{
    mach_port_t port = rvmach_console_port();
    if (!MACH_PORT_VALID(port))
        return MACH_SEND_INVALID_DEST;
    kern_return_t kr = console_set_foreground(port, task);
    server_gone(kr, port);
    return kr;
}

kern_return_t rvmach_console_drain(void)
{
    mach_port_t port = rvmach_console_port();
    if (!MACH_PORT_VALID(port))
        return MACH_SEND_INVALID_DEST;
    kern_return_t kr = console_drain(port);
    server_gone(kr, port);
    return kr;
}
