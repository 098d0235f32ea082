/* SPDX-License-Identifier: MIT */
/*
 * Port sets: a set of receive rights that a thread receives from as one.
 * A port is in at most one set.  Receivers of a set wait on the set; a
 * message arriving at any member wakes one of them.
 *
 * Locking: `lock` guards members and active.  Order: port lock -> pset lock
 * is never needed: membership changes take the pset lock then the port
 * lock; message arrival reads port->pset under the port lock, then (port
 * unlocked) wakes the set under the pset lock, so that the wake-up cannot
 * fall between a receiver's scan of the members and its wait.
 */
#ifndef _IPC_IPC_PSET_H_
#define _IPC_IPC_PSET_H_

#include <kern/list.h>
#include <kern/spinlock.h>
#include <kern/types.h>

struct ipc_port;
struct ipc_space;

struct ipc_pset {
    struct spinlock lock;
    uint32_t refs;                  /* atomic: the entry holding it, receivers */
    bool active;
    struct list members;            /* struct ipc_port, via pset_link */
    unsigned nmembers;
};

void ipc_pset_bootstrap(void);
struct ipc_pset *ipc_pset_alloc(void);          /* one reference, or NULL */
void ipc_pset_reference(struct ipc_pset *pset);
void ipc_pset_release(struct ipc_pset *pset);

/*
 * Move the port, whose receive right `space` holds, into the set (out of
 * any other first).  KERN_INVALID_NAME: the set was destroyed meanwhile;
 * KERN_INVALID_RIGHT: the receive right left the space (or the port
 * died).  Takes the set's lock, then the port's.
 */
kern_return_t ipc_pset_add_port(struct ipc_pset *pset, struct ipc_port *port,
                                struct ipc_space *space);

/* Take the port out of whatever set it is in (none: no-op). */
void ipc_pset_remove_port(struct ipc_port *port);

/* The set's name is gone: empty it and make it inactive (wakes receivers). */
void ipc_pset_destroy(struct ipc_pset *pset);

/* A member with a message queued, with a reference; NULL if none. */
struct ipc_port *ipc_pset_ready_member(struct ipc_pset *pset);

size_t ipc_pset_count(void);

#endif /* _IPC_IPC_PSET_H_ */
