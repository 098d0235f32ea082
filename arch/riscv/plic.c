// SPDX-License-Identifier: MIT
/*
 * The platform-level interrupt controller (PLIC): routes device interrupt
 * lines to harts.  Each hart has an S-mode "context" (its number comes from
 * the device tree: 2h+1 on QEMU virt, 2h on the JH7110) with an enable bit
 * per line, a priority threshold and a claim/complete register.
 */
#include <kern/cpu.h>
#include <kern/devtree.h>
#include <kern/intr.h>
#include <kern/panic.h>
#include <kern/printf.h>
#include <kern/spinlock.h>
#include <machine/pmap.h>
#include <machine/plic.h>

#define PLIC_PRIORITY(irq)      (4 * (irq))
#define PLIC_ENABLE(ctx)        (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)     (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)         (0x200004 + 0x1000 * (ctx))
#define PLIC_MAX_IRQ            1023

struct irq_slot {
    intr_handler_t handler;
    void *arg;
    struct cpu *target;
    uint64_t count;
};

/*
 * plic_lock guards irqs[] registrations and the enable registers.  The
 * handler pointer is read without it by the hart taking the interrupt:
 * a line is disabled before its handler is cleared.  Leaf lock.
 */
static struct spinlock plic_lock = SPINLOCK_INITIALIZER("plic");
static struct irq_slot irqs[PLIC_MAX_IRQ + 1];
static volatile uint8_t *plic;
static uint32_t plic_ndev;

static volatile uint32_t *reg(uintptr_t off)
{
    return (volatile uint32_t *)(plic + off);
}

static void enable_bit(uint32_t ctx, unsigned irq, bool on)
{
    volatile uint32_t *r = reg(PLIC_ENABLE(ctx) + 4 * (irq / 32));
    if (on)
        *r |= 1u << (irq % 32);
    else
        *r &= ~(1u << (irq % 32));
}

bool plic_init(const struct dt_plic *p)
{
    if (!p->present)
        return false;
    uint32_t max_ctx = 0;
    for (unsigned i = 0; i < p->nctx; i++) {
        struct cpu *c = cpu_by_hartid(p->ctx[i].hartid);
        if (c == NULL)
            continue;
        c->has_plic_ctx = true;
        c->plic_ctx = p->ctx[i].context;
        max_ctx = MAX(max_ctx, p->ctx[i].context);
    }
    /* Map the priorities and enables, and the context registers we use. */
    plic = pmap_map_device(p->base, PLIC_THRESHOLD(max_ctx + 1));
    if (plic == NULL)
        return false;
    plic_ndev = MIN(p->ndev, (uint32_t)PLIC_MAX_IRQ);
    for (unsigned irq = 1; irq <= plic_ndev; irq++)
        *reg(PLIC_PRIORITY(irq)) = 0;       /* priority 0: never delivered */
    return true;
}

void plic_init_hart(void)
{
    struct cpu *c = cpu_this();
    if (plic == NULL || !c->has_plic_ctx)
        return;
    for (unsigned irq = 0; irq <= plic_ndev; irq += 32)
        *reg(PLIC_ENABLE(c->plic_ctx) + 4 * (irq / 32)) = 0;
    *reg(PLIC_THRESHOLD(c->plic_ctx)) = 0;
    csr_set(sie, SIE_SEIE);
}

kern_return_t intr_register(unsigned irq, struct cpu *target,
                            intr_handler_t handler, void *arg)
{
    if (plic == NULL || irq == 0 || irq > plic_ndev || target == NULL ||
        !target->has_plic_ctx || handler == NULL)
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = KERN_SUCCESS;
    spin_lock(&plic_lock);
    if (irqs[irq].handler != NULL) {
        kr = KERN_NAME_EXISTS;
    } else {
        irqs[irq] = (struct irq_slot){ handler, arg, target, 0 };
        *reg(PLIC_PRIORITY(irq)) = 1;
        enable_bit(target->plic_ctx, irq, true);
    }
    spin_unlock(&plic_lock);
    return kr;
}

void intr_unregister(unsigned irq)
{
    if (irq == 0 || irq > plic_ndev)
        return;
    spin_lock(&plic_lock);
    if (irqs[irq].handler != NULL) {
        enable_bit(irqs[irq].target->plic_ctx, irq, false);
        *reg(PLIC_PRIORITY(irq)) = 0;
        irqs[irq].handler = NULL;
    }
    spin_unlock(&plic_lock);
}

/*
 * Masking a line sets its priority to 0 ("never interrupt") and leaves its
 * enable bit alone.  Clearing the enable bit instead would break the usual
 * use, masking inside the handler: the PLIC ignores a completion for a
 * source not enabled for the context, so the completion that follows the
 * handler would be lost and the source would stay claimed for good.
 */
void intr_mask(unsigned irq)
{
    if (plic == NULL || irq == 0 || irq > plic_ndev)
        return;
    spin_lock(&plic_lock);
    if (irqs[irq].handler != NULL)
        *reg(PLIC_PRIORITY(irq)) = 0;
    spin_unlock(&plic_lock);
}

void intr_unmask(unsigned irq)
{
    if (plic == NULL || irq == 0 || irq > plic_ndev)
        return;
    spin_lock(&plic_lock);
    /*
     * A priority write also makes QEMU's PLIC look at pending sources again
     * (it does not on enable-bit writes), so a request that came while the
     * line was masked is delivered now.
     */
    if (irqs[irq].handler != NULL)
        *reg(PLIC_PRIORITY(irq)) = 1;
    spin_unlock(&plic_lock);
}

uint64_t intr_count(unsigned irq)
{
    return irq <= PLIC_MAX_IRQ ? irqs[irq].count : 0;
}

void intr_external(void)
{
    struct cpu *c = cpu_this();
    if (plic == NULL || !c->has_plic_ctx)
        return;
    uint32_t irq;
    while ((irq = *reg(PLIC_CLAIM(c->plic_ctx))) != 0) {
        struct irq_slot *s = irq <= PLIC_MAX_IRQ ? &irqs[irq] : NULL;
        if (s != NULL && s->handler != NULL) {
            s->count++;
            c->ext_irqs++;
            s->handler(s->arg, irq);
        } else {
            kprintf("plic: interrupt %u has no handler; masking it\n", irq);
            *reg(PLIC_PRIORITY(irq)) = 0;   /* (keeps the completion below valid) */
        }
        *reg(PLIC_CLAIM(c->plic_ctx)) = irq;    /* complete */
    }
}
