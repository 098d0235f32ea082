// SPDX-License-Identifier: MIT
/*
 * Zones (see kern/zalloc.h): fixed-size elements carved out of whole pages,
 * each page headed by a struct zone_page; kalloc()/kfree() on top.
 */
#include <kern/zalloc.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <machine/vm_param.h>

#define ZONE_ALIGN      16
#define ZPAGE_MAGIC     0x7a6f6e65u     /* "zone" */

enum {
    ZPAGE_MAX_ELEMS = PAGE_SIZE / ZONE_ALIGN,   /* bound on per_page */
    ZPAGE_MAP_WORDS = (ZPAGE_MAX_ELEMS + 63) / 64,
};

/* A free element: its first word links it to the next free one in its page. */
struct zone_free {
    struct zone_free *next;
};

/*
 * The header at the start of every page a zone holds; the elements follow
 * at zpage_hdr_size().  Guarded by the owning zone's lock.
 */
struct zone_page {
    uint32_t magic;             /* ZPAGE_MAGIC while the page is in a zone */
    uint32_t nfree;             /* free elements in this page */
    struct zone *zone;          /* the owner */
    struct zone_free *free;     /* list of the free elements that were used before */
    uint32_t unused;            /* slots from here on were never handed out */
    struct list link;           /* on the zone's partial or full list */
    uint64_t freemap[ZPAGE_MAP_WORDS];  /* bit i set: element i is free */
};

/*
 * Each zone keeps at most one page with every element free, so that a
 * zone whose use goes up and down by one element does not give its page
 * back and set it up again each time.  zone_cached counts those pages over
 * all zones (atomic): they are free memory, and zone_drain_cached() gives
 * them back when the page allocator runs dry.
 */
static size_t zone_cached;

/* The list of all zones, guarded by zone_list_lock (taken before a zone's). */
static struct spinlock zone_list_lock = SPINLOCK_INITIALIZER("zone_list");
static struct list zone_list = LIST_INITIALIZER(zone_list);

static inline size_t zpage_hdr_size(void)
{
    return ROUND_UP(sizeof(struct zone_page), (size_t)ZONE_ALIGN);
}

static inline struct zone_page *zpage_of(const void *elem)
{
    return (struct zone_page *)ROUND_DOWN((uintptr_t)elem, PAGE_SIZE);
}

static inline char *zpage_elem(const struct zone *z, struct zone_page *zp,
                               size_t i)
{
    return (char *)zp + zpage_hdr_size() + i * z->elem_size;
}

static inline bool map_test(const struct zone_page *zp, size_t i)
{
    return (zp->freemap[i / 64] >> (i % 64)) & 1;
}

static inline void map_set(struct zone_page *zp, size_t i, bool is_free)
{
    uint64_t bit = (uint64_t)1 << (i % 64);
    if (is_free)
        zp->freemap[i / 64] |= bit;
    else
        zp->freemap[i / 64] &= ~bit;
}

/*
 * The slot index of `p` in page `zp` of zone `z`, or (size_t)-1 if `p` is
 * not the start of an element slot.
 */
static size_t zpage_slot(const struct zone *z, const struct zone_page *zp,
                         const void *p)
{
    uintptr_t first = (uintptr_t)zp + zpage_hdr_size();
    if ((uintptr_t)p < first)
        return (size_t)-1;
    uintptr_t off = (uintptr_t)p - first;
    if (off % z->elem_size != 0 || off / z->elem_size >= z->per_page)
        return (size_t)-1;
    return off / z->elem_size;
}

/*
 * Make `page` a page of `z` with every element free.  Zone lock held.
 * Elements are not threaded onto the free list here: zpage_take hands out
 * never-used slots in order (`unused`), so setting a page up costs the
 * same whatever the element size.
 */
static void zpage_setup(struct zone *z, void *page)
{
    struct zone_page *zp = page;
    zp->magic = ZPAGE_MAGIC;
    zp->zone = z;
    zp->nfree = (uint32_t)z->per_page;
    zp->free = NULL;
    zp->unused = 0;
    memset(zp->freemap, 0, sizeof(zp->freemap));
    for (size_t i = 0; i < z->per_page; i += 64) {
        size_t n = z->per_page - i;
        zp->freemap[i / 64] = n >= 64 ? ~0ULL : (1ULL << n) - 1;
    }
    list_insert_head(&z->partial, &zp->link);
    z->pages++;
    z->empty_pages++;
    __atomic_fetch_add(&zone_cached, 1, __ATOMIC_RELAXED);
}

/* True if `p` is the start of a free element slot of page `zp`. */
static bool zpage_slot_free(const struct zone *z, const struct zone_page *zp,
                            const void *p)
{
    size_t i = zpage_slot(z, zp, p);
    return i != (size_t)-1 && map_test(zp, i);
}

/*
 * Take the first free element of a partial page.  Zone lock held.  The free
 * list lives in the free elements themselves, so it is checked on the way:
 * NULL (nothing changed) if it is corrupt.
 */
static void *zpage_take(struct zone *z, struct zone_page *zp)
{
    struct zone_free *e = zp->free;
    if (e == NULL && zp->unused < z->per_page) {
        e = (struct zone_free *)zpage_elem(z, zp, zp->unused++);
    } else {
        if (e == NULL || !zpage_slot_free(z, zp, e) ||
            (e->next != NULL && !zpage_slot_free(z, zp, e->next)))
            return NULL;
        zp->free = e->next;
    }
    if (zp->nfree == z->per_page) {     /* the zone's empty page is in use again */
        z->empty_pages--;
        __atomic_fetch_sub(&zone_cached, 1, __ATOMIC_RELAXED);
    }
    map_set(zp, zpage_slot(z, zp, e), false);
    if (--zp->nfree == 0) {
        list_remove(&zp->link);
        list_insert_head(&z->full, &zp->link);
    }
    return e;
}

/*
 * Called with the zone's lock held and no partial page: drop the lock to get
 * a page, take it again.  True if the zone now has a partial page.
 */
static bool zone_grow(struct zone *z)
{
    spin_unlock(&z->lock);
    void *page = zone_page_alloc();
    spin_lock(&z->lock);
    if (page != NULL) {
        kassert(IS_ALIGNED((uintptr_t)page, PAGE_SIZE));
        zpage_setup(z, page);
    }
    return !list_empty(&z->partial);
}

/*
 * Every panic of this file on a zone's behalf is raised after dropping the
 * zone's lock (nothing has been changed yet), so that whatever the panic
 * path prints, zone statistics included, cannot deadlock on it.
 */
void *zalloc(struct zone *z)
{
    spin_lock(&z->lock);
    if (list_empty(&z->partial) && !zone_grow(z)) {
        z->failures++;
        spin_unlock(&z->lock);
        return NULL;
    }
    struct zone_page *zp = list_entry(list_first(&z->partial),
                                      struct zone_page, link);
    void *elem = zpage_take(z, zp);
    if (elem == NULL) {
        spin_unlock(&z->lock);
        panic("zalloc(%s): free list of page %p is corrupt "
              "(an element written after it was freed?)", z->name,
              (void *)zp);
    }
    z->in_use++;
    if (z->in_use > z->peak)
        z->peak = z->in_use;
    z->allocs++;
    spin_unlock(&z->lock);
    return elem;
}

enum zfree_error {
    ZFREE_OK,
    ZFREE_NULL,
    ZFREE_NOT_ZONE_PAGE,
    ZFREE_OTHER_ZONE,
    ZFREE_NOT_ELEMENT,
    ZFREE_DOUBLE,
};

/* Is `elem` an element of `z` in use now?  Zone lock held. */
static enum zfree_error zfree_check(struct zone *z, const void *elem)
{
    if (elem == NULL)
        return ZFREE_NULL;
    const struct zone_page *zp = zpage_of(elem);
    if (zp->magic != ZPAGE_MAGIC)
        return ZFREE_NOT_ZONE_PAGE;
    if (zp->zone != z)
        return ZFREE_OTHER_ZONE;
    size_t slot = zpage_slot(z, zp, elem);
    if (slot == (size_t)-1)
        return ZFREE_NOT_ELEMENT;
    return map_test(zp, slot) ? ZFREE_DOUBLE : ZFREE_OK;
}

static __noreturn void zfree_panic(struct zone *z, void *elem,
                                   enum zfree_error err)
{
    switch (err) {
    case ZFREE_NULL:
        panic("zfree(%s): NULL element", z->name);
    case ZFREE_NOT_ZONE_PAGE:
        panic("zfree(%s): %p is not in a zone page", z->name, elem);
    case ZFREE_OTHER_ZONE:
        panic("zfree(%s): %p belongs to zone %s", z->name, elem,
              zpage_of(elem)->zone->name);
    case ZFREE_NOT_ELEMENT:
        panic("zfree(%s): %p is not the start of an element", z->name, elem);
    default:
        panic("zfree(%s): double free of %p", z->name, elem);
    }
}

/* `zp` has no element in use: off the zone's lists and back.  Drops the lock. */
static void zpage_release(struct zone *z, struct zone_page *zp)
{
    list_remove(&zp->link);
    zp->magic = 0;
    zp->zone = NULL;
    z->pages--;
    spin_unlock(&z->lock);
    zone_page_free(zp);
}

/* A page just became empty: keep it if the zone has no empty page yet. */
static void zpage_emptied(struct zone *z, struct zone_page *zp)
{
    if (z->empty_pages == 0) {
        z->empty_pages++;
        __atomic_fetch_add(&zone_cached, 1, __ATOMIC_RELAXED);
        spin_unlock(&z->lock);
    } else {
        zpage_release(z, zp);           /* drops the lock */
    }
}

void zfree(struct zone *z, void *elem)
{
    spin_lock(&z->lock);
    enum zfree_error err = zfree_check(z, elem);
    if (err != ZFREE_OK) {
        spin_unlock(&z->lock);
        zfree_panic(z, elem, err);
    }
    struct zone_page *zp = zpage_of(elem);
    struct zone_free *e = elem;
    e->next = zp->free;
    zp->free = e;
    map_set(zp, zpage_slot(z, zp, elem), true);
    if (zp->nfree++ == 0) {         /* was full: back on the partial list */
        list_remove(&zp->link);
        list_insert_head(&z->partial, &zp->link);
    }
    z->in_use--;
    z->frees++;
    if (zp->nfree == z->per_page)
        zpage_emptied(z, zp);       /* drops the lock */
    else
        spin_unlock(&z->lock);
}

static size_t zone_drain(struct zone *z);

void zone_init(struct zone *z, const char *name, size_t size)
{
    kassert(size >= 1 && size <= KALLOC_MAX);
    strlcpy(z->name, name, sizeof(z->name));
    spin_lock_init(&z->lock, z->name);
    z->elem_size = ROUND_UP(size, (size_t)ZONE_ALIGN);
    z->per_page = (PAGE_SIZE - zpage_hdr_size()) / z->elem_size;
    kassert(z->per_page >= 1 && z->per_page <= ZPAGE_MAX_ELEMS);
    list_init(&z->partial);
    list_init(&z->full);
    z->in_use = z->peak = z->pages = z->empty_pages = 0;
    z->allocs = z->frees = z->failures = 0;

    spin_lock(&zone_list_lock);
    list_insert_tail(&zone_list, &z->zones_link);
    spin_unlock(&zone_list_lock);
}

void zone_destroy(struct zone *z)
{
    zone_drain(z);                      /* the empty page it may keep */
    spin_lock(&zone_list_lock);
    spin_lock(&z->lock);
    size_t in_use = z->in_use;
    if (in_use == 0) {
        kassert(z->pages == 0 && list_empty(&z->partial) &&
                list_empty(&z->full));
        list_remove(&z->zones_link);
    }
    spin_unlock(&z->lock);
    spin_unlock(&zone_list_lock);
    if (in_use != 0)
        panic("zone_destroy(%s): %zu elements still in use", z->name, in_use);
}

static void zone_snapshot(struct zone *z, struct zone_info *out)
{
    spin_lock(&z->lock);
    memcpy(out->name, z->name, sizeof(out->name));
    out->elem_size = z->elem_size;
    out->in_use = z->in_use;
    out->peak = z->peak;
    out->pages = z->pages;
    out->allocs = z->allocs;
    out->frees = z->frees;
    out->failures = z->failures;
    spin_unlock(&z->lock);
}

size_t zone_info_all(struct zone_info *out, size_t max)
{
    size_t n = 0;
    spin_lock(&zone_list_lock);
    list_for_each(&zone_list, it) {
        if (n < max)
            zone_snapshot(list_entry(it, struct zone, zones_link), &out[n]);
        n++;
    }
    spin_unlock(&zone_list_lock);
    return n;
}

void zone_totals(size_t *pages_in_use, size_t *elements)
{
    size_t pages = 0, elems = 0;
    spin_lock(&zone_list_lock);
    list_for_each(&zone_list, it) {
        struct zone *z = list_entry(it, struct zone, zones_link);
        spin_lock(&z->lock);
        pages += z->pages - z->empty_pages;
        elems += z->in_use;
        spin_unlock(&z->lock);
    }
    spin_unlock(&zone_list_lock);
    *pages_in_use = pages;
    *elements = elems;
}

/* kalloc: one zone per power of two from KALLOC_MIN to KALLOC_MAX. */
#define KALLOC_NZONES   8
_Static_assert((KALLOC_MIN << (KALLOC_NZONES - 1)) == KALLOC_MAX,
               "KALLOC_NZONES must span KALLOC_MIN .. KALLOC_MAX");

static struct zone kalloc_zones[KALLOC_NZONES];
static bool kalloc_ready;

static const char *const kalloc_names[KALLOC_NZONES] = {
    "kalloc.16", "kalloc.32", "kalloc.64", "kalloc.128",
    "kalloc.256", "kalloc.512", "kalloc.1024", "kalloc.2048",
};

void kalloc_init(void)
{
    if (kalloc_ready)
        return;
    for (unsigned i = 0; i < KALLOC_NZONES; i++)
        zone_init(&kalloc_zones[i], kalloc_names[i], (size_t)KALLOC_MIN << i);
    kalloc_ready = true;
}

void *kalloc(size_t size)
{
    kassert(kalloc_ready);
    if (size == 0 || size > KALLOC_MAX)
        return NULL;
    unsigned i = 0;
    while (((size_t)KALLOC_MIN << i) < size)
        i++;
    return zalloc(&kalloc_zones[i]);
}

void kfree(void *ptr)
{
    if (ptr == NULL)
        return;
    const struct zone_page *zp = zpage_of(ptr);
    if (zp->magic != ZPAGE_MAGIC)
        panic("kfree: %p is not in a zone page (not from kalloc)", ptr);
    struct zone *z = zp->zone;
    uintptr_t zi = (uintptr_t)z, first = (uintptr_t)&kalloc_zones[0];
    if (zi < first || zi >= (uintptr_t)&kalloc_zones[KALLOC_NZONES])
        panic("kfree: %p belongs to zone %s, not to kalloc", ptr, z->name);
    zfree(z, ptr);
}

size_t zone_cached_pages(void)
{
    return __atomic_load_n(&zone_cached, __ATOMIC_RELAXED);
}

/* Give back the empty page of one zone (zone lock taken here). */
static size_t zone_drain(struct zone *z)
{
    spin_lock(&z->lock);
    list_for_each(&z->partial, it) {
        struct zone_page *zp = list_entry(it, struct zone_page, link);
        if (zp->nfree == z->per_page) {
            z->empty_pages--;
            __atomic_fetch_sub(&zone_cached, 1, __ATOMIC_RELAXED);
            zpage_release(z, zp);       /* drops the lock */
            return 1;
        }
    }
    spin_unlock(&z->lock);
    return 0;
}

size_t zone_drain_cached(void)
{
    size_t freed = 0;
    spin_lock(&zone_list_lock);
    list_for_each(&zone_list, it)
        freed += zone_drain(list_entry(it, struct zone, zones_link));
    spin_unlock(&zone_list_lock);
    return freed;
}
