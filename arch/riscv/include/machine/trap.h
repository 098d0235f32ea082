/* SPDX-License-Identifier: MIT */
/* The registers saved on a trap, as arch/riscv/trap.S lays them out. */
#ifndef _MACHINE_TRAP_H_
#define _MACHINE_TRAP_H_

#include <kern/types.h>

struct trapframe {
    /* x1..x31 by their ABI names */
    uint64_t ra, sp, gp, tp;
    uint64_t t0, t1, t2;
    uint64_t s0, s1;
    uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
    uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
    uint64_t t3, t4, t5, t6;
    uint64_t sepc;
    uint64_t sstatus;
    uint64_t scause;
    uint64_t stval;
    uint64_t pad;
};

/* Register n (1..31) of a frame, by number. */
static inline uint64_t *trapframe_reg(struct trapframe *tf, unsigned n)
{
    return &(&tf->ra)[n - 1];
}

void trap_init_hart(void);
void trap_kernel(struct trapframe *tf);
__noreturn void trap_kernel_stack_overflow(struct trapframe *tf, uintptr_t bad_sp);

/* Print a frame's registers (for panics and user fault reports). */
void trap_print_frame(const struct trapframe *tf);
const char *trap_cause_name(uint64_t scause);

#endif /* _MACHINE_TRAP_H_ */
