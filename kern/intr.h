/* SPDX-License-Identifier: MIT */
/*
 * External interrupts: a driver registers a handler for an interrupt line
 * (a PLIC source number from the device tree) and enables it.  The handler
 * runs with interrupts off, on the hart the line is routed to.
 */
#ifndef _KERN_INTR_H_
#define _KERN_INTR_H_

#include <kern/types.h>

struct cpu;
typedef void (*intr_handler_t)(void *arg, unsigned irq);

/*
 * Route line `irq` to hart `target` and call `handler` when it fires.
 * KERN_INVALID_ARGUMENT: no such line or target has no context;
 * KERN_NAME_EXISTS: the line already has a handler.
 */
kern_return_t intr_register(unsigned irq, struct cpu *target,
                            intr_handler_t handler, void *arg);
void intr_unregister(unsigned irq);

/* Stop / resume delivery of a registered line (the registration stays). */
void intr_mask(unsigned irq);
void intr_unmask(unsigned irq);

/* How many times line `irq` has been handled. */
uint64_t intr_count(unsigned irq);

/* Called from trap dispatch. */
void intr_external(void);
void intr_timer(bool from_user);
void intr_ipi(void);

#endif /* _KERN_INTR_H_ */
