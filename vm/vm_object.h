/* SPDX-License-Identifier: MIT */
/*
 * vm_object: a source of pages, mapped by map entries.  Two kinds:
 *   internal   anonymous memory whose missing pages read as zeros (all
 *              that the rest of this header describes);
 *   physical   (`phys`) a fixed range of physical addresses: device
 *              registers or a DMA buffer given to a user-level driver
 *              (vm/vm_phys.h).  A fault maps phys_addr + offset directly.
 *
 * Shadow chains (copy-on-write): an object may have a `shadow`, the object
 * behind it.  Page o of the object is its own resident page at o if it has
 * one, else page o + shadow_offset of the shadow (and so on down the chain),
 * else zeros.  A write never goes to a shadow: the page is first copied up
 * into the object the map entry points at (the "top" object).
 *
 * States:
 *   live       ref_count > 0: referenced by map entries, vm_map_copy
 *              entries and the objects that shadow it (one each)
 *   dead       ref_count reached 0: its pages are freed, the reference it
 *              held on its shadow is dropped, it goes back to its zone
 *   folded     referenced only by the object in front of it (its one
 *              shadower): nobody else can see it, so its pages move up into
 *              that object and it is freed (vm_object_collapse).  This is
 *              done as soon as the last other reference goes
 *              (vm_object_deallocate), so that no such link outlives the
 *              copies that needed it; faults and copies also collapse the
 *              chains they walk.
 * Invariants:
 *   - resident_count == number of pages on memq, all tabled with
 *     page->object == this object and page->offset < size;
 *   - the shadow graph has no cycle: a chain ends in an object with no
 *     shadow; collapse keeps chains short (vm_object_collapse);
 *   - `shadowers` lists the objects whose shadow this one is (each holds
 *     one of its references), plus, for a moment, one that just died and
 *     is being unlinked by vm_object_deallocate;
 *   - once every call has returned, no object is referenced only by the
 *     object in front of it (it would have been folded into it);
 *   - the offsets of an object that some entry writes in place (an entry
 *     without needs_copy) are reached by such entries only, never by a
 *     needs_copy entry, a copy or a shadow: a copy first makes every entry
 *     of the object needs_copy (or copies the pages if the entry is
 *     shared).  Other offsets of the same object may be: an entry clipped
 *     out of a private one and then shared (VM_INHERIT_SHARE) keeps the
 *     object, which copies of the private part also reference;
 *   - one_mapping: no offset of the object is reachable through more than
 *     one map entry, copy entry or shadow.  Set on a new object, cleared for
 *     good by the first sharing.  While it holds, the pages under an
 *     unmapped range can be freed at once.
 * Physical objects (phys) are none of the above's business:
 *   - internal is false; they never hold a resident page (memq empty,
 *     resident_count 0), never have a shadow and never are one (shadowers
 *     empty), so nothing zero fills, copies, collapses or pages them;
 *   - every reference is a map entry of the one map they were entered
 *     into (vm_map_enter_phys), pieces of one entry after clipping: those
 *     entries are VM_INHERIT_NONE, never needs_copy nor is_shared, and no
 *     vm_map_copy or other map ever references the object (fork skips it,
 *     vm_map_copyin and vm_map_copy_overwrite refuse it);
 *   - phys_addr, size and phys_free_order are fixed at creation;
 *     [phys_addr, phys_addr + size) is page aligned;
 *   - phys_free_order >= 0: the range is one block of that order from
 *     vm_page_alloc(), owned by the object and given back with
 *     vm_page_free() when the last reference goes, exactly once.  By then
 *     no pmap maps it: every translation belongs to an entry, which removes
 *     it before dropping its reference.  -1: device registers (or memory
 *     someone else owns), never freed.
 *
 * Locking.  Each object has a sleeping mutex guarding every field below
 * but `size`, `internal`, `id` and the phys fields (fixed at creation, so a
 * fault reads them under the map lock alone, the entry's reference keeping
 * the object alive).  The lock order of the
 * whole VM system is:
 *   vm_map lock  >  object locks, from the top of a chain down its shadows
 *   >  pmap locks  >  hash bucket locks / vm_page_queue_lock  >  vm_page_lock
 * (">" means "taken before").  Two objects are only ever locked together
 * when one is below the other in a chain (taken top first), or when one of
 * them was just created and nobody else can see it.  The one exception:
 * vm_object_deallocate, holding an object it wants to fold into its
 * shadower, only *tries* the shadower's lock (mutex_trylock, which cannot
 * deadlock); if someone holds it, it lets go, sleeps a moment and tries
 * again.  `shadowers` and the `shadow_link`s on it are guarded by the lock
 * of the object they hang from (the shadow).  A fault holds every
 * lock of the chain it walks until the page is entered in the pmap: chains
 * are short, and so a concurrent collapse can neither move nor free the page
 * under it.  The last vm_object_deallocate of a physical object with
 * phys_free_order >= 0 frees its block after letting go of the object's
 * lock (vm_page_lock is a leaf).
 */
#ifndef _VM_VM_OBJECT_H_
#define _VM_VM_OBJECT_H_

#include <kern/list.h>
#include <kern/mutex.h>
#include <kern/types.h>
#include <mach/vm_types.h>

struct vm_object {
    struct mutex lock;          /* guards the fields below but size, internal */
    unsigned ref_count;         /* entries, copies and shadows that point here */
    size_t resident_count;      /* pages on memq */
    struct list memq;           /* its resident pages (page->listq) */
    struct vm_object *shadow;   /* the object behind this one, or NULL */
    vm_offset_t shadow_offset;  /* offset o here is offset o + this in shadow */
    struct list shadowers;      /* objects whose shadow this is (shadow_link) */
    struct list shadow_link;    /* in shadow->shadowers (under shadow's lock) */
    bool one_mapping;           /* see the invariants above */
    bool internal;              /* anonymous memory, zero filled (fixed) */
    bool phys;                  /* a physical range, see above (fixed) */
    vm_size_t size;             /* bytes, page aligned (fixed) */
    uint64_t id;                /* a serial number, for people (fixed) */
    paddr_t phys_addr;          /* phys: offset 0 is this address (fixed) */
    int phys_free_order;        /* phys: >= 0 buddy block freed at death,
                                   -1 never freed (fixed) */
};

/* Is `object` (NULL: untouched anonymous memory) a physical object? */
static inline bool vm_object_is_phys(const struct vm_object *object)
{
    return object != NULL && object->phys;
}

/* Set up the object zone.  Once, at boot, after vm_resident_init(). */
void vm_object_init(void);

/*
 * A new internal object of `size` bytes (page aligned, > 0) with no pages,
 * no shadow and one reference (the caller's); NULL when memory is out.
 * Takes no lock the caller could hold.
 */
struct vm_object *vm_object_allocate(vm_size_t size);

/*
 * A new physical object standing for [pa, pa + size) (page aligned,
 * size > 0), one reference (the caller's); NULL when memory is out.
 * free_order >= 0: the range is a vm_page_alloc() block of that order
 * (size == PAGE_SIZE << free_order), which the object owns from now on and
 * frees at its death; -1: never freed.  The caller checked the arguments.
 */
struct vm_object *vm_object_allocate_phys(paddr_t pa, vm_size_t size, int free_order);

/* Add a reference.  Takes the object's lock; the caller holds none of it. */
void vm_object_reference(struct vm_object *object);

/*
 * Drop a reference (NULL is ignored).  The last one frees the object's
 * pages, then drops its reference on its shadow, and so on down the chain
 * (iteratively).  A drop that leaves an object referenced only by the
 * object in front of it folds it into that one at once (the pages it alone
 * held move up, the hidden ones are freed).  Takes each object's lock in
 * turn, and tries the one in front; if that one is busy, sleeps a moment
 * (thread_sleep_ns) and tries again, so the caller holds no object lock
 * and may sleep (map locks are fine).  The caller makes sure no pmap maps
 * the pages it drops any more.  The last reference to a physical object
 * with phys_free_order >= 0 gives its block back to the page allocator.
 */
void vm_object_deallocate(struct vm_object *object);

/*
 * Copy-on-write: give *object (referenced by the caller, mapped at
 * *offset over `size` bytes) a new shadow object in front of it, and move
 * the caller's reference to the new object: *object and *offset are
 * replaced.  If the caller's reference is the only one, nobody else can see
 * the object and it is kept as is.  Takes the object's lock.
 * KERN_SUCCESS, or KERN_RESOURCE_SHORTAGE (nothing changed).
 */
kern_return_t vm_object_shadow(struct vm_object **object, vm_offset_t *offset,
                               vm_size_t size);

/*
 * Shorten the chain behind `object` (locked by the caller, who keeps it
 * locked): for each object down the chain, while its shadow is internal and
 * referenced by it alone, move the shadow's pages it lacks up into it, free
 * the rest, let it shadow what the shadow shadowed, and free the shadow.
 * Takes (and drops) the locks of the chain below `object`, top down.
 * Never fails, never allocates, never sleeps but on those locks.  (Since
 * vm_object_deallocate folds at once, faults and copies seldom find work
 * for it; they call it as a safety net.)
 */
void vm_object_collapse(struct vm_object *object);

/*
 * A second map entry is about to share the object in place
 * (VM_INHERIT_SHARE): add a reference and clear one_mapping for good.
 * Returns whether the object has a shadow (whose pages the first map's
 * pmap may map read-only; they must go, see vm_map_fork).  Takes the
 * object's lock.
 */
bool vm_object_reference_shared(struct vm_object *object);

/*
 * A copy-on-write copy of the object is being made (fork, vm_map_copyin):
 * collapse the chain behind it first, so that copies of copies do not
 * lengthen it, then add a reference and clear one_mapping for good.
 * Takes the object's lock, then its shadows'.
 */
void vm_object_reference_copy(struct vm_object *object);

/*
 * The range [offset, offset + size) of the object is no longer mapped by
 * the caller's entry (already removed from the pmap).  If no other mapping
 * can reach it (one_mapping), its pages are freed now rather than when the
 * object dies.  Takes the object's lock.
 */
void vm_object_range_unmapped(struct vm_object *object, vm_offset_t offset,
                              vm_size_t size);

/*
 * Free the object's pages in [start, end).  Object lock held; the pages
 * must be mapped nowhere.
 */
void vm_object_page_remove(struct vm_object *object, vm_offset_t start,
                           vm_offset_t end);

/*
 * The page at `offset` of `top` as the chain resolves it.  Call with `top`
 * locked; returns with every object from `top` down to *found_in locked
 * (down to the bottom of the chain if there is no page: then *found_in is
 * that bottom object and NULL is returned).  *found_offset is the page's
 * offset in *found_in.  Release with vm_object_chain_unlock(top, *found_in).
 */
struct vm_page *vm_object_chain_lookup(struct vm_object *top, vm_offset_t offset,
                                       struct vm_object **found_in);

/*
 * The fault's walk: vm_object_collapse() and vm_object_chain_lookup() in
 * one pass down the chain, so that each object is locked once.  Call with
 * `top` locked; returns with every object from `top` down to the bottom of
 * the (collapsed) chain locked, *bottom being that bottom object.  Returns
 * the page at `offset` of `top` as the chain resolves it, or NULL;
 * *found_in is the object holding it (*bottom if none).  Release with
 * vm_object_chain_unlock(top, *bottom).
 */
struct vm_page *vm_object_collapse_lookup(struct vm_object *top, vm_offset_t offset,
                                          struct vm_object **found_in,
                                          struct vm_object **bottom);

/* Unlock the objects from `top` down to `last`, inclusive. */
void vm_object_chain_unlock(struct vm_object *top, struct vm_object *last);

/*
 * Copy the contents of page `offset` of `object` (resolved through its
 * chain; zeros if no object has it) into the physical page `dst`.  Takes
 * and drops the chain's locks.
 */
void vm_object_read_page(struct vm_object *object, vm_offset_t offset,
                         paddr_t dst);

/*
 * A new object holding a copy, made now, of the `size` bytes at `offset` of
 * `src` as its chain resolves them (only resident pages are copied; the
 * rest stay zero fill).  Used when `src` is shared and may be written in
 * place, so copy-on-write cannot be used.  Takes the chain's locks.
 * KERN_SUCCESS (*result referenced once) or KERN_RESOURCE_SHORTAGE.
 */
kern_return_t vm_object_copy_slowly(struct vm_object *src, vm_offset_t offset,
                                    vm_size_t size, struct vm_object **result);

/* Statistics: objects in a chain from `object` down; its resident pages. */
unsigned vm_object_chain_length(struct vm_object *object);
size_t vm_object_resident_count(struct vm_object *object);

/* Live objects in the whole system. */
size_t vm_object_total_count(void);

#endif /* _VM_VM_OBJECT_H_ */
