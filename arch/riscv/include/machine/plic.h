/* SPDX-License-Identifier: MIT */
/* PLIC set-up (the handler registry is kern/intr.h). */
#ifndef _MACHINE_PLIC_H_
#define _MACHINE_PLIC_H_

#include <kern/types.h>

struct dt_plic;

/* Map the PLIC and give each hart its context; false if there is none or no memory. */
bool plic_init(const struct dt_plic *plic);

/* Open this hart's context to interrupts (threshold 0, nothing enabled yet). */
void plic_init_hart(void);

#endif /* _MACHINE_PLIC_H_ */
