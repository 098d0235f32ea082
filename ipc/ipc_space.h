/* SPDX-License-Identifier: MIT */
/*
 * Name spaces: each task's table of port names.  A name is an index into
 * `table` plus the generation of that slot, so a name whose slot was freed
 * and reused is recognised as stale (KERN_INVALID_NAME).
 *
 * An entry holds rights to one object: a port (some of send, receive,
 * send-once) or a port set, or is a dead name.  Send and dead-name rights
 * count user references (`urefs`); a receive right has none of its own but
 * shares the entry with the send rights to the same port.  A space has at
 * most one name for a port while it holds send or receive rights to it
 * (found through the reverse map); each send-once right gets its own name.
 *
 * Locking: `lock` (spinlock) guards the table, the reverse map and every
 * entry.  Order: space lock -> port lock.  A space lives while its task
 * does; ipc_space_destroy() releases every right in it.
 */
#ifndef _IPC_IPC_SPACE_H_
#define _IPC_IPC_SPACE_H_

#include <mach/port.h>
#include <kern/spinlock.h>
#include <kern/types.h>

#define IPC_SPACE_MAX_ENTRIES   (1u << 16)
#define IPC_ENTRY_GEN_MAX       0xff

struct ipc_port;
struct ipc_dnrequest;

struct ipc_entry {
    void *object;                   /* struct ipc_port or struct ipc_pset; NULL if dead/free */
    mach_port_type_t type;          /* MACH_PORT_TYPE_* bits; 0 = free slot */
    uint16_t urefs;                 /* user references of send / dead-name rights */
    uint8_t gen;                    /* generation of the name using the slot */
    uint32_t next;                  /* free: next free index; used: reverse-map chain */
    struct ipc_dnrequest *dnrequest;/* dead-name request registered on this name */
};

struct ipc_space {
    struct spinlock lock;
    uint32_t refs;                  /* atomic */
    bool active;
    struct ipc_entry *table;
    uint32_t size;                  /* slots in table; slot 0 is never used */
    uint32_t free_head;             /* first free slot, 0 = none */
    uint32_t nused;
    uint32_t *rev;                  /* reverse map buckets: index of first entry, 0 = none */
    uint32_t rev_size;              /* power of two */
};

/* The space that holds the receive rights of kernel objects. */
extern struct ipc_space *ipc_space_kernel;

void ipc_space_bootstrap(void);

/* A new, empty space; NULL when out of memory. */
struct ipc_space *ipc_space_create(void);

/* Release every right in the space and make it inactive; its memory goes with the last ref. */
void ipc_space_destroy(struct ipc_space *space);

void ipc_space_reference(struct ipc_space *space);
void ipc_space_release(struct ipc_space *space);

/* ---- entries (space locked) ---- */

/* The entry `name` denotes, or NULL if the name is not in use (stale or never). */
struct ipc_entry *ipc_entry_lookup(struct ipc_space *space, mach_port_name_t name);

/*
 * A free entry and its new name.  KERN_NO_SPACE when the space is full,
 * KERN_RESOURCE_SHORTAGE when the table cannot grow.
 */
kern_return_t ipc_entry_alloc(struct ipc_space *space, mach_port_name_t *name,
                              struct ipc_entry **entry);

/*
 * The entry for exactly `name`: found (KERN_NAME_EXISTS is for the caller to
 * decide) or allocated.  *fresh says which.  KERN_INVALID_VALUE for a name
 * outside the table's range or MACH_PORT_NULL/DEAD.
 */
kern_return_t ipc_entry_get_name(struct ipc_space *space, mach_port_name_t name,
                                 struct ipc_entry **entry, bool *fresh);

/* Free the entry of `name` (type already cleared of rights). */
void ipc_entry_free(struct ipc_space *space, mach_port_name_t name);

/* The name of the entry holding send/receive rights to `port`, or MACH_PORT_NULL. */
mach_port_name_t ipc_space_reverse_lookup(struct ipc_space *space, struct ipc_port *port);
void ipc_space_reverse_insert(struct ipc_space *space, mach_port_name_t name, struct ipc_port *port);
void ipc_space_reverse_remove(struct ipc_space *space, mach_port_name_t name, struct ipc_port *port);

/* Names in use (for leak checks and mach_port_names). */
uint32_t ipc_space_count(struct ipc_space *space);
mach_port_name_t ipc_entry_name(struct ipc_space *space, const struct ipc_entry *entry);

#endif /* _IPC_IPC_SPACE_H_ */
