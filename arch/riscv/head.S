/* SPDX-License-Identifier: MIT */
/*
 * The first instructions: the RISC-V Linux image header that U-Boot's booti
 * checks, the boot hart's entry from firmware, and the entry of the other
 * harts started through SBI HSM.  Both run with the MMU off at whatever
 * physical address the image was loaded to; only PC-relative addressing works
 * until they jump to the kernel's link address.
 */
#include <machine/asm.h>
#include <machine/riscv.h>
#include <machine/vm_param.h>

    .section .head.text, "ax"
    .option push
    .option norvc
    .globl _start
_start:
    j       boot_entry          /* code0: jump over the header */
    .word   0                   /* code1 */
    .dword  0x200000            /* text_offset: booti puts us at RAM base + this */
    .dword  _image_size         /* image_size: the whole image, bss included */
    .dword  0                   /* flags: bit 0 clear = little endian */
    .word   2                   /* header version 0.2 */
    .word   0                   /* res1 */
    .dword  0                   /* res2 */
    .ascii  "RISCV\0\0\0"       /* magic (deprecated, still checked by some) */
    .ascii  "RSC\x05"           /* magic2 */
    .word   0                   /* res3 */
    .option pop

/*
 * Boot hart: a0 = hart id, a1 = physical address of the device tree.
 */
boot_entry:
    csrw    sie, zero
    la      t0, early_trap
    csrw    stvec, t0
    mv      s0, a0
    mv      s1, a1
    la      s2, _start          /* where we actually are: the load address */

    la      t0, __bss_start     /* clear bss: it holds the boot page tables */
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    la      sp, boot_stack_top
    mv      a0, s0
    mv      a1, s1
    mv      a2, s2
    call    boot_early_map      /* returns the satp value, 0 on failure */
    beqz    a0, early_halt
    la      t0, boot_satp
    sd      a0, 0(t0)
    call    boot_mmu_on_and_jump_high

    /* From here on we run at the link address. */
    la      sp, boot_stack_top
    li      tp, 0
    mv      a0, s0
    mv      a1, s1
    mv      a2, s2
    tail    kern_boot

/*
 * Secondary harts, started by sbi_hart_start(hartid, pa(secondary_entry),
 * cpu): a0 = hart id, a1 = its struct cpu (a kernel virtual address).
 */
    .globl secondary_entry
secondary_entry:
    csrw    sie, zero
    la      t0, early_trap
    csrw    stvec, t0
    mv      s0, a0
    mv      s1, a1
    la      t0, boot_satp
    ld      a0, 0(t0)
    call    boot_mmu_on_and_jump_high
    la      t0, kernel_satp     /* now high: move to the kernel's own table, */
    ld      t0, 0(t0)           /* which maps this hart's stack */
    sfence.vma
    csrw    satp, t0
    sfence.vma
    mv      tp, s1
    ld      sp, CPU_KSTACK_TOP(tp)
    mv      a0, tp
    tail    kern_secondary

/*
 * Turn on the boot page table (a0 = satp) and return to our caller at the
 * caller's link address.  The boot table maps this code both where it is and
 * where it was linked, so the instruction after the satp write still runs.
 */
boot_mmu_on_and_jump_high:
    sfence.vma
    csrw    satp, a0
    sfence.vma
    la      t0, _start          /* physical: PC-relative still sees it */
    li      t1, KERNEL_VBASE
    sub     t1, t1, t0          /* link address minus load address */
    add     ra, ra, t1
    ret

    .align  2
early_trap:                     /* a trap before the kernel's vector is set */
early_halt:
    csrw    sie, zero
3:  wfi
    j       3b

    .section .bss
    .align  4
boot_stack:
    .space  16384
    .globl  boot_stack_top
boot_stack_top:

    .section .data
    .align  3
    .globl  boot_satp
boot_satp:
    .dword  0
