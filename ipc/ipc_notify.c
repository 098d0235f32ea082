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

static void post(struct ipc_kmsg *k)
{
    if (k == NULL)
        return;
    ipc_kmsg_set_user_size(k);
    struct ipc_port *dest = ipc_kmsg_dest(k);
    if (dest->receiver == ipc_space_kernel) {
        ipc_kmsg_destroy(k);            /* the kernel asks for no notifications */
        return;
    }
    ipc_mqueue_send(k, MACH_MSG_OPTION_NONE, 0, true);
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
        port->pdrequest = NULL;
        spin_lock(&port->lock);
        ipc_port_destroy(port);         /* no notice possible: the port dies */
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

kern_return_t ipc_dnrequest_register(struct ipc_space *space, mach_port_name_t name,
                                     struct ipc_port *notify, struct ipc_port **previous)
{
    struct ipc_dnrequest *rq = zalloc(&dnrequest_zone);
    if (rq == NULL)
        return KERN_RESOURCE_SHORTAGE;
    *previous = NULL;
    spin_lock(&space->lock);
    struct ipc_entry *e = ipc_entry_lookup(space, name);
    kern_return_t kr = KERN_SUCCESS;
    if (e == NULL)
        kr = KERN_INVALID_NAME;
    else if (!(e->type & (MACH_PORT_TYPE_SEND_RIGHTS | MACH_PORT_TYPE_DEAD_NAME)))
        kr = KERN_INVALID_RIGHT;
    bool dead = kr == KERN_SUCCESS &&
                (e->type == MACH_PORT_TYPE_DEAD_NAME ||
                 !__atomic_load_n(&((struct ipc_port *)e->object)->active, __ATOMIC_ACQUIRE));
    if (kr == KERN_SUCCESS && !dead) {
        struct ipc_port *port = e->object;
        if (e->dnrequest != NULL) {
            struct ipc_dnrequest *old = e->dnrequest;
            spin_lock(&port->lock);
            list_remove(&old->port_link);
            spin_unlock(&port->lock);
            *previous = old->notify;
            ipc_space_release(old->space);
            zfree(&dnrequest_zone, old);
        }
        *rq = (struct ipc_dnrequest){ .space = space, .name = name, .notify = notify,
                                      .port = port };
        ipc_space_reference(space);
        spin_lock(&port->lock);
        list_insert_tail(&port->dnrequests, &rq->port_link);
        spin_unlock(&port->lock);
        e->dnrequest = rq;
        rq = NULL;
    }
    spin_unlock(&space->lock);
    if (rq != NULL)
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
    struct ipc_port *port = rq->port;
    spin_lock(&port->lock);
    bool linked = !list_empty(&rq->port_link);
    if (linked)
        list_remove(&rq->port_link);
    spin_unlock(&port->lock);
    if (linked) {
        /* The port lives: tell the requester its name went away. */
        ipc_notify_port_deleted(rq->notify, name);
        ipc_space_release(rq->space);
        zfree(&dnrequest_zone, rq);
    }
    /* Not linked: the port died and ipc_notify_dead_names owns the request. */
}

void ipc_dnrequest_take_all(struct ipc_port *port, struct list *out)
{
    kassert(spin_lock_held(&port->lock));
    list_init(out);
    while (!list_empty(&port->dnrequests)) {
        struct list *l = list_first(&port->dnrequests);
        list_remove(l);
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
