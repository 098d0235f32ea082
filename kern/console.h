/* SPDX-License-Identifier: MIT */
/*
 * The kernel console: where kprintf() and panics go.  It starts on the SBI
 * console and moves to the UART named by the device tree once that is
 * mapped.  (User programs get their own console server later; this one is
 * for kernel messages and panics.)
 */
#ifndef _KERN_CONSOLE_H_
#define _KERN_CONSOLE_H_

#include <kern/types.h>

struct dt_uart;

/* Use the UART described by `uart`; returns false (and stays on SBI) if it cannot be mapped. */
bool console_use_uart(const struct dt_uart *uart);

/* Where output goes now, for the banner: "uart" or "sbi". */
const char *console_name(void);

/* Write raw bytes (no locking): panic paths and early boot. */
void console_write(const char *s, size_t n);

/* Panic mode: stop waiting for the console lock (another hart may hold it forever). */
void console_panic_mode(void);

#endif /* _KERN_CONSOLE_H_ */
