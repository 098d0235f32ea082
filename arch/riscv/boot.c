// SPDX-License-Identifier: MIT
/*
 * From the jump to the link address to kern_main(): read the device tree,
 * build the kernel page table, start the page allocator and the console,
 * and move off the boot stack onto a kernel stack with guard pages.  Also
 * the start of the other harts.
 */
#include <kern/clock.h>
#include <kern/console.h>
#include <kern/cpu.h>
#include <kern/devtree.h>
#include <kern/kstack.h>
#include <kern/panic.h>
#include <kern/printf.h>
#include <kern/startup.h>
#include <kern/zalloc.h>
#include <machine/pmap.h>
#include <machine/plic.h>
#include <machine/sbi.h>
#include <machine/trap.h>
#include <machine/vm_param.h>
#include <vm/vm_page_boot.h>

__noreturn void kern_boot(unsigned long hartid, paddr_t dtb_pa, paddr_t load_pa);
__noreturn void kern_secondary(struct cpu *c);
__noreturn void arch_switch_stack(vaddr_t sp, void (*fn)(void));

extern char _start[], _end[], secondary_entry[], boot_stack_top[];

static struct platform platform;
paddr_t boot_dtb_pa;
size_t boot_dtb_size;
uint64_t boot_start_time;

/* A small emergency stack per hart, for reporting a kernel stack overflow. */
static char overflow_stacks[MAX_CPUS][4096] __attribute__((aligned(16)));

const struct platform *kern_platform(void)
{
    return &platform;
}

__noreturn static void boot_halt(const char *why)
{
    kprintf("rvmach: halted during boot: %s\n", why);
    for (;;)
        wfi();
}

/*
 * The device tree is still reached through the boot table's identity map
 * of the 2 GiB from its own gigabyte: that bounds how much we may read.
 */
static void read_device_tree(paddr_t dtb_pa)
{
    struct dt_error err;
    size_t avail = ROUND_DOWN(dtb_pa, GIGAPAGE_SIZE) + 2 * GIGAPAGE_SIZE - dtb_pa;
    const void *blob = (const void *)(uintptr_t)dtb_pa;

    if (dtb_pa == 0 || !IS_ALIGNED(dtb_pa, 8))
        boot_halt("no device tree: firmware passed a null or misaligned a1");
    boot_dtb_size = devtree_total_size(blob, avail);
    if (boot_dtb_size == 0)
        boot_halt("no device tree at the address firmware passed (bad magic)");
    if (devtree_parse(blob, boot_dtb_size, &platform, &err) != KERN_SUCCESS)
        boot_halt(err.msg);
    boot_dtb_pa = dtb_pa;
}

static void init_boot_cpu(unsigned long hartid)
{
    struct cpu *c = &cpus[0];
    c->id = 0;
    c->hartid = hartid;
    c->overflow_sp = (uintptr_t)overflow_stacks[1];
    c->stack_lo = (uintptr_t)boot_stack_top - 16384;
    c->stack_hi = (uintptr_t)boot_stack_top;
    ncpus = 1;
    cpu_set_this(c);
    trap_init_hart();
}

static void start_memory(void)
{
    pmap_bootstrap(&platform);
    struct phys_range in_use[] = {
        { kernel_load_pa, kernel_load_pa + ROUND_UP((size_t)(_end - _start), PAGE_SIZE) },
        { boot_dtb_pa, boot_dtb_pa + boot_dtb_size },
    };
    vm_page_bootstrap(&platform, in_use, ARRAY_SIZE(in_use));
    kalloc_init();
}

static void boot_on_kernel_stack(void)
{
    kern_main();
}

void kern_boot(unsigned long hartid, paddr_t dtb_pa, paddr_t load_pa)
{
    boot_start_time = cpu_time();
    kernel_load_pa = load_pa;
    init_boot_cpu(hartid);
    sbi_init();
    read_device_tree(dtb_pa);
    if (platform.uart.kind == DT_UART_NONE)
        boot_halt("the device tree names no UART (ns16550a or snps,dw-apb-uart) for the console");
    timebase_hz = platform.timebase_frequency;
    start_memory();
    if (!console_use_uart(&platform.uart))
        boot_halt("cannot map the console UART");

    vaddr_t stack = kstack_alloc();
    if (stack == 0)
        boot_halt("no memory for the boot hart's kernel stack");
    cpus[0].stack_lo = stack - KSTACK_SIZE;
    cpus[0].stack_hi = stack;
    cpus[0].kstack_top = stack;
    arch_switch_stack(stack, boot_on_kernel_stack);
}

/* Give a struct cpu to every usable hart but the boot hart. */
void arch_register_harts(void)
{
    for (unsigned i = 0; i < platform.nharts; i++) {
        const struct dt_hart *h = &platform.harts[i];
        if (!h->usable || h->hartid == cpus[0].hartid)
            continue;
        if (ncpus == MAX_CPUS) {
            kprintf("smp: hart %lu ignored: the kernel supports %d harts\n",
                    (unsigned long)h->hartid, MAX_CPUS);
            continue;
        }
        struct cpu *c = &cpus[ncpus];
        c->id = ncpus;
        c->hartid = h->hartid;
        c->overflow_sp = (uintptr_t)overflow_stacks[c->id + 1];
        ncpus++;
    }
}

void arch_init_hart(void)
{
    plic_init_hart();
    clock_start_hart();
    csr_set(sie, SIE_SSIE);
}

static bool start_hart(struct cpu *c)
{
    vaddr_t stack = kstack_alloc();
    if (stack == 0) {
        kprintf("smp: hart %lu not started: no memory for its stack\n", c->hartid);
        return false;
    }
    c->kstack_top = stack;
    c->stack_lo = stack - KSTACK_SIZE;
    c->stack_hi = stack;
    long err = sbi_hart_start(c->hartid, kernel_image_pa(secondary_entry), (uintptr_t)c);
    if (err != SBI_SUCCESS) {
        kprintf("smp: hart %lu not started: SBI hart_start error %ld\n", c->hartid, err);
        kstack_free(stack);
        return false;
    }
    uint64_t deadline = cpu_time() + timebase_hz;   /* one second */
    while (!c->online && cpu_time() < deadline)
        cpu_relax();
    if (!c->online)
        kprintf("smp: hart %lu did not come up within a second\n", c->hartid);
    return c->online;
}

void arch_start_secondaries(void)
{
    plic_init(&platform.plic);
    for (unsigned i = 1; i < ncpus; i++)
        start_hart(&cpus[i]);
}

/* A secondary hart, on its own stack and the kernel page table (head.S). */
void kern_secondary(struct cpu *c)
{
    trap_init_hart();
    kern_secondary_main(c);
}
