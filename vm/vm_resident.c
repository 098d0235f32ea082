// SPDX-License-Identifier: MIT
/*
 * Resident pages (vm/vm_resident.h): the (object, offset) hash table, the
 * active and inactive page queues, and the global page counters.
 */
#include <kern/buddy.h>
#include <kern/panic.h>
#include <kern/spinlock.h>
#include <kern/string.h>
#include <machine/vm_param.h>
#include <vm/vm_object.h>
#include <vm/vm_resident.h>

/*
 * The hash table: a power-of-two array of bucket heads (chained through
 * page->hash_next), taken from the page allocator at boot.  Buckets are
 * guarded in stripes: bucket b by vm_page_hash_locks[b % VM_PAGE_HASH_LOCKS].
 * The table itself (buckets, mask) never changes after vm_resident_init().
 */
#define VM_PAGE_HASH_LOCKS  64

static struct vm_page **vm_page_buckets;
static size_t vm_page_hash_mask;
static struct spinlock vm_page_hash_locks[VM_PAGE_HASH_LOCKS];

/* vm_page_queue_lock guards the queues and the counters below.  Leaf. */
static struct spinlock vm_page_queue_lock = SPINLOCK_INITIALIZER("vm_page_queue");
static struct list vm_page_queue_active = LIST_INITIALIZER(vm_page_queue_active);
static struct list vm_page_queue_inactive = LIST_INITIALIZER(vm_page_queue_inactive);
static size_t vm_page_active_count;
static size_t vm_page_inactive_count;

/* The number of buckets: about one per two pages of RAM, a power of two. */
static unsigned vm_resident_table_order(size_t total_pages)
{
    size_t want = total_pages / 2 > 1 ? total_pages / 2 : 1;
    size_t per_page = PAGE_SIZE / sizeof(struct vm_page *);
    unsigned order = 0;
    while (order + 1 < BUDDY_ORDERS && (per_page << order) < want)
        order++;
    return order;
}

void vm_resident_init(void)
{
    unsigned order = vm_resident_table_order(vm_page_total_count());
    struct vm_page *pg = NULL;
    for (;;) {                      /* a smaller table is slower, not wrong */
        pg = vm_page_alloc(order);
        if (pg != NULL || order == 0)
            break;
        order--;
    }
    if (pg == NULL)
        panic("vm_resident_init: no page for the page hash table");
    size_t bytes = PAGE_SIZE << order;
    vm_page_buckets = phys_to_virt(pg->phys);
    memset(vm_page_buckets, 0, bytes);
    vm_page_hash_mask = bytes / sizeof(struct vm_page *) - 1;
    for (unsigned i = 0; i < VM_PAGE_HASH_LOCKS; i++)
        spin_lock_init(&vm_page_hash_locks[i], "vm_page_hash");
}

/* Fibonacci hashing of the object's address and the page number. */
static inline size_t vm_page_hash(const struct vm_object *object, vm_offset_t offset)
{
    uint64_t key = ((uint64_t)(uintptr_t)object >> 4) ^ (offset >> PAGE_SHIFT);
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & vm_page_hash_mask;
}

static inline struct spinlock *vm_page_bucket_lock(size_t bucket)
{
    return &vm_page_hash_locks[bucket % VM_PAGE_HASH_LOCKS];
}

struct vm_page *vm_page_grab(void)
{
    struct vm_page *page = vm_page_alloc(0);
    if (page == NULL)
        return NULL;
    page->queue = VM_PAGE_Q_NONE;
    page->vm_flags = 0;
    page->object = NULL;
    page->offset = 0;
    page->hash_next = NULL;
    list_init(&page->listq);
    list_init(&page->link);
    return page;
}

void vm_page_release(struct vm_page *page)
{
    if (page->vm_flags & VM_PAGE_TABLED)
        vm_page_remove(page);
    vm_page_free(page, 0);
}

struct vm_page *vm_page_resident_lookup(struct vm_object *object, vm_offset_t offset)
{
    size_t b = vm_page_hash(object, offset);
    struct spinlock *lock = vm_page_bucket_lock(b);
    spin_lock(lock);
    struct vm_page *p = vm_page_buckets[b];
    while (p != NULL && (p->object != object || p->offset != offset))
        p = p->hash_next;
    spin_unlock(lock);
    return p;
}

static void vm_page_hash_insert(struct vm_page *page)
{
    size_t b = vm_page_hash(page->object, page->offset);
    struct spinlock *lock = vm_page_bucket_lock(b);
    spin_lock(lock);
    page->hash_next = vm_page_buckets[b];
    vm_page_buckets[b] = page;
    spin_unlock(lock);
}

static void vm_page_hash_remove(struct vm_page *page)
{
    size_t b = vm_page_hash(page->object, page->offset);
    struct spinlock *lock = vm_page_bucket_lock(b);
    spin_lock(lock);
    struct vm_page **pp = &vm_page_buckets[b];
    while (*pp != page) {
        kassert(*pp != NULL);           /* a tabled page is in its bucket */
        pp = &(*pp)->hash_next;
    }
    *pp = page->hash_next;
    page->hash_next = NULL;
    spin_unlock(lock);
}

/* Queue lock held: take the page off its queue, if any. */
static void vm_page_queues_unlink(struct vm_page *page)
{
    if (page->queue == VM_PAGE_Q_ACTIVE)
        vm_page_active_count--;
    else if (page->queue == VM_PAGE_Q_INACTIVE)
        vm_page_inactive_count--;
    list_remove(&page->link);
    page->queue = VM_PAGE_Q_NONE;
}

static void vm_page_queue_put(struct vm_page *page, enum vm_page_queue q)
{
    spin_lock(&vm_page_queue_lock);
    vm_page_queues_unlink(page);
    if (q == VM_PAGE_Q_ACTIVE) {
        list_insert_tail(&vm_page_queue_active, &page->link);
        vm_page_active_count++;
    } else if (q == VM_PAGE_Q_INACTIVE) {
        list_insert_tail(&vm_page_queue_inactive, &page->link);
        vm_page_inactive_count++;
    }
    page->queue = (uint8_t)q;
    spin_unlock(&vm_page_queue_lock);
}

void vm_page_insert(struct vm_page *page, struct vm_object *object, vm_offset_t offset)
{
    kassert(mutex_held(&object->lock));
    kassert(!(page->vm_flags & VM_PAGE_TABLED) && IS_ALIGNED(offset, PAGE_SIZE));
    page->object = object;
    page->offset = offset;
    page->vm_flags |= VM_PAGE_TABLED;
    vm_page_hash_insert(page);
    list_insert_tail(&object->memq, &page->listq);
    object->resident_count++;
    vm_page_queue_put(page, VM_PAGE_Q_ACTIVE);
}

void vm_page_remove(struct vm_page *page)
{
    struct vm_object *object = page->object;
    kassert((page->vm_flags & VM_PAGE_TABLED) && mutex_held(&object->lock));
    vm_page_hash_remove(page);
    list_remove(&page->listq);
    object->resident_count--;
    vm_page_queue_put(page, VM_PAGE_Q_NONE);
    page->object = NULL;
    page->vm_flags &= (uint8_t)~VM_PAGE_TABLED;
}

void vm_page_rename(struct vm_page *page, struct vm_object *object, vm_offset_t offset)
{
    struct vm_object *old = page->object;
    kassert((page->vm_flags & VM_PAGE_TABLED) && mutex_held(&old->lock));
    kassert(mutex_held(&object->lock));
    vm_page_hash_remove(page);
    list_remove(&page->listq);
    old->resident_count--;
    page->object = object;
    page->offset = offset;
    vm_page_hash_insert(page);
    list_insert_tail(&object->memq, &page->listq);
    object->resident_count++;
}

void vm_page_deactivate(struct vm_page *page)
{
    kassert(page->vm_flags & VM_PAGE_TABLED);
    vm_page_queue_put(page, VM_PAGE_Q_INACTIVE);
}

void vm_page_activate(struct vm_page *page)
{
    kassert(page->vm_flags & VM_PAGE_TABLED);
    vm_page_queue_put(page, VM_PAGE_Q_ACTIVE);
}

size_t vm_page_resident_total(void)
{
    spin_lock(&vm_page_queue_lock);
    size_t n = vm_page_active_count + vm_page_inactive_count;
    spin_unlock(&vm_page_queue_lock);
    return n;
}

void vm_resident_stats(struct vm_resident_stats *out)
{
    spin_lock(&vm_page_queue_lock);
    out->active = vm_page_active_count;
    out->inactive = vm_page_inactive_count;
    spin_unlock(&vm_page_queue_lock);
    out->resident = out->active + out->inactive;
    out->buckets = vm_page_hash_mask + 1;
}
