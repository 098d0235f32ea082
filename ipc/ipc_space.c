// SPDX-License-Identifier: MIT
/* Name spaces: the entry table, names with generations, the reverse map. */
#include <kern/kmem.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <kern/zalloc.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>

#define INITIAL_ENTRIES 64
#define INITIAL_REV     64

static struct zone space_zone;
static struct ipc_space kernel_space;
struct ipc_space *ipc_space_kernel = &kernel_space;

void ipc_space_bootstrap(void)
{
    zone_init(&space_zone, "ipc_space", sizeof(struct ipc_space));
    spin_lock_init(&kernel_space.lock, "ipc_space_kernel");
    kernel_space.refs = 1;
    kernel_space.active = true;
}

/* Thread slots [from, to) onto the free list, lowest first. */
static void free_list_extend(struct ipc_space *s, uint32_t from, uint32_t to)
{
    for (uint32_t i = to; i-- > from;) {
        s->table[i].next = s->free_head;
        s->free_head = i;
    }
}

struct ipc_space *ipc_space_create(void)
{
    struct ipc_space *s = zalloc(&space_zone);
    if (s == NULL)
        return NULL;
    memset(s, 0, sizeof(*s));
    s->table = kmem_zalloc(INITIAL_ENTRIES * sizeof(struct ipc_entry));
    s->rev = kmem_zalloc(INITIAL_REV * sizeof(uint32_t));
    if (s->table == NULL || s->rev == NULL) {
        kmem_free(s->table, INITIAL_ENTRIES * sizeof(struct ipc_entry));
        kmem_free(s->rev, INITIAL_REV * sizeof(uint32_t));
        zfree(&space_zone, s);
        return NULL;
    }
    spin_lock_init(&s->lock, "ipc_space");
    s->refs = 1;
    s->active = true;
    s->size = INITIAL_ENTRIES;
    s->rev_size = INITIAL_REV;
    free_list_extend(s, 1, s->size);
    return s;
}

void ipc_space_reference(struct ipc_space *s)
{
    __atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED);
}

void ipc_space_release(struct ipc_space *s)
{
    if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    kassert(!s->active && s != ipc_space_kernel);
    kmem_free(s->table, s->size * sizeof(struct ipc_entry));
    kmem_free(s->rev, s->rev_size * sizeof(uint32_t));
    zfree(&space_zone, s);
}

void ipc_space_destroy(struct ipc_space *s)
{
    spin_lock(&s->lock);
    s->active = false;
    spin_unlock(&s->lock);
    /* Each right is released with the space unlocked (notifications may be sent). */
    for (uint32_t i = 1;; i++) {
        spin_lock(&s->lock);
        if (i >= s->size) {
            spin_unlock(&s->lock);
            break;
        }
        struct ipc_entry *e = &s->table[i];
        mach_port_name_t name = MACH_PORT_MAKE(i, e->gen);
        bool used = e->type != 0;
        spin_unlock(&s->lock);
        if (used)
            ipc_right_destroy_all(s, name);
    }
}

/* ---- entries ---- */

struct ipc_entry *ipc_entry_lookup(struct ipc_space *s, mach_port_name_t name)
{
    uint32_t i = MACH_PORT_INDEX(name);
    if (!MACH_PORT_VALID(name) || i == 0 || i >= s->size)
        return NULL;
    struct ipc_entry *e = &s->table[i];
    if (e->type == 0 || e->gen != MACH_PORT_GEN(name))
        return NULL;
    return e;
}

mach_port_name_t ipc_entry_name(struct ipc_space *s, const struct ipc_entry *e)
{
    uint32_t i = (uint32_t)(e - s->table);
    return MACH_PORT_MAKE(i, e->gen);
}

/* Double the table (space locked).  The lock is held across the copy: entries do not move otherwise. */
static kern_return_t grow(struct ipc_space *s, uint32_t at_least)
{
    uint32_t size = s->size;
    while (size <= at_least)
        size *= 2;
    if (size > IPC_SPACE_MAX_ENTRIES)
        return KERN_NO_SPACE;
    struct ipc_entry *t = kmem_zalloc(size * sizeof(struct ipc_entry));
    if (t == NULL)
        return KERN_RESOURCE_SHORTAGE;
    memcpy(t, s->table, s->size * sizeof(struct ipc_entry));
    kmem_free(s->table, s->size * sizeof(struct ipc_entry));
    uint32_t old = s->size;
    s->table = t;
    s->size = size;
    free_list_extend(s, old, size);
    return KERN_SUCCESS;
}

static void take_slot(struct ipc_space *s, uint32_t i)
{
    struct ipc_entry *e = &s->table[i];
    e->type = MACH_PORT_TYPE_NONE;
    e->object = NULL;
    e->urefs = 0;
    e->next = 0;
    e->dnrequest = NULL;
    s->nused++;
}

kern_return_t ipc_entry_alloc(struct ipc_space *s, mach_port_name_t *name, struct ipc_entry **out)
{
    if (!s->active)
        return KERN_INVALID_TASK;
    if (s->free_head == 0) {
        kern_return_t kr = grow(s, s->size);
        if (kr != KERN_SUCCESS)
            return kr;
    }
    uint32_t i = s->free_head;
    s->free_head = s->table[i].next;
    take_slot(s, i);
    *name = MACH_PORT_MAKE(i, s->table[i].gen);
    *out = &s->table[i];
    return KERN_SUCCESS;
}

/* Unlink slot i from the free list (it must be on it). */
static void unlink_free(struct ipc_space *s, uint32_t i)
{
    uint32_t *link = &s->free_head;
    while (*link != i)
        link = &s->table[*link].next;
    *link = s->table[i].next;
}

kern_return_t ipc_entry_get_name(struct ipc_space *s, mach_port_name_t name,
                                 struct ipc_entry **out, bool *fresh)
{
    uint32_t i = MACH_PORT_INDEX(name);
    if (!MACH_PORT_VALID(name) || i == 0)
        return KERN_INVALID_VALUE;
    if (!s->active)
        return KERN_INVALID_TASK;
    if (i >= s->size) {
        kern_return_t kr = grow(s, i);
        if (kr != KERN_SUCCESS)
            return kr == KERN_NO_SPACE ? KERN_INVALID_VALUE : kr;
    }
    struct ipc_entry *e = &s->table[i];
    if (e->type != 0) {
        *fresh = false;
        *out = e;
        return e->gen == MACH_PORT_GEN(name) ? KERN_SUCCESS : KERN_NAME_EXISTS;
    }
    unlink_free(s, i);
    take_slot(s, i);
    e->gen = MACH_PORT_GEN(name);
    *fresh = true;
    *out = e;
    return KERN_SUCCESS;
}

void ipc_entry_free(struct ipc_space *s, mach_port_name_t name)
{
    uint32_t i = MACH_PORT_INDEX(name);
    struct ipc_entry *e = &s->table[i];
    kassert(i > 0 && i < s->size && e->gen == MACH_PORT_GEN(name));
    e->type = 0;
    e->object = NULL;
    e->urefs = 0;
    e->dnrequest = NULL;
    e->gen = (uint8_t)(e->gen + 1);     /* the old name becomes stale */
    e->next = s->free_head;
    s->free_head = i;
    s->nused--;
}

uint32_t ipc_space_count(struct ipc_space *s)
{
    return s->nused;
}

/* ---- the reverse map: port -> the name holding its send/receive rights ---- */

static uint32_t *rev_bucket(struct ipc_space *s, const struct ipc_port *port)
{
    uintptr_t h = (uintptr_t)port >> 4;
    h ^= h >> 11;
    return &s->rev[h & (s->rev_size - 1)];
}

mach_port_name_t ipc_space_reverse_lookup(struct ipc_space *s, struct ipc_port *port)
{
    for (uint32_t i = *rev_bucket(s, port); i != 0; i = s->table[i].next)
        if (s->table[i].object == port)
            return MACH_PORT_MAKE(i, s->table[i].gen);
    return MACH_PORT_NULL;
}

void ipc_space_reverse_insert(struct ipc_space *s, mach_port_name_t name, struct ipc_port *port)
{
    uint32_t i = MACH_PORT_INDEX(name);
    uint32_t *b = rev_bucket(s, port);
    s->table[i].next = *b;
    *b = i;
}

void ipc_space_reverse_remove(struct ipc_space *s, mach_port_name_t name, struct ipc_port *port)
{
    uint32_t i = MACH_PORT_INDEX(name);
    for (uint32_t *link = rev_bucket(s, port); *link != 0; link = &s->table[*link].next) {
        if (*link == i) {
            *link = s->table[i].next;
            s->table[i].next = 0;
            return;
        }
    }
    panic("ipc_space: name %x of port %u missing from the reverse map", name, port->id);
}
