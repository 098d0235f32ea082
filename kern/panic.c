// SPDX-License-Identifier: MIT
/*
 * panic(): the first hart to panic stops the others (IPI), takes the console
 * for itself, prints the reason and a backtrace, and halts.
 */
#include <stdarg.h>
#include <kern/backtrace.h>
#include <kern/console.h>
#include <kern/cpu.h>
#include <kern/panic.h>
#include <kern/printf.h>

/* Hart id + 1 of the hart that panicked first; 0 while nobody has. */
static unsigned long panic_owner;

bool panic_in_progress(void)
{
    return __atomic_load_n(&panic_owner, __ATOMIC_RELAXED) != 0;
}

void panic_begin(void)
{
    intr_disable();
    struct cpu *self = cpu_this();
    unsigned long me = (self != NULL ? self->hartid : 0) + 1;
    unsigned long expected = 0;
    if (!__atomic_compare_exchange_n(&panic_owner, &expected, me, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        if (expected != me)
            cpu_halt();                 /* another hart is already reporting */
        console_panic_mode();
        kprintf("\nKERNEL PANIC (again, while panicking)\n");
        panic_end();
    }
    console_panic_mode();
    if (self != NULL)
        cpu_broadcast_ipi(IPI_HALT);
}

void panic_end(void)
{
    kprintf("rvmach: halted. Every hart is stopped; attach gdb to look around.\n");
    if (cpu_this() != NULL)
        cpu_halt();
    for (;;)
        __asm__ volatile("wfi");
}

void panic(const char *fmt, ...)
{
    panic_begin();
    struct cpu *self = cpu_this();
    kprintf("\nKERNEL PANIC on hart %ld: ", self != NULL ? (long)self->hartid : -1L);
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    backtrace_here();
    panic_end();
}
