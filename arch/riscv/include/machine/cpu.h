/* SPDX-License-Identifier: MIT */
/* The RISC-V side of per-hart data and interrupt masking. */
#ifndef _MACHINE_CPU_H_
#define _MACHINE_CPU_H_

#include <kern/types.h>
#include <machine/riscv.h>

struct cpu;

/* This hart's struct cpu: the kernel keeps it in `tp`. */
static inline struct cpu *cpu_this(void)
{
    struct cpu *c;
    __asm__ volatile("mv %0, tp" : "=r"(c));
    return c;
}

static inline void cpu_set_this(struct cpu *c)
{
    __asm__ volatile("mv tp, %0" :: "r"(c) : "memory");
}

static inline bool intr_enabled(void)
{
    return (csr_read(sstatus) & SSTATUS_SIE) != 0;
}

static inline void intr_enable(void)
{
    csr_set(sstatus, SSTATUS_SIE);
}

/* Disable interrupts; returns whether they were enabled. */
static inline bool intr_disable(void)
{
    return (csr_read_clear(sstatus, SSTATUS_SIE) & SSTATUS_SIE) != 0;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("nop" ::: "memory");
}

/* Time in ticks of the timebase (the `time` CSR). */
static inline uint64_t cpu_time(void)
{
    return csr_read(time);
}

#endif /* _MACHINE_CPU_H_ */
