// SPDX-License-Identifier: MIT
/* Port sets (see ipc/ipc_pset.h). */
#include <kern/panic.h>
#include <kern/sched.h>
#include <kern/string.h>
#include <kern/zalloc.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_pset.h>

static struct zone pset_zone;
static size_t npsets;

void ipc_pset_bootstrap(void)
{
    zone_init(&pset_zone, "ipc_pset", sizeof(struct ipc_pset));
}

struct ipc_pset *ipc_pset_alloc(void)
{
    struct ipc_pset *ps = zalloc(&pset_zone);
    if (ps == NULL)
        return NULL;
    memset(ps, 0, sizeof(*ps));
    spin_lock_init(&ps->lock, "ipc_pset");
    ps->refs = 1;
    ps->active = true;
    list_init(&ps->members);
    __atomic_fetch_add(&npsets, 1, __ATOMIC_RELAXED);
    return ps;
}

void ipc_pset_reference(struct ipc_pset *ps)
{
    __atomic_fetch_add(&ps->refs, 1, __ATOMIC_RELAXED);
}

void ipc_pset_release(struct ipc_pset *ps)
{
    if (ps == NULL || __atomic_sub_fetch(&ps->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    kassert(!ps->active && ps->nmembers == 0);
    __atomic_fetch_sub(&npsets, 1, __ATOMIC_RELAXED);
    zfree(&pset_zone, ps);
}

size_t ipc_pset_count(void)
{
    return npsets;
}

/* Both locked: may `port` join `ps`?  KERN_SUCCESS, or why not. */
static kern_return_t may_join(struct ipc_pset *ps, struct ipc_port *port, struct ipc_space *space)
{
    if (!ps->active)
        return KERN_INVALID_NAME;       /* the set's name was destroyed meanwhile */
    if (!port->active || port->receiver != space)
        return KERN_INVALID_RIGHT;      /* the receive right left the space */
    return KERN_SUCCESS;
}

kern_return_t ipc_pset_add_port(struct ipc_pset *ps, struct ipc_port *port,
                                struct ipc_space *space)
{
    for (;;) {
        ipc_pset_remove_port(port);
        spin_lock(&ps->lock);
        spin_lock(&port->lock);
        kern_return_t kr = may_join(ps, port, space);
        bool raced = kr == KERN_SUCCESS && port->pset != NULL;    /* another thread added it */
        bool ready = false;
        if (kr == KERN_SUCCESS && !raced) {
            port->pset = ps;
            list_insert_tail(&ps->members, &port->pset_link);
            ps->nmembers++;
            ipc_pset_reference(ps);     /* the member's */
            ready = port->msgcount > 0;
        }
        spin_unlock(&port->lock);
        if (ready)
            thread_wakeup_one((event_t)ps);
        spin_unlock(&ps->lock);
        if (!raced && kr == KERN_SUCCESS)
            ipc_mqueue_wake_all(port);  /* receivers on the port itself: MACH_RCV_IN_SET */
        if (!raced)
            return kr;
    }
}

void ipc_pset_remove_port(struct ipc_port *port)
{
    /* Read the set without its lock, then confirm under it (order: pset, port). */
    struct ipc_pset *ps = __atomic_load_n(&port->pset, __ATOMIC_ACQUIRE);
    if (ps == NULL)
        return;
    spin_lock(&ps->lock);
    spin_lock(&port->lock);
    bool member = port->pset == ps;
    if (member) {
        list_remove(&port->pset_link);
        port->pset = NULL;
        ps->nmembers--;
    }
    spin_unlock(&port->lock);
    spin_unlock(&ps->lock);
    if (member)
        ipc_pset_release(ps);
}

void ipc_pset_destroy(struct ipc_pset *ps)
{
    spin_lock(&ps->lock);
    ps->active = false;
    spin_unlock(&ps->lock);
    for (;;) {
        spin_lock(&ps->lock);
        struct list *l = list_first(&ps->members);
        struct ipc_port *port = l ? list_entry(l, struct ipc_port, pset_link) : NULL;
        if (port != NULL)
            ipc_port_reference(port);
        spin_unlock(&ps->lock);
        if (port == NULL)
            break;
        ipc_pset_remove_port(port);
        ipc_port_release(port);
    }
    thread_wakeup((event_t)ps);         /* receivers see MACH_RCV_PORT_DIED */
    ipc_pset_release(ps);               /* the entry's reference */
}
