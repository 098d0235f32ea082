// SPDX-License-Identifier: MIT
/*
 * Simulated physical memory and user accesses for host tests of the VM
 * (see vm_host.h): the page allocator of vm/vm_page.h over a malloc'd RAM
 * and kern/buddy.c, the zones' page source, and MMU-like accesses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kern/buddy.h>
#include <kern/zalloc.h>
#include <machine/vm_param.h>
#include <vm/pmap.h>
#include <vm/vm_fault.h>
#include <vm/vm_map_copy.h>
#include <vm/vm_object.h>
#include <vm/vm_resident.h>
#include <vm/vm_user.h>
#include "fake_pmap.h"
#include "vm_host.h"

static pthread_mutex_t host_page_lock = PTHREAD_MUTEX_INITIALIZER;
static struct buddy host_buddy;
static long host_fail_after = -1;      /* allocations left; < 0: no limit */

void vm_host_init(size_t npages)
{
    void *ram = aligned_alloc(PAGE_SIZE, npages * PAGE_SIZE);
    struct vm_page *pages = calloc(npages, sizeof(struct vm_page));
    assert_non_null(ram);
    assert_non_null(pages);
    host_direct_map_offset = (uintptr_t)ram - VM_HOST_RAM_BASE;
    buddy_init(&host_buddy);
    assert_int_equal(buddy_add_seg(&host_buddy, VM_HOST_RAM_BASE, npages, pages),
                     KERN_SUCCESS);
    buddy_release(&host_buddy, VM_HOST_RAM_BASE, VM_HOST_RAM_BASE + npages * PAGE_SIZE);
    fake_pmap_set_ram(VM_HOST_RAM_BASE, npages);
    vm_init();
}

/* kern/sched.h: vm_object_deallocate() waits for a busy object this way. */
void thread_sleep_ns(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    nanosleep(&ts, NULL);
}

void vm_host_fail_after(long n)
{
    pthread_mutex_lock(&host_page_lock);
    host_fail_after = n;
    pthread_mutex_unlock(&host_page_lock);
}

/* One allocation: NULL if it is made to fail or the buddy allocator has none. */
static struct vm_page *host_page_alloc(unsigned order, bool *injected)
{
    pthread_mutex_lock(&host_page_lock);
    struct vm_page *pg = NULL;
    *injected = host_fail_after == 0;
    if (!*injected) {
        pg = buddy_alloc(&host_buddy, order);
        if (pg != NULL && host_fail_after > 0)
            host_fail_after--;
    }
    pthread_mutex_unlock(&host_page_lock);
    return pg;
}

struct vm_page *vm_page_alloc(unsigned order)
{
    bool injected;
    struct vm_page *pg = host_page_alloc(order, &injected);
    /* As vm/vm_page.c: the zones' spare empty pages before giving up. */
    if (pg == NULL && !injected && zone_drain_cached() > 0)
        pg = host_page_alloc(order, &injected);
    if (pg != NULL)     /* garbage, as a reused page holds */
        memset(phys_to_virt(pg->phys), 0xa5, PAGE_SIZE << order);
    return pg;
}

void vm_page_free(struct vm_page *page, unsigned order)
{
    for (size_t i = 0; i < ((size_t)1 << order); i++) {
        if (fake_pmap_mapcount(page[i].phys) != 0) {
            fprintf(stderr, "vm_page_free: pa 0x%llx is still mapped\n",
                    (unsigned long long)page[i].phys);
            abort();
        }
    }
    if (page->vm_flags & VM_PAGE_TABLED) {
        fprintf(stderr, "vm_page_free: pa 0x%llx is still in an object\n",
                (unsigned long long)page->phys);
        abort();
    }
    memset(phys_to_virt(page->phys), 0x5a, PAGE_SIZE << order);    /* poison */
    pthread_mutex_lock(&host_page_lock);
    buddy_free(&host_buddy, page, order);
    pthread_mutex_unlock(&host_page_lock);
}

struct vm_page *vm_page_lookup(paddr_t pa)
{
    return buddy_lookup(&host_buddy, pa);
}

size_t vm_page_free_count(void)
{
    pthread_mutex_lock(&host_page_lock);
    size_t n = host_buddy.free_pages;
    pthread_mutex_unlock(&host_page_lock);
    return n;
}

size_t vm_page_available_count(void)
{
    return vm_page_free_count() + zone_cached_pages();
}

size_t vm_page_total_count(void)
{
    return host_buddy.total_pages;
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


void vm_host_check_clean(size_t free_baseline)
{
    assert_int_equal(vm_object_total_count(), 0);
    assert_int_equal(vm_page_resident_total(), 0);
    assert_int_equal(host_zone_in_use("vm_object"), 0);
    assert_int_equal(host_zone_in_use("vm_map"), 0);
    assert_int_equal(host_zone_in_use("vm_map_entry"), 0);
    assert_int_equal(host_zone_in_use("vm_map_copy"), 0);
    assert_int_equal(vm_page_available_count(), free_baseline);
}

kern_return_t vm_host_access(vm_map_t map, vaddr_t va, vm_prot_t type, paddr_t *pa)
{
    vm_prot_t prot;
    if (pmap_extract(map->pmap, va, pa, &prot) && (prot & type) == type)
        return KERN_SUCCESS;
    /*
     * Another thread (a fork write-protecting the map) may take the
     * translation away again between the fault and the access: the
     * hardware would fault again, and so do we, a few times.
     */
    for (int tries = 0; tries < 100; tries++) {
        kern_return_t kr = vm_fault(map, va, type);
        if (kr != KERN_SUCCESS)
            return kr;
        if (pmap_extract(map->pmap, va, pa, &prot) && (prot & type) == type)
            return KERN_SUCCESS;
    }
    fail_msg("vm_fault(0x%lx, %d) succeeded but the access is still refused",
             (unsigned long)va, type);
    return KERN_FAILURE;
}

static kern_return_t host_copy(vm_map_t map, vaddr_t va, char *buf, size_t len,
                               vm_prot_t type)
{
    while (len > 0) {
        size_t off = va & PAGE_MASK, n = MIN(len, PAGE_SIZE - off);
        paddr_t pa;
        kern_return_t kr = vm_host_access(map, va, type, &pa);
        if (kr != KERN_SUCCESS)
            return kr;
        char *p = (char *)phys_to_virt(pa) + off;
        if (type == VM_PROT_WRITE)
            memcpy(p, buf, n);
        else
            memcpy(buf, p, n);
        va += n;
        buf += n;
        len -= n;
    }
    return KERN_SUCCESS;
}

kern_return_t vm_host_write(vm_map_t map, vaddr_t va, const void *buf, size_t len)
{
    return host_copy(map, va, (char *)(uintptr_t)buf, len, VM_PROT_WRITE);
}

kern_return_t vm_host_read(vm_map_t map, vaddr_t va, void *buf, size_t len)
{
    return host_copy(map, va, buf, len, VM_PROT_READ);
}

kern_return_t vm_host_fill(vm_map_t map, vaddr_t va, uint8_t byte)
{
    paddr_t pa;
    kern_return_t kr = vm_host_access(map, va, VM_PROT_WRITE, &pa);
    if (kr == KERN_SUCCESS)
        memset(phys_to_virt(pa), byte, PAGE_SIZE);
    return kr;
}

bool vm_host_page_is(vm_map_t map, vaddr_t va, uint8_t byte)
{
    paddr_t pa;
    if (vm_host_access(map, va, VM_PROT_READ, &pa) != KERN_SUCCESS)
        return false;
    const uint8_t *p = phys_to_virt(pa);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        if (p[i] != byte)
            return false;
    return true;
}

vm_map_t vm_host_map_create(void)
{
    pmap_t pmap = pmap_create();
    vm_map_t map = vm_map_create(pmap, VM_HOST_MIN, VM_HOST_MAX);
    assert_non_null(map);
    return map;
}

void vm_host_map_destroy(vm_map_t map)
{
    pmap_t pmap = map->pmap;
    vm_map_deallocate(map);
    pmap_destroy(pmap);
}

kern_return_t vm_host_map_fork(vm_map_t parent, vm_map_t *child)
{
    pmap_t pmap = pmap_create();
    kern_return_t kr = vm_map_fork(parent, pmap, child);
    if (kr != KERN_SUCCESS)
        pmap_destroy(pmap);
    return kr;
}

/* Map locked: the structural invariants of the entry list. */
static void check_entries(vm_map_t map)
{
    size_t n = 0;
    vm_size_t size = 0;
    struct vm_map_entry *prev = NULL;
    list_for_each(&map->entries, it) {
        struct vm_map_entry *e = list_entry(it, struct vm_map_entry, link);
        if (e->start >= e->end || ((e->start | e->end) & PAGE_MASK) != 0 ||
            e->start < map->min || e->end > map->max)
            fail_msg("entry [0x%lx, 0x%lx) is malformed", e->start, e->end);
        if (prev != NULL && prev->end > e->start)
            fail_msg("entries overlap or are unsorted at 0x%lx", e->start);
        if (prev != NULL && vm_map_entry_mergeable(prev, e))
            fail_msg("mergeable neighbours left at 0x%lx", e->start);
        if ((e->protection & ~e->max_protection) != 0)
            fail_msg("protection beyond maximum at 0x%lx", e->start);
        if ((e->needs_copy && e->object == NULL) || (e->needs_copy && e->is_shared))
            fail_msg("bad needs_copy at 0x%lx", e->start);
        if (vm_object_is_phys(e->object) &&
            (e->inheritance != VM_INHERIT_NONE || e->needs_copy || e->is_shared ||
             e->offset + (e->end - e->start) > e->object->size))
            fail_msg("physical entry at 0x%lx inheritable, copy-on-write, shared "
                     "or beyond its object", e->start);
        n++;
        size += e->end - e->start;
        prev = e;
    }
    assert_int_equal(n, map->nentries);
    assert_int_equal(size, map->size);
}

/* Map locked: translation `t` agrees with the entries and objects. */
static void check_translation(vm_map_t map, const struct fake_translation *t)
{
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(map, t->va, &e))
        fail_msg("translation of 0x%lx outside every entry", t->va);
    if ((t->prot & ~e->protection) != 0 || e->object == NULL)
        fail_msg("translation of 0x%lx beyond its entry (prot %d > %d)", t->va,
                 t->prot, e->protection);
    if (vm_object_is_phys(e->object)) {         /* the frame itself, no page */
        if (t->pa != e->object->phys_addr + e->offset + (t->va - e->start))
            fail_msg("translation of 0x%lx maps the wrong physical frame", t->va);
        return;
    }
    struct vm_object *top = e->object, *last;
    mutex_lock(&top->lock);
    struct vm_page *p = vm_object_chain_lookup(top, e->offset + (t->va - e->start), &last);
    bool in_top = p != NULL && p->object == top;
    paddr_t pa = p != NULL ? p->phys : 0;
    vm_object_chain_unlock(top, last);
    if (p == NULL || pa != t->pa)
        fail_msg("translation of 0x%lx maps a page its object does not resolve to", t->va);
    if ((t->prot & VM_PROT_WRITE) && (!in_top || e->needs_copy))
        fail_msg("translation of 0x%lx is writable but copy-on-write", t->va);
    if (e->is_shared && !in_top)
        fail_msg("shared entry at 0x%lx maps a shadow's page", t->va);
}

void vm_host_check_map(vm_map_t map)
{
    size_t max = pmap_resident_count(map->pmap) + 1;
    struct fake_translation *t = malloc(max * sizeof(*t));
    mutex_lock(&map->lock);
    check_entries(map);
    size_t n = fake_pmap_snapshot(map->pmap, t, max);
    assert_true(n <= max);
    for (size_t i = 0; i < n; i++)
        check_translation(map, &t[i]);
    mutex_unlock(&map->lock);
    free(t);
}

/* The objects found by vm_host_check_refs(), with the references expected. */
struct ref_audit {
    struct vm_object **obj;
    unsigned *refs;         /* entries, copy entries and shadows pointing at it */
    bool *shadowed;         /* some object's shadow */
    size_t n, cap;
};

/*
 * Count one more reference to `o`; a new object is appended (to be
 * visited).  Returns its index.
 */
static size_t ref_audit_add(struct ref_audit *a, struct vm_object *o)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->obj[i] == o) {
            a->refs[i]++;
            return i;
        }
    }
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 64;
        a->obj = realloc(a->obj, a->cap * sizeof(*a->obj));
        a->refs = realloc(a->refs, a->cap * sizeof(*a->refs));
        a->shadowed = realloc(a->shadowed, a->cap * sizeof(*a->shadowed));
        assert_non_null(a->obj);
        assert_non_null(a->refs);
        assert_non_null(a->shadowed);
    }
    a->obj[a->n] = o;
    a->refs[a->n] = 1;
    a->shadowed[a->n] = false;
    return a->n++;
}

static void ref_audit_entries(struct ref_audit *a, struct list *entries)
{
    list_for_each(entries, it) {
        struct vm_map_entry *e = list_entry(it, struct vm_map_entry, link);
        if (e->object != NULL)
            ref_audit_add(a, e->object);
    }
}

void vm_host_check_refs(vm_map_t *maps, size_t nmaps, struct vm_map_copy **copies,
                        size_t ncopies)
{
    struct ref_audit a = { NULL, NULL, NULL, 0, 0 };
    for (size_t i = 0; i < nmaps; i++) {
        mutex_lock(&maps[i]->lock);
        ref_audit_entries(&a, &maps[i]->entries);
        mutex_unlock(&maps[i]->lock);
    }
    for (size_t i = 0; i < ncopies; i++)
        ref_audit_entries(&a, &copies[i]->entries);
    size_t resident = 0;
    for (size_t i = 0; i < a.n; i++) {      /* a.n grows as shadows are found */
        struct vm_object *o = a.obj[i];
        mutex_lock(&o->lock);
        struct vm_object *shadow = o->shadow;
        resident += o->resident_count;
        mutex_unlock(&o->lock);
        if (shadow != NULL) {
            size_t k = ref_audit_add(&a, shadow);     /* may move the arrays */
            a.shadowed[k] = true;
        }
    }
    char msg[160] = "";
    for (size_t i = 0; i < a.n && msg[0] == '\0'; i++) {
        if (a.obj[i]->ref_count != a.refs[i])
            snprintf(msg, sizeof(msg),
                     "object %p has %u references, %u expected (entries, copies, shadows)",
                     (void *)a.obj[i], a.obj[i]->ref_count, a.refs[i]);
    }
    for (size_t i = 0; i < a.n && msg[0] == '\0'; i++) {
        if (a.refs[i] == 1 && a.shadowed[i])
            snprintf(msg, sizeof(msg),
                     "object %p is referenced only by the object in front of it "
                     "(a collapse was missed)", (void *)a.obj[i]);
    }
    if (msg[0] == '\0' && vm_object_total_count() != a.n)
        snprintf(msg, sizeof(msg), "%zu objects live, %zu reachable from the maps and copies",
                 vm_object_total_count(), a.n);
    if (msg[0] == '\0' && vm_page_resident_total() != resident)
        snprintf(msg, sizeof(msg), "%zu pages resident, %zu in the reachable objects",
                 vm_page_resident_total(), resident);
    free(a.obj);
    free(a.refs);
    free(a.shadowed);
    if (msg[0] != '\0')
        fail_msg("%s", msg);
}

size_t vm_host_regions(vm_map_t map, struct vm_host_region *out, size_t max)
{
    size_t n = 0;
    vaddr_t addr = 0;
    for (;;) {
        struct vm_host_region r;
        kern_return_t kr = vm_region(map, &addr, &r.size, &r.prot, &r.max_prot,
                                     &r.inherit, &r.shared, &r.offset);
        if (kr == KERN_NO_SPACE)
            return n;
        assert_int_equal(kr, KERN_SUCCESS);
        r.start = addr;
        if (n < max)
            out[n] = r;
        n++;
        addr += r.size;
    }
}

void vm_host_assert_regions(vm_map_t map, const struct vm_host_region *expect, size_t n)
{
    struct vm_host_region got[256];
    size_t m = vm_host_regions(map, got, 256);
    assert_int_equal(m, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got[i].start, expect[i].start);
        assert_int_equal(got[i].size, expect[i].size);
        assert_int_equal(got[i].prot, expect[i].prot);
        assert_int_equal(got[i].max_prot, expect[i].max_prot);
        assert_int_equal(got[i].inherit, expect[i].inherit);
        assert_int_equal(got[i].shared, expect[i].shared);
        assert_int_equal(got[i].offset, expect[i].offset);
    }
}
