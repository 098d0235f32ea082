/* SPDX-License-Identifier: MIT */
/*
 * Machine-independent start-up.  The boot path, from the firmware to the
 * first message, is:
 *   arch/riscv/head.S        _start: image header, boot page table, jump high
 *   arch/riscv/boot.c        kern_boot: device tree, kernel page table,
 *                            page allocator, console, a guarded stack
 *   kern/startup.c           kern_main: harts, interrupts, banner, self-tests
 */
#ifndef _KERN_STARTUP_H_
#define _KERN_STARTUP_H_

#include <kern/types.h>

struct platform;
struct cpu;

/* The device tree as the kernel read it at boot; read-only afterwards. */
const struct platform *kern_platform(void);

/* Boot hart, on its guarded stack, with memory and the console working. */
__noreturn void kern_main(void);


/* Physical extent of the device tree blob and the kernel image (for the banner). */
extern paddr_t boot_dtb_pa;
extern size_t boot_dtb_size;

/* Time (timebase ticks) when the kernel was entered. */
extern uint64_t boot_start_time;

/* Arch: give every usable hart a struct cpu; then start them (kern_secondary_main). */
void arch_register_harts(void);
void arch_start_secondaries(void);
void arch_init_hart(void);
__noreturn void kern_secondary_main(struct cpu *c);

#endif /* _KERN_STARTUP_H_ */
