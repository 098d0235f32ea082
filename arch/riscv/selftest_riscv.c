// SPDX-License-Identifier: MIT
/*
 * Self-tests of the RISC-V memory protections: the kernel image is W^X, the
 * direct map is never executable, and kernel stacks have guard pages.
 */
#include <kern/backtrace.h>
#include <kern/cpu.h>
#include <kern/kstack.h>
#include <kern/printf.h>
#include <kern/selftest.h>
#include <machine/pmap.h>
#include <machine/vm_param.h>

extern char _start[], _etext[], _erodata[], _end[];

/* A `ret` instruction (c.jr ra, then a full jalr x0, 0(ra)) in writable data. */
static volatile uint32_t data_ret[2] = { 0x00008082u, 0x00008067u };
static const uint32_t rodata_word = 0x5a5a5a5a;

static void text_ret(void)
{
}

/* No page of the kernel image may be both writable and executable. */
static bool check_image_ptes(void)
{
    bool ok = true;
    for (uintptr_t va = (uintptr_t)_start; va < (uintptr_t)_end; va += PAGE_SIZE) {
        pte_t pte = pmap_kernel_lookup(va);
        bool w = pte & PTE_W, x = pte & PTE_X;
        bool want_x = va < (uintptr_t)_etext;
        bool want_w = va >= (uintptr_t)_erodata;
        if (!(pte & PTE_V) || (w && x) || w != want_w || x != want_x)
            ok = selftest_fail("image page %lx has pte %lx", (unsigned long)va,
                               (unsigned long)pte);
    }
    return ok;
}

static bool expect_fault(long r, const char *what)
{
    if (r != -1)
        return selftest_fail("%s did not fault", what);
    return true;
}

static bool test_wx(void)
{
    uint8_t byte;
    bool ok = check_image_ptes();
    /* Controls: what must work does work. */
    if (probe_exec((const void *)text_ret) != 0)
        ok = selftest_fail("calling a function in the kernel text faulted");
    if (probe_read8(&rodata_word, &byte) != 0)
        ok = selftest_fail("reading rodata faulted");
    if (probe_write8((void *)&data_ret[1], 0x67) != 0)
        ok = selftest_fail("writing data faulted");
    /* Violations: each must fault and be caught. */
    ok = expect_fault(probe_write8((void *)text_ret, 0), "a write to kernel text") && ok;
    ok = expect_fault(probe_write8((void *)&rodata_word, 0), "a write to rodata") && ok;
    ok = expect_fault(probe_exec((const void *)data_ret), "executing kernel data") && ok;
    const void *alias = phys_to_virt(kernel_image_pa(text_ret));
    ok = expect_fault(probe_exec(alias), "executing text through the direct map") && ok;
    ok = expect_fault(probe_read8((void *)0, &byte), "a kernel read of address 0") && ok;
    return ok;
}

static bool test_guard(void)
{
    uint8_t byte;
    vaddr_t top = kstack_alloc();
    if (top == 0)
        return selftest_fail("no kernel stack");
    bool ok = true;
    if (probe_read8((void *)(top - 1), &byte) != 0)
        ok = selftest_fail("the top byte of a fresh stack is not mapped");
    if (probe_read8((void *)(top - KSTACK_SIZE), &byte) != 0)
        ok = selftest_fail("the lowest byte of a fresh stack is not mapped");
    ok = expect_fault(probe_read8((void *)(top - KSTACK_SIZE - 1), &byte),
                      "a read just below a kernel stack") && ok;
    ok = expect_fault(probe_write8((void *)(top - KSTACK_SLOT + 8), 0),
                      "a write at the bottom of the guard") && ok;
    kstack_free(top);
    if (probe_read8((void *)(top - 1), &byte) != -1)
        ok = selftest_fail("a freed stack is still mapped");
    return ok;
}

static bool crash_wx(void)
{
    kprintf("  writing into the kernel's own text...\n");
    *(volatile uint32_t *)(uintptr_t)text_ret = 0;
    return false;
}

const struct selftest arch_selftests[] = {
    { "wx", "kernel text RX, rodata R, data RW, direct map never X", test_wx, false },
    { "guard", "kernel stacks have unmapped guard pages", test_guard, false },
    { "crash_wx", "an uncaught write to kernel text panics with a report", crash_wx, true },
};
const unsigned arch_selftest_count = ARRAY_SIZE(arch_selftests);
