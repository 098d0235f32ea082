/* SPDX-License-Identifier: MIT */
/* Thread state flavors for thread_get_state / thread_set_state on RISC-V. */
#ifndef _MACH_MACHINE_THREAD_STATUS_H_
#define _MACH_MACHINE_THREAD_STATUS_H_

#include <stdint.h>

#define RISCV_THREAD_STATE      1
#define RISCV_FLOAT_STATE       2

/* The user registers: pc, then x1..x31 (x[0] is ra, x[1] sp, ... x[30] t6). */
struct riscv_thread_state {
    uint64_t pc;
    uint64_t x[31];
};
#define RISCV_THREAD_STATE_COUNT (sizeof(struct riscv_thread_state) / sizeof(uint32_t))

struct riscv_float_state {
    uint64_t f[32];
    uint64_t fcsr;
};
#define RISCV_FLOAT_STATE_COUNT (sizeof(struct riscv_float_state) / sizeof(uint32_t))

/* Register numbers in riscv_thread_state.x[], by ABI name. */
#define RISCV_REG_RA    0
#define RISCV_REG_SP    1
#define RISCV_REG_GP    2
#define RISCV_REG_TP    3
#define RISCV_REG_A0    9
#define RISCV_REG_A1    10
#define RISCV_REG_A2    11

#endif /* _MACH_MACHINE_THREAD_STATUS_H_ */
