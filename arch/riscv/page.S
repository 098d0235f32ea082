/* SPDX-License-Identifier: MIT */
/*
 * Zeroing and copying whole pages through the direct map (vm/pmap.h):
 * 64 words a loop step, so that the loop itself costs a few instructions
 * per 512 bytes and nearly every instruction retired moves data.
 */
#include <machine/vm_param.h>

    .text
/* void pmap_zero_page(paddr_t pa) */
    .globl  pmap_zero_page
pmap_zero_page:
    li      t0, DIRECT_MAP_BASE
    add     a0, a0, t0
    li      t1, PAGE_SIZE
    add     t1, a0, t1              /* end */
1:
    .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
    sd      zero, (8 * \n)(a0)
    .endr
    addi    a0, a0, 512
    bne     a0, t1, 1b
    ret

/*
 * Eight words from a1 to a0 at byte offset `off`, through a2-a7, t2, t3
 * (all loads first, so each store finds its value ready).
 */
.macro COPY8 off
    ld      a2, (\off + 0)(a1)
    ld      a3, (\off + 8)(a1)
    ld      a4, (\off + 16)(a1)
    ld      a5, (\off + 24)(a1)
    ld      a6, (\off + 32)(a1)
    ld      a7, (\off + 40)(a1)
    ld      t2, (\off + 48)(a1)
    ld      t3, (\off + 56)(a1)
    sd      a2, (\off + 0)(a0)
    sd      a3, (\off + 8)(a0)
    sd      a4, (\off + 16)(a0)
    sd      a5, (\off + 24)(a0)
    sd      a6, (\off + 32)(a0)
    sd      a7, (\off + 40)(a0)
    sd      t2, (\off + 48)(a0)
    sd      t3, (\off + 56)(a0)
.endm

/* void pmap_copy_page(paddr_t src, paddr_t dst) */
    .globl  pmap_copy_page
pmap_copy_page:
    li      t0, DIRECT_MAP_BASE
    add     t1, a0, t0
    add     a0, a1, t0              /* a0 = dst, a1 = src (virtual) */
    mv      a1, t1
    li      t1, PAGE_SIZE
    add     t1, a1, t1              /* end of src */
1:
    .irp    off, 0,64,128,192,256,320,384,448
    COPY8   \off
    .endr
    addi    a1, a1, 512
    addi    a0, a0, 512
    bne     a1, t1, 1b
    ret
