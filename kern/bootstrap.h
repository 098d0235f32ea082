/* SPDX-License-Identifier: MIT */
/*
 * Starting the first user task from the boot modules (kern/bootmod.h):
 * the archive packed into the kernel image, or an initrd named by /chosen.
 */
#ifndef _KERN_BOOTSTRAP_H_
#define _KERN_BOOTSTRAP_H_

#include <kern/types.h>

struct task;

/*
 * Load the module `name` (an ELF program) into a new task with `argv`
 * (argc strings) and start its first thread.  The first task also gets
 * send rights to the host privileged port (a2) and the boot-module archive
 * mapped read-only (a3 = address, a4 = size).  *out (if not NULL) gets the
 * task with a reference.  Errors are printed.
 */
kern_return_t bootstrap_load(const char *name, int argc, const char *const *argv,
                             bool first, struct task **out);

/* The boot-module archive (initrd or built-in). */
const void *bootstrap_archive(size_t *size);

/*
 * Start the task the boot arguments name (init=..., default "bootstrap");
 * the other words become its arguments, except the kernel's own options.
 */
void bootstrap_start(const char *bootargs);

/* Kernel options: words of the command line the kernel acts on itself. */
#define BOOTARG_NO_HANDOFF "ipc_handoff=off"    /* every message queued (ipc/ipc_mqueue.c) */

/* Is `word` one of the space-separated words of `bootargs`? */
bool bootarg_present(const char *bootargs, const char *word);

#endif /* _KERN_BOOTSTRAP_H_ */
