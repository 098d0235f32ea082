/* SPDX-License-Identifier: MIT */
/*
 * Notifications: messages the kernel sends on its own to send-once rights
 * that tasks registered (mach_port_request_notification), or that died
 * unused.  Each function consumes the send-once right it is given (NULL is
 * allowed and ignored).  None blocks: a notification is queued even on a
 * full queue.
 */
#ifndef _IPC_IPC_NOTIFY_H_
#define _IPC_IPC_NOTIFY_H_

#include <mach/port.h>
#include <kern/list.h>
#include <kern/types.h>

struct ipc_port;
struct ipc_space;
struct ipc_entry;

/*
 * A dead-name request: `notify` hears when the port `name` names in `space`
 * dies.  Owned by the entry (entry->dnrequest, space lock) and linked on
 * the port (port lock) while the port lives.  When the port dies,
 * ipc_dnrequest_take_all() marks it `dead` and ipc_notify_dead_names()
 * owns it from then on: it unhooks it from the entry (space lock) and
 * frees it.  Otherwise whoever frees the entry's name cancels it.
 */
struct ipc_dnrequest {
    struct list port_link;          /* on port->dnrequests, or the dying port's list */
    struct ipc_space *space;        /* referenced */
    mach_port_name_t name;
    struct ipc_port *notify;        /* send-once right */
    struct ipc_port *port;          /* the port watched (not referenced: it unlinks us) */
    bool dead;                      /* (port lock) taken by the port's death */
};

void ipc_notify_bootstrap(void);

void ipc_notify_no_senders(struct ipc_port *notify, uint32_t mscount);
void ipc_notify_send_once(struct ipc_port *notify);
void ipc_notify_port_deleted(struct ipc_port *notify, mach_port_name_t name);
/* Carries the receive right of `port` (consumed) to `notify`. */
void ipc_notify_port_destroyed(struct ipc_port *notify, struct ipc_port *port);

/*
 * Register a dead-name request on the port `name` holds a send (or
 * send-once) right to; *previous gets the send-once right it replaces.
 * A dead name (or a right to a port that died) gets its notification at
 * once, with an extra user reference on the name, as in Mach.  Consumes
 * `notify` on KERN_SUCCESS.  Errors: KERN_INVALID_NAME, KERN_INVALID_RIGHT,
 * KERN_UREFS_OVERFLOW, KERN_RESOURCE_SHORTAGE.
 */
kern_return_t ipc_dnrequest_register(struct ipc_space *space, mach_port_name_t name,
                                     struct ipc_port *notify, struct ipc_port **previous);

/* The name's entry goes away while the port lives (space locked): port-deleted. */
void ipc_dnrequest_cancel(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry);

/* A port dies: take its requests (port locked) / notify them (nothing locked). */
void ipc_dnrequest_take_all(struct ipc_port *port, struct list *out);
void ipc_notify_dead_names(struct ipc_port *port, struct list *requests);

#endif /* _IPC_IPC_NOTIFY_H_ */
