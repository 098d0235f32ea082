// SPDX-License-Identifier: MIT
/* Run a function on every hart: post it in each struct cpu and wake them by IPI. */
#include <kern/cpu.h>
#include <kern/panic.h>
#include <kern/smp.h>
#include <kern/spinlock.h>

/* smp_call_lock serialises smp_run_on_all() callers; calls_left is under it. */
static struct spinlock smp_call_lock = SPINLOCK_INITIALIZER("smp_call");
static volatile unsigned calls_left;
static volatile bool call_busy;

bool smp_run_pending(void)
{
    struct cpu *c = cpu_this();
    void (*fn)(void *) = c->call_fn;
    if (fn == NULL)
        return false;
    intr_enable();
    fn(c->call_arg);
    intr_disable();
    c->call_fn = NULL;
    __atomic_fetch_sub(&calls_left, 1, __ATOMIC_RELEASE);
    return true;
}

static void wait_for(volatile unsigned *counter)
{
    while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) != 0)
        cpu_relax();
}

void smp_run_on_all(smp_fn_t fn, void *arg)
{
    /* Take the right to call without holding a spinlock while fn runs. */
    for (;;) {
        spin_lock(&smp_call_lock);
        bool mine = !call_busy;
        call_busy = true;
        spin_unlock(&smp_call_lock);
        if (mine)
            break;
        cpu_relax();
    }
    struct cpu *self = cpu_this();
    unsigned others = 0;
    for (unsigned i = 0; i < ncpus; i++)
        if (&cpus[i] != self && cpus[i].online)
            others++;
    calls_left = others;
    for (unsigned i = 0; i < ncpus; i++) {
        struct cpu *c = &cpus[i];
        if (c == self || !c->online)
            continue;
        c->call_arg = arg;
        __atomic_store_n(&c->call_fn, fn, __ATOMIC_RELEASE);
        cpu_send_ipi(c, IPI_CALL);
    }
    fn(arg);
    wait_for(&calls_left);
    call_busy = false;
}
