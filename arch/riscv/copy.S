/* SPDX-License-Identifier: MIT */
/*
 * Copying between user and kernel memory.  Each routine checks the user
 * range, allows supervisor access to user pages (sstatus.SUM) only for the
 * copy itself, and arms cpu->onfault: a page fault that vm_fault cannot
 * resolve (trap_kernel tries it first) resumes at copy_fault and the
 * routine returns -1 instead of crashing the kernel.
 *   long copyin(const void *user_src, void *kernel_dst, size_t len)
 *   long copyout(const void *kernel_src, void *user_dst, size_t len)
 * Both return 0 or -1.
 */
#include <machine/asm.h>
#include <machine/riscv.h>
#include <machine/vm_param.h>

    .text
/* Is [a, a + len) inside user space?  Jumps to copy_bad if not. */
.macro CHECK_USER a, len
    add     t0, \a, \len
    bltu    t0, \a, copy_bad
    li      t1, USER_VA_END
    bgtu    t0, t1, copy_bad
.endm

.macro ARM
    la      t0, copy_fault
    sd      t0, CPU_ONFAULT(tp)
    li      t4, SSTATUS_SUM
    csrs    sstatus, t4
.endm

    .globl  copyin
copyin:
    CHECK_USER a0, a2
    ARM
    j       copy_bytes

    .globl  copyout
copyout:
    CHECK_USER a1, a2
    ARM
    /* fall through: copy a2 bytes from a0 to a1 */

copy_bytes:
    or      t0, a0, a1
    andi    t0, t0, 7
    bnez    t0, 2f                  /* either address unaligned: by bytes */
    li      t1, 32
3:  bltu    a2, t1, 4f              /* both 8-byte aligned: 32 bytes a step, */
    ld      t2, 0(a0)
    ld      t3, 8(a0)
    ld      t5, 16(a0)
    ld      t6, 24(a0)
    sd      t2, 0(a1)
    sd      t3, 8(a1)
    sd      t5, 16(a1)
    sd      t6, 24(a1)
    addi    a0, a0, 32
    addi    a1, a1, 32
    addi    a2, a2, -32
    j       3b
4:  li      t1, 8
1:  bltu    a2, t1, 2f              /* then 8 bytes a step, then the rest by bytes */
    ld      t2, 0(a0)
    sd      t2, 0(a1)
    addi    a0, a0, 8
    addi    a1, a1, 8
    addi    a2, a2, -8
    j       1b
2:  beqz    a2, copy_done
    lbu     t2, 0(a0)
    sb      t2, 0(a1)
    addi    a0, a0, 1
    addi    a1, a1, 1
    addi    a2, a2, -1
    j       2b

copy_done:
    li      t4, SSTATUS_SUM
    csrc    sstatus, t4
    sd      zero, CPU_ONFAULT(tp)
    li      a0, 0
    ret

copy_fault:
    li      t4, SSTATUS_SUM
    csrc    sstatus, t4
    sd      zero, CPU_ONFAULT(tp)
copy_bad:
    li      a0, -1
    ret
