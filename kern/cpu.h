/* SPDX-License-Identifier: MIT */
/*
 * Per-hart data.  Each hart finds its own `struct cpu` through the `tp`
 * register while in the kernel (machine/cpu.h: cpu_this()).
 *
 * Locking: a struct cpu is written only by its own hart, except `online`
 * and the counters, which other harts read (never write) for reports and
 * tests; those are updated with plain stores of aligned words.
 */
#ifndef _KERN_CPU_H_
#define _KERN_CPU_H_

#include <kern/sched.h>
#include <kern/types.h>

#define MAX_CPUS 16

struct cpu {
    /*
     * Read and written by the trap entry code (arch/riscv/trap.S) at the
     * offsets CPU_* in machine/asm.h; keep them first and in this order.
     */
    uintptr_t kstack_top;       /* kernel stack for traps from user mode */
    uintptr_t user_sp;          /* scratch: user sp while entering */
    uintptr_t overflow_sp;      /* emergency stack for a kernel stack overflow */
    uintptr_t onfault;          /* nonzero: a kernel fault resumes here */

    unsigned id;                /* logical number: index in cpus[] */
    unsigned long hartid;       /* the hart id firmware knows it by */
    volatile bool online;       /* set by the hart itself once it runs */

    /* Nesting of interrupt masking (spinlocks); only this hart touches it. */
    int intr_depth;
    bool intr_saved;            /* were interrupts on before the first push */

    /* The stack this hart is running on, for backtrace bounds. */
    uintptr_t stack_lo, stack_hi;

    /* External interrupts: this hart's S-mode PLIC context, if it has one. */
    bool has_plic_ctx;
    uint32_t plic_ctx;

    /* Counters (for tests and reports). */
    volatile uint64_t ticks;            /* timer interrupts taken */
    volatile uint64_t ext_irqs;         /* PLIC interrupts handled */
    volatile uint64_t ipis;             /* inter-processor interrupts taken */
    volatile uint32_t ipi_pending;      /* IPI_* bits, set by senders atomically */

    /* Scheduling. */
    struct runq runq;                   /* threads waiting for this hart */
    struct thread *thread;              /* running now */
    struct thread *idle_thread;
    struct thread *switched_from;       /* for sched_dispatch() after a switch */
    bool dispatch_runq_held;            /* runq.lock held across that switch */
    volatile bool need_resched;         /* switch at the next chance */

    /*
     * Whose floating-point values this hart's FP registers hold (a struct
     * pcb, compared, never followed; see arch/riscv/pcb.c).  Only this hart
     * touches it, with interrupts off.
     */
    const void *fp_owner;

    /* A function to run on this hart (kern/smp.c), set by another hart. */
    void (*volatile call_fn)(void *arg);
    void *call_arg;
};

/* Reasons for an inter-processor interrupt (bits of cpu->ipi_pending). */
#define IPI_PING        (1u << 0)       /* no work: used by tests and to wake a hart */
#define IPI_HALT        (1u << 1)       /* panic elsewhere: stop this hart */
#define IPI_CALL        (1u << 2)       /* run cpu->call_fn (kern/smp.c) */
#define IPI_RESCHED     (1u << 3)       /* look at the run queue */

extern struct cpu cpus[MAX_CPUS];
extern unsigned ncpus;                  /* harts the kernel uses (usable in the DTB) */

/* The struct cpu of the hart with this hart id, or NULL. */
struct cpu *cpu_by_hartid(unsigned long hartid);

/* Misuse of intr_pop (kern/cpu.c): panics. */
__noreturn void intr_pop_misuse(void);

/* Send an IPI with `reason` to one hart / to every online hart but this one. */
void cpu_send_ipi(struct cpu *target, uint32_t reason);
void cpu_broadcast_ipi(uint32_t reason);

/* Stop this hart for good, with interrupts off (used after a panic). */
__noreturn void cpu_halt(void);

#include <machine/cpu.h>

#ifndef RVMACH_HOST
/* The thread running on this hart (see kern/sched.h). */
static inline struct thread *current_thread(void)
{
    return cpu_this()->thread;
}
#endif

/*
 * Mask interrupts on this hart, nested (spinlocks use these): interrupts
 * come back when the outermost intr_pop() undoes the first intr_push().
 */
static inline void intr_push(void)
{
    bool was_on = intr_disable();
    struct cpu *c = cpu_this();
    if (c->intr_depth++ == 0)
        c->intr_saved = was_on;
}

static inline void intr_pop(void)
{
    struct cpu *c = cpu_this();
    if (unlikely(intr_enabled() || c->intr_depth <= 0))
        intr_pop_misuse();
    if (--c->intr_depth == 0 && c->intr_saved)
        intr_enable();
}

/* The spinlock fast paths use intr_push() and struct cpu. */
#include <kern/spinlock_fast.h>

#endif /* _KERN_CPU_H_ */
