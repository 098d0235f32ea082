/* SPDX-License-Identifier: MIT */
/*
 * The console (userland/defs/console.defs), as programs use it: the MIG
 * stubs console_write / console_read / console_set_mode /
 * console_set_foreground / console_drain, and the C library's binding of
 * stdin, stdout and stderr to the console server.  docs/servers.md tells
 * the whole story.
 */
#ifndef _RVMACH_CONSOLE_H_
#define _RVMACH_CONSOLE_H_

#include <stddef.h>
#include <sys/types.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <rvmach/console_types.h>
#include <rvmach/console_user.h>        /* the MIG user stubs (generated) */

/*
 * Where the C library's console goes.  Until one of these is called, the
 * first use of stdin/stdout/stderr looks the server up once, as "console"
 * through the name service on the task's bootstrap port; if there is
 * none, everything stays on the kernel's debug trap (output) and stdin
 * reads end of input.
 *
 * rvmach_console_connect(port): use the console server at `port`, a send
 * right the library uses from now on under that name (do not deallocate
 * it); MACH_PORT_NULL: use the debug trap and never look up (what the
 * console server itself must do, or it would write to itself).
 */
void rvmach_console_connect(mach_port_t console);

/* The console port in use, or MACH_PORT_NULL (looks it up if not done yet). */
mach_port_t rvmach_console_port(void);

/*
 * Write all of [buf, buf + len): split into console_write requests of at
 * most CONSOLE_DATA_MAX bytes (each arrives whole; a longer write may be
 * interleaved with other clients' at those seams).  When the server is
 * gone or refuses, the rest goes through the debug trap: nothing is lost
 * silently.  Returns len, or -1 if even the debug trap failed.
 */
ssize_t rvmach_console_write(const char *buf, size_t len);

/*
 * Read at most max bytes into buf, waiting for them (see console_read):
 * *got = 0 means end of input.  KERN_ABORTED: Ctrl-C.  MACH_SEND_INVALID_DEST:
 * no console server.  Bytes stdin has buffered come first.
 */
kern_return_t rvmach_console_read(char *buf, size_t max, size_t *got);

/* CONSOLE_MODE_COOKED or CONSOLE_MODE_RAW; MACH_SEND_INVALID_DEST without a server. */
kern_return_t rvmach_console_set_mode(unsigned mode);

/* The task Ctrl-C terminates (MACH_PORT_NULL: none). */
kern_return_t rvmach_console_set_foreground(task_t task);

/* Wait until everything written so far has left through the UART. */
kern_return_t rvmach_console_drain(void);

/*
 * For rvmach_child_init: a child made with inherited memory must not use
 * its parent's port name, nor look a console up on its own (its bootstrap
 * port may be anything).  It uses the debug trap until it connects.
 */
void rvmach_console_child_init(void);

#endif /* _RVMACH_CONSOLE_H_ */
