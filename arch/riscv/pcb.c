// SPDX-License-Identifier: MIT
/*
 * Setting up a thread's machine state, and the floating-point registers at
 * a switch.  The kernel is built without floating point, so a user thread's
 * FP registers stay live in the hart across traps; they are saved only when
 * the thread switches away after using them (sstatus.FS = Dirty), and loaded
 * again when it switches back in.
 */
#include <kern/string.h>
#include <mach/machine/thread_status.h>
#include <machine/pcb.h>
#include <machine/riscv.h>
#include <machine/trap.h>

extern char thread_start_kernel[], thread_start_user[];

void pcb_init_kernel(struct pcb *pcb, vaddr_t top, void (*fn)(void *), void *arg)
{
    memset(pcb, 0, sizeof(*pcb));
    pcb->ctx.ra = (uintptr_t)thread_start_kernel;
    pcb->ctx.sp = top;
    pcb->ctx.s[1] = (uintptr_t)fn;
    pcb->ctx.s[2] = (uintptr_t)arg;
}

void pcb_init_user(struct pcb *pcb, vaddr_t top, uintptr_t pc, uintptr_t sp,
                   uintptr_t arg)
{
    memset(pcb, 0, sizeof(*pcb));
    struct trapframe *tf = (struct trapframe *)(top - sizeof(struct trapframe));
    memset(tf, 0, sizeof(*tf));
    tf->sepc = pc;
    tf->sp = sp;
    tf->a0 = arg;
    /* User mode (SPP clear), interrupts on after sret, FP usable and clean. */
    tf->sstatus = SSTATUS_SPIE | SSTATUS_FS_INITIAL;
    pcb->utf = tf;
    pcb->fp_saved = true;       /* zeroed: no FP values leak in from other threads */
    pcb->ctx.ra = (uintptr_t)thread_start_user;
    pcb->ctx.sp = (uintptr_t)tf;
}

static void fp_access(bool on)
{
    if (on)
        csr_set(sstatus, SSTATUS_FS_CLEAN);
}

void pcb_switch_out(struct pcb *pcb)
{
    if ((csr_read(sstatus) & SSTATUS_FS_MASK) != SSTATUS_FS_DIRTY)
        return;
    fp_save(&pcb->fp);
    pcb->fp_saved = true;
    csr_clear(sstatus, SSTATUS_FS_MASK);
    csr_set(sstatus, SSTATUS_FS_CLEAN);
    if (pcb->utf != NULL)
        pcb->utf->sstatus = (pcb->utf->sstatus & ~SSTATUS_FS_MASK) | SSTATUS_FS_CLEAN;
}

void pcb_switch_in(struct pcb *pcb)
{
    if (!pcb->fp_saved)
        return;
    fp_access(true);
    fp_restore(&pcb->fp);
    csr_clear(sstatus, SSTATUS_FS_MASK);
    csr_set(sstatus, SSTATUS_FS_CLEAN);
}

kern_return_t pcb_get_state(struct pcb *pcb, int flavor, uint32_t *state, unsigned *count)
{
    struct trapframe *tf = pcb->utf;
    if (tf == NULL)
        return KERN_INVALID_ARGUMENT;
    if (flavor == RISCV_THREAD_STATE) {
        struct riscv_thread_state ts;
        if (*count < RISCV_THREAD_STATE_COUNT)
            return KERN_INVALID_ARGUMENT;
        ts.pc = tf->sepc;
        for (unsigned n = 1; n < 32; n++)
            ts.x[n - 1] = *trapframe_reg(tf, n);
        memcpy(state, &ts, sizeof(ts));
        *count = RISCV_THREAD_STATE_COUNT;
        return KERN_SUCCESS;
    }
    if (flavor == RISCV_FLOAT_STATE) {
        if (*count < RISCV_FLOAT_STATE_COUNT)
            return KERN_INVALID_ARGUMENT;
        struct riscv_float_state fs;
        memcpy(fs.f, pcb->fp.f, sizeof(fs.f));
        fs.fcsr = pcb->fp.fcsr;
        memcpy(state, &fs, sizeof(fs));
        *count = RISCV_FLOAT_STATE_COUNT;
        return KERN_SUCCESS;
    }
    return KERN_INVALID_ARGUMENT;
}

kern_return_t pcb_set_state(struct pcb *pcb, int flavor, const uint32_t *state,
                            unsigned count)
{
    struct trapframe *tf = pcb->utf;
    if (tf == NULL)
        return KERN_INVALID_ARGUMENT;
    if (flavor == RISCV_THREAD_STATE) {
        struct riscv_thread_state ts;
        if (count < RISCV_THREAD_STATE_COUNT)
            return KERN_INVALID_ARGUMENT;
        memcpy(&ts, state, sizeof(ts));
        tf->sepc = ts.pc;
        for (unsigned n = 1; n < 32; n++)
            *trapframe_reg(tf, n) = ts.x[n - 1];
        return KERN_SUCCESS;
    }
    if (flavor == RISCV_FLOAT_STATE) {
        if (count < RISCV_FLOAT_STATE_COUNT)
            return KERN_INVALID_ARGUMENT;
        struct riscv_float_state fs;
        memcpy(&fs, state, sizeof(fs));
        memcpy(pcb->fp.f, fs.f, sizeof(fs.f));
        pcb->fp.fcsr = fs.fcsr & 0xff;
        pcb->fp_saved = true;
        return KERN_SUCCESS;
    }
    return KERN_INVALID_ARGUMENT;
}
