/* SPDX-License-Identifier: MIT */
/*
 * The way from an inline spin_lock() (kern/spinlock_fast.h) to its slow
 * path, spin_lock_contended() in kern/spinlock.c.  It keeps every register
 * but ra, so that the call in the fast path (an asm statement that
 * clobbers only ra) does not make each function taking a lock keep its
 * values in callee-saved registers, saved and restored on every call,
 * for a path it almost never takes.  The kernel uses no floating point:
 * only the integer caller-saved registers need keeping.  The frame
 * record (ra, s0) is the compiler's, so backtraces go through.
 *
 * a0: the lock.
 */
    .text
    .globl  spin_lock_slow
    .type   spin_lock_slow, @function
spin_lock_slow:
    addi    sp, sp, -144
    sd      ra, 136(sp)
    sd      s0, 128(sp)
    addi    s0, sp, 144
    sd      t0, 0(sp)
    sd      t1, 8(sp)
    sd      t2, 16(sp)
    sd      t3, 24(sp)
    sd      t4, 32(sp)
    sd      t5, 40(sp)
    sd      t6, 48(sp)
    sd      a0, 56(sp)
    sd      a1, 64(sp)
    sd      a2, 72(sp)
    sd      a3, 80(sp)
    sd      a4, 88(sp)
    sd      a5, 96(sp)
    sd      a6, 104(sp)
    sd      a7, 112(sp)
    call    spin_lock_contended
    ld      t0, 0(sp)
    ld      t1, 8(sp)
    ld      t2, 16(sp)
    ld      t3, 24(sp)
    ld      t4, 32(sp)
    ld      t5, 40(sp)
    ld      t6, 48(sp)
    ld      a0, 56(sp)
    ld      a1, 64(sp)
    ld      a2, 72(sp)
    ld      a3, 80(sp)
    ld      a4, 88(sp)
    ld      a5, 96(sp)
    ld      a6, 104(sp)
    ld      a7, 112(sp)
    ld      s0, 128(sp)
    ld      ra, 136(sp)
    addi    sp, sp, 144
    ret
    .size   spin_lock_slow, . - spin_lock_slow
