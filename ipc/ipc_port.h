/* SPDX-License-Identifier: MIT */
/*
 * Ports: kernel-protected message queues.
 *
 * A port has exactly one receive right (held in a name space, or in a
 * message in transit, or by the kernel for kernel objects), any number of
 * send rights (counted in `srights`) and send-once rights (`sorights`).
 * When the receive right is destroyed the port dies: it becomes inactive,
 * its queued messages are destroyed, waiting threads are woken with an
 * error, and every send right turns into a dead name (lazily, when its
 * holder next looks at it) after dead-name notifications are sent.
 *
 * References: every right in a name space or in a message holds one
 * reference; so does every kernel pointer kept to a port.  The memory goes
 * with the last reference, by which time the port is inactive.
 *
 * Kernel objects: a port whose `kotype` is not IKOT_NONE stands for a task,
 * thread or host; messages sent to it are served by the kernel
 * (kern/ipc_kobject.c) in the sender's context.
 *
 * Receive rights in transit: while a message carrying the receive right of
 * port X is queued on port D, X->receiver is NULL and X->destination is D
 * (with a reference), so that the chain X -> D -> ... can be followed to
 * refuse a message that would put a port inside its own queue
 * (ipc_mqueue.c).  The link is cleared when X gets a receiver again or dies.
 *
 * Ids: each port has a 32-bit global `id` (leak reports, debugging).
 *
 * Locking: `lock` guards everything but `refs` (atomic) and `id` (fixed).
 * Order: space lock -> transit lock (ipc_mqueue.c) -> port set lock ->
 * port lock -> thread/scheduler locks.  Two port locks nest (a message's
 * destination, then a receive right it carries) only under the transit lock.
 */
#ifndef _IPC_IPC_PORT_H_
#define _IPC_IPC_PORT_H_

#include <mach/port.h>
#include <kern/list.h>
#include <kern/spinlock.h>
#include <kern/types.h>

struct ipc_space;
struct ipc_pset;

enum ipc_kotype {
    IKOT_NONE = 0,
    IKOT_TASK,
    IKOT_THREAD,
    IKOT_HOST,
    IKOT_HOST_PRIV,
    IKOT_DEVICE,            /* a device's registers or interrupt line (later stages) */
    IKOT_PAGER,             /* memory object control (later stages) */
};

struct ipc_port {
    struct spinlock lock;
    uint32_t refs;                  /* atomic */
    uint32_t id;                    /* global id (ipc_port_lookup_id) */
    bool active;

    /* The receive right. */
    struct ipc_space *receiver;     /* holder; NULL in transit; ipc_space_kernel for kobjects */
    mach_port_name_t receiver_name;
    struct ipc_pset *pset;          /* the port set it is a member of */
    struct ipc_port *destination;   /* in transit: the port whose queue holds it (a reference) */
    struct list pset_link;

    /* The queue. */
    struct list messages;           /* struct ipc_kmsg, oldest first */
    uint32_t msgcount;
    uint32_t qlimit;
    uint32_t seqno;                 /* of the next message received */
    uint32_t waiting_senders;       /* threads blocked on a full queue */

    /* Send rights. */
    uint32_t srights;               /* send rights in existence */
    uint32_t sorights;              /* send-once rights in existence */
    uint32_t mscount;               /* make-send count */

    /* Notifications requested on this port. */
    struct ipc_port *nsrequest;     /* send-once: no more senders */
    uint32_t nsrequest_mscount;
    struct ipc_port *pdrequest;     /* send-once: port destroyed (gets the receive right) */
    struct list dnrequests;         /* struct ipc_dnrequest: dead-name requests */

    /* Kernel object. */
    enum ipc_kotype kotype;
    void *kobject;
};

/* A new active port with one reference and no rights, or NULL. */
struct ipc_port *ipc_port_alloc(void);

/* A port standing for a kernel object (receiver ipc_space_kernel), or NULL. */
struct ipc_port *ipc_port_alloc_kernel(enum ipc_kotype type, void *object);

void ipc_port_reference(struct ipc_port *port);
void ipc_port_release(struct ipc_port *port);

/* The port with global id `id`; NULL if none.  No reference taken. */
struct ipc_port *ipc_port_lookup_id(uint32_t id);

/* Ports in existence (for leak checks). */
size_t ipc_port_count(void);

/*
 * Rights the kernel itself holds: make a send right from a port it has the
 * receive right for (kernel objects), or copy/release one.  Each returns
 * the port (NULL passes through) with one reference for the new right.
 */
struct ipc_port *ipc_port_make_send(struct ipc_port *port);
struct ipc_port *ipc_port_copy_send(struct ipc_port *port);
struct ipc_port *ipc_port_make_send_once(struct ipc_port *port);
void ipc_port_release_send(struct ipc_port *port);
void ipc_port_release_sonce(struct ipc_port *port);
/* A send-once right used up by delivering a message (no notification). */
void ipc_port_release_sonce_consumed(struct ipc_port *port);

/*
 * Destroy the port: its receive right is going away (port locked on entry,
 * unlocked on return).  Handles the port-destroyed notification, the queue,
 * waiters and dead-name notifications.
 */
void ipc_port_destroy(struct ipc_port *port);

/*
 * The receive right arrives in `space` under `name` (NULL/MACH_PORT_NULL:
 * held by no space).  Takes the port lock.  Returns the old destination
 * reference (a right that was in transit) for the caller to release with
 * ipc_port_release() once it holds no lock.
 */
struct ipc_port *ipc_port_set_receiver(struct ipc_port *port, struct ipc_space *space,
                                       mach_port_name_t name);

/* Break the link to a kernel object (object going away); the port dies. */
void ipc_port_dealloc_kernel(struct ipc_port *port);

void ipc_port_bootstrap(void);

#endif /* _IPC_IPC_PORT_H_ */
