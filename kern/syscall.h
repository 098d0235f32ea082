/* SPDX-License-Identifier: MIT */
/*
 * The trap layer: what a user `ecall` reaches.  The arch code passes the
 * trap number and six argument registers; the result goes back in a0.
 * Faults and bad instructions from user mode arrive at exception_user().
 */
#ifndef _KERN_SYSCALL_H_
#define _KERN_SYSCALL_H_

#include <kern/types.h>

/*
 * Run trap `number` with its six arguments args[0..5] and return its result.  `args`
 * may point into the trap frame (the arguments are read before the result
 * is stored).
 */
uintptr_t syscall_dispatch(long number, const uintptr_t *args);

/*
 * A user thread faulted: `exc` is an EXC_* type, `code` its code (for
 * EXC_BAD_ACCESS the kern_return_t from vm_fault), `addr` the address.
 * Returns if the fault has been dealt with (the thread may continue);
 * otherwise the task is ended and this does not return.
 */
void exception_user(int exc, long code, uintptr_t pc, uintptr_t addr, uintptr_t sp,
                    const char *what);

#endif /* _KERN_SYSCALL_H_ */
