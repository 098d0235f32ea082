// SPDX-License-Identifier: MIT
/* Kernel stacks with guard pages, in the kernel-stack area (see kern/kstack.h). */
#include <kern/kstack.h>
#include <kern/panic.h>
#include <kern/spinlock.h>
#include <machine/pmap.h>
#include <machine/vm_param.h>
#include <vm/vm_page.h>

#define KSTACK_SLOTS    (KSTACK_AREA_SIZE / KSTACK_SLOT)
#define KSTACK_PAGES    (KSTACK_SIZE / PAGE_SIZE)

/* kstack_lock guards slot_used and in_use.  Leaf lock. */
static struct spinlock kstack_lock = SPINLOCK_INITIALIZER("kstack");
static uint64_t slot_used[KSTACK_SLOTS / 64];
static size_t in_use;

static long slot_take(void)
{
    long slot = -1;
    spin_lock(&kstack_lock);
    for (size_t w = 0; w < KSTACK_SLOTS / 64 && slot < 0; w++) {
        if (slot_used[w] == ~0UL)
            continue;
        unsigned bit = __builtin_ctzl(~slot_used[w]);
        slot_used[w] |= 1UL << bit;
        slot = (long)(w * 64 + bit);
        in_use++;
    }
    spin_unlock(&kstack_lock);
    return slot;
}

static void slot_give(size_t slot)
{
    spin_lock(&kstack_lock);
    kassert(slot_used[slot / 64] & (1UL << (slot % 64)));
    slot_used[slot / 64] &= ~(1UL << (slot % 64));
    in_use--;
    spin_unlock(&kstack_lock);
}

static vaddr_t slot_stack_base(size_t slot)
{
    return KSTACK_AREA_BASE + slot * KSTACK_SLOT + (KSTACK_SLOT - KSTACK_SIZE);
}

/* Unmap and free the first `npages` pages of the stack at `base`. */
static void unmap_pages(vaddr_t base, size_t npages)
{
    for (size_t i = 0; i < npages; i++) {
        vaddr_t va = base + i * PAGE_SIZE;
        paddr_t pa = pte_to_pa(pmap_kernel_lookup(va));
        pmap_kernel_remove(va);
        vm_page_free(vm_page_lookup(pa), 0);
    }
}

vaddr_t kstack_alloc(void)
{
    long slot = slot_take();
    if (slot < 0)
        return 0;
    vaddr_t base = slot_stack_base((size_t)slot);
    for (size_t i = 0; i < KSTACK_PAGES; i++) {
        struct vm_page *pg = vm_page_alloc(0);
        if (pg == NULL ||
            pmap_kernel_enter(base + i * PAGE_SIZE, pg->phys, PTE_R | PTE_W) != KERN_SUCCESS) {
            if (pg != NULL)
                vm_page_free(pg, 0);
            unmap_pages(base, i);
            slot_give((size_t)slot);
            return 0;
        }
    }
    return base + KSTACK_SIZE;
}

void kstack_free(vaddr_t top)
{
    kassert(top > KSTACK_AREA_BASE && top <= KSTACK_AREA_BASE + KSTACK_AREA_SIZE);
    kassert(IS_ALIGNED(top, KSTACK_SLOT));
    vaddr_t base = top - KSTACK_SIZE;
    unmap_pages(base, KSTACK_PAGES);
    slot_give((base - KSTACK_AREA_BASE) / KSTACK_SLOT);
}

size_t kstack_count(void)
{
    return in_use;
}
