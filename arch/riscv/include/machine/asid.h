/* SPDX-License-Identifier: MIT */
/*
 * Address-space identifiers with generations.  An ASID tags TLB entries so
 * a switch between address spaces needs no TLB flush.  ASIDs are handed out
 * from a bitmap and never reused within a generation; when none is left,
 * the generation advances, every ASID becomes free again, and each hart
 * flushes its whole TLB once before it uses an ASID of the new generation.
 * A pmap keeps its ASID for as long as its generation is current.
 *
 * ASID 0 is never handed out (the kernel's page table uses it).  With no
 * ASID bits at all, every activation is a new generation: a full flush.
 *
 * No lock inside: the caller serialises (pmap's asid_lock; the host test).
 */
#ifndef _MACHINE_ASID_H_
#define _MACHINE_ASID_H_

#include <kern/types.h>

#define ASID_MAX_BITS 16

struct asid_space {
    unsigned bits;                      /* ASID width the hardware has */
    uint64_t generation;                /* current generation, from 1 */
    uint32_t next;                      /* where to look for a free one */
    uint32_t in_use;                    /* handed out this generation */
    uint64_t used[(1u << ASID_MAX_BITS) / 64];
};

/* What a pmap remembers of its ASID. */
struct asid_tag {
    uint64_t generation;                /* 0: never had one */
    uint32_t asid;
};

void asid_space_init(struct asid_space *s, unsigned bits);

/*
 * The ASID `tag` may use now: its old one if still of the current
 * generation, else a fresh one.  Sets *new_generation when the generation
 * advanced (every hart must flush its TLB before using the new ASIDs).
 */
uint32_t asid_assign(struct asid_space *s, struct asid_tag *tag, bool *new_generation);

/* Is `tag` still valid in the current generation? */
bool asid_is_current(const struct asid_space *s, const struct asid_tag *tag);

#endif /* _MACHINE_ASID_H_ */
