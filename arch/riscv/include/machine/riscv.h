/* SPDX-License-Identifier: MIT */
/*
 * RISC-V privileged architecture: control and status registers, their bits,
 * trap causes and Sv39 page-table entry bits, as the S-mode kernel uses them.
 */
#ifndef _MACHINE_RISCV_H_
#define _MACHINE_RISCV_H_

/* sstatus */
#define SSTATUS_SIE         (1UL << 1)      /* interrupts enabled in S-mode */
#define SSTATUS_SPIE        (1UL << 5)      /* SIE before the trap */
#define SSTATUS_SPP         (1UL << 8)      /* trapped from S-mode (1) or U-mode (0) */
#define SSTATUS_FS_MASK     (3UL << 13)     /* floating-point unit state */
#define SSTATUS_FS_OFF      (0UL << 13)
#define SSTATUS_FS_INITIAL  (1UL << 13)
#define SSTATUS_FS_CLEAN    (2UL << 13)
#define SSTATUS_FS_DIRTY    (3UL << 13)
#define SSTATUS_SUM         (1UL << 18)     /* S-mode may access user pages */
#define SSTATUS_MXR         (1UL << 19)

/* sie / sip */
#define SIE_SSIE            (1UL << 1)      /* software interrupt (IPI) */
#define SIE_STIE            (1UL << 5)      /* timer */
#define SIE_SEIE            (1UL << 9)      /* external (PLIC) */

/* scause */
#define SCAUSE_INTR         (1UL << 63)
#define IRQ_S_SOFT          1
#define IRQ_S_TIMER         5
#define IRQ_S_EXT           9

#define CAUSE_INST_MISALIGNED 0
#define CAUSE_INST_ACCESS     1
#define CAUSE_ILLEGAL_INST    2
#define CAUSE_BREAKPOINT      3
#define CAUSE_LOAD_MISALIGNED 4
#define CAUSE_LOAD_ACCESS     5
#define CAUSE_STORE_MISALIGNED 6
#define CAUSE_STORE_ACCESS    7
#define CAUSE_ECALL_U         8
#define CAUSE_ECALL_S         9
#define CAUSE_INST_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15

/* satp */
#define SATP_MODE_SV39      (8UL << 60)
#define SATP_ASID_SHIFT     44
#define SATP_ASID_BITS      16

/* Sv39 page-table entries */
#define PTE_V               (1UL << 0)
#define PTE_R               (1UL << 1)
#define PTE_W               (1UL << 2)
#define PTE_X               (1UL << 3)
#define PTE_U               (1UL << 4)
#define PTE_G               (1UL << 5)
#define PTE_A               (1UL << 6)
#define PTE_D               (1UL << 7)
#define PTE_PPN_SHIFT       10
#define PTE_FLAGS_MASK      0x3ffUL

#ifndef __ASSEMBLER__

#define csr_read(csr) ({ \
        unsigned long v_; \
        __asm__ volatile("csrr %0, " #csr : "=r"(v_)); \
        v_; })
#define csr_write(csr, val) \
        __asm__ volatile("csrw " #csr ", %0" :: "rK"((unsigned long)(val)) : "memory")
#define csr_set(csr, bits) \
        __asm__ volatile("csrs " #csr ", %0" :: "rK"((unsigned long)(bits)) : "memory")
#define csr_clear(csr, bits) \
        __asm__ volatile("csrc " #csr ", %0" :: "rK"((unsigned long)(bits)) : "memory")
#define csr_read_clear(csr, bits) ({ \
        unsigned long v_; \
        __asm__ volatile("csrrc %0, " #csr ", %1" : "=r"(v_) \
                         : "rK"((unsigned long)(bits)) : "memory"); \
        v_; })

static inline void sfence_vma_all(void)
{
    __asm__ volatile("sfence.vma" ::: "memory");
}

static inline void sfence_vma_addr(unsigned long va)
{
    __asm__ volatile("sfence.vma %0" :: "r"(va) : "memory");
}

static inline void wfi(void)
{
    __asm__ volatile("wfi" ::: "memory");
}

#endif /* !__ASSEMBLER__ */
#endif /* _MACHINE_RISCV_H_ */
