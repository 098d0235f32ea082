/* SPDX-License-Identifier: MIT */
/* C types and constants of the console protocol (console.defs). */
#ifndef _CONSOLE_TYPES_H_
#define _CONSOLE_TYPES_H_

/* The most bytes one console_write or console_read carries. */
#define CONSOLE_DATA_MAX 2048
/*
 * The stubs take console_data_t parameters: an array of unstated size, so
 * any buffer will do; the count beside it says how many bytes (at most
 * CONSOLE_DATA_MAX; a read's count says how many the buffer holds).
 */
typedef char console_data_t[];
typedef const char *const_console_data_t;

/* Input modes (console_set_mode). */
#define CONSOLE_MODE_COOKED 0   /* echo, line editing, ^C ^D ^U, a line per read */
#define CONSOLE_MODE_RAW    1   /* every byte as it comes, no echo */

#endif /* _CONSOLE_TYPES_H_ */
