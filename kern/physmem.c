// SPDX-License-Identifier: MIT
/*
 * Boot-time range arithmetic (see kern/physmem.h): RAM banks minus reserved
 * ranges, page aligned, computed by sweeping upward through the address space
 * with no scratch memory.
 */
#include <kern/physmem.h>
#include <machine/vm_param.h>

/* The highest page boundary below 2^64. */
static const paddr_t PAGE_TOP = ~(paddr_t)0 & ~(paddr_t)PAGE_MASK;

static inline bool range_empty(const struct phys_range *r)
{
    return r->start >= r->end;
}

/* A non-empty reserved range rounded outward to whole pages. */
static inline struct phys_range resv_round(const struct phys_range *r)
{
    struct phys_range o;
    o.start = ROUND_DOWN(r->start, (paddr_t)PAGE_SIZE);
    o.end = r->end > PAGE_TOP ? PAGE_TOP : ROUND_UP(r->end, (paddr_t)PAGE_SIZE);
    return o;
}

kern_return_t physmem_range(paddr_t base, uint64_t size, struct phys_range *out)
{
    if (size > ~(paddr_t)0 - base)
        return KERN_INVALID_ARGUMENT;       /* base + size reaches 2^64 */
    out->start = base;
    out->end = base + size;
    return KERN_SUCCESS;
}

static bool ranges_valid(const struct phys_range *r, unsigned n)
{
    if (n != 0 && r == NULL)
        return false;
    for (unsigned i = 0; i < n; i++) {
        if (r[i].end < r[i].start)
            return false;
    }
    return true;
}

/*
 * The next run of banks that overlap or touch, beginning at or after `pos`
 * (which no bank covers); false if there is none.
 */
static bool next_bank_run(const struct phys_range *banks, unsigned n,
                          paddr_t pos, struct phys_range *run)
{
    bool found = false;
    for (unsigned i = 0; i < n; i++) {
        if (!range_empty(&banks[i]) && banks[i].start >= pos &&
            (!found || banks[i].start < run->start)) {
            run->start = banks[i].start;
            found = true;
        }
    }
    if (!found)
        return false;
    run->end = run->start;
    for (bool grew = true; grew;) {
        grew = false;
        for (unsigned i = 0; i < n; i++) {
            if (banks[i].start <= run->end && banks[i].end > run->end) {
                run->end = banks[i].end;
                grew = true;
            }
        }
    }
    return true;
}

/* The first address at or after `pos` that no reserved range covers. */
static paddr_t skip_reserved(const struct phys_range *resv, unsigned n,
                             paddr_t pos)
{
    for (bool moved = true; moved;) {
        moved = false;
        for (unsigned i = 0; i < n; i++) {
            if (range_empty(&resv[i]))
                continue;
            struct phys_range r = resv_round(&resv[i]);
            if (r.start <= pos && pos < r.end) {
                pos = r.end;
                moved = true;
            }
        }
    }
    return pos;
}

/* Where the next reserved range after `pos` begins, or `limit`. */
static paddr_t next_reserved(const struct phys_range *resv, unsigned n,
                             paddr_t pos, paddr_t limit)
{
    paddr_t end = limit;
    for (unsigned i = 0; i < n; i++) {
        if (range_empty(&resv[i]))
            continue;
        struct phys_range r = resv_round(&resv[i]);
        if (r.start > pos && r.start < end)
            end = r.start;
    }
    return end;
}

/* Append the free parts of the page-aligned [start, end) to out[]. */
static void subtract_run(paddr_t start, paddr_t end,
                         const struct phys_range *resv, unsigned nresv,
                         struct phys_range *out, unsigned max_out, unsigned *n)
{
    paddr_t pos = start;
    for (;;) {
        pos = skip_reserved(resv, nresv, pos);
        if (pos >= end)
            return;
        paddr_t stop = next_reserved(resv, nresv, pos, end);
        if (*n < max_out)
            out[*n] = (struct phys_range){ pos, stop };
        (*n)++;
        pos = stop;
    }
}

kern_return_t physmem_subtract(const struct phys_range *banks, unsigned nbanks,
                               const struct phys_range *resv, unsigned nresv,
                               struct phys_range *out, unsigned max_out,
                               unsigned *nout)
{
    if (!ranges_valid(banks, nbanks) || !ranges_valid(resv, nresv) ||
        (out == NULL && max_out != 0) || nout == NULL)
        return KERN_INVALID_ARGUMENT;

    unsigned n = 0;
    struct phys_range run;
    for (paddr_t pos = 0; next_bank_run(banks, nbanks, pos, &run);
         pos = run.end) {
        if (run.start > PAGE_TOP)
            break;                  /* less than a page left below 2^64 */
        paddr_t start = ROUND_UP(run.start, (paddr_t)PAGE_SIZE);
        paddr_t end = ROUND_DOWN(run.end, (paddr_t)PAGE_SIZE);
        if (start < end)
            subtract_run(start, end, resv, nresv, out, max_out, &n);
    }
    *nout = n;
    return n > max_out ? KERN_RESOURCE_SHORTAGE : KERN_SUCCESS;
}
