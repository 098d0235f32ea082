// SPDX-License-Identifier: MIT
/*
 * Trap dispatch: interrupts (timer, IPI, PLIC) and exceptions taken in
 * kernel mode.  An exception the kernel did not expect is a kernel bug: it
 * is reported in full (cause, pc, address, registers, backtrace) and every
 * hart stops.
 */
#include <kern/cpu.h>
#include <kern/panic.h>
#include <kern/printf.h>
#include <kern/backtrace.h>
#include <kern/intr.h>
#include <machine/asm.h>
#include <machine/riscv.h>
#include <machine/trap.h>

_Static_assert(offsetof(struct cpu, kstack_top) == CPU_KSTACK_TOP, "CPU_KSTACK_TOP");
_Static_assert(offsetof(struct cpu, user_sp) == CPU_USER_SP, "CPU_USER_SP");
_Static_assert(offsetof(struct cpu, overflow_sp) == CPU_OVERFLOW_SP, "CPU_OVERFLOW_SP");
_Static_assert(offsetof(struct cpu, onfault) == CPU_ONFAULT, "CPU_ONFAULT");
_Static_assert(offsetof(struct trapframe, sepc) == TF_SEPC, "TF_SEPC");
_Static_assert(offsetof(struct trapframe, stval) == TF_STVAL, "TF_STVAL");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "TF_SIZE");

extern char trap_entry[];
void trap_user(struct trapframe *tf);

void trap_init_hart(void)
{
    csr_write(sscratch, 0);
    csr_write(stvec, (uintptr_t)trap_entry);
}

static const char *const exception_names[] = {
    [EXC_INST_MISALIGNED] = "instruction address misaligned",
    [EXC_INST_ACCESS] = "instruction access fault",
    [EXC_ILLEGAL_INST] = "illegal instruction",
    [EXC_BREAKPOINT] = "breakpoint",
    [EXC_LOAD_MISALIGNED] = "load address misaligned",
    [EXC_LOAD_ACCESS] = "load access fault",
    [EXC_STORE_MISALIGNED] = "store address misaligned",
    [EXC_STORE_ACCESS] = "store access fault",
    [EXC_ECALL_U] = "environment call from U-mode",
    [EXC_ECALL_S] = "environment call from S-mode",
    [EXC_INST_PAGE_FAULT] = "instruction page fault",
    [EXC_LOAD_PAGE_FAULT] = "load page fault",
    [EXC_STORE_PAGE_FAULT] = "store page fault",
};

const char *trap_cause_name(uint64_t scause)
{
    if (scause & SCAUSE_INTR) {
        switch (scause & ~SCAUSE_INTR) {
        case IRQ_S_SOFT: return "supervisor software interrupt";
        case IRQ_S_TIMER: return "supervisor timer interrupt";
        case IRQ_S_EXT: return "supervisor external interrupt";
        default: return "unknown interrupt";
        }
    }
    if (scause < ARRAY_SIZE(exception_names) && exception_names[scause] != NULL)
        return exception_names[scause];
    return "unknown exception";
}

static const char *const reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1",
    "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

void trap_print_frame(const struct trapframe *tf)
{
    struct trapframe *f = (struct trapframe *)tf;
    for (unsigned n = 1; n < 32; n += 4) {
        for (unsigned k = n; k < n + 4 && k < 32; k++)
            kprintf("%4s %016lx  ", reg_names[k], (unsigned long)*trapframe_reg(f, k));
        kprintf("\n");
    }
    kprintf("sstatus %016lx  scause %016lx  stval %016lx\n",
            (unsigned long)tf->sstatus, (unsigned long)tf->scause,
            (unsigned long)tf->stval);
}

static bool is_memory_fault(uint64_t cause)
{
    switch (cause) {
    case EXC_INST_ACCESS: case EXC_LOAD_ACCESS: case EXC_STORE_ACCESS:
    case EXC_INST_PAGE_FAULT: case EXC_LOAD_PAGE_FAULT: case EXC_STORE_PAGE_FAULT:
    case EXC_LOAD_MISALIGNED: case EXC_STORE_MISALIGNED:
        return true;
    default:
        return false;
    }
}

static void interrupt(uint64_t irq)
{
    switch (irq) {
    case IRQ_S_TIMER:
        intr_timer();
        break;
    case IRQ_S_SOFT:
        csr_clear(sip, SIE_SSIE);
        intr_ipi();
        break;
    case IRQ_S_EXT:
        intr_external();
        break;
    default:
        panic("unexpected interrupt %lu", (unsigned long)irq);
    }
}

__noreturn static void kernel_exception(struct trapframe *tf)
{
    panic_begin();
    kprintf("\nKERNEL PANIC on hart %lu: %s in kernel mode\n",
            cpu_this()->hartid, trap_cause_name(tf->scause));
    kprintf("  pc    %016lx  ", (unsigned long)tf->sepc);
    backtrace_print_symbol(tf->sepc);
    kprintf("\n  ra    %016lx  ", (unsigned long)tf->ra);
    backtrace_print_symbol(tf->ra);
    kprintf("\n  addr  %016lx (stval)\n", (unsigned long)tf->stval);
    trap_print_frame(tf);
    backtrace_print(tf->s0, tf->sepc, tf->ra);
    panic_end();
}

void trap_kernel(struct trapframe *tf)
{
    uint64_t cause = tf->scause;
    if (cause & SCAUSE_INTR) {
        interrupt(cause & ~SCAUSE_INTR);
        return;
    }
    struct cpu *c = cpu_this();
    if (c->onfault != 0 && is_memory_fault(cause)) {
        tf->sepc = c->onfault;          /* a probe or copyin/out: report, don't die */
        c->onfault = 0;
        return;
    }
    kernel_exception(tf);
}

void trap_kernel_stack_overflow(struct trapframe *tf, uintptr_t bad_sp)
{
    panic_begin();
    kprintf("\nKERNEL PANIC on hart %lu: kernel stack overflow (sp %016lx ran into the guard pages)\n",
            cpu_this()->hartid, (unsigned long)bad_sp);
    kprintf("  pc    %016lx  ", (unsigned long)tf->sepc);
    backtrace_print_symbol(tf->sepc);
    kprintf("\n  cause %s, addr %016lx\n", trap_cause_name(tf->scause),
            (unsigned long)tf->stval);
    trap_print_frame(tf);
    panic_end();
}

/* Traps from user mode arrive with tasks (a later stage); until then, none can. */
void trap_user(struct trapframe *tf)
{
    panic("trap from user mode with no user tasks (scause %lx, sepc %lx)",
          (unsigned long)tf->scause, (unsigned long)tf->sepc);
}
