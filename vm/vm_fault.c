// SPDX-License-Identifier: MIT
/*
 * Page faults (vm/vm_fault.h): demand zero fill, copy-on-write through
 * shadow objects, and physical mappings entered as they are.  The
 * zero-fill path is kept short: one entry lookup (the hint usually hits),
 * one hash lookup, one page, one pmap_enter.
 */
#include <kern/panic.h>
#include <machine/vm_param.h>
#include <vm/pmap.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>
#include <vm/vm_resident.h>

/*
 * Step 2: make sure the entry has an object the fault may use: a new one
 * for untouched memory, a new shadow for a write to a needs_copy entry.
 * Map lock held.
 */
static kern_return_t vm_fault_prepare(struct vm_map_entry *e, vm_prot_t fault_type)
{
    if (e->object == NULL) {
        e->object = vm_object_allocate(e->end - e->start);
        if (e->object == NULL)
            return KERN_RESOURCE_SHORTAGE;
        e->offset = 0;
        return KERN_SUCCESS;
    }
    if (e->needs_copy && (fault_type & VM_PROT_WRITE)) {
        kern_return_t kr = vm_object_shadow(&e->object, &e->offset, e->end - e->start);
        if (kr != KERN_SUCCESS)
            return kr;
        e->needs_copy = false;
    }
    return KERN_SUCCESS;
}

/*
 * Step 4, top object locked: a new page of `top` at `offset`, zeroed or a
 * copy of `from`.  NULL when memory is out.
 */
static struct vm_page *vm_fault_new_page(struct vm_object *top, vm_offset_t offset,
                                         struct vm_page *from)
{
    struct vm_page *page = vm_page_grab();
    if (page == NULL)
        return NULL;
    if (from != NULL)
        pmap_copy_page(from->phys, page->phys);
    else
        pmap_zero_page(page->phys);
    vm_page_insert(page, top, offset);
    return page;
}

/*
 * A physical entry (vm/vm_phys.h): enter the physical page behind va,
 * with the entry's protection.  No page to find or make, and no object
 * lock: the fields read are fixed at the object's creation, and the
 * entry's reference (under the map lock) keeps the object alive.
 */
static kern_return_t vm_fault_phys(vm_map_t map, struct vm_map_entry *entry, vaddr_t va,
                                   paddr_t *pa)
{
    const struct vm_object *object = entry->object;
    vm_offset_t offset = entry->offset + (va - entry->start);
    kassert(!entry->needs_copy && !entry->is_shared && offset < object->size);
    *pa = object->phys_addr + offset;
    return pmap_enter(map->pmap, va, *pa, entry->protection);
}

kern_return_t vm_fault_entry(vm_map_t map, struct vm_map_entry *entry, vaddr_t va,
                             vm_prot_t fault_type, paddr_t *pa)
{
    if (vm_object_is_phys(entry->object))
        return vm_fault_phys(map, entry, va, pa);
    kern_return_t kr = vm_fault_prepare(entry, fault_type);
    if (kr != KERN_SUCCESS)
        return kr;
    struct vm_object *top = entry->object, *found, *bottom;
    vm_offset_t offset = entry->offset + (va - entry->start);
    mutex_lock(&top->lock);
    /* Step 3: from here to the unlock, the chain top .. bottom stays locked. */
    struct vm_page *page = vm_object_collapse_lookup(top, offset, &found, &bottom);
    bool copy_up = page != NULL && found != top &&
                   ((fault_type & VM_PROT_WRITE) || entry->is_shared);
    if (page == NULL || copy_up)
        page = vm_fault_new_page(top, offset, page);
    if (page == NULL) {
        kr = KERN_RESOURCE_SHORTAGE;
    } else {
        vm_prot_t prot = entry->protection;
        if (page->object != top || entry->needs_copy)
            prot &= ~VM_PROT_WRITE;
        kr = pmap_enter(map->pmap, va, page->phys, prot);
        *pa = page->phys;
    }
    vm_object_chain_unlock(top, bottom);
    return kr;
}

kern_return_t vm_fault(vm_map_t map, vaddr_t va, vm_prot_t fault_type)
{
    if (fault_type == VM_PROT_NONE || (fault_type & ~VM_PROT_ALL) != 0)
        return KERN_INVALID_ARGUMENT;
    va = ROUND_DOWN(va, PAGE_SIZE);
    mutex_lock(&map->lock);
    struct vm_map_entry *entry;
    kern_return_t kr;
    paddr_t pa;
    if (!vm_map_lookup_entry(map, va, &entry))
        kr = KERN_INVALID_ADDRESS;
    else if ((fault_type & ~entry->protection) != 0)
        kr = KERN_PROTECTION_FAILURE;
    else
        kr = vm_fault_entry(map, entry, va, fault_type, &pa);
    mutex_unlock(&map->lock);
    return kr;
}
