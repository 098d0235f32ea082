/* SPDX-License-Identifier: MIT */
/*
 * Offsets shared by C and assembly.  kern/cpu.c and arch/riscv/trap.c check
 * them against the C structures with _Static_assert, so a change to one
 * without the other stops the build.
 */
#ifndef _MACHINE_ASM_H_
#define _MACHINE_ASM_H_

/* struct cpu */
#define CPU_KSTACK_TOP      0
#define CPU_USER_SP         8
#define CPU_OVERFLOW_SP     16
#define CPU_ONFAULT         24

/* struct trapframe: x1..x31 at 8*(n-1), then the CSRs */
#define TF_REG(n)           (8 * ((n) - 1))
#define TF_SEPC             (8 * 31)
#define TF_SSTATUS          (8 * 32)
#define TF_SCAUSE           (8 * 33)
#define TF_STVAL            (8 * 34)
#define TF_SIZE             (8 * 36)        /* keeps sp 16-byte aligned */

#endif /* _MACHINE_ASM_H_ */
