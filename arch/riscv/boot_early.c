// SPDX-License-Identifier: MIT
/*
 * The boot page table, built before the MMU is on.  This code runs at the
 * physical address the image was loaded to, so it may use only PC-relative
 * references (the kernel is built -mcmodel=medany and linked --no-relax, so
 * every address of a global is computed from the PC): no pointers stored in
 * data, no jump tables, no printf.
 *
 * The table maps:
 *   - the kernel image at its link address KERNEL_VBASE, page by page
 *     (read/write/execute for now: pmap_bootstrap() gives each part its
 *     final W^X protection as soon as we run high);
 *   - the 1 GiB regions holding the image and the device tree at their own
 *     addresses (identity), so the instruction after the satp write runs and
 *     the device tree can be read before the direct map exists.
 */
#include <kern/types.h>
#include <machine/riscv.h>
#include <machine/vm_param.h>
#include <machine/pmap.h>
#include <machine/sbi.h>

/* The boot tables; pmap_bootstrap() reuses boot_l1 and boot_l0 for good. */
pte_t boot_root[PTES_PER_TABLE] __attribute__((section(".bss.pagetables"), aligned(PAGE_SIZE)));
pte_t boot_l1[PTES_PER_TABLE] __attribute__((section(".bss.pagetables"), aligned(PAGE_SIZE)));
pte_t boot_l0[BOOT_L0_TABLES][PTES_PER_TABLE]
    __attribute__((section(".bss.pagetables"), aligned(PAGE_SIZE)));

extern char _start[], _end[];

uintptr_t boot_early_map(unsigned long hartid, uintptr_t dtb_pa, uintptr_t load_pa);

static void early_puts(const char *s)
{
    while (*s != '\0')
        sbi_legacy_putchar(*s++);
}

static pte_t pte_table(uintptr_t table_pa)
{
    return ((table_pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | PTE_V;
}

static pte_t pte_leaf(uintptr_t pa, pte_t perm)
{
    return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | perm | PTE_V | PTE_A | PTE_D;
}

/* Identity-map the 1 GiB region holding `pa` (and the next, for data that crosses). */
static void map_identity_gigs(uintptr_t pa, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        uintptr_t giga = ROUND_DOWN(pa, GIGAPAGE_SIZE) + i * GIGAPAGE_SIZE;
        unsigned idx = (unsigned)(giga >> 30);
        if (idx < PTES_PER_TABLE / 2)
            boot_root[idx] = pte_leaf(giga, PTE_R | PTE_W | PTE_X);
    }
}

uintptr_t boot_early_map(unsigned long hartid, uintptr_t dtb_pa, uintptr_t load_pa)
{
    size_t npages = (size_t)(_end - _start + PAGE_SIZE - 1) >> PAGE_SHIFT;

    if (!IS_ALIGNED(load_pa, PAGE_SIZE)) {
        early_puts("rvmach: halted: loaded at an address that is not 4 KiB aligned\n");
        return 0;
    }
    if (load_pa + (npages << PAGE_SHIFT) > USER_VA_END / 2 || dtb_pa > USER_VA_END / 2) {
        early_puts("rvmach: halted: image or device tree above 128 GiB\n");
        return 0;
    }
    if (npages > (size_t)BOOT_L0_TABLES * PTES_PER_TABLE) {
        early_puts("rvmach: halted: kernel image larger than the boot page table maps\n");
        return 0;
    }

    map_identity_gigs(load_pa, 1);
    map_identity_gigs(dtb_pa, 2);

    boot_root[PTE_INDEX(KERNEL_VBASE, 2)] = pte_table((uintptr_t)boot_l1);
    for (unsigned i = 0; i < BOOT_L0_TABLES; i++)
        boot_l1[i] = pte_table((uintptr_t)boot_l0[i]);
    for (size_t p = 0; p < npages; p++)
        boot_l0[p / PTES_PER_TABLE][p % PTES_PER_TABLE] =
            pte_leaf(load_pa + (p << PAGE_SHIFT), PTE_R | PTE_W | PTE_X | PTE_G);

    return SATP_MODE_SV39 | ((uintptr_t)boot_root >> PAGE_SHIFT);
}
