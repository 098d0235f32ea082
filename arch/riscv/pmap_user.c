// SPDX-License-Identifier: MIT
/*
 * User address spaces on Sv39 (the vm/pmap.h interface): three-level page
 * tables whose upper half is the kernel's, ASIDs with generations, remote
 * TLB shootdown through SBI RFENCE, and page-table pages freed when empty.
 *
 * Each page-table page counts its valid entries in its vm_page (pt_count),
 * so emptiness is known without scanning.
 */
#include <kern/cpu.h>
#include <kern/panic.h>
#include <kern/spinlock.h>
#include <kern/string.h>
#include <kern/zalloc.h>
#include <machine/asid.h>
#include <machine/pmap.h>
#include <machine/sbi.h>
#include <machine/vm_param.h>
#include <vm/pmap.h>
#include <vm/vm_page.h>

struct pmap {
    struct spinlock lock;       /* guards the tables, pt_counts and resident */
    pte_t *root;                /* lower half ours, upper half the kernel's */
    paddr_t root_pa;
    size_t resident;            /* leaf entries */
    struct asid_tag asid;       /* under asid_lock */
    uint32_t cpus_used;         /* harts (by cpu id) that may cache its entries (atomic) */
};

static struct zone pmap_zone;
/* asid_lock guards asids and every pmap's asid tag.  Leaf lock. */
static struct spinlock asid_lock = SPINLOCK_INITIALIZER("asid");
static struct asid_space asids;
static uint64_t cpu_asid_gen[MAX_CPUS];    /* generation each hart last flushed for */

/* Above this many pages, a range flush becomes a whole-TLB flush. */
#define FLUSH_ALL_PAGES 32

void pmap_user_bootstrap(void)
{
    zone_init(&pmap_zone, "pmap", sizeof(struct pmap));
    /* How many ASID bits does this hart implement?  Write all ones and look. */
    uint64_t satp = csr_read(satp);
    csr_write(satp, satp | (0xffffUL << SATP_ASID_SHIFT));
    uint64_t bits = (csr_read(satp) >> SATP_ASID_SHIFT) & 0xffff;
    csr_write(satp, satp);
    sfence_vma_all();
    asid_space_init(&asids, (unsigned)__builtin_popcountl(bits));
}

unsigned pmap_asid_bits(void)
{
    return asids.bits;
}

static pte_t *pt_va(paddr_t pa)
{
    return phys_to_virt(pa);
}

static struct vm_page *pt_page(const pte_t *table)
{
    return vm_page_lookup(virt_to_phys(table));
}

/* A zeroed page-table page, or 0. */
static paddr_t pt_alloc(void)
{
    struct vm_page *pg = vm_page_alloc(0);
    if (pg == NULL)
        return 0;
    pmap_zero_page(pg->phys);
    pg->pt_count = 0;
    return pg->phys;
}

pmap_t pmap_create(void)
{
    struct pmap *p = zalloc(&pmap_zone);
    if (p == NULL)
        return NULL;
    memset(p, 0, sizeof(*p));
    spin_lock_init(&p->lock, "pmap");
    p->root_pa = pt_alloc();
    if (p->root_pa == 0) {
        zfree(&pmap_zone, p);
        return NULL;
    }
    p->root = pt_va(p->root_pa);
    pmap_kernel_copy_upper(p->root);
    return p;
}

/* Free every table below `table` at `level` (1 = an L1 table's L0 children). */
static void free_tables(pte_t *table, int level)
{
    for (unsigned i = 0; i < PTES_PER_TABLE; i++) {
        pte_t e = table[i];
        if (!(e & PTE_V) || pte_is_leaf(e))
            continue;
        pte_t *child = pt_va(pte_to_pa(e));
        if (level > 1)
            free_tables(child, level - 1);
        vm_page_free(pt_page(child), 0);
    }
}

void pmap_destroy(pmap_t p)
{
    if (p == NULL)
        return;
    for (unsigned i = 0; i < PTES_PER_TABLE / 2; i++) {
        pte_t e = p->root[i];
        if (!(e & PTE_V))
            continue;
        pte_t *l1 = pt_va(pte_to_pa(e));
        free_tables(l1, 1);
        vm_page_free(pt_page(l1), 0);
    }
    vm_page_free(pt_page(p->root), 0);
    zfree(&pmap_zone, p);
}

/* ---- TLB maintenance ---- */

/* Flush [start, end) on the harts in `others` (bits by cpu id), through SBI. */
static void tlb_flush_remote(uint32_t others, vaddr_t start, vaddr_t end)
{
    bool all = ((end - start) >> PAGE_SHIFT) > FLUSH_ALL_PAGES;
    for (unsigned i = 0; i < ncpus; i++) {
        if (!(others & (1u << i)))
            continue;
        unsigned long h = cpus[i].hartid;
        if (all)
            sbi_remote_sfence_vma(1UL << (h % 64), h & ~63UL, 0, 0);
        else
            sbi_remote_sfence_vma(1UL << (h % 64), h & ~63UL, start, end - start);
    }
}

/*
 * The harts other than this one that may cache entries of `p`.  The full
 * fence orders the caller's page-table store before this load: against
 * pmap_activate's set-then-walk on another hart, either we see its bit (and
 * flush it) or its page walks come after our store (and see the new entry).
 */
static uint32_t tlb_other_harts(pmap_t p)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&p->cpus_used, __ATOMIC_RELAXED) & ~(1u << cpu_this()->id);
}

/* Flush [start, end) of `p` on every hart that may cache it. */
static void tlb_flush(pmap_t p, vaddr_t start, vaddr_t end)
{
    size_t npages = (end - start) >> PAGE_SHIFT;
    uint32_t others = tlb_other_harts(p);
    if (npages > FLUSH_ALL_PAGES)
        sfence_vma_all();
    else
        for (vaddr_t va = start; va < end; va += PAGE_SIZE)
            sfence_vma_addr(va);
    if (others != 0)
        tlb_flush_remote(others, start, end);
}

/*
 * tlb_flush() of the one page at `va` (pmap_enter replacing a valid entry):
 * when no other hart has run `p`, a single local sfence.vma.
 */
static void tlb_flush_page(pmap_t p, vaddr_t va)
{
    uint32_t others = tlb_other_harts(p);
    sfence_vma_addr(va);
    if (unlikely(others != 0))
        tlb_flush_remote(others, va, va + PAGE_SIZE);
}

void pmap_activate(pmap_t p)
{
    struct cpu *c = cpu_this();
    if (p == NULL) {
        csr_write(satp, kernel_satp);
        return;
    }
    bool rolled = false;
    uint64_t gen = __atomic_load_n(&asids.generation, __ATOMIC_ACQUIRE);
    uint32_t asid = p->asid.asid;
    if (asids.bits == 0 || __atomic_load_n(&p->asid.generation, __ATOMIC_ACQUIRE) != gen) {
        spin_lock(&asid_lock);          /* a new ASID (or a new generation) */
        asid = asid_assign(&asids, &p->asid, &rolled);
        gen = asids.generation;
        spin_unlock(&asid_lock);
    }
    if (!(__atomic_load_n(&p->cpus_used, __ATOMIC_RELAXED) & (1u << c->id)))
        __atomic_fetch_or(&p->cpus_used, 1u << c->id, __ATOMIC_SEQ_CST);  /* see tlb_other_harts */
    csr_write(satp, SATP_MODE_SV39 | ((uint64_t)asid << SATP_ASID_SHIFT) |
                    (p->root_pa >> PAGE_SHIFT));
    if (cpu_asid_gen[c->id] != gen || rolled) {
        sfence_vma_all();               /* first use of this generation here */
        cpu_asid_gen[c->id] = gen;
    }
}

/* ---- walking ---- */

/* The level-0 entry for va, creating tables on the way (create) or not. */
static pte_t *walk(pmap_t p, vaddr_t va, bool create)
{
    pte_t *table = p->root;
    for (int level = 2; level > 0; level--) {
        pte_t *e = &table[PTE_INDEX(va, level)];
        if (!(*e & PTE_V)) {
            if (!create)
                return NULL;
            paddr_t pa = pt_alloc();
            if (pa == 0)
                return NULL;
            *e = ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | PTE_V;
            pt_page(table)->pt_count++;
        }
        table = pt_va(pte_to_pa(*e));
    }
    return &table[PTE_INDEX(va, 0)];
}

static pte_t prot_bits(vm_prot_t prot)
{
    pte_t bits = PTE_U | PTE_A;
    if (prot & VM_PROT_READ)
        bits |= PTE_R;
    if (prot & VM_PROT_WRITE)
        bits |= PTE_R | PTE_W | PTE_D;      /* W without R is reserved */
    if (prot & VM_PROT_EXECUTE)
        bits |= PTE_X;
    return bits;
}

kern_return_t pmap_enter(pmap_t p, vaddr_t va, paddr_t pa, vm_prot_t prot)
{
    kassert(va < USER_VA_END && IS_ALIGNED(va, PAGE_SIZE) && prot != VM_PROT_NONE);
    spin_lock(&p->lock);
    pte_t *e = walk(p, va, true);
    if (e == NULL) {
        spin_unlock(&p->lock);
        return KERN_RESOURCE_SHORTAGE;
    }
    pte_t old = *e;
    *e = ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | prot_bits(prot) | PTE_V;
    if (!(old & PTE_V)) {
        pt_page((pte_t *)ROUND_DOWN((uintptr_t)e, PAGE_SIZE))->pt_count++;
        p->resident++;
    }
    spin_unlock(&p->lock);
    if (old & PTE_V)
        tlb_flush_page(p, va);              /* it may be cached with the old page */
    return KERN_SUCCESS;
}

/* Drop one valid entry from `table`; free the table (and its parents) when empty. */
static void release_entry(pmap_t p, vaddr_t va, pte_t *leaf_table)
{
    if (--pt_page(leaf_table)->pt_count != 0)
        return;
    pte_t *l1 = pt_va(pte_to_pa(p->root[PTE_INDEX(va, 2)]));
    l1[PTE_INDEX(va, 1)] = 0;
    vm_page_free(pt_page(leaf_table), 0);
    if (--pt_page(l1)->pt_count != 0)
        return;
    p->root[PTE_INDEX(va, 2)] = 0;
    vm_page_free(pt_page(l1), 0);
}

/* Apply `op` to every valid leaf in [start, end); returns whether any changed. */
static bool for_each_leaf(pmap_t p, vaddr_t start, vaddr_t end,
                          bool (*op)(pmap_t p, vaddr_t va, pte_t *e, void *arg), void *arg)
{
    bool changed = false;
    for (vaddr_t va = start; va < end;) {
        pte_t r = p->root[PTE_INDEX(va, 2)];
        if (!(r & PTE_V)) {
            va = ROUND_DOWN(va, GIGAPAGE_SIZE) + GIGAPAGE_SIZE;
            continue;
        }
        pte_t m = pt_va(pte_to_pa(r))[PTE_INDEX(va, 1)];
        if (!(m & PTE_V)) {
            va = ROUND_DOWN(va, MEGAPAGE_SIZE) + MEGAPAGE_SIZE;
            continue;
        }
        pte_t *l0 = pt_va(pte_to_pa(m));
        vaddr_t stop = MIN(end, ROUND_DOWN(va, MEGAPAGE_SIZE) + MEGAPAGE_SIZE);
        for (; va < stop; va += PAGE_SIZE) {
            pte_t *e = &l0[PTE_INDEX(va, 0)];
            if ((*e & PTE_V) && op(p, va, e, arg))
                changed = true;
        }
    }
    return changed;
}

static bool op_remove(pmap_t p, vaddr_t va, pte_t *e, void *arg)
{
    (void)arg;
    *e = 0;
    p->resident--;
    release_entry(p, va, (pte_t *)ROUND_DOWN((uintptr_t)e, PAGE_SIZE));
    return true;
}

void pmap_remove(pmap_t p, vaddr_t start, vaddr_t end)
{
    spin_lock(&p->lock);
    bool changed = for_each_leaf(p, start, MIN(end, USER_VA_END), op_remove, NULL);
    spin_unlock(&p->lock);
    if (changed)
        tlb_flush(p, start, end);
}

static bool op_protect(pmap_t p, vaddr_t va, pte_t *e, void *arg)
{
    pte_t keep = *(pte_t *)arg;
    pte_t old = *e;
    *e = old & keep;
    if ((*e & (PTE_R | PTE_W | PTE_X)) == 0)
        return op_remove(p, va, e, NULL);
    return *e != old;
}

void pmap_protect(pmap_t p, vaddr_t start, vaddr_t end, vm_prot_t prot)
{
    pte_t keep = ~(pte_t)(PTE_R | PTE_W | PTE_X) | (prot_bits(prot) & (PTE_R | PTE_W | PTE_X));
    spin_lock(&p->lock);
    bool changed = for_each_leaf(p, start, MIN(end, USER_VA_END), op_protect, &keep);
    spin_unlock(&p->lock);
    if (changed)
        tlb_flush(p, start, end);
}

bool pmap_extract(pmap_t p, vaddr_t va, paddr_t *pa, vm_prot_t *prot)
{
    spin_lock(&p->lock);
    pte_t *e = walk(p, ROUND_DOWN(va, PAGE_SIZE), false);
    pte_t pte = e != NULL ? *e : 0;
    spin_unlock(&p->lock);
    if (!(pte & PTE_V))
        return false;
    if (pa != NULL)
        *pa = pte_to_pa(pte) + (va & PAGE_MASK);
    if (prot != NULL)
        *prot = ((pte & PTE_R) ? VM_PROT_READ : 0) | ((pte & PTE_W) ? VM_PROT_WRITE : 0) |
                ((pte & PTE_X) ? VM_PROT_EXECUTE : 0);
    return true;
}

size_t pmap_resident_count(pmap_t p)
{
    return p->resident;
}

/* pmap_zero_page and pmap_copy_page are in page.S. */
