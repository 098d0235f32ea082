// SPDX-License-Identifier: MIT
/* SBI calls (see machine/sbi.h) and the probing of optional extensions. */
#include <machine/sbi.h>
#include <machine/cpu.h>

static bool has_time, has_ipi, has_rfence, has_dbcn, has_srst;

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0,
                       unsigned long a1, unsigned long a2)
{
    register unsigned long r0 __asm__("a0") = a0;
    register unsigned long r1 __asm__("a1") = a1;
    register unsigned long r2 __asm__("a2") = a2;
    register unsigned long r6 __asm__("a6") = fid;
    register unsigned long r7 __asm__("a7") = ext;
    __asm__ volatile("ecall"
                     : "+r"(r0), "+r"(r1)
                     : "r"(r2), "r"(r6), "r"(r7)
                     : "memory");
    return (struct sbiret){ .error = (long)r0, .value = (long)r1 };
}

void sbi_legacy_putchar(char c)
{
    register unsigned long r0 __asm__("a0") = (unsigned char)c;
    register unsigned long r7 __asm__("a7") = SBI_EXT_LEGACY_PUTCHAR;
    __asm__ volatile("ecall" : "+r"(r0) : "r"(r7) : "memory", "a1");
}

static bool probe(unsigned long ext)
{
    struct sbiret r = sbi_call(SBI_EXT_BASE, 3, ext, 0, 0);
    return r.error == SBI_SUCCESS && r.value != 0;
}

void sbi_init(void)
{
    has_time = probe(SBI_EXT_TIME);
    has_ipi = probe(SBI_EXT_IPI);
    has_rfence = probe(SBI_EXT_RFENCE);
    has_dbcn = probe(SBI_EXT_DBCN);
    has_srst = probe(SBI_EXT_SRST);
}

bool sbi_has_dbcn(void)
{
    return has_dbcn;
}

void sbi_console_putc(char c)
{
    if (has_dbcn)
        sbi_call(SBI_EXT_DBCN, 2, (unsigned char)c, 0, 0);   /* write_byte */
    else
        sbi_legacy_putchar(c);
}

unsigned long sbi_spec_version(void)
{
    return (unsigned long)sbi_call(SBI_EXT_BASE, 0, 0, 0, 0).value;
}

unsigned long sbi_impl_id(void)
{
    return (unsigned long)sbi_call(SBI_EXT_BASE, 1, 0, 0, 0).value;
}

unsigned long sbi_impl_version(void)
{
    return (unsigned long)sbi_call(SBI_EXT_BASE, 2, 0, 0, 0).value;
}

void sbi_set_timer(uint64_t when)
{
    if (has_time)
        sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
    else
        sbi_call(SBI_EXT_LEGACY_SET_TIMER, 0, when, 0, 0);
}

long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
    if (!has_ipi)
        return SBI_ERR_NOT_SUPPORTED;
    return sbi_call(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0).error;
}

long sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base,
                           unsigned long start, unsigned long size)
{
    if (!has_rfence)
        return SBI_ERR_NOT_SUPPORTED;
    register unsigned long r0 __asm__("a0") = hart_mask;
    register unsigned long r1 __asm__("a1") = hart_mask_base;
    register unsigned long r2 __asm__("a2") = start;
    register unsigned long r3 __asm__("a3") = size;
    register unsigned long r6 __asm__("a6") = 1;
    register unsigned long r7 __asm__("a7") = SBI_EXT_RFENCE;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1)
                     : "r"(r2), "r"(r3), "r"(r6), "r"(r7) : "memory");
    return (long)r0;
}

long sbi_remote_sfence_vma_asid(unsigned long hart_mask, unsigned long hart_mask_base,
                                unsigned long start, unsigned long size,
                                unsigned long asid)
{
    if (!has_rfence)
        return SBI_ERR_NOT_SUPPORTED;
    register unsigned long r0 __asm__("a0") = hart_mask;
    register unsigned long r1 __asm__("a1") = hart_mask_base;
    register unsigned long r2 __asm__("a2") = start;
    register unsigned long r3 __asm__("a3") = size;
    register unsigned long r4 __asm__("a4") = asid;
    register unsigned long r6 __asm__("a6") = 2;
    register unsigned long r7 __asm__("a7") = SBI_EXT_RFENCE;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1)
                     : "r"(r2), "r"(r3), "r"(r4), "r"(r6), "r"(r7) : "memory");
    return (long)r0;
}

long sbi_hart_start(unsigned long hartid, unsigned long start_pa, unsigned long opaque)
{
    return sbi_call(SBI_EXT_HSM, 0, hartid, start_pa, opaque).error;
}

long sbi_hart_status(unsigned long hartid)
{
    struct sbiret r = sbi_call(SBI_EXT_HSM, 2, hartid, 0, 0);
    return r.error != SBI_SUCCESS ? r.error : r.value;
}

void sbi_shutdown(void)
{
    if (has_srst)
        sbi_call(SBI_EXT_SRST, 0, 0, 0, 0);     /* shutdown, no reason */
    sbi_call(0x08, 0, 0, 0, 0);                 /* legacy shutdown */
    intr_disable();
    for (;;)
        wfi();
}
