// SPDX-License-Identifier: MIT
/*
 * Kernel-generated notification messages, and dead-name requests
 * (see ipc/ipc_notify.h).
 */
#include <mach/notify.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <kern/zalloc.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_notify.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>

static struct zone dnrequest_zone;

void ipc_notify_bootstrap(void)
{
    zone_init(&dnrequest_zone, "ipc_dnrequest", sizeof(struct ipc_dnrequest));
}

/*
 * A kernel-form message to the send-once right `notify`; NULL if the port
 * is dead (the right is simply released: a notice to a dead port, which
 * would itself be destroyed, must not beget another) or memory is out.
 */
static struct ipc_kmsg *notification(struct ipc_port *notify, mach_msg_id_t id,
                                     mach_msg_size_t size)
{
    if (!__atomic_load_n(&notify->active, __ATOMIC_ACQUIRE)) {
        ipc_port_release_sonce_consumed(notify);
        return NULL;
    }
    struct ipc_kmsg *k = ipc_kmsg_alloc(size);
    if (k == NULL) {
        ipc_port_release_sonce_consumed(notify);   /* the notice is lost; no leak */
        return NULL;
    }
    memset(&k->hdr, 0, size);
    k->hdr.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0);
    k->hdr.msgh_size = size;
    k->hdr.msgh_remote_port = (mach_port_t)notify;
    k->hdr.msgh_id = id;
    return k;
}

static uint32_t type_word(mach_msg_type_name_t name, unsigned size)
{
    mach_msg_type_t t = { .msgt_name = name, .msgt_size = size, .msgt_number = 1,
                          .msgt_inline = 1 };
    uint32_t w;
    memcpy(&w, &t, 4);
    return w;
}

/* Queue a notification (never waits; one to a dead or kernel port is dropped). */
static void post(struct ipc_kmsg *k)
{
    if (k == NULL)
        return;
    ipc_kmsg_set_user_size(k);
    ipc_mqueue_send(k, MACH_MSG_OPTION_NONE, 0, true, NULL);
}

/* A notification carrying one 32-bit value after a descriptor. */
static void notify_word(struct ipc_port *notify, mach_msg_id_t id, mach_msg_type_name_t type,
                        uint32_t value)
{
    if (notify == NULL)
        return;
    struct ipc_kmsg *k = notification(notify, id, sizeof(mach_msg_header_t) + 8);
    if (k == NULL)
        return;
    uint8_t *b = (uint8_t *)&k->hdr + sizeof(mach_msg_header_t);
    uint32_t w = type_word(type, 32);
    memcpy(b, &w, 4);
    memcpy(b + 4, &value, 4);
    post(k);
}

void ipc_notify_no_senders(struct ipc_port *notify, uint32_t mscount)
{
    notify_word(notify, MACH_NOTIFY_NO_SENDERS, MACH_MSG_TYPE_INTEGER_32, mscount);
}

void ipc_notify_port_deleted(struct ipc_port *notify, mach_port_name_t name)
{
    notify_word(notify, MACH_NOTIFY_PORT_DELETED, MACH_MSG_TYPE_PORT_NAME, name);
}

void ipc_notify_send_once(struct ipc_port *notify)
{
    if (notify == NULL)
        return;
    post(notification(notify, MACH_NOTIFY_SEND_ONCE, sizeof(mach_msg_header_t)));
}

void ipc_notify_port_destroyed(struct ipc_port *notify, struct ipc_port *port)
{
    struct ipc_kmsg *k = notification(notify, MACH_NOTIFY_PORT_DESTROYED,
                                      sizeof(mach_msg_header_t) + 12);
    if (k == NULL) {
        spin_lock(&port->lock);
        ipc_port_destroy(port);         /* no notice possible: the port dies (no pdrequest now) */
        return;
    }
    k->hdr.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
    uint8_t *b = (uint8_t *)&k->hdr + sizeof(mach_msg_header_t);
    uint32_t w = type_word(MACH_MSG_TYPE_PORT_RECEIVE, 64);
    memcpy(b, &w, 4);
    memcpy(b + 4, &port, 8);
    post(k);
}

/* ---- dead-name requests ---- */

/*
 * Put `rq` on the live `port` for the entry (space and port locked); the
 * request it replaces, unlinked, is returned for the caller to free.
 */
static struct ipc_dnrequest *dnrequest_link(struct ipc_space *space, mach_port_name_t name,
                                            struct ipc_entry *e, struct ipc_port *port,
                                            struct ipc_port *notify, struct ipc_dnrequest *rq)
{
    struct ipc_dnrequest *old = e->dnrequest;
    if (old != NULL) {
        kassert(!old->dead && old->port == port);   /* the port lives: it is on its list */
        list_remove(&old->port_link);
    }
    *rq = (struct ipc_dnrequest){ .space = space, .name = name, .notify = notify, .port = port };
    ipc_space_reference(space);
    list_insert_tail(&port->dnrequests, &rq->port_link);
    e->dnrequest = rq;
    return old;
}

/* The name is (or will be, once looked at) a dead name: one more user reference. */
static kern_return_t dead_name_uref(struct ipc_entry *e)
{
    if (e->urefs >= MACH_PORT_UREFS_MAX)
        return KERN_UREFS_OVERFLOW;
    e->urefs++;
    return KERN_SUCCESS;
}

/*
 * Under the space lock: link `rq` (*rq_used set) or, for a dead name,
 * take the extra user reference (*dead set).  *old: a replaced request.
 */
static kern_return_t dnrequest_locked(struct ipc_space *space, mach_port_name_t name,
                                      struct ipc_entry *e, struct ipc_port *notify,
                                      struct ipc_dnrequest *rq, struct ipc_dnrequest **old,
                                      bool *rq_used, bool *dead)
{
    if (e == NULL)
        return KERN_INVALID_NAME;
    if (!(e->type & (MACH_PORT_TYPE_SEND_RIGHTS | MACH_PORT_TYPE_DEAD_NAME)))
        return KERN_INVALID_RIGHT;
    kern_return_t kr = KERN_SUCCESS;
    if (e->type == MACH_PORT_TYPE_DEAD_NAME) {
        kr = dead_name_uref(e);
        *dead = kr == KERN_SUCCESS;
        return kr;
    }
    struct ipc_port *port = e->object;
    spin_lock(&port->lock);
    if (port->active) {
        *old = dnrequest_link(space, name, e, port, notify, rq);
        *rq_used = true;
    } else {
        kr = dead_name_uref(e);         /* it died since the lookup: a dead name */
        *dead = kr == KERN_SUCCESS;
    }
    spin_unlock(&port->lock);
    return kr;
}

kern_return_t ipc_dnrequest_register(struct ipc_space *space, mach_port_name_t name,
                                     struct ipc_port *notify, struct ipc_port **previous)
{
    struct ipc_dnrequest *rq = zalloc(&dnrequest_zone), *old = NULL;
    if (rq == NULL)
        return KERN_RESOURCE_SHORTAGE;
    struct ipc_port *drop = NULL;
    bool used = false, dead = false;
    spin_lock(&space->lock);
    struct ipc_entry *e = space->active ? ipc_right_entry_checked(space, name, &drop) : NULL;
    kern_return_t kr = dnrequest_locked(space, name, e, notify, rq, &old, &used, &dead);
    spin_unlock(&space->lock);
    ipc_port_release(drop);
    *previous = old != NULL ? old->notify : NULL;
    if (old != NULL) {
        ipc_space_release(old->space);
        zfree(&dnrequest_zone, old);
    }
    if (!used)
        zfree(&dnrequest_zone, rq);
    if (dead)
        notify_word(notify, MACH_NOTIFY_DEAD_NAME, MACH_MSG_TYPE_PORT_NAME, name);
    return kr;
}

void ipc_dnrequest_cancel(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *e)
{
    struct ipc_dnrequest *rq = e->dnrequest;
    if (rq == NULL)
        return;
    e->dnrequest = NULL;
    struct ipc_port *port = rq->port;   /* alive: linked, or its destroyer holds it */
    spin_lock(&port->lock);
    bool mine = !rq->dead;
    if (mine)
        list_remove(&rq->port_link);
    spin_unlock(&port->lock);
    if (mine) {
        /* The port lives: tell the requester its name went away. */
        ipc_notify_port_deleted(rq->notify, name);
        ipc_space_release(rq->space);
        zfree(&dnrequest_zone, rq);
    }
    /* Dead: ipc_notify_dead_names owns the request and frees it. */
}

void ipc_dnrequest_take_all(struct ipc_port *port, struct list *out)
{
    kassert(spin_lock_held(&port->lock));
    list_init(out);
    while (!list_empty(&port->dnrequests)) {
        struct list *l = list_first(&port->dnrequests);
        list_remove(l);
        list_entry(l, struct ipc_dnrequest, port_link)->dead = true;
        list_insert_tail(out, l);
    }
}

void ipc_notify_dead_names(struct ipc_port *port, struct list *requests)
{
    (void)port;
    while (!list_empty(requests)) {
        struct list *l = list_first(requests);
        list_remove(l);
        struct ipc_dnrequest *rq = list_entry(l, struct ipc_dnrequest, port_link);
        /* Unhook it from the entry if the name still refers to it. */
        /*
         * As in Mach, the notification carries a user reference to the dead
         * name: the receiver deallocates the name once for the notification.
         */
        spin_lock(&rq->space->lock);
        struct ipc_entry *e = ipc_entry_lookup(rq->space, rq->name);
        if (e != NULL && e->dnrequest == rq) {
            e->dnrequest = NULL;
            if (e->urefs < MACH_PORT_UREFS_MAX)
                e->urefs++;
        }
        spin_unlock(&rq->space->lock);
        notify_word(rq->notify, MACH_NOTIFY_DEAD_NAME, MACH_MSG_TYPE_PORT_NAME, rq->name);
        ipc_space_release(rq->space);
        zfree(&dnrequest_zone, rq);
    }
}
