// SPDX-License-Identifier: MIT
/*
 * The VM operations of mach.defs (vm/vm_user.h): check the arguments, then
 * the map's state, then act; and vm_init(), which sets the VM system up.
 */
#include <kern/panic.h>
#include <kern/string.h>
#include <machine/vm_param.h>
#include <vm/pmap.h>
#include <vm/vm_fault.h>
#include <vm/vm_map_copy.h>
#include <vm/vm_object.h>
#include <vm/vm_resident.h>
#include <vm/vm_user.h>

void vm_init(void)
{
    vm_resident_init();
    vm_object_init();
    vm_map_init();
    vm_map_copy_init();
}

/* The argument rules every range obeys (vm/vm_user.h). */
static kern_return_t vm_user_check_range(vm_map_t map, vaddr_t addr, vm_size_t size)
{
    if (map == NULL || size == 0 || !IS_ALIGNED(addr | size, PAGE_SIZE) ||
        addr + size < addr)
        return KERN_INVALID_ARGUMENT;
    if (addr < map->min || addr + size > map->max)     /* fixed at creation */
        return KERN_INVALID_ADDRESS;
    return KERN_SUCCESS;
}

/* Is [start, end) free of entries?  Map lock held. */
static bool vm_map_range_free(vm_map_t map, vaddr_t start, vaddr_t end)
{
    struct vm_map_entry *e = vm_map_first_entry_after(map, start);
    return e == NULL || e->start >= end;
}

/* Map lock held, `e` new: untouched anonymous memory over [start, end). */
static void vm_map_enter_anonymous(vm_map_t map, struct vm_map_entry *e,
                                   vaddr_t start, vaddr_t end)
{
    e->start = start;
    e->end = end;
    e->object = NULL;
    e->offset = 0;
    e->protection = VM_PROT_DEFAULT;
    e->max_protection = VM_PROT_ALL;
    e->inheritance = VM_INHERIT_DEFAULT;
    e->needs_copy = false;
    e->is_shared = false;
    vm_map_entry_link(map, e);
    vm_map_simplify_range(map, start, end);
}

kern_return_t vm_allocate(vm_map_t map, vaddr_t *addr, vm_size_t size, bool anywhere)
{
    if (map == NULL || addr == NULL || size == 0 || !IS_ALIGNED(size, PAGE_SIZE))
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = anywhere ? KERN_SUCCESS : vm_user_check_range(map, *addr, size);
    if (kr != KERN_SUCCESS)
        return kr;
    struct vm_map_entry *e = vm_map_entry_alloc();
    if (e == NULL)
        return KERN_RESOURCE_SHORTAGE;
    vaddr_t start = *addr;
    mutex_lock(&map->lock);
    if (anywhere)
        kr = vm_map_find_space(map, size, &start);
    else if (!vm_map_range_free(map, start, start + size))
        kr = KERN_NO_SPACE;
    if (kr == KERN_SUCCESS)
        vm_map_enter_anonymous(map, e, start, start + size);
    mutex_unlock(&map->lock);
    if (kr != KERN_SUCCESS) {
        vm_map_entry_free(e);
        return kr;
    }
    *addr = start;
    return KERN_SUCCESS;
}

kern_return_t vm_deallocate(vm_map_t map, vaddr_t addr, vm_size_t size)
{
    kern_return_t kr = vm_user_check_range(map, addr, size);
    if (kr != KERN_SUCCESS)
        return kr;
    vaddr_t end = addr + size;
    struct vm_map_reserve res;
    vm_map_reserve_init(&res);
    mutex_lock(&map->lock);
    kr = vm_map_reserve_fill(&res, vm_map_clip_count(map, addr, end));
    if (kr == KERN_SUCCESS) {
        vm_map_clip_range(map, addr, end, &res);
        vm_map_delete_clipped(map, addr, end);
    }
    mutex_unlock(&map->lock);
    vm_map_reserve_release(&res);
    return kr;
}

/*
 * Clip [start, end) (checked: no hole) for a change of attributes; the
 * first entry in *first.  Map locked.  KERN_RESOURCE_SHORTAGE: unchanged.
 */
static kern_return_t vm_map_clip_for_change(vm_map_t map, vaddr_t start, vaddr_t end,
                                            struct vm_map_entry **first)
{
    struct vm_map_reserve res;
    vm_map_reserve_init(&res);
    kern_return_t kr = vm_map_reserve_fill(&res, vm_map_clip_count(map, start, end));
    if (kr == KERN_SUCCESS)
        *first = vm_map_clip_range(map, start, end, &res);
    vm_map_reserve_release(&res);
    return kr;
}

/* Does any entry of [start, end) (no holes) have a maximum below `prot`? */
static bool vm_map_beyond_max(vm_map_t map, vaddr_t start, vaddr_t end, vm_prot_t prot)
{
    for (struct vm_map_entry *e = vm_map_first_entry_after(map, start);
         e != NULL && e->start < end; e = vm_map_entry_next(map, e))
        if ((prot & ~e->max_protection) != 0)
            return true;
    return false;
}

static void vm_protect_entry(vm_map_t map, struct vm_map_entry *e, bool set_maximum,
                             vm_prot_t new_prot)
{
    vm_prot_t old = e->protection;
    if (set_maximum) {
        e->max_protection = new_prot;
        e->protection &= new_prot;
    } else {
        e->protection = new_prot;
    }
    if ((old & ~e->protection) != 0)        /* lowered: translations follow */
        pmap_protect(map->pmap, e->start, e->end, e->protection);
}

kern_return_t vm_protect(vm_map_t map, vaddr_t addr, vm_size_t size,
                         bool set_maximum, vm_prot_t new_prot)
{
    kern_return_t kr = vm_user_check_range(map, addr, size);
    if (kr != KERN_SUCCESS)
        return kr;
    if ((new_prot & ~VM_PROT_ALL) != 0)
        return KERN_INVALID_ARGUMENT;
    vaddr_t end = addr + size;
    struct vm_map_entry *e = NULL;
    mutex_lock(&map->lock);
    kr = vm_map_check_mapped(map, addr, end, VM_PROT_NONE);
    if (kr == KERN_SUCCESS && vm_map_beyond_max(map, addr, end, new_prot))
        kr = KERN_PROTECTION_FAILURE;
    if (kr == KERN_SUCCESS)
        kr = vm_map_clip_for_change(map, addr, end, &e);
    for (; kr == KERN_SUCCESS && e != NULL && e->start < end; e = vm_map_entry_next(map, e))
        vm_protect_entry(map, e, set_maximum, new_prot);
    if (kr == KERN_SUCCESS)
        vm_map_simplify_range(map, addr, end);
    mutex_unlock(&map->lock);
    return kr;
}

kern_return_t vm_inherit(vm_map_t map, vaddr_t addr, vm_size_t size,
                         vm_inherit_t inheritance)
{
    kern_return_t kr = vm_user_check_range(map, addr, size);
    if (kr != KERN_SUCCESS)
        return kr;
    if (inheritance != VM_INHERIT_NONE && inheritance != VM_INHERIT_SHARE &&
        inheritance != VM_INHERIT_COPY)
        return KERN_INVALID_ARGUMENT;
    vaddr_t end = addr + size;
    struct vm_map_entry *e = NULL;
    mutex_lock(&map->lock);
    kr = vm_map_check_mapped(map, addr, end, VM_PROT_NONE);
    /* A physical mapping is never given to a child (vm/vm_phys.h). */
    if (kr == KERN_SUCCESS && inheritance != VM_INHERIT_NONE &&
        vm_map_range_has_phys(map, addr, end))
        kr = KERN_INVALID_ARGUMENT;
    if (kr == KERN_SUCCESS)
        kr = vm_map_clip_for_change(map, addr, end, &e);
    for (; kr == KERN_SUCCESS && e != NULL && e->start < end; e = vm_map_entry_next(map, e))
        e->inheritance = inheritance;
    if (kr == KERN_SUCCESS)
        vm_map_simplify_range(map, addr, end);
    mutex_unlock(&map->lock);
    return kr;
}

kern_return_t vm_copy(vm_map_t map, vaddr_t src, vm_size_t size, vaddr_t dst)
{
    kern_return_t kr = vm_user_check_range(map, src, size);
    if (kr == KERN_SUCCESS)
        kr = vm_user_check_range(map, dst, size);
    if (kr != KERN_SUCCESS)
        return kr;
    mutex_lock(&map->lock);
    kr = vm_map_check_copyable(map, dst, dst + size, VM_PROT_WRITE);
    mutex_unlock(&map->lock);
    if (kr != KERN_SUCCESS)
        return kr;
    vm_map_copy_t copy;
    kr = vm_map_copyin(map, src, size, false, &copy);
    if (kr != KERN_SUCCESS)
        return kr;
    kr = vm_map_copy_overwrite(map, dst, copy);
    if (kr != KERN_SUCCESS)
        vm_map_copy_discard(copy);
    return kr;
}

kern_return_t vm_region(vm_map_t map, vaddr_t *addr, vm_size_t *size,
                        vm_prot_t *protection, vm_prot_t *max_protection,
                        vm_inherit_t *inheritance, bool *shared,
                        vm_offset_t *offset)
{
    if (map == NULL || addr == NULL || size == NULL || protection == NULL ||
        max_protection == NULL || inheritance == NULL || shared == NULL ||
        offset == NULL)
        return KERN_INVALID_ARGUMENT;
    mutex_lock(&map->lock);
    struct vm_map_entry *e = vm_map_first_entry_after(map, *addr);
    if (e != NULL) {
        *addr = e->start;
        *size = e->end - e->start;
        *protection = e->protection;
        *max_protection = e->max_protection;
        *inheritance = e->inheritance;
        *shared = e->is_shared;
        *offset = e->offset;
    }
    mutex_unlock(&map->lock);
    return e != NULL ? KERN_SUCCESS : KERN_NO_SPACE;
}

kern_return_t vm_read(vm_map_t src_map, vaddr_t addr, vm_size_t size,
                      vm_map_t dst_map, vaddr_t *dst_addr)
{
    if (dst_map == NULL || dst_addr == NULL)
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = vm_user_check_range(src_map, addr, size);
    if (kr != KERN_SUCCESS)
        return kr;
    vm_map_copy_t copy;
    kr = vm_map_copyin(src_map, addr, size, false, &copy);
    if (kr != KERN_SUCCESS)
        return kr;
    kr = vm_map_copyout(dst_map, dst_addr, copy);
    if (kr != KERN_SUCCESS)
        vm_map_copy_discard(copy);
    return kr;
}

kern_return_t vm_write(vm_map_t dst_map, vaddr_t addr, vm_map_t src_map,
                       vaddr_t src_addr, vm_size_t size)
{
    kern_return_t kr = vm_user_check_range(src_map, src_addr, size);
    if (kr == KERN_SUCCESS)
        kr = vm_user_check_range(dst_map, addr, size);
    if (kr != KERN_SUCCESS)
        return kr;
    vm_map_copy_t copy;
    kr = vm_map_copyin(src_map, src_addr, size, false, &copy);
    if (kr != KERN_SUCCESS)
        return kr;
    kr = vm_map_copy_overwrite(dst_map, addr, copy);
    if (kr != KERN_SUCCESS)
        vm_map_copy_discard(copy);
    return kr;
}

/* Map locked: fault in the page at va (aligned) for `type`; its frame in *pa. */
static kern_return_t vm_map_access_page(vm_map_t map, vaddr_t va, vm_prot_t type,
                                        paddr_t *pa)
{
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(map, va, &e))
        return KERN_INVALID_ADDRESS;
    /*
     * A physical mapping may be device registers, which the kernel's direct
     * map does not cover: the kernel does not touch them this way.
     */
    if ((type & ~e->protection) != 0 || vm_object_is_phys(e->object))
        return KERN_PROTECTION_FAILURE;
    return vm_fault_entry(map, e, va, type, pa);
}

/*
 * Copy `len` bytes between `buf` and the map at `va`, page by page: to the
 * map if `type` is VM_PROT_WRITE, from it if VM_PROT_READ.
 */
static kern_return_t vm_map_copy_bytes(vm_map_t map, vaddr_t va, char *buf,
                                       size_t len, vm_prot_t type)
{
    if (map == NULL || (buf == NULL && len > 0) || va + len < va)
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = KERN_SUCCESS;
    mutex_lock(&map->lock);
    while (len > 0 && kr == KERN_SUCCESS) {
        vaddr_t page = ROUND_DOWN(va, PAGE_SIZE);
        size_t n = MIN(len, PAGE_SIZE - (va - page));
        paddr_t pa;
        kr = vm_map_access_page(map, page, type, &pa);
        if (kr != KERN_SUCCESS)
            break;
        char *p = (char *)phys_to_virt(pa) + (va - page);
        if (type == VM_PROT_WRITE)
            memcpy(p, buf, n);
        else
            memcpy(buf, p, n);
        va += n;
        buf += n;
        len -= n;
    }
    mutex_unlock(&map->lock);
    return kr;
}

kern_return_t vm_map_write_bytes(vm_map_t map, vaddr_t va, const void *src, size_t len)
{
    return vm_map_copy_bytes(map, va, (char *)(uintptr_t)src, len, VM_PROT_WRITE);
}

kern_return_t vm_map_read_bytes(vm_map_t map, vaddr_t va, void *dst, size_t len)
{
    return vm_map_copy_bytes(map, va, dst, len, VM_PROT_READ);
}
