// SPDX-License-Identifier: MIT
/*
 * vm_map_copy (vm/vm_map_copy.h): copy-on-write snapshots of map ranges,
 * and putting them back into a map, at a new place or over a range.
 */
#include <kern/panic.h>
#include <kern/zalloc.h>
#include <machine/vm_param.h>
#include <vm/pmap.h>
#include <vm/vm_fault.h>
#include <vm/vm_map_copy.h>
#include <vm/vm_object.h>

static struct zone vm_map_copy_zone;

void vm_map_copy_init(void)
{
    zone_init(&vm_map_copy_zone, "vm_map_copy", sizeof(struct vm_map_copy));
}

static inline struct vm_map_entry *entry_of(struct list *link)
{
    return list_entry(link, struct vm_map_entry, link);
}

/* Bytes of address space the copy covers: whole pages. */
static inline vm_size_t vm_map_copy_span(const struct vm_map_copy *copy)
{
    return ROUND_UP(copy->offset + copy->size, PAGE_SIZE);
}

/* Entries of `map` overlapping [start, end).  Map lock held. */
static size_t vm_map_count_entries(vm_map_t map, vaddr_t start, vaddr_t end)
{
    size_t n = 0;
    for (struct vm_map_entry *e = vm_map_first_entry_after(map, start);
         e != NULL && e->start < end; e = vm_map_entry_next(map, e))
        n++;
    return n;
}

/* Map locked: fill `copy` with copies of the entries of [start, end). */
static kern_return_t vm_map_copyin_locked(vm_map_t map, vaddr_t start, vaddr_t end,
                                          struct vm_map_copy *copy)
{
    kern_return_t kr = vm_map_check_copyable(map, start, end, VM_PROT_READ);
    if (kr != KERN_SUCCESS)
        return kr;
    struct vm_map_reserve res;
    vm_map_reserve_init(&res);
    size_t need = vm_map_count_entries(map, start, end) + vm_map_clip_count(map, start, end);
    if (vm_map_reserve_fill(&res, need) != KERN_SUCCESS)
        return KERN_RESOURCE_SHORTAGE;
    struct vm_map_entry *e = vm_map_clip_range(map, start, end, &res);
    for (; e != NULL && e->start < end; e = vm_map_entry_next(map, e)) {
        struct vm_map_entry *ce = vm_map_reserve_take(&res);
        kr = vm_map_entry_copy(map, e, ce);
        if (kr != KERN_SUCCESS) {
            vm_map_entry_free(ce);
            break;
        }
        ce->start -= start;
        ce->end -= start;
        list_insert_tail(&copy->entries, &ce->link);
        copy->nentries++;
    }
    vm_map_reserve_release(&res);
    return kr;
}

kern_return_t vm_map_copyin(vm_map_t src_map, vaddr_t addr, vm_size_t size,
                            bool src_destroy, vm_map_copy_t *copy_out)
{
    if (size == 0 || addr + size < addr || addr + size > UINTPTR_MAX - PAGE_SIZE)
        return KERN_INVALID_ARGUMENT;
    vaddr_t start = ROUND_DOWN(addr, PAGE_SIZE);
    vaddr_t end = ROUND_UP(addr + size, PAGE_SIZE);
    if (start < src_map->min || end > src_map->max)     /* fixed at creation */
        return KERN_INVALID_ADDRESS;
    vm_map_copy_t copy = zalloc(&vm_map_copy_zone);
    if (copy == NULL)
        return KERN_RESOURCE_SHORTAGE;
    list_init(&copy->entries);
    copy->nentries = 0;
    copy->offset = addr - start;
    copy->size = size;
    mutex_lock(&src_map->lock);
    kern_return_t kr = vm_map_copyin_locked(src_map, start, end, copy);
    if (kr == KERN_SUCCESS && src_destroy)
        vm_map_delete_clipped(src_map, start, end);     /* clipped just now */
    vm_map_simplify_range(src_map, start, end);
    mutex_unlock(&src_map->lock);
    if (kr != KERN_SUCCESS) {
        vm_map_copy_discard(copy);
        return kr;
    }
    *copy_out = copy;
    return KERN_SUCCESS;
}

kern_return_t vm_map_copyout(vm_map_t dst_map, vaddr_t *addr, vm_map_copy_t copy)
{
    vm_size_t span = vm_map_copy_span(copy);
    vaddr_t start;
    mutex_lock(&dst_map->lock);
    kern_return_t kr = vm_map_find_space(dst_map, span, &start);
    if (kr == KERN_SUCCESS) {
        list_for_each_safe(&copy->entries, it, tmp) {
            struct vm_map_entry *e = entry_of(it);
            list_remove(it);
            e->start += start;
            e->end += start;
            e->protection = VM_PROT_DEFAULT;
            e->max_protection = VM_PROT_ALL;
            e->inheritance = VM_INHERIT_DEFAULT;
            vm_map_entry_link(dst_map, e);
        }
        vm_map_simplify_range(dst_map, start, start + span);
    }
    mutex_unlock(&dst_map->lock);
    if (kr != KERN_SUCCESS)
        return kr;
    *addr = start + copy->offset;
    zfree(&vm_map_copy_zone, copy);
    return KERN_SUCCESS;
}

/* Is an entry of [start, end) shared in place with another map?  Map locked. */
static bool vm_map_range_shared(vm_map_t map, vaddr_t start, vaddr_t end)
{
    for (struct vm_map_entry *e = vm_map_first_entry_after(map, start);
         e != NULL && e->start < end; e = vm_map_entry_next(map, e))
        if (e->is_shared)
            return true;
    return false;
}

/*
 * The piece [s, e) of destination entry `d`, with the contents of copy
 * entry `c` (which starts at `cs` in the map): d's attributes, c's object.
 */
static void vm_map_make_piece(struct vm_map_entry *p, const struct vm_map_entry *d,
                              const struct vm_map_entry *c, vaddr_t cs,
                              vaddr_t s, vaddr_t e)
{
    *p = *d;
    p->start = s;
    p->end = e;
    p->object = c->object;
    p->offset = c->offset + (s - cs);
    p->needs_copy = c->object != NULL;
    p->is_shared = false;
    if (p->object != NULL)
        vm_object_reference(p->object);
}

/*
 * Build in `pieces` the entries that replace [addr, end): one per overlap
 * of a destination entry (from `d`, already clipped) and a copy entry.
 */
static void vm_map_overwrite_pieces(vm_map_t map, struct vm_map_entry *d, vaddr_t addr,
                                    vaddr_t end, vm_map_copy_t copy,
                                    struct vm_map_reserve *res, struct list *pieces)
{
    struct list *cl = copy->entries.next;
    for (; d != NULL && d->start < end; d = vm_map_entry_next(map, d)) {
        while (cl != &copy->entries) {
            struct vm_map_entry *c = entry_of(cl);
            vaddr_t cs = c->start + addr, ce = c->end + addr;
            if (cs >= d->end)
                break;
            struct vm_map_entry *p = vm_map_reserve_take(res);
            vm_map_make_piece(p, d, c, cs, MAX(cs, d->start), MIN(ce, d->end));
            list_insert_tail(pieces, &p->link);
            if (ce > d->end)
                break;              /* c goes on into the next entry */
            cl = cl->next;
        }
    }
}

/* Map locked, range checked and private: replace its entries. */
static kern_return_t vm_map_overwrite_replace(vm_map_t map, vaddr_t addr, vaddr_t end,
                                              vm_map_copy_t copy)
{
    struct vm_map_reserve res;
    vm_map_reserve_init(&res);
    size_t need = vm_map_count_entries(map, addr, end) + copy->nentries +
                  vm_map_clip_count(map, addr, end);
    if (vm_map_reserve_fill(&res, need) != KERN_SUCCESS)
        return KERN_RESOURCE_SHORTAGE;
    /* From here on nothing can fail. */
    struct list pieces = LIST_INITIALIZER(pieces);
    struct vm_map_entry *d = vm_map_clip_range(map, addr, end, &res);
    vm_map_overwrite_pieces(map, d, addr, end, copy, &res, &pieces);
    vm_map_delete_clipped(map, addr, end);
    list_for_each_safe(&pieces, it, tmp) {
        list_remove(it);
        vm_map_entry_link(map, entry_of(it));
    }
    vm_map_reserve_release(&res);
    vm_map_simplify_range(map, addr, end);
    return KERN_SUCCESS;
}

/* Map locked, range checked, some of it shared: copy the data into the pages. */
static kern_return_t vm_map_overwrite_in_place(vm_map_t map, vaddr_t addr, vaddr_t end,
                                               vm_map_copy_t copy)
{
    struct list *cl = copy->entries.next;
    for (vaddr_t va = addr; va < end; va += PAGE_SIZE) {
        struct vm_map_entry *c = entry_of(cl), *e;
        vm_offset_t rel = va - addr;
        while (rel >= c->end) {
            cl = cl->next;
            c = entry_of(cl);
        }
        paddr_t pa;
        bool found = vm_map_lookup_entry(map, va, &e);
        kassert(found);
        kern_return_t kr = vm_fault_entry(map, e, va, VM_PROT_WRITE, &pa);
        if (kr != KERN_SUCCESS)
            return kr;
        if (c->object != NULL)
            vm_object_read_page(c->object, c->offset + (rel - c->start), pa);
        else
            pmap_zero_page(pa);
    }
    return KERN_SUCCESS;
}

kern_return_t vm_map_copy_overwrite(vm_map_t dst_map, vaddr_t addr, vm_map_copy_t copy)
{
    if (copy->offset != 0 || !IS_ALIGNED(copy->size | addr, PAGE_SIZE) ||
        addr + copy->size < addr)
        return KERN_INVALID_ARGUMENT;
    vaddr_t end = addr + copy->size;
    if (addr < dst_map->min || end > dst_map->max)
        return KERN_INVALID_ADDRESS;
    mutex_lock(&dst_map->lock);
    kern_return_t kr = vm_map_check_copyable(dst_map, addr, end, VM_PROT_WRITE);
    if (kr == KERN_SUCCESS)
        kr = vm_map_range_shared(dst_map, addr, end)
                 ? vm_map_overwrite_in_place(dst_map, addr, end, copy)
                 : vm_map_overwrite_replace(dst_map, addr, end, copy);
    mutex_unlock(&dst_map->lock);
    if (kr == KERN_SUCCESS)
        vm_map_copy_discard(copy);
    return kr;
}

void vm_map_copy_discard(vm_map_copy_t copy)
{
    if (copy == NULL)
        return;
    list_for_each_safe(&copy->entries, it, tmp) {
        list_remove(it);
        vm_map_entry_dispose(entry_of(it), false);
    }
    zfree(&vm_map_copy_zone, copy);
}
