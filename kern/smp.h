/* SPDX-License-Identifier: MIT */
/*
 * Running a function on every hart at once (self-tests use it; the scheduler
 * will replace the idle loop that serves these calls).
 */
#ifndef _KERN_SMP_H_
#define _KERN_SMP_H_

#include <kern/types.h>

typedef void (*smp_fn_t)(void *arg);

/*
 * Call fn(arg) on every online hart, this one included, with interrupts
 * enabled, and return when all have finished.  Calls do not nest; one at a
 * time (smp_call_lock).
 */
void smp_run_on_all(smp_fn_t fn, void *arg);

/* Idle harts call this with interrupts disabled; it runs a pending call if any. */
bool smp_run_pending(void);

#endif /* _KERN_SMP_H_ */
