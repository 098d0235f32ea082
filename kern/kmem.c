// SPDX-License-Identifier: MIT
/* kmem_alloc(): kalloc below a page's worth, buddy blocks above (see kern/kmem.h). */
#include <kern/kmem.h>
#include <kern/string.h>
#include <kern/zalloc.h>
#include <machine/vm_param.h>
#include <vm/vm_page.h>

static unsigned order_for(size_t size)
{
    unsigned order = 0;
    while ((PAGE_SIZE << order) < size)
        order++;
    return order;
}

void *kmem_alloc(size_t size)
{
    if (size == 0)
        return NULL;
    if (size <= KALLOC_MAX)
        return kalloc(size);
    struct vm_page *pg = vm_page_alloc(order_for(size));
    return pg != NULL ? phys_to_virt(pg->phys) : NULL;
}

void *kmem_zalloc(size_t size)
{
    void *p = kmem_alloc(size);
    if (p != NULL)
        memset(p, 0, size);
    return p;
}

void kmem_free(void *ptr, size_t size)
{
    if (ptr == NULL)
        return;
    if (size <= KALLOC_MAX)
        kfree(ptr);
    else
        vm_page_free(vm_page_lookup(virt_to_phys(ptr)), order_for(size));
}
