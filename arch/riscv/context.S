/* SPDX-License-Identifier: MIT */
/*
 * Thread switching and the first instructions of new threads, and saving
 * the floating-point registers (the kernel itself never uses them).
 */
#include <machine/asm.h>

    .text
/* void switch_context(struct context *from, struct context *to) */
    .globl  switch_context
switch_context:
    sd      ra, 0(a0)
    sd      sp, 8(a0)
    .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11
    sd      s\n, (16 + 8 * \n)(a0)
    .endr
    ld      ra, 0(a1)
    ld      sp, 8(a1)
    .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11
    ld      s\n, (16 + 8 * \n)(a1)
    .endr
    ret

/*
 * A new kernel thread's first switch lands here with s1 = fn, s2 = arg:
 * finish the switch, enable interrupts, run fn(arg); fn must not return.
 */
    .globl  thread_start_kernel
thread_start_kernel:
    call    sched_dispatch
    csrsi   sstatus, 2              /* SIE */
    mv      a0, s2
    jalr    s1
    call    thread_terminate_self

/*
 * A new user thread's first switch lands here with sp at its user frame:
 * finish the switch, make the usual checks, and enter user mode.
 */
    .globl  thread_start_user
thread_start_user:
    call    sched_dispatch
    call    thread_return_check     /* returns with interrupts off */
    j       trap_return_user

/* fp_save(struct fpstate *), fp_restore(const struct fpstate *) */
    .option push
    .option arch, +d
    .globl  fp_save
fp_save:
    .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd     f\n, (8 * \n)(a0)
    .endr
    frcsr   t0
    sd      t0, 256(a0)
    ret

    .globl  fp_restore
fp_restore:
    .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld     f\n, (8 * \n)(a0)
    .endr
    ld      t0, 256(a0)
    fscsr   t0
    ret
    .option pop
