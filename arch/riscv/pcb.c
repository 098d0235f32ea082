// SPDX-License-Identifier: MIT
/*
 * Setting up a thread's machine state, and its floating-point registers.
 *
 * The kernel is built without floating point, so a user thread's FP values
 * stay in the hart's registers across traps.  They are switched lazily:
 *   - switching out, they are saved only if the thread changed them since
 *     they were loaded (sstatus.FS = Dirty);
 *   - switching in, nothing is loaded: the thread returns to user mode with
 *     FS = Off, unless the hart still holds its values (it was the last
 *     thread to use FP here), then FS = Clean;
 *   - its first FP instruction with FS = Off traps as illegal;
 *     pcb_fp_trap() loads its values and the instruction runs again.
 * Most threads never use FP between switches and never pay for it; a thread
 * that does pays one trap.  FS = Off also keeps every thread from reading
 * values another thread left in the registers.
 */
#include <kern/cpu.h>
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
    /* User mode (SPP clear), interrupts on after sret, FP off until first used. */
    tf->sstatus = SSTATUS_SPIE | SSTATUS_FS_OFF;
    pcb->utf = tf;
    pcb->fp_cpu = NULL;         /* fp (zeroed) is loaded on first use */
    pcb->ctx.ra = (uintptr_t)thread_start_user;
    pcb->ctx.sp = (uintptr_t)tf;
}

static void set_user_fs(struct pcb *pcb, uint64_t fs)
{
    if (pcb->utf != NULL)
        pcb->utf->sstatus = (pcb->utf->sstatus & ~SSTATUS_FS_MASK) | fs;
}

void pcb_save_dirty_fp(struct pcb *pcb)
{
    /* FS in sstatus is the user's until the switch: Dirty means changed since loaded. */
    fp_save(&pcb->fp);
    csr_clear(sstatus, SSTATUS_FS_MASK);
    csr_set(sstatus, SSTATUS_FS_CLEAN);
    set_user_fs(pcb, SSTATUS_FS_CLEAN);
}

__hot_leaf void pcb_switch_in(struct pcb *pcb)
{
    struct cpu *c = cpu_this();
    bool loaded = c->fp_owner == pcb && pcb->fp_cpu == c;
    set_user_fs(pcb, loaded ? SSTATUS_FS_CLEAN : SSTATUS_FS_OFF);
}

bool pcb_fp_trap(struct pcb *pcb, struct trapframe *tf)
{
    if ((tf->sstatus & SSTATUS_FS_MASK) != SSTATUS_FS_OFF)
        return false;                   /* FP was on: the instruction is illegal */
    bool was_on = intr_disable();       /* no switch between loading and owning */
    struct cpu *c = cpu_this();
    csr_set(sstatus, SSTATUS_FS_CLEAN); /* the kernel may touch the FP registers now */
    fp_restore(&pcb->fp);
    csr_clear(sstatus, SSTATUS_FS_MASK);
    csr_set(sstatus, SSTATUS_FS_CLEAN);
    c->fp_owner = pcb;
    pcb->fp_cpu = c;
    tf->sstatus = (tf->sstatus & ~SSTATUS_FS_MASK) | SSTATUS_FS_CLEAN;
    if (was_on)
        intr_enable();
    return true;
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
        pcb->fp_cpu = NULL;             /* whatever a hart holds is stale now */
        return KERN_SUCCESS;
    }
    return KERN_INVALID_ARGUMENT;
}
