// SPDX-License-Identifier: MIT
/*
 * The kernel's page table (Sv39).  pmap_bootstrap() turns the boot table of
 * head.S into the real one: W^X protections for the image, a direct map of
 * RAM, and fixed root entries for the kernel-stack and device areas.  Later
 * mappings in those areas (kernel stacks, device registers) go in deeper
 * levels, so the upper half of the root table never changes after boot.
 */
#include <kern/devtree.h>
#include <kern/panic.h>
#include <kern/physmem.h>
#include <kern/printf.h>
#include <kern/spinlock.h>
#include <kern/string.h>
#include <machine/pmap.h>
#include <machine/sbi.h>
#include <machine/vm_param.h>
#include <vm/vm_page.h>

extern pte_t boot_root[PTES_PER_TABLE], boot_l1[PTES_PER_TABLE];
extern pte_t boot_l0[BOOT_L0_TABLES][PTES_PER_TABLE];
extern char _start[], _etext[], _erodata[], _end[];

paddr_t kernel_load_pa;
uint64_t kernel_satp;       /* satp value of the kernel table, for secondary harts */

/* The kernel's root table; its upper half is fixed once pmap_bootstrap() returns. */
static pte_t kernel_root[PTES_PER_TABLE] __attribute__((aligned(PAGE_SIZE)));

/* Page tables for the direct map and the fixed areas, before the page allocator exists. */
#define PT_POOL_PAGES 48
static pte_t pt_pool[PT_POOL_PAGES][PTES_PER_TABLE] __attribute__((aligned(PAGE_SIZE)));
static unsigned pt_pool_used;
/* Kernel page-table pages taken from the page allocator (atomic; never freed). */
static size_t kernel_table_pages;

/*
 * kernel_pmap_lock guards the lower levels of the kernel table below the
 * stack and device areas, and next_device_va.  Leaf lock.
 */
static struct spinlock kernel_pmap_lock = SPINLOCK_INITIALIZER("kernel_pmap");
static vaddr_t next_device_va = DEVICE_AREA_BASE;

paddr_t kernel_image_pa(const void *kva)
{
    return (uintptr_t)kva - KERNEL_VBASE + kernel_load_pa;
}

static pte_t make_table_pte(paddr_t pa)
{
    return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | PTE_V;
}

static pte_t make_leaf_pte(paddr_t pa, pte_t perm)
{
    return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | perm | PTE_V | PTE_A | PTE_D;
}

/* The kernel virtual address of a page-table page, from its physical address. */
static pte_t *table_va(paddr_t pa)
{
    paddr_t pool_pa = kernel_image_pa(pt_pool);
    if (pa >= pool_pa && pa < pool_pa + sizeof(pt_pool))
        return (pte_t *)((uintptr_t)pt_pool + (pa - pool_pa));
    if (pa == kernel_image_pa(boot_l1))
        return boot_l1;
    return phys_to_virt(pa);
}

/* A zeroed page-table page: from the boot pool, then from the page allocator. */
static paddr_t table_alloc(bool boot)
{
    if (boot) {
        if (pt_pool_used == PT_POOL_PAGES)
            panic("pmap: the boot page-table pool (%d pages) is too small for this memory map",
                  PT_POOL_PAGES);
        return kernel_image_pa(pt_pool[pt_pool_used++]);
    }
    struct vm_page *pg = vm_page_alloc(0);
    if (pg == NULL)
        return 0;
    memset(phys_to_virt(pg->phys), 0, PAGE_SIZE);
    __atomic_fetch_add(&kernel_table_pages, 1, __ATOMIC_RELAXED);
    return pg->phys;
}

size_t pmap_kernel_table_pages(void)
{
    return __atomic_load_n(&kernel_table_pages, __ATOMIC_RELAXED);
}

/*
 * The entry for `va` at `level` (0 = 4 KiB leaf), creating intermediate
 * tables on the way.  NULL if a table could not be allocated, or if a
 * larger leaf already covers va.
 */
static pte_t *walk_create(vaddr_t va, int level, bool boot)
{
    pte_t *table = kernel_root;
    for (int l = 2; l > level; l--) {
        pte_t *e = &table[PTE_INDEX(va, l)];
        if (!(*e & PTE_V)) {
            paddr_t pa = table_alloc(boot);
            if (pa == 0)
                return NULL;
            *e = make_table_pte(pa);
        } else if (pte_is_leaf(*e)) {
            return NULL;
        }
        table = table_va(pte_to_pa(*e));
    }
    return &table[PTE_INDEX(va, level)];
}

/* Give each page of the image its final protection: text RX, rodata R, the rest RW. */
static void protect_image(void)
{
    size_t npages = (size_t)(_end - _start) >> PAGE_SHIFT;
    for (size_t p = 0; p < npages; p++) {
        uintptr_t va = KERNEL_VBASE + (p << PAGE_SHIFT);
        pte_t perm = PTE_R | PTE_W;
        if (va < (uintptr_t)_etext)
            perm = PTE_R | PTE_X;
        else if (va < (uintptr_t)_erodata)
            perm = PTE_R;
        boot_l0[p / PTES_PER_TABLE][p % PTES_PER_TABLE] =
            make_leaf_pte(kernel_load_pa + (p << PAGE_SHIFT), perm | PTE_G);
    }
}

/* Map [start, end) of RAM into the direct map with the largest pages that fit. */
static void direct_map_range(paddr_t start, paddr_t end)
{
    const pte_t perm = PTE_R | PTE_W | PTE_G;
    while (start < end) {
        vaddr_t va = DIRECT_MAP_BASE + start;
        int level = 0;
        if (IS_ALIGNED(start, GIGAPAGE_SIZE) && end - start >= GIGAPAGE_SIZE)
            level = 2;
        else if (IS_ALIGNED(start, MEGAPAGE_SIZE) && end - start >= MEGAPAGE_SIZE)
            level = 1;
        pte_t *e = walk_create(va, level, true);
        if (e == NULL)
            panic("pmap: direct map of %lx overlaps a larger page", (unsigned long)start);
        *e = make_leaf_pte(start, perm);
        start += 1UL << (PAGE_SHIFT + 9 * level);
    }
}

static void build_direct_map(const struct platform *plat)
{
    struct phys_range banks[DT_MAX_MEM], nomap[DT_MAX_RESERVED];
    struct phys_range out[DT_MAX_MEM + DT_MAX_RESERVED];
    unsigned nnomap = 0, nout = 0;

    for (unsigned i = 0; i < plat->nmem; i++)
        banks[i] = (struct phys_range){ plat->mem[i].base,
                                        plat->mem[i].base + plat->mem[i].size };
    for (unsigned i = 0; i < plat->nresv; i++)
        if (plat->resv[i].no_map)
            nomap[nnomap++] = (struct phys_range){
                plat->resv[i].base, plat->resv[i].base + plat->resv[i].size };
    if (physmem_subtract(banks, plat->nmem, nomap, nnomap, out, ARRAY_SIZE(out),
                         &nout) != KERN_SUCCESS)
        panic("pmap: cannot work out the direct map from the memory banks");
    for (unsigned i = 0; i < nout; i++) {
        if (out[i].end > DIRECT_MAP_SIZE)
            panic("pmap: RAM at %lx is beyond the %lu GiB direct map",
                  (unsigned long)out[i].start, DIRECT_MAP_SIZE >> 30);
        direct_map_range(out[i].start, out[i].end);
    }
}

void pmap_activate_kernel(void)
{
    sfence_vma_all();
    csr_write(satp, kernel_satp);
    sfence_vma_all();
}

void pmap_bootstrap(const struct platform *plat)
{
    protect_image();
    kernel_root[PTE_INDEX(KERNEL_VBASE, 2)] = boot_root[PTE_INDEX(KERNEL_VBASE, 2)];
    build_direct_map(plat);
    /* The fixed areas get their level-1 tables now, so the root never changes. */
    kernel_root[PTE_INDEX(KSTACK_AREA_BASE, 2)] = make_table_pte(table_alloc(true));
    kernel_root[PTE_INDEX(DEVICE_AREA_BASE, 2)] = make_table_pte(table_alloc(true));
    kernel_satp = SATP_MODE_SV39 | (kernel_image_pa(kernel_root) >> PAGE_SHIFT);
    pmap_activate_kernel();
}

void pmap_kernel_copy_upper(pte_t *root)
{
    for (unsigned i = PTES_PER_TABLE / 2; i < PTES_PER_TABLE; i++)
        root[i] = kernel_root[i];
}

kern_return_t pmap_kernel_enter(vaddr_t va, paddr_t pa, pte_t perm)
{
    spin_lock(&kernel_pmap_lock);
    pte_t *e = walk_create(va, 0, false);
    if (e != NULL) {
        *e = make_leaf_pte(pa, perm | PTE_G);
        sfence_vma_addr(va);
    }
    spin_unlock(&kernel_pmap_lock);
    return e != NULL ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
}

/* The leaf entry for va in the kernel table, or NULL. */
static pte_t *walk_lookup(vaddr_t va)
{
    pte_t *table = kernel_root;
    for (int l = 2; l >= 0; l--) {
        pte_t *e = &table[PTE_INDEX(va, l)];
        if (!(*e & PTE_V))
            return NULL;
        if (pte_is_leaf(*e) || l == 0)
            return e;
        table = table_va(pte_to_pa(*e));
    }
    return NULL;
}

void pmap_kernel_remove(vaddr_t va)
{
    spin_lock(&kernel_pmap_lock);
    pte_t *e = walk_lookup(va);
    if (e != NULL)
        *e = 0;
    spin_unlock(&kernel_pmap_lock);
    sfence_vma_addr(va);
    /* Other harts may hold the old translation: flush them too. */
    sbi_remote_sfence_vma(0, -1UL, ROUND_DOWN(va, PAGE_SIZE), PAGE_SIZE);
}

pte_t pmap_kernel_lookup(vaddr_t va)
{
    spin_lock(&kernel_pmap_lock);
    pte_t *e = walk_lookup(va);
    pte_t pte = e != NULL ? *e : 0;
    spin_unlock(&kernel_pmap_lock);
    return pte;
}

void *pmap_map_device(paddr_t pa, size_t size)
{
    paddr_t start = ROUND_DOWN(pa, PAGE_SIZE);
    size_t len = ROUND_UP(pa + size, PAGE_SIZE) - start;

    spin_lock(&kernel_pmap_lock);
    vaddr_t va = next_device_va;
    bool fits = size != 0 && pa + size > pa &&
                len <= DEVICE_AREA_BASE + DEVICE_AREA_SIZE - va;
    if (fits)
        next_device_va += len;
    spin_unlock(&kernel_pmap_lock);
    if (!fits)
        return NULL;
    for (size_t off = 0; off < len; off += PAGE_SIZE)
        if (pmap_kernel_enter(va + off, start + off, PTE_R | PTE_W) != KERN_SUCCESS)
            return NULL;                /* the VA range is simply left unused */
    return (void *)(va + (pa - start));
}
