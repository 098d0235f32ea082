/* SPDX-License-Identifier: MIT */
/*
 * The Supervisor Binary Interface: calls into the M-mode firmware (OpenSBI)
 * for the console before a UART is known, timers, IPIs, remote fences,
 * starting harts and powering off.
 */
#ifndef _MACHINE_SBI_H_
#define _MACHINE_SBI_H_

#include <kern/types.h>

#define SBI_EXT_LEGACY_SET_TIMER    0x00
#define SBI_EXT_LEGACY_PUTCHAR      0x01
#define SBI_EXT_BASE                0x10
#define SBI_EXT_TIME                0x54494D45  /* "TIME" */
#define SBI_EXT_IPI                 0x735049    /* "sPI" */
#define SBI_EXT_RFENCE              0x52464E43  /* "RFNC" */
#define SBI_EXT_HSM                 0x48534D    /* "HSM" */
#define SBI_EXT_SRST                0x53525354  /* "SRST" */
#define SBI_EXT_DBCN                0x4442434E  /* "DBCN" */

#define SBI_SUCCESS                 0
#define SBI_ERR_FAILED              (-1)
#define SBI_ERR_NOT_SUPPORTED       (-2)
#define SBI_ERR_INVALID_PARAM       (-3)
#define SBI_ERR_ALREADY_AVAILABLE   (-6)

#define SBI_HSM_STARTED             0
#define SBI_HSM_STOPPED             1
#define SBI_HSM_START_PENDING       2

struct sbiret {
    long error;
    long value;
};

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0,
                       unsigned long a1, unsigned long a2);

/* Legacy console putchar: works on every OpenSBI, even with the MMU off. */
void sbi_legacy_putchar(char c);

/* Probe the extensions the kernel uses; call once on the boot hart. */
void sbi_init(void);
bool sbi_has_dbcn(void);
void sbi_console_putc(char c);              /* DBCN if present, else legacy */
unsigned long sbi_spec_version(void);       /* major << 24 | minor */
unsigned long sbi_impl_id(void);
unsigned long sbi_impl_version(void);

void sbi_set_timer(uint64_t when);
long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
long sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base,
                           unsigned long start, unsigned long size);
long sbi_remote_sfence_vma_asid(unsigned long hart_mask, unsigned long hart_mask_base,
                                unsigned long start, unsigned long size,
                                unsigned long asid);
long sbi_hart_start(unsigned long hartid, unsigned long start_pa, unsigned long opaque);
long sbi_hart_status(unsigned long hartid);  /* SBI_HSM_* or a negative error */
__noreturn void sbi_shutdown(void);

#endif /* _MACHINE_SBI_H_ */
