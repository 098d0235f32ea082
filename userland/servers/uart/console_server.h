/* SPDX-License-Identifier: MIT */
/*
 * The uart server's console: the UART and its interrupt, the line
 * discipline and the console protocol (userland/defs/console.defs), served
 * by one thread.  Used by the uart program and by the console tests.
 */
#ifndef _UART_CONSOLE_SERVER_H_
#define _UART_CONSOLE_SERVER_H_

#include <mach.h>

/*
 * Find the UART (device_info), map it, take its interrupt line, and make
 * the console port; *console gets a send right to it.  Errors: what
 * device_info, device_map or device_intr_attach said (KERN_INVALID_ARGUMENT
 * if the machine's UART is not one we can drive); nothing is kept then.
 */
kern_return_t uart_server_init(mach_port_t host_priv, mach_port_t *console);

/* Serve the console until receiving fails (it returns that error). */
kern_return_t uart_server_run(void);

/* A message for the log, through the kernel's debug trap (never the console). */
void uart_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* _UART_CONSOLE_SERVER_H_ */
