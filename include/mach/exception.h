/* SPDX-License-Identifier: MIT */
/* Exception types (Mach values), as reported to exception ports. */
#ifndef _MACH_EXCEPTION_H_
#define _MACH_EXCEPTION_H_

#define EXC_BAD_ACCESS          1   /* code: kern_return_t, subcode: address */
#define EXC_BAD_INSTRUCTION     2   /* illegal or privileged instruction */
#define EXC_ARITHMETIC          3
#define EXC_EMULATION           4
#define EXC_SOFTWARE            5
#define EXC_BREAKPOINT          6

/* EXC_BAD_INSTRUCTION codes. */
#define EXC_RISCV_ILLEGAL       1
#define EXC_RISCV_MISALIGNED    2   /* misaligned instruction fetch */
/* EXC_BREAKPOINT codes. */
#define EXC_RISCV_EBREAK        1

#endif /* _MACH_EXCEPTION_H_ */
