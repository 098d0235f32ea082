/* SPDX-License-Identifier: MIT */
/* Between libmach's own files. */
#ifndef _LIBMACH_INTERNAL_H_
#define _LIBMACH_INTERNAL_H_

#include <stdio.h>
#include <sys/types.h>

/* Where stdout goes (NULL: back to the kernel's debug trap). */
void rvmach_set_console_writer(ssize_t (*fn)(const char *buf, size_t len));

/* stdin: one character, or EOF (the console server, when there is one). */
int rvmach_console_getc(FILE *f);

#endif /* _LIBMACH_INTERNAL_H_ */
