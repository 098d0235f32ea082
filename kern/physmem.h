/* SPDX-License-Identifier: MIT */
/*
 * Boot-time range arithmetic on physical memory: which pages of RAM are free
 * once firmware, the kernel, the device tree and the initrd are taken out.
 * Pure functions over small arrays: no allocation, no lock, no recursion.
 */
#ifndef _KERN_PHYSMEM_H_
#define _KERN_PHYSMEM_H_

#include <kern/types.h>

/* The half-open range [start, end) of physical addresses; start <= end. */
struct phys_range {
    paddr_t start;
    paddr_t end;
};

/*
 * Make *out = [base, base + size).  Returns KERN_SUCCESS, or
 * KERN_INVALID_ARGUMENT if base + size does not fit in paddr_t (a range
 * that wraps, or that ends exactly at 2^64).
 */
kern_return_t physmem_range(paddr_t base, uint64_t size, struct phys_range *out);

/*
 * The free pages: the union of the RAM banks minus the union of the
 * reserved ranges, as sorted, disjoint, non-adjacent, page-aligned ranges.
 * Banks are merged where they overlap or touch and then rounded inward to
 * whole pages; reserved ranges are rounded outward (a page partly reserved
 * is reserved).  Empty ranges are ignored.
 *
 * Returns KERN_SUCCESS with *nout ranges in out[]; KERN_INVALID_ARGUMENT
 * (nothing written) if a range has end < start or an array is NULL while its
 * count is not 0; KERN_RESOURCE_SHORTAGE if more than `max_out` ranges
 * result: out[] then holds the first `max_out` and *nout says how many there
 * are in all.  No lock; a few passes over the arrays per range found, which
 * is nothing for the dozens of ranges a device tree describes.
 */
kern_return_t physmem_subtract(const struct phys_range *banks, unsigned nbanks,
                               const struct phys_range *resv, unsigned nresv,
                               struct phys_range *out, unsigned max_out,
                               unsigned *nout);

#endif /* _KERN_PHYSMEM_H_ */
