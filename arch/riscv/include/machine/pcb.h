/* SPDX-License-Identifier: MIT */
/*
 * The machine part of a thread (process control block): the kernel
 * registers saved when it switches away, its floating-point registers, and
 * where its user registers are saved on a trap.
 */
#ifndef _MACHINE_PCB_H_
#define _MACHINE_PCB_H_

#include <kern/types.h>
#include <machine/riscv.h>
#include <machine/trap.h>

/* Callee-saved registers: all a switch inside the kernel must keep. */
struct context {
    uint64_t ra, sp;
    uint64_t s[12];
};

/* f0-f31 and fcsr. */
struct fpstate {
    uint64_t f[32];
    uint64_t fcsr;
};

/*
 * FP registers are switched lazily (arch/riscv/pcb.c): `fp` holds the
 * thread's values whenever it is not running; they are loaded into a hart
 * only when the thread first uses FP after a switch.  `fp_cpu` is the hart
 * they were last loaded into (NULL: none, or `fp` changed since); they are
 * still there if that hart's fp_owner is this pcb.  Both change only on the
 * thread's own hart, with interrupts off, or while it is stopped.
 */
struct pcb {
    struct context ctx;
    struct fpstate fp;
    struct cpu *fp_cpu;
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

/*
 * Switch-time FP handling (arch/riscv/context.S, pcb.c).  Switching out,
 * only a thread that changed its FP registers since they were loaded
 * (FS = Dirty) has anything to save: that test is inline.
 */
void pcb_save_dirty_fp(struct pcb *pcb);
static inline void pcb_switch_out(struct pcb *pcb)
{
    if ((csr_read(sstatus) & SSTATUS_FS_MASK) == SSTATUS_FS_DIRTY)
        pcb_save_dirty_fp(pcb);
}
void pcb_switch_in(struct pcb *pcb);

/*
 * An illegal-instruction trap from user mode: if it came from FP being off
 * for a thread whose values are not loaded, load them and return true (the
 * instruction runs again); false if the instruction is really illegal.
 */
bool pcb_fp_trap(struct pcb *pcb, struct trapframe *tf);

void fp_save(struct fpstate *fp);
void fp_restore(const struct fpstate *fp);

#endif /* _MACHINE_PCB_H_ */
