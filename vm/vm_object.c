// SPDX-License-Identifier: MIT
/*
 * vm_object (vm/vm_object.h): internal objects, reference counts, shadow
 * objects for copy-on-write and the collapse that keeps their chains short.
 */
#include <kern/panic.h>
#include <kern/sched.h>
#include <kern/zalloc.h>
#include <machine/vm_param.h>
#include <vm/pmap.h>
#include <vm/vm_object.h>
#include <vm/vm_resident.h>

/* How long vm_object_deallocate() waits for a busy object before retrying. */
#define VM_OBJECT_BUSY_WAIT_NS  100000

static struct zone vm_object_zone;
static size_t vm_object_count;      /* live objects (atomic) */

void vm_object_init(void)
{
    zone_init(&vm_object_zone, "vm_object", sizeof(struct vm_object));
}

/* A new object of `size` bytes with no page, no shadow and one reference. */
static struct vm_object *vm_object_create(vm_size_t size)
{
    kassert(size > 0 && IS_ALIGNED(size, PAGE_SIZE));
    struct vm_object *object = zalloc(&vm_object_zone);
    if (object == NULL)
        return NULL;
    mutex_init(&object->lock, "vm_object");
    object->ref_count = 1;
    object->resident_count = 0;
    list_init(&object->memq);
    object->shadow = NULL;
    object->shadow_offset = 0;
    list_init(&object->shadowers);
    list_init(&object->shadow_link);
    object->one_mapping = true;
    object->internal = false;
    object->phys = false;
    object->size = size;
    static uint64_t next_id = 1;
    object->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
    object->phys_addr = 0;
    object->phys_free_order = -1;
    __atomic_fetch_add(&vm_object_count, 1, __ATOMIC_RELAXED);
    return object;
}

struct vm_object *vm_object_allocate(vm_size_t size)
{
    struct vm_object *object = vm_object_create(size);
    if (object != NULL)
        object->internal = true;
    return object;
}

struct vm_object *vm_object_allocate_phys(paddr_t pa, vm_size_t size, int free_order)
{
    kassert(IS_ALIGNED(pa, PAGE_SIZE) && pa + size - 1 >= pa);
    kassert(free_order < 0 || size == (vm_size_t)PAGE_SIZE << free_order);
    struct vm_object *object = vm_object_create(size);
    if (object == NULL)
        return NULL;
    object->phys = true;
    object->phys_addr = pa;
    object->phys_free_order = free_order < 0 ? -1 : free_order;
    return object;
}

static void vm_object_free(struct vm_object *object)
{
    kassert(object->resident_count == 0 && object->shadow == NULL);
    kassert(list_empty(&object->shadowers));
    if (object->phys && object->phys_free_order >= 0) {
        /* The block the object owned: nothing maps it any more. */
        struct vm_page *block = vm_page_lookup(object->phys_addr);
        kassert(block != NULL);
        vm_page_free(block, (unsigned)object->phys_free_order);
    }
    zfree(&vm_object_zone, object);
    __atomic_fetch_sub(&vm_object_count, 1, __ATOMIC_RELAXED);
}

void vm_object_reference(struct vm_object *object)
{
    mutex_lock(&object->lock);
    kassert(object->ref_count > 0);
    object->ref_count++;
    mutex_unlock(&object->lock);
}

/* Object locked: free every resident page. */
static void vm_object_free_pages(struct vm_object *object)
{
    list_for_each_safe(&object->memq, it, tmp)
        vm_page_release(list_entry(it, struct vm_page, listq));
}

static bool vm_object_collapse_into_shadower(struct vm_object *backing);

void vm_object_deallocate(struct vm_object *object)
{
    struct vm_object *dead = NULL;  /* died; still on object->shadowers */
    while (object != NULL) {
        mutex_lock(&object->lock);
        if (dead != NULL) {         /* nobody can find it any more */
            list_remove(&dead->shadow_link);
            vm_object_free(dead);
            dead = NULL;
        }
        kassert(object->ref_count > 0);
        if (--object->ref_count > 0) {
            /*
             * Left referenced only by the object in front of it (the
             * sharers of a copy-on-write chain are gone): fold it into that
             * object now, or it would hold its pages, most of them hidden,
             * until that object's next fault or copy.
             */
            if (object->ref_count > 1 || list_empty(&object->shadowers))
                mutex_unlock(&object->lock);
            else if (!vm_object_collapse_into_shadower(object)) {
                /*
                 * That object is locked by someone, maybe waiting for ours
                 * (it comes first in the lock order).  Keep ours alive with
                 * the reference we were dropping, let go and sleep a moment
                 * (not a yield: the holder may be less urgent than we are),
                 * then drop it again.
                 */
                object->ref_count++;
                mutex_unlock(&object->lock);
                thread_sleep_ns(VM_OBJECT_BUSY_WAIT_NS);
                continue;
            }
            return;
        }
        /* The last reference: nobody else can find the object now. */
        kassert(list_empty(&object->shadowers));
        struct vm_object *shadow = object->shadow;
        object->shadow = NULL;
        vm_object_free_pages(object);
        mutex_unlock(&object->lock);
        if (shadow == NULL)
            vm_object_free(object);
        else
            dead = object;          /* unlinked by the next round */
        object = shadow;            /* drop the reference it held */
    }
}

kern_return_t vm_object_shadow(struct vm_object **object, vm_offset_t *offset,
                               vm_size_t size)
{
    struct vm_object *source = *object;
    kassert(!source->phys);         /* never copy-on-write (vm/vm_phys.h) */
    mutex_lock(&source->lock);
    bool alone = source->ref_count == 1;
    mutex_unlock(&source->lock);
    if (alone)                  /* only the caller sees it: no copy needed */
        return KERN_SUCCESS;
    struct vm_object *result = vm_object_allocate(size);
    if (result == NULL)
        return KERN_RESOURCE_SHORTAGE;
    mutex_lock(&source->lock);
    if (source->ref_count == 1) {   /* the others went meanwhile */
        mutex_unlock(&source->lock);
        vm_object_deallocate(result);
        return KERN_SUCCESS;
    }
    source->one_mapping = false;    /* the shadow reaches the same offsets */
    result->shadow = source;        /* the caller's reference moves here */
    result->shadow_offset = *offset;
    list_insert_tail(&source->shadowers, &result->shadow_link);
    mutex_unlock(&source->lock);
    *object = result;
    *offset = 0;
    return KERN_SUCCESS;
}

/*
 * Both locked; `backing` is top's shadow and top holds its only reference.
 * Move up the pages top lacks inside its window, free the others.
 */
static void vm_object_collapse_pages(struct vm_object *top, struct vm_object *backing)
{
    vm_offset_t base = top->shadow_offset;
    list_for_each_safe(&backing->memq, it, tmp) {
        struct vm_page *p = list_entry(it, struct vm_page, listq);
        bool inside = p->offset >= base && p->offset - base < top->size;
        if (inside && vm_page_resident_lookup(top, p->offset - base) == NULL)
            vm_page_rename(p, top, p->offset - base);
        else
            vm_page_release(p);     /* hidden by top's page, or out of reach */
    }
}

/*
 * `object` and its shadow `backing` locked, `object` holding the only
 * reference to `backing`: fold backing into object and free it.
 */
static void vm_object_collapse_one(struct vm_object *object, struct vm_object *backing)
{
    vm_object_collapse_pages(object, backing);
    struct vm_object *next = backing->shadow;
    object->shadow = next;                  /* backing's reference moves up */
    object->shadow_offset += backing->shadow_offset;
    list_remove(&object->shadow_link);      /* backing's only shadower */
    if (next != NULL) {                     /* below both: lock order kept */
        mutex_lock(&next->lock);
        list_remove(&backing->shadow_link);
        list_insert_tail(&next->shadowers, &object->shadow_link);
        mutex_unlock(&next->lock);
    }
    backing->shadow = NULL;
    backing->ref_count = 0;
    mutex_unlock(&backing->lock);
    vm_object_free(backing);
}

/*
 * The walk of vm_object_collapse(), `object` locked: returns the bottom of
 * its chain, with every object from `object` down to it locked.
 */
static struct vm_object *vm_object_collapse_chain(struct vm_object *object)
{
    /*
     * Walk down the chain, keeping each object locked (the fault's lock
     * order), and fold every object referenced only by the one above it
     * into that one: the one above may itself be shared; what its
     * referencers see does not change.
     */
    struct vm_object *o = object;
    for (;;) {
        struct vm_object *backing = o->shadow;
        if (backing == NULL)
            return o;
        mutex_lock(&backing->lock);
        if (backing->internal && backing->ref_count == 1)
            vm_object_collapse_one(o, backing);
        else
            o = backing;
    }
}

void vm_object_collapse(struct vm_object *object)
{
    kassert(mutex_held(&object->lock));
    struct vm_object *bottom = vm_object_collapse_chain(object);
    if (bottom != object)
        vm_object_chain_unlock(object->shadow, bottom);
}

struct vm_page *vm_object_collapse_lookup(struct vm_object *top, vm_offset_t offset,
                                          struct vm_object **found_in,
                                          struct vm_object **bottom)
{
    kassert(mutex_held(&top->lock));
    struct vm_object *last = vm_object_collapse_chain(top);
    *bottom = last;
    for (struct vm_object *o = top;; o = o->shadow) {
        struct vm_page *p = vm_page_resident_lookup(o, offset);
        if (p != NULL || o == last) {
            *found_in = o;
            return p;
        }
        offset += o->shadow_offset;
    }
}

/*
 * `backing` locked, referenced once, by the object that shadows it (its
 * only shadower): fold it into that object (and let that object collapse
 * the rest of its chain).  The shadower comes first in the lock order, so
 * it is only tried: false if someone holds it (backing still locked);
 * true when done or not needed (backing unlocked, or freed).  The shadower
 * cannot be freed under us: it must take backing's lock to leave the list.
 */
static bool vm_object_collapse_into_shadower(struct vm_object *backing)
{
    struct vm_object *top = list_entry(list_first(&backing->shadowers),
                                       struct vm_object, shadow_link);
    kassert(backing->ref_count == 1 && top->shadow_link.next == &backing->shadowers);
    if (!backing->internal) {
        mutex_unlock(&backing->lock);
        return true;
    }
    kassert(!mutex_held(&top->lock));   /* would never be let go */
    if (!mutex_trylock(&top->lock))
        return false;
    if (top->ref_count == 0) {      /* dying: its reference goes next */
        mutex_unlock(&top->lock);
        mutex_unlock(&backing->lock);
        return true;
    }
    kassert(top->shadow == backing);
    vm_object_collapse_one(top, backing);
    vm_object_collapse(top);
    mutex_unlock(&top->lock);
    return true;
}

bool vm_object_reference_shared(struct vm_object *object)
{
    kassert(!object->phys);         /* never inherited (vm/vm_phys.h) */
    mutex_lock(&object->lock);
    kassert(object->ref_count > 0);
    object->ref_count++;
    object->one_mapping = false;
    bool shadowed = object->shadow != NULL;
    mutex_unlock(&object->lock);
    return shadowed;
}

void vm_object_reference_copy(struct vm_object *object)
{
    kassert(!object->phys);         /* never copied (vm/vm_phys.h) */
    mutex_lock(&object->lock);
    kassert(object->ref_count > 0);
    vm_object_collapse(object);
    object->ref_count++;
    object->one_mapping = false;
    mutex_unlock(&object->lock);
}

void vm_object_range_unmapped(struct vm_object *object, vm_offset_t offset,
                              vm_size_t size)
{
    mutex_lock(&object->lock);
    if (object->one_mapping)
        vm_object_page_remove(object, offset, offset + size);
    mutex_unlock(&object->lock);
}

void vm_object_page_remove(struct vm_object *object, vm_offset_t start,
                           vm_offset_t end)
{
    kassert(mutex_held(&object->lock));
    /* Whichever is shorter: the range, page by page, or the resident list. */
    if ((end - start) / PAGE_SIZE < object->resident_count) {
        for (vm_offset_t o = start; o < end; o += PAGE_SIZE) {
            struct vm_page *p = vm_page_resident_lookup(object, o);
            if (p != NULL)
                vm_page_release(p);
        }
        return;
    }
    list_for_each_safe(&object->memq, it, tmp) {
        struct vm_page *p = list_entry(it, struct vm_page, listq);
        if (p->offset >= start && p->offset < end)
            vm_page_release(p);
    }
}

struct vm_page *vm_object_chain_lookup(struct vm_object *top, vm_offset_t offset,
                                       struct vm_object **found_in)
{
    kassert(mutex_held(&top->lock));
    struct vm_object *object = top;
    for (;;) {
        struct vm_page *p = vm_page_resident_lookup(object, offset);
        if (p != NULL || object->shadow == NULL) {
            *found_in = object;
            return p;
        }
        offset += object->shadow_offset;
        object = object->shadow;
        mutex_lock(&object->lock);
    }
}

void vm_object_chain_unlock(struct vm_object *top, struct vm_object *last)
{
    for (struct vm_object *o = top;;) {
        struct vm_object *next = o->shadow;     /* read before letting go */
        mutex_unlock(&o->lock);
        if (o == last)
            return;
        o = next;
    }
}

void vm_object_read_page(struct vm_object *object, vm_offset_t offset, paddr_t dst)
{
    struct vm_object *found;
    mutex_lock(&object->lock);
    struct vm_page *p = vm_object_chain_lookup(object, offset, &found);
    if (p != NULL)
        pmap_copy_page(p->phys, dst);
    else
        pmap_zero_page(dst);
    vm_object_chain_unlock(object, found);
}

/*
 * `copy` (new, unseen by others) takes a copy of each page of `src` (a
 * locked object `delta` bytes below the copy's offset 0 in the chain) that
 * falls in [0, copy->size) and that `copy` lacks.  False if memory ran out.
 */
static bool vm_object_copy_level(struct vm_object *copy, struct vm_object *src,
                                 vm_offset_t delta)
{
    list_for_each(&src->memq, it) {
        struct vm_page *p = list_entry(it, struct vm_page, listq);
        if (p->offset < delta || p->offset - delta >= copy->size ||
            vm_page_resident_lookup(copy, p->offset - delta) != NULL)
            continue;
        struct vm_page *np = vm_page_grab();
        if (np == NULL)
            return false;
        pmap_copy_page(p->phys, np->phys);
        vm_page_insert(np, copy, p->offset - delta);
    }
    return true;
}

kern_return_t vm_object_copy_slowly(struct vm_object *src, vm_offset_t offset,
                                    vm_size_t size, struct vm_object **result)
{
    kassert(!src->phys);            /* never copied (vm/vm_phys.h) */
    struct vm_object *copy = vm_object_allocate(size);
    if (copy == NULL)
        return KERN_RESOURCE_SHORTAGE;
    mutex_lock(&copy->lock);            /* new: no order with src's chain */
    mutex_lock(&src->lock);
    struct vm_object *o = src;
    vm_offset_t delta = offset;         /* copy offset 0 is o's offset delta */
    bool ok = vm_object_copy_level(copy, o, delta);
    while (ok && o->shadow != NULL) {   /* top down: upper pages hide lower */
        delta += o->shadow_offset;
        o = o->shadow;
        mutex_lock(&o->lock);
        ok = vm_object_copy_level(copy, o, delta);
    }
    vm_object_chain_unlock(src, o);
    mutex_unlock(&copy->lock);
    if (!ok) {
        vm_object_deallocate(copy);
        return KERN_RESOURCE_SHORTAGE;
    }
    *result = copy;
    return KERN_SUCCESS;
}

unsigned vm_object_chain_length(struct vm_object *object)
{
    unsigned n = 0;
    if (object == NULL)
        return 0;
    mutex_lock(&object->lock);
    struct vm_object *o = object;
    for (;; o = o->shadow) {
        n++;
        if (o->shadow == NULL)
            break;
        mutex_lock(&o->shadow->lock);
    }
    vm_object_chain_unlock(object, o);
    return n;
}

size_t vm_object_resident_count(struct vm_object *object)
{
    mutex_lock(&object->lock);
    size_t n = object->resident_count;
    mutex_unlock(&object->lock);
    return n;
}

size_t vm_object_total_count(void)
{
    return __atomic_load_n(&vm_object_count, __ATOMIC_RELAXED);
}
