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
#include <kern/syscall.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <mach/exception.h>
#include <machine/vm_param.h>
#include <vm/vm_fault.h>
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
_Static_assert(offsetof(struct trapframe, a5) - offsetof(struct trapframe, a0) ==
               5 * sizeof(uint64_t), "a0..a5 must be an array for syscall_dispatch");

extern char trap_entry[];
void trap_user(struct trapframe *tf);

void trap_init_hart(void)
{
    csr_write(sscratch, 0);
    csr_write(stvec, (uintptr_t)trap_entry);
}

static const char *const exception_names[] = {
    [CAUSE_INST_MISALIGNED] = "instruction address misaligned",
    [CAUSE_INST_ACCESS] = "instruction access fault",
    [CAUSE_ILLEGAL_INST] = "illegal instruction",
    [CAUSE_BREAKPOINT] = "breakpoint",
    [CAUSE_LOAD_MISALIGNED] = "load address misaligned",
    [CAUSE_LOAD_ACCESS] = "load access fault",
    [CAUSE_STORE_MISALIGNED] = "store address misaligned",
    [CAUSE_STORE_ACCESS] = "store access fault",
    [CAUSE_ECALL_U] = "environment call from U-mode",
    [CAUSE_ECALL_S] = "environment call from S-mode",
    [CAUSE_INST_PAGE_FAULT] = "instruction page fault",
    [CAUSE_LOAD_PAGE_FAULT] = "load page fault",
    [CAUSE_STORE_PAGE_FAULT] = "store page fault",
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
    case CAUSE_INST_ACCESS: case CAUSE_LOAD_ACCESS: case CAUSE_STORE_ACCESS:
    case CAUSE_INST_PAGE_FAULT: case CAUSE_LOAD_PAGE_FAULT: case CAUSE_STORE_PAGE_FAULT:
    case CAUSE_LOAD_MISALIGNED: case CAUSE_STORE_MISALIGNED:
        return true;
    default:
        return false;
    }
}

static void interrupt(uint64_t irq, bool from_user)
{
    switch (irq) {
    case IRQ_S_TIMER:
        intr_timer(from_user);
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

static vm_prot_t fault_type(uint64_t cause)
{
    switch (cause) {
    case CAUSE_STORE_PAGE_FAULT: return VM_PROT_WRITE;
    case CAUSE_INST_PAGE_FAULT: return VM_PROT_EXECUTE;
    default: return VM_PROT_READ;
    }
}

static bool is_page_fault(uint64_t cause)
{
    return cause == CAUSE_LOAD_PAGE_FAULT || cause == CAUSE_STORE_PAGE_FAULT ||
           cause == CAUSE_INST_PAGE_FAULT;
}

/*
 * A page fault on a user address while the kernel copies from or to user
 * memory (copyin/copyout set sstatus.SUM): resolve it like a user fault.
 * Returns true if the access may be retried.
 */
static bool user_fault_from_kernel(struct trapframe *tf)
{
    struct thread *t = current_thread();
    if (!is_page_fault(tf->scause) || tf->stval >= USER_VA_END ||
        !(tf->sstatus & SSTATUS_SUM) || t == NULL || t->task->map == NULL)
        return false;
    if (tf->sstatus & SSTATUS_SPIE)
        intr_enable();                  /* vm_fault may sleep */
    kern_return_t kr = vm_fault(t->task->map, tf->stval, fault_type(tf->scause));
    intr_disable();
    return kr == KERN_SUCCESS;
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
        interrupt(cause & ~SCAUSE_INTR, false);
        return;
    }
    if (user_fault_from_kernel(tf))
        return;
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

static const char *fault_what(uint64_t cause)
{
    switch (cause) {
    case CAUSE_LOAD_PAGE_FAULT: case CAUSE_LOAD_ACCESS: return "read fault";
    case CAUSE_STORE_PAGE_FAULT: case CAUSE_STORE_ACCESS: return "write fault";
    case CAUSE_INST_PAGE_FAULT: case CAUSE_INST_ACCESS: return "instruction fetch fault";
    default: return trap_cause_name(cause);
    }
}

static void user_exception(struct trapframe *tf)
{
    uint64_t cause = tf->scause;
    if (is_page_fault(cause)) {
        kern_return_t kr = vm_fault(current_thread()->task->map, tf->stval, fault_type(cause));
        if (kr != KERN_SUCCESS)
            exception_user(EXC_BAD_ACCESS, kr, tf->sepc, tf->stval, tf->sp, fault_what(cause));
        return;
    }
    switch (cause) {
    case CAUSE_LOAD_ACCESS: case CAUSE_STORE_ACCESS: case CAUSE_INST_ACCESS:
    case CAUSE_LOAD_MISALIGNED: case CAUSE_STORE_MISALIGNED:
        exception_user(EXC_BAD_ACCESS, KERN_INVALID_ADDRESS, tf->sepc, tf->stval, tf->sp,
                       fault_what(cause));
        return;
    case CAUSE_BREAKPOINT:
        exception_user(EXC_BREAKPOINT, EXC_RISCV_EBREAK, tf->sepc, tf->stval, tf->sp,
                       "breakpoint");
        return;
    case CAUSE_INST_MISALIGNED:
        exception_user(EXC_BAD_INSTRUCTION, EXC_RISCV_MISALIGNED, tf->sepc, tf->stval, tf->sp,
                       "misaligned instruction address");
        return;
    default:
        if (cause == CAUSE_ILLEGAL_INST && pcb_fp_trap(&current_thread()->pcb, tf))
            return;                     /* the thread's first FP use since a switch */
        exception_user(EXC_BAD_INSTRUCTION, EXC_RISCV_ILLEGAL, tf->sepc, tf->stval, tf->sp,
                       trap_cause_name(cause));
        return;
    }
}

/* Every trap from user mode: a system call, a fault, or an interrupt. */
void trap_user(struct trapframe *tf)
{
    uint64_t cause = tf->scause;
    if (likely(cause == CAUSE_ECALL_U)) {
        intr_enable();
        tf->sepc += 4;
        /* a0..a5 lie next to each other in the frame: they are the argument array. */
        tf->a0 = syscall_dispatch((long)tf->a7, (const uintptr_t *)&tf->a0);
    } else if (cause & SCAUSE_INTR) {
        interrupt(cause & ~SCAUSE_INTR, true);
    } else {
        intr_enable();
        user_exception(tf);
    }
    /* Back to user mode with interrupts off, unless there is work to do first. */
    intr_disable();
    struct thread *t = current_thread();
    if (unlikely(t->halt_requested || (t->state & TH_SUSP) || cpu_this()->need_resched))
        thread_return_check();          /* returns with interrupts off */
}
