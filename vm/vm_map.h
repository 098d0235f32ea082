/* SPDX-License-Identifier: MIT */
/*
 * vm_map: a task's address space, as a sorted list of entries.  Each entry
 * maps [start, end) onto the range of a vm_object that starts at `offset`,
 * with a protection, a maximum protection and an inheritance.
 *
 * Entry states:
 *   anonymous, untouched   object == NULL: zero-fill memory nobody has
 *                          touched; the first fault gives it an object
 *   private                object != NULL, !needs_copy, !is_shared: this
 *                          entry alone writes into the object
 *   needs_copy             the object is shared copy-on-write with other
 *                          entries or copies; the first write fault puts a
 *                          new shadow object in front of it.  The pmap never
 *                          maps such an entry's pages writable.
 *   shared                 is_shared: VM_INHERIT_SHARE gave the same object
 *                          to another map; both write in place.  A shared
 *                          entry is never needs_copy.
 *   physical               the object is a physical object (vm/vm_phys.h,
 *                          vm_object_is_phys): device registers or a DMA
 *                          buffer.  Always VM_INHERIT_NONE, never needs_copy
 *                          nor is_shared; fork skips it, and copies of it
 *                          (vm_map_copyin, vm_map_copy_overwrite) are
 *                          refused.  Clipping gives each piece a reference
 *                          to the same object.
 * Map invariants (checked by the host tests after every operation):
 *   - entries are sorted by start, do not overlap, and lie in [min, max);
 *   - every entry has start < end, both page aligned;
 *   - protection is a subset of max_protection;
 *   - nentries == the number of entries, size == the sum of their sizes;
 *   - no two neighbours are left apart that vm_map_entry_mergeable()
 *     accepts: every operation that changes attributes merges afterwards
 *     (vm_map_simplify_range).
 *
 * Why a sorted doubly linked list with a hint rather than a tree: maps hold
 * tens of entries, not thousands; clip, insert and merge need an entry's
 * neighbours, which the list gives at no cost; and faults come in runs in
 * the same entry, which the one-entry hint catches before any search.  A
 * red-black tree (what GNU Mach later adopted) can replace the list behind
 * vm_map_lookup_entry() if maps grow large.
 *
 * Locking: `lock` (a sleeping mutex) guards every field of the map and of
 * its entries; it is held across a whole fault.  It comes first in the VM
 * lock order (see vm/vm_object.h): map, then objects, then pmap, then the
 * page hash and queues.  Only one map is locked at a time.
 */
#ifndef _VM_VM_MAP_H_
#define _VM_VM_MAP_H_

#include <kern/list.h>
#include <kern/mutex.h>
#include <kern/types.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <mach/vm_types.h>
#include <vm/pmap.h>

struct vm_object;

struct vm_map_entry {
    struct list link;           /* in its map (sorted), copy, or reserve */
    vaddr_t start;              /* page aligned */
    vaddr_t end;                /* page aligned, > start */
    struct vm_object *object;   /* one reference; NULL: untouched anonymous */
    vm_offset_t offset;         /* object offset of `start` */
    vm_prot_t protection;       /* what accesses are allowed now */
    vm_prot_t max_protection;   /* what protection may ever be raised to */
    vm_inherit_t inheritance;   /* what a child gets at fork */
    bool needs_copy;            /* copy-on-write pending on the object */
    bool is_shared;             /* object shared in place with another map */
};

struct vm_map {
    struct mutex lock;          /* guards everything below and the entries */
    struct list entries;        /* sorted by start */
    size_t nentries;
    vm_size_t size;             /* bytes mapped */
    struct vm_map_entry *hint;  /* last entry looked up, or NULL */
    vaddr_t min;                /* lowest address an entry may have */
    vaddr_t max;                /* entries end at or below it */
    pmap_t pmap;                /* the hardware translations (not owned) */
    unsigned ref_count;
};

typedef struct vm_map *vm_map_t;

/* A set of entries taken in advance, so that a change cannot fail half-way. */
struct vm_map_reserve {
    struct list spares;
    size_t count;
};

/* Statistics for the shell. */
struct vm_map_info {
    size_t entries;
    vm_size_t virtual_size;     /* bytes mapped */
    size_t resident_pages;      /* pages in the pmap now */
};

/* Set up the map and entry zones.  Once, at boot. */
void vm_map_init(void);

/*
 * A new empty map over [min, max) (page aligned, min < max) whose
 * translations go to `pmap`, with one reference; NULL when memory is out.
 * The map does not own the pmap: whoever created it destroys it after the
 * map's last vm_map_deallocate().
 */
vm_map_t vm_map_create(pmap_t pmap, vaddr_t min, vaddr_t max);

/* Add a reference.  Takes the map lock. */
void vm_map_reference(vm_map_t map);

/*
 * Drop a reference (NULL is ignored).  The last one removes every entry
 * (and its translations from the pmap), drops the object references (which
 * frees the pages nothing else holds) and frees the map.  No thread may be
 * using the map then.  Takes the map lock, then object locks.
 */
void vm_map_deallocate(vm_map_t map);

/*
 * The address space of a new task: a new map over `child_pmap` (empty) with
 * the parent's min and max, where each entry of `parent` is handled
 * according to its inheritance:
 *   VM_INHERIT_NONE    nothing is mapped in the child there;
 *   VM_INHERIT_SHARE   the child maps the same object (made now if the
 *                      entry had none), both entries become is_shared and
 *                      each sees the other's writes;
 *   VM_INHERIT_COPY    copy-on-write: both entries become needs_copy and
 *                      the parent's translations lose write permission
 *                      (pmap_protect); a shared entry is copied at once.
 * A physical entry (vm/vm_phys.h) is never given to the child.
 * Takes the parent's map lock, then object locks.
 * KERN_SUCCESS (*child_map has one reference) or KERN_RESOURCE_SHORTAGE
 * (nothing is left of the child; child_pmap stays the caller's).
 */
kern_return_t vm_map_fork(vm_map_t parent, pmap_t child_pmap, vm_map_t *child_map);

/*
 * Find the entry holding `addr`: true and *entry = it; or false and
 * *entry = the last entry before addr (NULL if there is none).  Map lock
 * held.
 */
bool vm_map_lookup_entry(vm_map_t map, vaddr_t addr, struct vm_map_entry **entry);

/* The entry after / before `entry` in `map`, or NULL.  Map lock held. */
struct vm_map_entry *vm_map_entry_next(vm_map_t map, struct vm_map_entry *entry);
struct vm_map_entry *vm_map_entry_prev(vm_map_t map, struct vm_map_entry *entry);

/* The first entry ending after `addr`, or NULL.  Map lock held. */
struct vm_map_entry *vm_map_first_entry_after(vm_map_t map, vaddr_t addr);

/*
 * Could `a` and its next neighbour `b` be one entry?  Same attributes,
 * touching, and either both untouched anonymous memory or the same object
 * at contiguous offsets.
 */
bool vm_map_entry_mergeable(const struct vm_map_entry *a, const struct vm_map_entry *b);

/*
 * Reserve: vm_map_reserve_fill() adds `count` entries (KERN_SUCCESS or
 * KERN_RESOURCE_SHORTAGE, in which case the reserve is unchanged);
 * vm_map_reserve_take() hands one out (one must be left);
 * vm_map_reserve_release() frees what was not used.  No lock needed.
 */
void vm_map_reserve_init(struct vm_map_reserve *res);
kern_return_t vm_map_reserve_fill(struct vm_map_reserve *res, size_t count);
struct vm_map_entry *vm_map_reserve_take(struct vm_map_reserve *res);
void vm_map_reserve_release(struct vm_map_reserve *res);

/* Entries `vm_map_clip_range(map, start, end, ...)` may need.  Map lock held. */
size_t vm_map_clip_count(vm_map_t map, vaddr_t start, vaddr_t end);

/*
 * Split the entries holding `start` and `end` so that entries begin at
 * start and end at end, taking new entries from `res` (filled with
 * vm_map_clip_count() of them).  Changes nothing a fault can see.  Map lock
 * held.  Returns the first entry at or after start, or NULL.
 */
struct vm_map_entry *vm_map_clip_range(vm_map_t map, vaddr_t start, vaddr_t end,
                                       struct vm_map_reserve *res);

/*
 * Is [start, end) all mapped, with `prot` allowed in each entry?
 * KERN_SUCCESS, KERN_INVALID_ADDRESS (a hole) or KERN_PROTECTION_FAILURE.
 * Map lock held.
 */
kern_return_t vm_map_check_mapped(vm_map_t map, vaddr_t start, vaddr_t end,
                                  vm_prot_t prot);

/*
 * vm_map_check_mapped() for a range about to be copied (read) or replaced
 * by a copy (written): additionally, a physical entry (vm/vm_phys.h) gives
 * KERN_PROTECTION_FAILURE.  The first bad entry in address order decides.
 * Map lock held.
 */
kern_return_t vm_map_check_copyable(vm_map_t map, vaddr_t start, vaddr_t end,
                                    vm_prot_t prot);

/* Does an entry of [start, end) map a physical object?  Map lock held. */
bool vm_map_range_has_phys(vm_map_t map, vaddr_t start, vaddr_t end);

/*
 * Find `size` free bytes (first fit from map->min): KERN_SUCCESS and *addr,
 * or KERN_NO_SPACE.  Map lock held.
 */
kern_return_t vm_map_find_space(vm_map_t map, vm_size_t size, vaddr_t *addr);

/*
 * Link `entry` (not in any list) into the map; it must not overlap another.
 * Counts it.  Map lock held.
 */
void vm_map_entry_link(vm_map_t map, struct vm_map_entry *entry);

/*
 * Unlink the entries inside [start, end) (already clipped there) and
 * remove their translations; each is then unmapped from its object (its
 * pages freed if nothing else can reach them) and freed.  Map lock held.
 */
void vm_map_delete_clipped(vm_map_t map, vaddr_t start, vaddr_t end);

/* Merge the mergeable neighbours from the entry before start to the one
 * after end.  Map lock held. */
void vm_map_simplify_range(vm_map_t map, vaddr_t start, vaddr_t end);

/*
 * Make `copy` (a fresh entry, not linked) a copy of `src` of `src_map`
 * over the same addresses: copy-on-write (both needs_copy, write removed
 * from src's translations) or, for a shared src, a copy made now.  `src`
 * must not be physical (callers check with vm_map_check_copyable).
 * Returns KERN_SUCCESS or KERN_RESOURCE_SHORTAGE (only for a shared src;
 * then nothing is changed).  Map lock of src_map held.
 */
kern_return_t vm_map_entry_copy(vm_map_t src_map, struct vm_map_entry *src,
                                struct vm_map_entry *copy);

/* A new entry (fields undefined), or NULL when memory is out.  No lock. */
struct vm_map_entry *vm_map_entry_alloc(void);

/* Free an entry that holds no object reference any more (or never did). */
void vm_map_entry_free(struct vm_map_entry *entry);

/*
 * Drop an unlinked entry's object reference, telling the object its range
 * is no longer mapped (`unmapped`), and free the entry.  No lock needed.
 */
void vm_map_entry_dispose(struct vm_map_entry *entry, bool unmapped);

/* Statistics.  Take the map lock. */
size_t vm_map_entry_count(vm_map_t map);
void vm_map_info(vm_map_t map, struct vm_map_info *out);

#endif /* _VM_VM_MAP_H_ */
