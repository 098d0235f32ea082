// SPDX-License-Identifier: MIT
/*
 * Physical mappings for user-level drivers (vm/vm_phys.h): device registers
 * and DMA buffers entered into a map as a physical vm_object.
 */
#include <kern/panic.h>
#include <machine/vm_param.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>

/*
 * Is [pa, pa + size) one allocated block of `order` (its head frame says
 * so: kern/buddy.h keeps the order of an allocated block on its head)?
 */
static bool vm_phys_is_block(paddr_t pa, vm_size_t size, int order)
{
    if (order >= (int)(sizeof(vm_size_t) * 8 - PAGE_SHIFT) ||
        size != (vm_size_t)PAGE_SIZE << order)
        return false;
    const struct vm_page *head = vm_page_lookup(pa);
    return head != NULL && head->state == VM_PAGE_ALLOCATED && head->order == order;
}

/* The argument rules of vm_map_enter_phys (vm/vm_phys.h). */
static kern_return_t vm_phys_check(vm_map_t map, const vaddr_t *addr, paddr_t pa,
                                   vm_size_t size, vm_prot_t prot, int free_order)
{
    if (map == NULL || addr == NULL || size == 0 || !IS_ALIGNED(pa | size, PAGE_SIZE) ||
        pa + size - 1 < pa)
        return KERN_INVALID_ARGUMENT;
    if (prot == VM_PROT_NONE || (prot & ~VM_PROT_ALL) != 0)
        return KERN_INVALID_ARGUMENT;
    if (free_order < -1 || (free_order >= 0 && !vm_phys_is_block(pa, size, free_order)))
        return KERN_INVALID_ARGUMENT;
    return KERN_SUCCESS;
}

/* Map locked, `e` new and holding the object: link it over [start, end). */
static void vm_phys_link(vm_map_t map, struct vm_map_entry *e, vaddr_t start, vaddr_t end,
                         vm_prot_t prot)
{
    e->start = start;
    e->end = end;
    e->offset = 0;
    e->protection = prot;
    e->max_protection = prot;
    e->inheritance = VM_INHERIT_NONE;
    e->needs_copy = false;
    e->is_shared = false;
    vm_map_entry_link(map, e);      /* a new object: no neighbour merges with it */
}

kern_return_t vm_map_enter_phys(vm_map_t map, vaddr_t *addr, paddr_t pa, vm_size_t size,
                                vm_prot_t prot, int free_order)
{
    kern_return_t kr = vm_phys_check(map, addr, pa, size, prot, free_order);
    if (kr != KERN_SUCCESS)
        return kr;
    struct vm_map_entry *e = vm_map_entry_alloc();
    if (e == NULL)
        return KERN_RESOURCE_SHORTAGE;
    vaddr_t start = 0;
    mutex_lock(&map->lock);
    kr = vm_map_find_space(map, size, &start);
    /*
     * The object is made last, once nothing else can fail: from its
     * creation it owns the block, and the caller frees it on failure.
     */
    if (kr == KERN_SUCCESS) {
        e->object = vm_object_allocate_phys(pa, size, free_order);
        if (e->object == NULL)
            kr = KERN_RESOURCE_SHORTAGE;
    }
    if (kr == KERN_SUCCESS)
        vm_phys_link(map, e, start, start + size, prot);
    mutex_unlock(&map->lock);
    if (kr != KERN_SUCCESS) {
        vm_map_entry_free(e);
        return kr;
    }
    *addr = start;
    return KERN_SUCCESS;
}
