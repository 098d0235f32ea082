// SPDX-License-Identifier: MIT
/*
 * The kernel's physical page allocator: works out at boot which RAM is free
 * (banks minus firmware, kernel, device tree and initrd), keeps one struct
 * vm_page per frame at the start of each free range, and hands the rest to
 * the buddy allocator (kern/buddy.c).  Also the page source of the zones.
 */
#include <kern/buddy.h>
#include <kern/devtree.h>
#include <kern/panic.h>
#include <kern/physmem.h>
#include <kern/printf.h>
#include <kern/spinlock.h>
#include <kern/string.h>
#include <kern/zalloc.h>
#include <machine/vm_param.h>
#include <vm/vm_page.h>
#include <vm/vm_page_boot.h>

/* vm_page_lock guards `buddy` (free lists and counters).  Leaf lock. */
static struct spinlock vm_page_lock = SPINLOCK_INITIALIZER("vm_page");
static struct buddy buddy;

/* What boot found, for the banner and tests. */
static struct vm_page_boot_info boot_info;

static void add_reserved(struct phys_range *r, unsigned *n, paddr_t start, paddr_t end)
{
    if (end > start && *n < VM_PAGE_MAX_RESERVED)
        r[(*n)++] = (struct phys_range){ start, end };
    else if (end > start)
        panic("vm_page: more than %d reserved ranges", VM_PAGE_MAX_RESERVED);
}

/* Put one free range under the allocator: descriptors first, the rest free. */
static void add_free_range(paddr_t start, paddr_t end)
{
    size_t npages = (end - start) >> PAGE_SHIFT;
    size_t desc_pages = ROUND_UP(npages * sizeof(struct vm_page), PAGE_SIZE) >> PAGE_SHIFT;
    if (desc_pages >= npages) {
        boot_info.lost_pages += npages;     /* too small to describe itself */
        return;
    }
    struct vm_page *pages = phys_to_virt(start);
    memset(pages, 0, npages * sizeof(struct vm_page));
    if (buddy_add_seg(&buddy, start, npages, pages) != KERN_SUCCESS) {
        boot_info.lost_pages += npages;
        return;
    }
    buddy_release(&buddy, start + (desc_pages << PAGE_SHIFT), end);
    boot_info.desc_pages += desc_pages;
}

void vm_page_bootstrap(const struct platform *plat, const struct phys_range *in_use,
                       unsigned nin_use)
{
    struct phys_range banks[DT_MAX_MEM];
    struct phys_range resv[VM_PAGE_MAX_RESERVED];
    struct phys_range free[VM_PAGE_MAX_FREE];
    unsigned nresv = 0, nfree = 0;

    for (unsigned i = 0; i < plat->nmem; i++)
        banks[i] = (struct phys_range){ plat->mem[i].base,
                                        plat->mem[i].base + plat->mem[i].size };
    for (unsigned i = 0; i < plat->nresv; i++)
        add_reserved(resv, &nresv, plat->resv[i].base,
                     plat->resv[i].base + plat->resv[i].size);
    for (unsigned i = 0; i < nin_use; i++)
        add_reserved(resv, &nresv, in_use[i].start, in_use[i].end);
    if (plat->chosen.has_initrd)
        add_reserved(resv, &nresv, plat->chosen.initrd_start, plat->chosen.initrd_end);

    kern_return_t kr = physmem_subtract(banks, plat->nmem, resv, nresv, free,
                                        VM_PAGE_MAX_FREE, &nfree);
    if (kr != KERN_SUCCESS)
        panic("vm_page: cannot compute free memory (error %d, %u ranges)", kr, nfree);

    buddy_init(&buddy);
    for (unsigned i = 0; i < nfree; i++)
        add_free_range(free[i].start, free[i].end);
    boot_info.nfree_ranges = nfree;
    for (unsigned i = 0; i < nfree && i < VM_PAGE_MAX_FREE; i++)
        boot_info.free_ranges[i] = free[i];
    if (buddy.free_pages == 0)
        panic("vm_page: no free memory left after the kernel and firmware");
}

const struct vm_page_boot_info *vm_page_boot_info(void)
{
    return &boot_info;
}

struct vm_page *vm_page_alloc(unsigned order)
{
    spin_lock(&vm_page_lock);
    struct vm_page *pg = buddy_alloc(&buddy, order);
    spin_unlock(&vm_page_lock);
    if (pg == NULL && zone_drain_cached() > 0) {   /* the zones' spare pages first */
        spin_lock(&vm_page_lock);
        pg = buddy_alloc(&buddy, order);
        spin_unlock(&vm_page_lock);
    }
    return pg;
}

void vm_page_free(struct vm_page *page, unsigned order)
{
    kassert(page != NULL);
    spin_lock(&vm_page_lock);
    buddy_free(&buddy, page, order);
    spin_unlock(&vm_page_lock);
}

struct vm_page *vm_page_lookup(paddr_t pa)
{
    /* Segments never change after boot: no lock needed to search them. */
    return buddy_lookup(&buddy, pa);
}

size_t vm_page_free_count(void)
{
    return __atomic_load_n(&buddy.free_pages, __ATOMIC_RELAXED);
}

size_t vm_page_available_count(void)
{
    return vm_page_free_count() + zone_cached_pages();
}

size_t vm_page_total_count(void)
{
    return buddy.total_pages;
}

void *zone_page_alloc(void)
{
    struct vm_page *pg = vm_page_alloc(0);
    return pg != NULL ? phys_to_virt(pg->phys) : NULL;
}

void zone_page_free(void *page)
{
    vm_page_free(vm_page_lookup(virt_to_phys(page)), 0);
}
