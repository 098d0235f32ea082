/* SPDX-License-Identifier: MIT */
/*
 * The machine part of a thread (process control block): the kernel
 * registers saved when it switches away, its floating-point registers, and
 * where its user registers are saved on a trap.
 */
#ifndef _MACHINE_PCB_H_
#define _MACHINE_PCB_H_

#include <kern/types.h>
#include <machine/trap.h>

/* Callee-saved registers: all a switch inside the kernel must keep. */
struct context {
    uint64_t ra, sp;
    uint64_t s[12];
};

/* f0-f31 and fcsr.  Saved only when the thread dirtied them (sstatus.FS). */
struct fpstate {
    uint64_t f[32];
    uint64_t fcsr;
};

struct pcb {
    struct context ctx;
    struct fpstate fp;
    bool fp_saved;              /* fp holds the thread's FP registers */
    struct trapframe *utf;      /* user registers, at the top of the kernel stack */
};

/* Save `from`'s callee-saved registers, load `to`'s, return in `to`. */
void switch_context(struct context *from, struct context *to);

/* A kernel thread's first switch runs fn(arg) on the stack ending at `top`. */
void pcb_init_kernel(struct pcb *pcb, vaddr_t top, void (*fn)(void *), void *arg);

/*
 * A user thread's first switch enters user mode at `pc` with `sp` and
 * a0 = arg.  The user frame sits at the top of the kernel stack.
 */
void pcb_init_user(struct pcb *pcb, vaddr_t top, uintptr_t pc, uintptr_t sp,
                   uintptr_t arg);

/*
 * Read or write a stopped thread's user registers as a Mach thread state
 * flavor (mach/machine/thread_status.h).  *count is in 32-bit words: the
 * room on entry, the size on return.  KERN_INVALID_ARGUMENT for an unknown
 * flavor or too small a count; pcb_set_state refuses a pc outside user
 * space the moment it would be used, not here.
 */
kern_return_t pcb_get_state(struct pcb *pcb, int flavor, uint32_t *state, unsigned *count);
kern_return_t pcb_set_state(struct pcb *pcb, int flavor, const uint32_t *state,
                            unsigned count);

/* Switch-time FP handling (arch/riscv/context.S, pcb.c). */
void pcb_switch_out(struct pcb *pcb);
void pcb_switch_in(struct pcb *pcb);

void fp_save(struct fpstate *fp);
void fp_restore(const struct fpstate *fp);

#endif /* _MACHINE_PCB_H_ */
