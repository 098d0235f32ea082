// SPDX-License-Identifier: MIT
/*
 * vm_map (vm/vm_map.h): maps and their sorted entries: lookup with a hint,
 * insert, clip, merge, delete, and the copy of a whole map at fork.
 */
#include <kern/panic.h>
#include <kern/zalloc.h>
#include <machine/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>

static struct zone vm_map_zone;
static struct zone vm_map_entry_zone;

void vm_map_init(void)
{
    zone_init(&vm_map_zone, "vm_map", sizeof(struct vm_map));
    zone_init(&vm_map_entry_zone, "vm_map_entry", sizeof(struct vm_map_entry));
}

static inline struct vm_map_entry *entry_of(struct list *link)
{
    return list_entry(link, struct vm_map_entry, link);
}

static inline vm_size_t entry_size(const struct vm_map_entry *e)
{
    return e->end - e->start;
}

struct vm_map_entry *vm_map_entry_alloc(void)
{
    return zalloc(&vm_map_entry_zone);
}

void vm_map_entry_free(struct vm_map_entry *entry)
{
    zfree(&vm_map_entry_zone, entry);
}

vm_map_t vm_map_create(pmap_t pmap, vaddr_t min, vaddr_t max)
{
    kassert(min < max && IS_ALIGNED(min | max, PAGE_SIZE));
    vm_map_t map = zalloc(&vm_map_zone);
    if (map == NULL)
        return NULL;
    mutex_init(&map->lock, "vm_map");
    list_init(&map->entries);
    map->nentries = 0;
    map->size = 0;
    map->hint = NULL;
    map->min = min;
    map->max = max;
    map->pmap = pmap;
    map->ref_count = 1;
    return map;
}

void vm_map_reference(vm_map_t map)
{
    mutex_lock(&map->lock);
    kassert(map->ref_count > 0);
    map->ref_count++;
    mutex_unlock(&map->lock);
}

void vm_map_deallocate(vm_map_t map)
{
    if (map == NULL)
        return;
    mutex_lock(&map->lock);
    kassert(map->ref_count > 0);
    if (--map->ref_count > 0) {
        mutex_unlock(&map->lock);
        return;
    }
    /* The lock is only taken for the callees' contract checks now. */
    vm_map_delete_clipped(map, map->min, map->max);
    kassert(map->nentries == 0 && map->size == 0);
    mutex_unlock(&map->lock);
    zfree(&vm_map_zone, map);
}

struct vm_map_entry *vm_map_entry_next(vm_map_t map, struct vm_map_entry *entry)
{
    return entry->link.next == &map->entries ? NULL : entry_of(entry->link.next);
}

struct vm_map_entry *vm_map_entry_prev(vm_map_t map, struct vm_map_entry *entry)
{
    return entry->link.prev == &map->entries ? NULL : entry_of(entry->link.prev);
}

static struct vm_map_entry *vm_map_first(vm_map_t map)
{
    return list_empty(&map->entries) ? NULL : entry_of(map->entries.next);
}

bool vm_map_lookup_entry(vm_map_t map, vaddr_t addr, struct vm_map_entry **entry)
{
    kassert(mutex_held(&map->lock));
    struct vm_map_entry *prev = NULL, *hint = map->hint;
    struct list *it = map->entries.next;
    if (hint != NULL && addr >= hint->start) {     /* start the walk at the hint */
        if (addr < hint->end) {
            *entry = hint;
            return true;
        }
        prev = hint;
        it = hint->link.next;
    }
    for (; it != &map->entries; it = it->next) {
        struct vm_map_entry *e = entry_of(it);
        if (addr < e->start)
            break;
        if (addr < e->end) {
            map->hint = e;
            *entry = e;
            return true;
        }
        prev = e;
    }
    *entry = prev;
    return false;
}

struct vm_map_entry *vm_map_first_entry_after(vm_map_t map, vaddr_t addr)
{
    struct vm_map_entry *e;
    if (vm_map_lookup_entry(map, addr, &e))
        return e;
    return e != NULL ? vm_map_entry_next(map, e) : vm_map_first(map);
}

bool vm_map_entry_mergeable(const struct vm_map_entry *a, const struct vm_map_entry *b)
{
    if (a->end != b->start || a->protection != b->protection ||
        a->max_protection != b->max_protection ||
        a->inheritance != b->inheritance || a->needs_copy != b->needs_copy ||
        a->is_shared != b->is_shared)
        return false;
    if (a->object == NULL)
        return b->object == NULL;
    return a->object == b->object && a->offset + entry_size(a) == b->offset;
}

void vm_map_reserve_init(struct vm_map_reserve *res)
{
    list_init(&res->spares);
    res->count = 0;
}

kern_return_t vm_map_reserve_fill(struct vm_map_reserve *res, size_t count)
{
    struct list got = LIST_INITIALIZER(got);
    for (size_t i = 0; i < count; i++) {
        struct vm_map_entry *e = vm_map_entry_alloc();
        if (e == NULL) {
            list_for_each_safe(&got, it, tmp)
                vm_map_entry_free(entry_of(it));
            return KERN_RESOURCE_SHORTAGE;
        }
        list_insert_tail(&got, &e->link);
    }
    list_for_each_safe(&got, it, tmp) {
        list_remove(it);
        list_insert_tail(&res->spares, it);
    }
    res->count += count;
    return KERN_SUCCESS;
}

struct vm_map_entry *vm_map_reserve_take(struct vm_map_reserve *res)
{
    kassert(res->count > 0);
    struct list *it = list_first(&res->spares);
    list_remove(it);
    res->count--;
    return entry_of(it);
}

void vm_map_reserve_release(struct vm_map_reserve *res)
{
    while (res->count > 0)
        vm_map_entry_free(vm_map_reserve_take(res));
}

/* Does `addr` fall strictly inside an entry (so that a clip there splits it)? */
static bool vm_map_splits_at(vm_map_t map, vaddr_t addr)
{
    struct vm_map_entry *e;
    return vm_map_lookup_entry(map, addr, &e) && e->start != addr;
}

size_t vm_map_clip_count(vm_map_t map, vaddr_t start, vaddr_t end)
{
    return (size_t)vm_map_splits_at(map, start) + (size_t)vm_map_splits_at(map, end);
}

/* Split `e` at `addr` (inside it): e keeps [start, addr), the new one gets the rest. */
static struct vm_map_entry *vm_map_split(vm_map_t map, struct vm_map_entry *e,
                                         vaddr_t addr, struct vm_map_reserve *res)
{
    struct vm_map_entry *n = vm_map_reserve_take(res);
    *n = *e;
    n->start = addr;
    n->offset = e->offset + (addr - e->start);
    e->end = addr;
    if (n->object != NULL)
        vm_object_reference(n->object);
    list_link(&n->link, &e->link, e->link.next);
    map->nentries++;
    return n;
}

struct vm_map_entry *vm_map_clip_range(vm_map_t map, vaddr_t start, vaddr_t end,
                                       struct vm_map_reserve *res)
{
    struct vm_map_entry *first, *e;
    if (vm_map_lookup_entry(map, start, &first)) {
        if (first->start < start)
            first = vm_map_split(map, first, start, res);
    } else {
        first = first != NULL ? vm_map_entry_next(map, first) : vm_map_first(map);
    }
    if (vm_map_lookup_entry(map, end, &e) && e->start < end)
        vm_map_split(map, e, end, res);
    return first != NULL && first->start < end ? first : NULL;
}

/* vm_map_check_mapped(), and with `copy` also refuse physical entries. */
static kern_return_t vm_map_check_range(vm_map_t map, vaddr_t start, vaddr_t end,
                                        vm_prot_t prot, bool copy)
{
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(map, start, &e))
        return KERN_INVALID_ADDRESS;
    for (;;) {
        if ((e->protection & prot) != prot || (copy && vm_object_is_phys(e->object)))
            return KERN_PROTECTION_FAILURE;
        if (e->end >= end)
            return KERN_SUCCESS;
        struct vm_map_entry *n = vm_map_entry_next(map, e);
        if (n == NULL || n->start != e->end)
            return KERN_INVALID_ADDRESS;
        e = n;
    }
}

kern_return_t vm_map_check_mapped(vm_map_t map, vaddr_t start, vaddr_t end,
                                  vm_prot_t prot)
{
    return vm_map_check_range(map, start, end, prot, false);
}

kern_return_t vm_map_check_copyable(vm_map_t map, vaddr_t start, vaddr_t end,
                                    vm_prot_t prot)
{
    return vm_map_check_range(map, start, end, prot, true);
}

bool vm_map_range_has_phys(vm_map_t map, vaddr_t start, vaddr_t end)
{
    kassert(mutex_held(&map->lock));
    for (struct vm_map_entry *e = vm_map_first_entry_after(map, start);
         e != NULL && e->start < end; e = vm_map_entry_next(map, e))
        if (vm_object_is_phys(e->object))
            return true;
    return false;
}

kern_return_t vm_map_find_space(vm_map_t map, vm_size_t size, vaddr_t *addr)
{
    kassert(mutex_held(&map->lock));
    vaddr_t a = map->min;
    list_for_each(&map->entries, it) {
        struct vm_map_entry *e = entry_of(it);
        if (e->start >= a && e->start - a >= size)
            break;                              /* the gap before e fits */
        if (e->end > a)
            a = e->end;
    }
    if (size > map->max - a)
        return KERN_NO_SPACE;
    *addr = a;
    return KERN_SUCCESS;
}

void vm_map_entry_link(vm_map_t map, struct vm_map_entry *entry)
{
    struct vm_map_entry *prev;
    bool inside = vm_map_lookup_entry(map, entry->start, &prev);
    kassert(!inside && entry->start >= map->min && entry->end <= map->max);
    struct list *after = prev != NULL ? &prev->link : &map->entries;
    if (after->next != &map->entries)
        kassert(entry->end <= entry_of(after->next)->start);
    list_link(&entry->link, after, after->next);
    map->nentries++;
    map->size += entry_size(entry);
}

/* Take `e` out of the map's list (its object reference stays with it). */
static void vm_map_entry_unlink(vm_map_t map, struct vm_map_entry *e)
{
    if (map->hint == e)
        map->hint = NULL;
    list_remove(&e->link);
    map->nentries--;
    map->size -= entry_size(e);
}

void vm_map_entry_dispose(struct vm_map_entry *entry, bool unmapped)
{
    if (entry->object != NULL) {
        if (unmapped)
            vm_object_range_unmapped(entry->object, entry->offset, entry_size(entry));
        vm_object_deallocate(entry->object);
    }
    vm_map_entry_free(entry);
}

void vm_map_delete_clipped(vm_map_t map, vaddr_t start, vaddr_t end)
{
    kassert(mutex_held(&map->lock));
    struct vm_map_entry *e = vm_map_first_entry_after(map, start);
    while (e != NULL && e->start < end) {
        kassert(e->start >= start && e->end <= end);
        struct vm_map_entry *next = vm_map_entry_next(map, e);
        vm_map_entry_unlink(map, e);
        pmap_remove(map->pmap, e->start, e->end);
        vm_map_entry_dispose(e, true);
        e = next;
    }
}

/* Fold `b` (the next neighbour, vm_map_entry_mergeable) into `a`. */
static void vm_map_merge(vm_map_t map, struct vm_map_entry *a, struct vm_map_entry *b)
{
    vm_map_entry_unlink(map, b);
    a->end = b->end;
    map->size += entry_size(b);
    if (b->object != NULL)
        vm_object_deallocate(b->object);    /* `a` still holds a reference */
    vm_map_entry_free(b);
}

void vm_map_simplify_range(vm_map_t map, vaddr_t start, vaddr_t end)
{
    struct vm_map_entry *e;
    if (vm_map_lookup_entry(map, start, &e) && vm_map_entry_prev(map, e) != NULL)
        e = vm_map_entry_prev(map, e);
    if (e == NULL)
        e = vm_map_first(map);
    while (e != NULL && e->start < end) {
        struct vm_map_entry *n = vm_map_entry_next(map, e);
        if (n == NULL)
            break;
        if (vm_map_entry_mergeable(e, n))
            vm_map_merge(map, e, n);
        else
            e = n;
    }
}

kern_return_t vm_map_entry_copy(vm_map_t src_map, struct vm_map_entry *src,
                                struct vm_map_entry *copy)
{
    kassert(mutex_held(&src_map->lock));
    kassert(!vm_object_is_phys(src->object));  /* refused before (vm_phys.h) */
    *copy = *src;
    copy->is_shared = false;
    if (src->object == NULL)
        return KERN_SUCCESS;            /* both zero fill on their own */
    if (src->is_shared) {               /* others write it in place: copy now */
        copy->needs_copy = false;
        copy->offset = 0;
        return vm_object_copy_slowly(src->object, src->offset, entry_size(src),
                                     &copy->object);
    }
    vm_object_reference_copy(src->object);
    copy->needs_copy = true;
    if (!src->needs_copy) {
        src->needs_copy = true;
        if (src->protection & VM_PROT_WRITE)
            pmap_protect(src_map->pmap, src->start, src->end,
                         src->protection & ~VM_PROT_WRITE);
    }
    return KERN_SUCCESS;
}

/*
 * VM_INHERIT_SHARE: give `e` an object of its own (made now if missing or
 * copy-on-write), then let `share` map the same object.
 */
static kern_return_t vm_map_entry_share(vm_map_t map, struct vm_map_entry *e,
                                        struct vm_map_entry *share)
{
    kassert(!vm_object_is_phys(e->object));    /* never inherited (vm_phys.h) */
    if (e->object == NULL) {
        e->object = vm_object_allocate(entry_size(e));
        if (e->object == NULL)
            return KERN_RESOURCE_SHORTAGE;
        e->offset = 0;
    } else if (e->needs_copy) {
        kern_return_t kr = vm_object_shadow(&e->object, &e->offset, entry_size(e));
        if (kr != KERN_SUCCESS)
            return kr;
        e->needs_copy = false;
    }
    /*
     * A fault in a shared entry copies up any page it finds in a shadow, so
     * that all sharers see the same page.  The parent may map shadow pages
     * read-only from before; they would hide the other's later copy.
     */
    if (vm_object_reference_shared(e->object))
        pmap_remove(map->pmap, e->start, e->end);
    e->is_shared = true;
    *share = *e;
    return KERN_SUCCESS;
}

/* Append the child's share of parent entry `e` to `child` (both locked). */
static kern_return_t vm_map_fork_entry(vm_map_t parent, struct vm_map_entry *e,
                                       vm_map_t child)
{
    /* A physical entry is always NONE; check anyway, it must never leak. */
    if (e->inheritance == VM_INHERIT_NONE || vm_object_is_phys(e->object))
        return KERN_SUCCESS;
    struct vm_map_entry *n = vm_map_entry_alloc();
    if (n == NULL)
        return KERN_RESOURCE_SHORTAGE;
    kern_return_t kr = e->inheritance == VM_INHERIT_SHARE
                           ? vm_map_entry_share(parent, e, n)
                           : vm_map_entry_copy(parent, e, n);
    if (kr != KERN_SUCCESS) {
        vm_map_entry_free(n);
        return kr;
    }
    list_insert_tail(&child->entries, &n->link);    /* parent order is sorted */
    child->nentries++;
    child->size += entry_size(n);
    return KERN_SUCCESS;
}

kern_return_t vm_map_fork(vm_map_t parent, pmap_t child_pmap, vm_map_t *child_map)
{
    vm_map_t child = vm_map_create(child_pmap, parent->min, parent->max);
    if (child == NULL)
        return KERN_RESOURCE_SHORTAGE;
    kern_return_t kr = KERN_SUCCESS;
    mutex_lock(&parent->lock);
    mutex_lock(&child->lock);       /* new and unseen: no order to keep */
    list_for_each(&parent->entries, it) {
        kr = vm_map_fork_entry(parent, entry_of(it), child);
        if (kr != KERN_SUCCESS)
            break;
    }
    /* Entries that became needs_copy may now match their neighbours. */
    vm_map_simplify_range(parent, parent->min, parent->max);
    vm_map_simplify_range(child, child->min, child->max);
    mutex_unlock(&child->lock);
    mutex_unlock(&parent->lock);
    if (kr != KERN_SUCCESS) {       /* what was done to the parent is invisible */
        vm_map_deallocate(child);
        return kr;
    }
    *child_map = child;
    return KERN_SUCCESS;
}

size_t vm_map_entry_count(vm_map_t map)
{
    mutex_lock(&map->lock);
    size_t n = map->nentries;
    mutex_unlock(&map->lock);
    return n;
}

void vm_map_info(vm_map_t map, struct vm_map_info *out)
{
    mutex_lock(&map->lock);
    out->entries = map->nentries;
    out->virtual_size = map->size;
    out->resident_pages = pmap_resident_count(map->pmap);
    mutex_unlock(&map->lock);
}
