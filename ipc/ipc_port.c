// SPDX-License-Identifier: MIT
/*
 * Ports: allocation, references, the global id table, kernel-held rights,
 * and destruction (see ipc/ipc_port.h).
 */
#include <kern/kmem.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <kern/zalloc.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_notify.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_pset.h>
#include <ipc/ipc_space.h>

static struct zone port_zone;

/*
 * The global id table: id -> port, two levels of IDS_PER_CHUNK entries so
 * it grows without moving.  Id 0 is never used.  id_lock guards it, the
 * free list (threaded through the free slots) and nports.  Leaf lock.
 */
#define IDS_PER_CHUNK   1024
#define ID_CHUNKS       1024            /* up to ~1M ports */
static struct spinlock id_lock = SPINLOCK_INITIALIZER("port_id");
static struct ipc_port **id_chunks[ID_CHUNKS];
static uint32_t next_new_id = 1;
static uint32_t free_ids;               /* head of the free list, 0 = empty */
static size_t nports;

#define FREE_ID_TAG 1UL                 /* low bit marks a free slot's link */

static struct ipc_port **id_slot(uint32_t id)
{
    struct ipc_port **chunk = id_chunks[id / IDS_PER_CHUNK];
    return chunk != NULL ? &chunk[id % IDS_PER_CHUNK] : NULL;
}

/* A free id for `port`, or 0 when the table is full or out of memory. */
static uint32_t id_alloc(struct ipc_port *port)
{
    spin_lock(&id_lock);
    uint32_t id = free_ids;
    if (id != 0) {
        free_ids = (uint32_t)((uintptr_t)*id_slot(id) >> 1);
    } else if (next_new_id < IDS_PER_CHUNK * ID_CHUNKS) {
        id = next_new_id;
        if (id_chunks[id / IDS_PER_CHUNK] == NULL)
            id_chunks[id / IDS_PER_CHUNK] =
                kmem_zalloc(IDS_PER_CHUNK * sizeof(struct ipc_port *));
        if (id_chunks[id / IDS_PER_CHUNK] == NULL)
            id = 0;
        else
            next_new_id++;
    }
    if (id != 0) {
        *id_slot(id) = port;
        nports++;
    }
    spin_unlock(&id_lock);
    return id;
}

static void id_free(uint32_t id)
{
    spin_lock(&id_lock);
    *id_slot(id) = (struct ipc_port *)(((uintptr_t)free_ids << 1) | FREE_ID_TAG);
    free_ids = id;
    nports--;
    spin_unlock(&id_lock);
}

struct ipc_port *ipc_port_lookup_id(uint32_t id)
{
    if (id == 0 || id >= IDS_PER_CHUNK * ID_CHUNKS)
        return NULL;
    spin_lock(&id_lock);
    struct ipc_port **slot = id < next_new_id ? id_slot(id) : NULL;
    struct ipc_port *p = slot != NULL ? *slot : NULL;
    spin_unlock(&id_lock);
    return ((uintptr_t)p & FREE_ID_TAG) ? NULL : p;
}

size_t ipc_port_count(void)
{
    return nports;
}

void ipc_port_bootstrap(void)
{
    zone_init(&port_zone, "ipc_port", sizeof(struct ipc_port));
}

struct ipc_port *ipc_port_alloc(void)
{
    struct ipc_port *port = zalloc(&port_zone);
    if (port == NULL)
        return NULL;
    memset(port, 0, sizeof(*port));
    port->id = id_alloc(port);
    if (port->id == 0) {
        zfree(&port_zone, port);
        return NULL;
    }
    spin_lock_init(&port->lock, "ipc_port");
    port->refs = 1;
    port->active = true;
    port->qlimit = MACH_PORT_QLIMIT_DEFAULT;
    list_init(&port->messages);
    list_init(&port->pset_link);
    list_init(&port->dnrequests);
    return port;
}

struct ipc_port *ipc_port_alloc_kernel(enum ipc_kotype type, void *object)
{
    struct ipc_port *port = ipc_port_alloc();
    if (port == NULL)
        return NULL;
    port->receiver = ipc_space_kernel;
    port->kotype = type;
    port->kobject = object;
    return port;
}

void ipc_port_reference(struct ipc_port *port)
{
    __atomic_fetch_add(&port->refs, 1, __ATOMIC_RELAXED);
}

void ipc_port_release(struct ipc_port *port)
{
    if (port == NULL || __atomic_sub_fetch(&port->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    if (port->active)
        panic("ipc_port: last reference to active port %u dropped", port->id);
    kassert(port->msgcount == 0 && list_empty(&port->dnrequests) && port->destination == NULL);
    id_free(port->id);
    zfree(&port_zone, port);
}

struct ipc_port *ipc_port_make_send(struct ipc_port *port)
{
    if (port == NULL)
        return NULL;
    spin_lock(&port->lock);
    if (port->active) {
        port->srights++;
        port->mscount++;
    }
    ipc_port_reference(port);
    spin_unlock(&port->lock);
    return port;
}

struct ipc_port *ipc_port_copy_send(struct ipc_port *port)
{
    if (port == NULL)
        return NULL;
    spin_lock(&port->lock);
    if (port->active)
        port->srights++;
    ipc_port_reference(port);
    spin_unlock(&port->lock);
    return port;
}

struct ipc_port *ipc_port_make_send_once(struct ipc_port *port)
{
    if (port == NULL)
        return NULL;
    spin_lock(&port->lock);
    if (port->active)
        port->sorights++;
    ipc_port_reference(port);
    spin_unlock(&port->lock);
    return port;
}

void ipc_port_release_send(struct ipc_port *port)
{
    if (port == NULL)
        return;
    spin_lock(&port->lock);
    struct ipc_port *notify = NULL;
    uint32_t mscount = 0;
    if (port->active && port->srights > 0 && --port->srights == 0 && port->nsrequest != NULL) {
        notify = port->nsrequest;
        port->nsrequest = NULL;
        mscount = port->mscount;
    }
    spin_unlock(&port->lock);
    if (notify != NULL)
        ipc_notify_no_senders(notify, mscount);
    ipc_port_release(port);
}

void ipc_port_release_sonce_consumed(struct ipc_port *port)
{
    if (port == NULL)
        return;
    spin_lock(&port->lock);
    if (port->active && port->sorights > 0)
        port->sorights--;
    spin_unlock(&port->lock);
    ipc_port_release(port);
}

void ipc_port_release_sonce(struct ipc_port *port)
{
    if (port == NULL)
        return;
    spin_lock(&port->lock);
    if (port->active && port->sorights > 0)
        port->sorights--;
    spin_unlock(&port->lock);
    ipc_port_release(port);
}

/* Take the queued messages off a dying port (port locked); the caller destroys them. */
static void take_messages(struct ipc_port *port, struct list *out)
{
    list_init(out);
    while (!list_empty(&port->messages)) {
        struct list *l = list_first(&port->messages);
        list_remove(l);
        list_insert_tail(out, l);
    }
    port->msgcount = 0;
}

struct ipc_port *ipc_port_set_receiver(struct ipc_port *port, struct ipc_space *space,
                                       mach_port_name_t name)
{
    spin_lock(&port->lock);
    struct ipc_port *old = port->destination;
    port->destination = NULL;
    port->receiver = space;
    port->receiver_name = name;
    spin_unlock(&port->lock);
    return old;
}

/* The receive right leaves wherever it was (port locked); returns the old destination. */
static struct ipc_port *clear_receiver(struct ipc_port *port)
{
    struct ipc_port *old = port->destination;
    port->destination = NULL;
    port->receiver = NULL;
    port->receiver_name = MACH_PORT_NULL;
    return old;
}

void ipc_port_destroy(struct ipc_port *port)
{
    kassert(spin_lock_held(&port->lock));
    struct ipc_port *pd = port->pdrequest;
    struct ipc_port *old_dest = clear_receiver(port);
    if (pd != NULL && port->kotype == IKOT_NONE) {
        /* Port-destroyed: the receive right goes to the notify port instead. */
        port->pdrequest = NULL;
        spin_unlock(&port->lock);
        ipc_port_release(old_dest);
        ipc_pset_remove_port(port);
        ipc_mqueue_wake_all(port);      /* its old receivers: MACH_RCV_PORT_CHANGED */
        ipc_notify_port_destroyed(pd, port);    /* consumes our reference */
        return;
    }
    struct list msgs, dnrequests;
    port->active = false;
    struct ipc_port *ns = port->nsrequest;
    port->nsrequest = NULL;
    port->pdrequest = NULL;
    take_messages(port, &msgs);
    ipc_dnrequest_take_all(port, &dnrequests);
    spin_unlock(&port->lock);

    ipc_port_release(old_dest);
    ipc_pset_remove_port(port);
    ipc_mqueue_wake_all(port);          /* receivers and blocked senders see it dead */
    ipc_kmsg_destroy_list(&msgs);
    ipc_notify_send_once(ns);           /* unused requests die: send-once notices */
    ipc_notify_send_once(pd);
    ipc_notify_dead_names(port, &dnrequests);
    ipc_port_release(port);             /* the receive right's reference */
}

void ipc_port_dealloc_kernel(struct ipc_port *port)
{
    if (port == NULL)
        return;
    spin_lock(&port->lock);
    port->kobject = NULL;
    port->kotype = IKOT_NONE;
    ipc_port_destroy(port);
}
