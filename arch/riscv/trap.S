/* SPDX-License-Identifier: MIT */
/*
 * Trap entry and exit.  One vector (stvec, direct mode) for traps from both
 * privilege levels, told apart through sscratch:
 *   - while a hart runs user code, sscratch holds its struct cpu pointer;
 *   - while it runs kernel code, sscratch is 0 and tp holds the pointer.
 * Swapping tp and sscratch on entry therefore gives a nonzero tp exactly
 * when the trap came from user mode.
 */
#include <machine/asm.h>
#include <machine/riscv.h>
#include <machine/vm_param.h>

/* Save x1, x3, x5..x31 (not sp, not tp) into the frame at sp. */
.macro SAVE_GPRS
    sd      x1, TF_REG(1)(sp)
    sd      x3, TF_REG(3)(sp)
    .irp    n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, TF_REG(\n)(sp)
    .endr
.endm

.macro RESTORE_GPRS
    ld      x1, TF_REG(1)(sp)
    ld      x3, TF_REG(3)(sp)
    .irp    n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, TF_REG(\n)(sp)
    .endr
.endm

.macro SAVE_CSRS
    csrr    t0, sepc
    sd      t0, TF_SEPC(sp)
    csrr    t0, sstatus
    sd      t0, TF_SSTATUS(sp)
    csrr    t0, scause
    sd      t0, TF_SCAUSE(sp)
    csrr    t0, stval
    sd      t0, TF_STVAL(sp)
.endm

    .text
    .globl  trap_entry
    .align  4
trap_entry:
    csrrw   tp, sscratch, tp
    bnez    tp, trap_from_user

trap_from_kernel:
    csrrw   tp, sscratch, zero      /* tp = our cpu again, sscratch = 0 */
    /*
     * Kernel stack overflow check, before anything is stored: a kernel
     * stack sits in the top half of a KSTACK_SLOT-aligned slot whose bottom
     * half is unmapped.  If the new frame would land in the bottom half,
     * switch to this hart's emergency stack and report.  t0 is parked in
     * sscratch meanwhile (it is 0 in the kernel, and restored to 0).
     */
    csrw    sscratch, t0
    addi    sp, sp, -TF_SIZE
    srai    t0, sp, 30
    addi    t0, t0, 128             /* KSTACK_AREA_BASE >> 30 == -128 */
    bnez    t0, 1f                  /* not a kstack-area stack: no check */
    slli    t0, sp, 64 - 15         /* offset within the 32 KiB slot */
    srli    t0, t0, 64 - 15 + 14
    beqz    t0, kernel_stack_overflow   /* offset < 16 KiB: in the guard */
1:  csrrw   t0, sscratch, zero
    SAVE_GPRS
    addi    t0, sp, TF_SIZE
    sd      t0, TF_REG(2)(sp)       /* the sp at the time of the trap */
    sd      tp, TF_REG(4)(sp)
    SAVE_CSRS
    mv      a0, sp
    call    trap_kernel
    /* Return to the interrupted kernel code; trap_kernel may have changed sepc. */
    ld      t0, TF_SEPC(sp)
    csrw    sepc, t0
    ld      t0, TF_SSTATUS(sp)
    csrw    sstatus, t0
    RESTORE_GPRS
    addi    sp, sp, TF_SIZE
    sret

kernel_stack_overflow:
    addi    t0, sp, TF_SIZE         /* t0 = the overflowing sp */
    ld      sp, CPU_OVERFLOW_SP(tp)
    addi    sp, sp, -TF_SIZE
    sd      t0, TF_REG(2)(sp)
    mv      a1, t0
    csrrw   t0, sscratch, zero
    SAVE_GPRS
    sd      tp, TF_REG(4)(sp)
    SAVE_CSRS
    mv      a0, sp
    ld      a1, TF_REG(2)(sp)
    call    trap_kernel_stack_overflow  /* does not return */

trap_from_user:
    /* tp = our cpu, sscratch = the user's tp */
    sd      sp, CPU_USER_SP(tp)
    ld      sp, CPU_KSTACK_TOP(tp)
    addi    sp, sp, -TF_SIZE
    SAVE_GPRS
    ld      t0, CPU_USER_SP(tp)
    sd      t0, TF_REG(2)(sp)
    csrrw   t0, sscratch, zero      /* the user's tp; sscratch = 0 in the kernel */
    sd      t0, TF_REG(4)(sp)
    SAVE_CSRS
    mv      a0, sp
    call    trap_user
    /* fall through */

/*
 * Return to user mode with the frame at sp (the top of this thread's kernel
 * stack).  Interrupts must be off: from the sscratch write on, a trap would
 * be taken for one from user mode.
 */
    .globl  trap_return_user
trap_return_user:
    csrw    sscratch, tp
    ld      t0, TF_SEPC(sp)
    csrw    sepc, t0
    ld      t0, TF_SSTATUS(sp)
    csrw    sstatus, t0
    RESTORE_GPRS
    ld      tp, TF_REG(4)(sp)
    ld      sp, TF_REG(2)(sp)
    sret

/*
 * Probes for tests and for code that must touch memory that may fault: each
 * arms cpu->onfault, does one access, and returns 0, or -1 if it faulted.
 *   long probe_read8(const void *addr, uint8_t *out)
 *   long probe_read64(const void *addr, uint64_t *out)
 *   long probe_write8(void *addr, uint8_t val)
 *   long probe_exec(const void *addr)   -- addr must hold a `ret`
 */
    .globl  probe_read8, probe_read64, probe_write8, probe_exec
probe_read64:
    la      t0, probe_fault
    sd      t0, CPU_ONFAULT(tp)
    ld      t1, 0(a0)
    sd      t1, 0(a1)
    j       probe_ok
probe_read8:
    la      t0, probe_fault
    sd      t0, CPU_ONFAULT(tp)
    lbu     t1, 0(a0)
    sb      t1, 0(a1)
    j       probe_ok
probe_write8:
    la      t0, probe_fault
    sd      t0, CPU_ONFAULT(tp)
    sb      a1, 0(a0)
    j       probe_ok
probe_exec:
    addi    sp, sp, -16
    sd      ra, 8(sp)
    la      t0, probe_exec_fault
    sd      t0, CPU_ONFAULT(tp)
    jalr    a0
    ld      ra, 8(sp)
    addi    sp, sp, 16
    j       probe_ok
probe_exec_fault:
    ld      ra, 8(sp)
    addi    sp, sp, 16
probe_fault:
    sd      zero, CPU_ONFAULT(tp)
    li      a0, -1
    ret
probe_ok:
    sd      zero, CPU_ONFAULT(tp)
    li      a0, 0
    ret
