/* SPDX-License-Identifier: MIT */
/*
 * vm_object: a source of pages, mapped by map entries.  For now every object
 * is internal: anonymous memory whose missing pages read as zeros.
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
 * Invariants:
 *   - resident_count == number of pages on memq, all tabled with
 *     page->object == this object and page->offset < size;
 *   - the shadow graph has no cycle: a chain ends in an object with no
 *     shadow; collapse keeps chains short (vm_object_collapse);
 *   - an object that some entry writes in place (an entry without
 *     needs_copy) is referenced by such entries only, never by a
 *     needs_copy entry, a copy or a shadow: a copy first makes every entry
 *     of the object needs_copy (or copies the pages if the entry is shared);
 *   - one_mapping: no offset of the object is reachable through more than
 *     one map entry, copy entry or shadow.  Set on a new object, cleared for
 *     good by the first sharing.  While it holds, the pages under an
 *     unmapped range can be freed at once.
 *
 * Locking.  Each object has a sleeping mutex guarding every field below
 * but `size` and `internal` (fixed at creation).  The lock order of the
 * whole VM system is:
 *   vm_map lock  >  object locks, from the top of a chain down its shadows
 *   >  pmap locks  >  hash bucket locks / vm_page_queue_lock  >  vm_page_lock
 * (">" means "taken before").  Two objects are only ever locked together
 * when one is below the other in a chain (taken top first), or when one of
 * them was just created and nobody else can see it.  A fault holds every
 * lock of the chain it walks until the page is entered in the pmap: chains
 * are short, and so a concurrent collapse can neither move nor free the page
 * under it.
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
    struct list shadowers;      /* the objects whose shadow this is */
    struct list shadow_link;    /* in shadow->shadowers (guarded by its lock) */
    bool one_mapping;           /* see the invariants above */
    bool internal;              /* anonymous memory, zero filled (fixed) */
    vm_size_t size;             /* bytes, page aligned (fixed) */
};

/* Set up the object zone.  Once, at boot, after vm_resident_init(). */
void vm_object_init(void);

/*
 * A new internal object of `size` bytes (page aligned, > 0) with no pages,
 * no shadow and one reference (the caller's); NULL when memory is out.
 * Takes no lock the caller could hold.
 */
struct vm_object *vm_object_allocate(vm_size_t size);

/* Add a reference.  Takes the object's lock; the caller holds none of it. */
void vm_object_reference(struct vm_object *object);

/*
 * Drop a reference (NULL is ignored).  The last one frees the object's
 * pages, then drops its reference on its shadow, and so on down the chain
 * (iteratively).  Takes each object's lock in turn; the caller holds none
 * of them.  The caller makes sure no pmap maps the pages any more.
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
 * Never fails and never allocates.
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
