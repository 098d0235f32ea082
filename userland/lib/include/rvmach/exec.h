/* SPDX-License-Identifier: MIT */
/*
 * Starting a program from an ELF image in memory, from user space: a new
 * task laid out the way the kernel lays out the first one (kern/bootstrap.c).
 */
#ifndef _RVMACH_EXEC_H_
#define _RVMACH_EXEC_H_

#include <stddef.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>

/* The new task's stack: 1 MiB just below this address (as the kernel's). */
#define RVMACH_EXEC_STACK_TOP   0x0000003fff000000UL
#define RVMACH_EXEC_STACK_SIZE  (1UL << 20)

/* argv limits: arguments, and bytes of strings and pointers together. */
#define RVMACH_EXEC_ARGC_MAX    1024
#define RVMACH_EXEC_ARGS_MAX    (64UL * 1024)

/*
 * Check that [elf, elf + size) is a program rvmach_exec can start (the
 * rules of kern/elf.h: a static RV64 lp64d executable, text RX, rodata R,
 * data RW).  Returns KERN_SUCCESS, or KERN_INVALID_ARGUMENT with a
 * one-line reason starting "elf: " in err[0 .. errlen) (err may be NULL
 * when errlen is 0).
 */
kern_return_t rvmach_elf_check(const void *elf, size_t size, char *err, size_t errlen);

/*
 * Start the program [elf, elf + size) in a new, empty task (task_create
 * without inherited memory):
 *   - its segments at their addresses with their protections, the bytes
 *     beyond each segment's file data zero;
 *   - a stack with argv (a NULL-terminated array; NULL means none) laid out
 *     as the kernel does it: the strings at the top, the pointer array
 *     below, sp = argv, 16-byte aligned; a0 = argc, a1 = argv;
 *   - `bootstrap`, if valid, as its bootstrap port (else it keeps the one
 *     task_create gave it: the caller's);
 *   - a send right to `host_priv`, if valid, whose name in the new task
 *     goes in a2 (else a2 = 0); a3 = a4 = 0 (no boot modules);
 *   - its name for `ps`: argv[0] after its last '/' (cut to 31 characters).
 * The first thread is resumed before this returns.  *out_task (if
 * out_task is not NULL) gets a send right to the task's port.
 * The image is only read; it may be anywhere in the caller's memory.
 *
 * Returns KERN_SUCCESS, or (and then no task is left behind):
 *   KERN_INVALID_ARGUMENT  elf is NULL or not a valid program (see
 *                          rvmach_elf_check), argv has more than
 *                          RVMACH_EXEC_ARGC_MAX entries or takes more than
 *                          RVMACH_EXEC_ARGS_MAX bytes;
 *   KERN_NO_SPACE          a segment overlaps the stack;
 *   MACH_SEND_INVALID_RIGHT  bootstrap or host_priv is not a send right
 *                          of the caller's;
 *   or what task_create, vm_allocate, vm_write, vm_protect,
 *   thread_create, thread_set_state return (e.g. KERN_RESOURCE_SHORTAGE).
 */
kern_return_t rvmach_exec(const void *elf, size_t size, const char *const argv[],
                          mach_port_t bootstrap, mach_port_t host_priv, task_t *out_task);

/*
 * rvmach_exec, but the first thread is left suspended: thread_resume() on
 * *out_thread starts the program (then deallocate *out_thread).  For a
 * parent that must prepare before the program runs, e.g. ask for a
 * dead-name notification on *out_task or read its task id.  Both out
 * pointers are required (else KERN_INVALID_ARGUMENT); errors as above.
 */
kern_return_t rvmach_exec_suspended(const void *elf, size_t size, const char *const argv[],
                                    mach_port_t bootstrap, mach_port_t host_priv,
                                    task_t *out_task, thread_t *out_thread);

/*
 * The boot module `name` in the archive the kernel maps into the first
 * task (rvmach_bootmods): *data and *size describe it, read-only.
 * Returns KERN_SUCCESS; KERN_INVALID_NAME if there is no regular file of
 * that name; KERN_FAILURE if this task has no archive or it is unreadable
 * (with a one-line reason in err, which may be NULL when errlen is 0).
 */
kern_return_t rvmach_bootmod_find(const char *name, const void **data, size_t *size,
                                  char *err, size_t errlen);

#endif /* _RVMACH_EXEC_H_ */
