// SPDX-License-Identifier: MIT
/*
 * The vm/pmap.h interface for host tests: each pmap is a hash table of
 * translations.  It checks its callers the way the hardware would not:
 * unaligned addresses, VM_PROT_NONE entries and pages that are not
 * allocated (or in the one fake device range) abort the test at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <machine/vm_param.h>
#include <vm/vm_page.h>
#include "fake_pmap.h"

#define FAKE_BUCKETS 1024

struct fake_mapping {
    vaddr_t va;
    paddr_t pa;
    vm_prot_t prot;
    struct fake_mapping *next;
};

struct pmap {
    struct fake_mapping *buckets[FAKE_BUCKETS];
    size_t count;
};

/* One lock for the whole fake: tests are small. */
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_pmap_stats stats;
static bool fail_enter;
static size_t live;
static paddr_t ram_base;
static size_t ram_pages;
static unsigned *map_counts;        /* translations per RAM page */
static paddr_t dev_base;            /* device registers (fake_pmap_set_device) */
static size_t dev_pages;
static unsigned *dev_counts;        /* translations per device page */

static void fake_die(const char *what, unsigned long long a, unsigned long long b)
{
    fprintf(stderr, "fake_pmap: %s (0x%llx, 0x%llx)\n", what, a, b);
    abort();
}

void fake_pmap_set_ram(paddr_t base, size_t npages)
{
    pthread_mutex_lock(&fake_lock);
    free(map_counts);
    ram_base = base;
    ram_pages = npages;
    map_counts = calloc(npages, sizeof(*map_counts));
    pthread_mutex_unlock(&fake_lock);
}

void fake_pmap_set_device(paddr_t base, size_t npages)
{
    pthread_mutex_lock(&fake_lock);
    for (size_t i = 0; i < dev_pages; i++)
        if (dev_counts[i] != 0)
            fake_die("fake_pmap_set_device: old range still mapped", dev_base, i);
    free(dev_counts);
    dev_base = base;
    dev_pages = npages;
    dev_counts = calloc(npages, sizeof(*dev_counts));
    pthread_mutex_unlock(&fake_lock);
}

static bool is_device(paddr_t pa)
{
    return dev_counts != NULL && pa >= dev_base && (pa - dev_base) / PAGE_SIZE < dev_pages;
}

static unsigned *count_of(paddr_t pa)
{
    if (is_device(pa))
        return &dev_counts[(pa - dev_base) / PAGE_SIZE];
    if (pa < ram_base || (pa - ram_base) / PAGE_SIZE >= ram_pages)
        fake_die("physical address outside RAM", pa, 0);
    return &map_counts[(pa - ram_base) / PAGE_SIZE];
}

unsigned fake_pmap_mapcount(paddr_t pa)
{
    pthread_mutex_lock(&fake_lock);
    unsigned n = map_counts != NULL ? *count_of(pa) : 0;
    pthread_mutex_unlock(&fake_lock);
    return n;
}

struct fake_pmap_stats fake_pmap_stats(void)
{
    pthread_mutex_lock(&fake_lock);
    struct fake_pmap_stats s = stats;
    pthread_mutex_unlock(&fake_lock);
    return s;
}

void fake_pmap_fail_enter(bool fail)
{
    __atomic_store_n(&fail_enter, fail, __ATOMIC_RELAXED);
}

size_t fake_pmap_live(void)
{
    return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

static void check_page(paddr_t pa)
{
    struct vm_page *pg = vm_page_lookup(pa);
    if ((pa & PAGE_MASK) != 0 || pg == NULL || pg->state != VM_PAGE_ALLOCATED)
        fake_die("not an allocated page", pa, 0);
}

static size_t bucket_of(vaddr_t va)
{
    return (va >> PAGE_SHIFT) % FAKE_BUCKETS;
}

pmap_t pmap_create(void)
{
    pmap_t p = calloc(1, sizeof(*p));
    pthread_mutex_lock(&fake_lock);
    stats.creates++;
    live++;
    pthread_mutex_unlock(&fake_lock);
    return p;
}

/* fake_lock held: unlink and free one translation. */
static void drop(pmap_t p, struct fake_mapping **pp)
{
    struct fake_mapping *m = *pp;
    (*count_of(m->pa))--;
    *pp = m->next;
    p->count--;
    free(m);
}

/* fake_lock held: lower (or remove, with VM_PROT_NONE) [start, end). */
static void restrict_range(pmap_t p, vaddr_t start, vaddr_t end, vm_prot_t prot)
{
    for (size_t b = 0; b < FAKE_BUCKETS; b++) {
        struct fake_mapping **pp = &p->buckets[b];
        while (*pp != NULL) {
            struct fake_mapping *m = *pp;
            if (m->va >= start && m->va < end && (m->prot & prot) == 0) {
                drop(p, pp);
                continue;
            }
            if (m->va >= start && m->va < end)
                m->prot &= prot;
            pp = &m->next;
        }
    }
}

void pmap_destroy(pmap_t p)
{
    pthread_mutex_lock(&fake_lock);
    restrict_range(p, 0, ~(vaddr_t)0, VM_PROT_NONE);
    stats.destroys++;
    live--;
    pthread_mutex_unlock(&fake_lock);
    free(p);
}

kern_return_t pmap_enter(pmap_t p, vaddr_t va, paddr_t pa, vm_prot_t prot)
{
    if ((va & PAGE_MASK) != 0 || prot == VM_PROT_NONE || (prot & ~VM_PROT_ALL) != 0)
        fake_die("pmap_enter: bad va or prot", va, (unsigned long long)prot);
    pthread_mutex_lock(&fake_lock);
    bool device = is_device(pa) && (pa & PAGE_MASK) == 0;
    pthread_mutex_unlock(&fake_lock);
    if (!device)
        check_page(pa);
    if (__atomic_load_n(&fail_enter, __ATOMIC_RELAXED))
        return KERN_RESOURCE_SHORTAGE;
    pthread_mutex_lock(&fake_lock);
    stats.enters++;
    struct fake_mapping **pp = &p->buckets[bucket_of(va)];
    while (*pp != NULL && (*pp)->va != va)
        pp = &(*pp)->next;
    if (*pp != NULL)
        drop(p, pp);
    struct fake_mapping *m = malloc(sizeof(*m));
    *m = (struct fake_mapping){ va, pa, prot, p->buckets[bucket_of(va)] };
    p->buckets[bucket_of(va)] = m;
    p->count++;
    (*count_of(pa))++;
    pthread_mutex_unlock(&fake_lock);
    return KERN_SUCCESS;
}

void pmap_remove(pmap_t p, vaddr_t start, vaddr_t end)
{
    if (((start | end) & PAGE_MASK) != 0 || end < start)
        fake_die("pmap_remove: bad range", start, end);
    pthread_mutex_lock(&fake_lock);
    stats.removes++;
    restrict_range(p, start, end, VM_PROT_NONE);
    pthread_mutex_unlock(&fake_lock);
}

void pmap_protect(pmap_t p, vaddr_t start, vaddr_t end, vm_prot_t prot)
{
    if (((start | end) & PAGE_MASK) != 0 || end < start)
        fake_die("pmap_protect: bad range", start, end);
    pthread_mutex_lock(&fake_lock);
    stats.protects++;
    restrict_range(p, start, end, prot);
    pthread_mutex_unlock(&fake_lock);
}

bool pmap_extract(pmap_t p, vaddr_t va, paddr_t *pa, vm_prot_t *prot)
{
    bool found = false;
    pthread_mutex_lock(&fake_lock);
    for (struct fake_mapping *m = p->buckets[bucket_of(va & ~PAGE_MASK)]; m; m = m->next) {
        if (m->va == (va & ~PAGE_MASK)) {
            *pa = m->pa;
            *prot = m->prot;
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&fake_lock);
    return found;
}

size_t pmap_resident_count(pmap_t p)
{
    pthread_mutex_lock(&fake_lock);
    size_t n = p->count;
    pthread_mutex_unlock(&fake_lock);
    return n;
}

void pmap_zero_page(paddr_t pa)
{
    check_page(pa);
    memset(phys_to_virt(pa), 0, PAGE_SIZE);
    __atomic_fetch_add(&stats.zero_pages, 1, __ATOMIC_RELAXED);
}

void pmap_copy_page(paddr_t src, paddr_t dst)
{
    check_page(src);
    check_page(dst);
    memcpy(phys_to_virt(dst), phys_to_virt(src), PAGE_SIZE);
    __atomic_fetch_add(&stats.copy_pages, 1, __ATOMIC_RELAXED);
}

void pmap_activate(pmap_t p)
{
    (void)p;
}

size_t fake_pmap_snapshot(pmap_t p, struct fake_translation *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&fake_lock);
    for (size_t b = 0; b < FAKE_BUCKETS; b++) {
        for (struct fake_mapping *m = p->buckets[b]; m != NULL; m = m->next) {
            if (n < max)
                out[n] = (struct fake_translation){ m->va, m->pa, m->prot };
            n++;
        }
    }
    pthread_mutex_unlock(&fake_lock);
    return n;
}
