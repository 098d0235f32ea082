// SPDX-License-Identifier: MIT
/* Per-hart data, nested interrupt masking, and inter-processor interrupts. */
#include <kern/clock.h>
#include <kern/cpu.h>
#include <kern/intr.h>
#include <kern/panic.h>
#include <kern/sched.h>
#include <machine/sbi.h>

struct cpu cpus[MAX_CPUS];
unsigned ncpus;

struct cpu *cpu_by_hartid(unsigned long hartid)
{
    for (unsigned i = 0; i < ncpus; i++)
        if (cpus[i].hartid == hartid)
            return &cpus[i];
    return NULL;
}

void intr_pop_misuse(void)
{
    struct cpu *c = cpu_this();
    if (intr_enabled())
        panic("intr_pop on hart %lu with interrupts enabled", c->hartid);
    panic("intr_pop on hart %lu without a matching intr_push", c->hartid);
}

void cpu_send_ipi(struct cpu *target, uint32_t reason)
{
    __atomic_fetch_or(&target->ipi_pending, reason, __ATOMIC_RELEASE);
    sbi_send_ipi(1UL << (target->hartid % 64), target->hartid & ~63UL);
}

void cpu_broadcast_ipi(uint32_t reason)
{
    struct cpu *self = cpu_this();
    for (unsigned i = 0; i < ncpus; i++)
        if (&cpus[i] != self && cpus[i].online)
            cpu_send_ipi(&cpus[i], reason);
}

void intr_ipi(void)
{
    struct cpu *c = cpu_this();
    uint32_t reasons = __atomic_exchange_n(&c->ipi_pending, 0, __ATOMIC_ACQUIRE);
    c->ipis++;
    if (reasons & IPI_HALT)
        cpu_halt();
    if (reasons & IPI_RESCHED)
        c->need_resched = true;         /* looked at on the way out of the trap */
}

void intr_timer(bool from_user)
{
    clock_interrupt();
    sched_tick(from_user);
}

void cpu_halt(void)
{
    intr_disable();
    cpu_this()->online = false;
    for (;;)
        wfi();
}
