// SPDX-License-Identifier: MIT
/*
 * kern_main(): bring up the other harts and interrupts, print the boot
 * banner, and run the self-tests the boot arguments ask for.
 */
#include <rvmach_version.h>
#include <kern/clock.h>
#include <kern/console.h>
#include <kern/cpu.h>
#include <kern/devtree.h>
#include <kern/panic.h>
#include <kern/printf.h>
#include <kern/bootstrap.h>
#include <kern/ipc_tt.h>
#include <kern/sched.h>
#include <kern/selftest.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_notify.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_pset.h>
#include <ipc/ipc_space.h>
#include <vm/vm_user.h>
#include <kern/smp.h>
#include <kern/startup.h>
#include <machine/pmap.h>
#include <machine/sbi.h>
#include <machine/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_page_boot.h>

extern char _start[], _end[];

static void print_size(uint64_t bytes)
{
    if (bytes >= (1UL << 30) && bytes % (1UL << 30) == 0)
        kprintf("%lu GiB", (unsigned long)(bytes >> 30));
    else if (bytes >= (1UL << 20))
        kprintf("%lu MiB", (unsigned long)(bytes >> 20));
    else
        kprintf("%lu KiB", (unsigned long)(bytes >> 10));
}

static void banner_memory(const struct platform *p)
{
    for (unsigned i = 0; i < p->nmem; i++) {
        kprintf("memory:   %#012lx-%#012lx  ", (unsigned long)p->mem[i].base,
                (unsigned long)(p->mem[i].base + p->mem[i].size - 1));
        print_size(p->mem[i].size);
        kprintf("\n");
    }
    for (unsigned i = 0; i < p->nresv; i++)
        kprintf("reserved: %#012lx-%#012lx  %s%s\n", (unsigned long)p->resv[i].base,
                (unsigned long)(p->resv[i].base + p->resv[i].size - 1),
                p->resv[i].name, p->resv[i].no_map ? " (no-map)" : "");
    kprintf("kernel:   %#012lx-%#012lx  image at %#lx\n", (unsigned long)kernel_load_pa,
            (unsigned long)(kernel_load_pa + (size_t)(_end - _start) - 1),
            (unsigned long)_start);
    kprintf("dtb:      %#012lx-%#012lx\n", (unsigned long)boot_dtb_pa,
            (unsigned long)(boot_dtb_pa + boot_dtb_size - 1));
    size_t free = vm_page_free_count();
    kprintf("pages:    %zu free of %zu (", free, vm_page_total_count());
    print_size((uint64_t)free * PAGE_SIZE);
    kprintf(" free, %zu pages of descriptors)\n", vm_page_boot_info()->desc_pages);
}

static void banner_devices(const struct platform *p)
{
    const struct dt_uart *u = &p->uart;
    kprintf("console:  %s at %#lx (reg-shift %u, io-width %u, irq %u)\n",
            u->compatible, (unsigned long)u->base, u->reg_shift, u->reg_io_width, u->irq);
    if (p->plic.present)
        kprintf("plic:     %s at %#lx, %u sources\n", p->plic.compatible,
                (unsigned long)p->plic.base, p->plic.ndev);
    for (unsigned i = 0; i < p->nvirtio; i++)
        kprintf("virtio:   slot %u at %#lx irq %u\n", i,
                (unsigned long)p->virtio[i].base, p->virtio[i].irq);
    kprintf("timebase: %u Hz\n", p->timebase_frequency);
}

static void banner(void)
{
    const struct platform *p = kern_platform();
    unsigned long spec = sbi_spec_version();
    kprintf("\nrvmach %s: a Mach-style microkernel for RISC-V (Sv39)\n", RVMACH_VERSION);
    kprintf("machine:  %s; SBI %lu.%lu (implementation %lu, version %#lx)\n",
            p->model[0] ? p->model : "(no model)", spec >> 24, spec & 0xffffff,
            sbi_impl_id(), sbi_impl_version());
    unsigned online = 0;
    for (unsigned i = 0; i < ncpus; i++)
        online += cpus[i].online;
    kprintf("harts:    %u online:", online);
    for (unsigned i = 0; i < ncpus; i++)
        if (cpus[i].online)
            kprintf(" %lu%s", cpus[i].hartid, i == 0 ? " (boot)" : "");
    kprintf("\n");
    banner_memory(p);
    banner_devices(p);
    if (p->chosen.bootargs[0] != '\0')
        kprintf("bootargs: %s\n", p->chosen.bootargs);
    uint64_t us = (cpu_time() - boot_start_time) * 1000000 / timebase_hz;
    kprintf("boot:     %lu.%03lu ms from kernel entry to this banner\n",
            (unsigned long)(us / 1000), (unsigned long)(us % 1000));
}

void kern_secondary_main(struct cpu *c)
{
    arch_init_hart();
    thread_start_hart();
    c->online = true;
    sched_idle_loop();
}

/* The kernel's own objects, before anything else uses them. */
static void kern_objects_init(void)
{
    vm_init();
    pmap_user_bootstrap();
    ipc_port_bootstrap();
    ipc_space_bootstrap();
    ipc_pset_bootstrap();
    ipc_notify_bootstrap();
    ipc_host_init();
    task_bootstrap();
}

void kern_main(void)
{
    cpus[0].online = true;
    kern_objects_init();
    arch_register_harts();
    thread_bootstrap();                 /* this code becomes the thread kern_main */
    arch_start_secondaries();
    arch_init_hart();
    intr_enable();
    thread_reaper_start();
    banner();
    const char *bootargs = kern_platform()->chosen.bootargs;
    if (bootarg_present(bootargs, BOOTARG_NO_HANDOFF)) {
        ipc_handoff_enabled = false;
        kprintf("ipc: hand-off off, every message queued\n");
    }
    const char *tests = selftest_requested(bootargs);
    if (tests != NULL) {
        selftest_run(tests);
        sbi_shutdown();
    }
    bootstrap_start(bootargs);
    thread_terminate_self();            /* the rest happens in user space */
}
