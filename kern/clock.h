/* SPDX-License-Identifier: MIT */
/*
 * Time: every hart reads the same free-running counter (cpu_time(), the
 * RISC-V `time` CSR) at timebase_hz, and takes a timer interrupt HZ times a
 * second through SBI.
 */
#ifndef _KERN_CLOCK_H_
#define _KERN_CLOCK_H_

#include <kern/types.h>

#define HZ 100

extern uint64_t timebase_hz;    /* from the device tree; set before any hart ticks */

/* Start this hart's periodic timer interrupt. */
void clock_start_hart(void);

/* The timer interrupt (called from trap dispatch). */
void clock_interrupt(void);

/* Time since boot in microseconds / nanoseconds, from the timebase. */
uint64_t clock_uptime_us(void);

/* Spin for about `us` microseconds (boot-time waits only). */
void clock_delay_us(uint64_t us);

#endif /* _KERN_CLOCK_H_ */
