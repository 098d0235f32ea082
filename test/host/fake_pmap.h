/* SPDX-License-Identifier: MIT */
/*
 * A fake pmap for host tests of the VM (test/host/fake_pmap.c): the
 * vm/pmap.h interface over a table of (va -> pa, prot) per pmap, with call
 * counters, a way to make pmap_enter fail, and a count of the translations
 * of each physical page (so that freeing a page still mapped is caught).
 */
#ifndef _TEST_FAKE_PMAP_H_
#define _TEST_FAKE_PMAP_H_

#include <kern/types.h>
#include <vm/pmap.h>

struct fake_pmap_stats {
    uint64_t creates, destroys;
    uint64_t enters, removes, protects;
    uint64_t zero_pages, copy_pages;
};

/* Tell the fake which physical range is RAM (for the per-page counts). */
void fake_pmap_set_ram(paddr_t base, size_t npages);

/*
 * Tell the fake that [base, base + npages pages) is device registers
 * (outside RAM): pmap_enter accepts those frames too (and counts their
 * translations), but pmap_zero_page and pmap_copy_page still refuse them.
 * One such range; a new call replaces it (no translation may exist).
 */
void fake_pmap_set_device(paddr_t base, size_t npages);

/* Translations of physical page `pa` in every live pmap. */
unsigned fake_pmap_mapcount(paddr_t pa);

/* Counters since the start (a copy). */
struct fake_pmap_stats fake_pmap_stats(void);

/* Make every pmap_enter fail with KERN_RESOURCE_SHORTAGE while set. */
void fake_pmap_fail_enter(bool fail);

/* Live pmaps. */
size_t fake_pmap_live(void);

/* A copy of up to `max` translations of `pmap` (in no order); returns how many it has. */
struct fake_translation {
    vaddr_t va;
    paddr_t pa;
    vm_prot_t prot;
};
size_t fake_pmap_snapshot(pmap_t pmap, struct fake_translation *out, size_t max);

#endif /* _TEST_FAKE_PMAP_H_ */
