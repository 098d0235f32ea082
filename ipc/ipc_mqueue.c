// SPDX-License-Identifier: MIT
/* Message queues: send and receive with waiting (see ipc/ipc_mqueue.h). */
#include <kern/panic.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/ipc_kserver.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_pset.h>
#include <ipc/ipc_space.h>

static event_t receivers_of(const void *port_or_set)
{
    return (event_t)port_or_set;
}

static event_t senders_of(struct ipc_port *port)
{
    return (event_t)&port->msgcount;
}

/* Wait for `event` (a lock must have been dropped after assert_wait). */
static wait_result_t wait_with_timeout(mach_msg_option_t option, mach_msg_option_t flag,
                                       mach_msg_timeout_t ms)
{
    if ((option & flag) && ms != 0)
        thread_set_timeout((uint64_t)ms * 1000000);
    return thread_block();
}

/* ---- circular receive rights ---- */

/*
 * Would queueing `kmsg` on `dest` put a receive right it carries inside its
 * own queue, directly or through a chain of ports in transit?  Such a port
 * could never be received or destroyed: the send is refused.
 */
static bool leads_to(struct ipc_port *carried, void *arg)
{
    struct ipc_port *x = arg;
    for (unsigned depth = 0; x != NULL && depth < 1024; depth++) {
        if (x == carried)
            return true;
        spin_lock(&x->lock);
        struct ipc_port *next = x->receiver == NULL && x->active ? x->destination : NULL;
        spin_unlock(&x->lock);
        x = next;
    }
    return false;
}

bool ipc_port_check_circularity(struct ipc_port *port, struct ipc_port *dest)
{
    return leads_to(port, dest);
}

static bool set_destination(struct ipc_port *carried, void *arg)
{
    spin_lock(&carried->lock);
    carried->destination = arg;
    spin_unlock(&carried->lock);
    return false;
}

/* ---- sending ---- */

static void enqueue(struct ipc_port *port, struct ipc_kmsg *kmsg)
{
    list_insert_tail(&port->messages, &kmsg->link);
    port->msgcount++;
}

mach_msg_return_t ipc_mqueue_send(struct ipc_kmsg *kmsg, mach_msg_option_t option,
                                  mach_msg_timeout_t ms, bool kernel)
{
    struct ipc_port *port = ipc_kmsg_dest(kmsg);
    if (ipc_kmsg_foreach_receive(kmsg, leads_to, port)) {
        ipc_kmsg_destroy(kmsg);
        return MACH_SEND_INVALID_RIGHT;
    }
    bool sonce = MACH_MSGH_BITS_REMOTE(kmsg->hdr.msgh_bits) == MACH_MSG_TYPE_PORT_SEND_ONCE;
    spin_lock(&port->lock);
    for (;;) {
        if (!port->active) {
            spin_unlock(&port->lock);
            ipc_kmsg_destroy(kmsg);
            return MACH_SEND_INVALID_DEST;
        }
        if (port->msgcount < port->qlimit || sonce || kernel)
            break;
        if ((option & MACH_SEND_TIMEOUT) && ms == 0) {
            spin_unlock(&port->lock);
            ipc_kmsg_destroy(kmsg);
            return MACH_SEND_TIMED_OUT;
        }
        port->waiting_senders++;
        assert_wait(senders_of(port), true);
        spin_unlock(&port->lock);
        wait_result_t wr = wait_with_timeout(option, MACH_SEND_TIMEOUT, ms);
        spin_lock(&port->lock);
        port->waiting_senders--;
        if (wr == THREAD_TIMED_OUT || wr == THREAD_INTERRUPTED) {
            spin_unlock(&port->lock);
            ipc_kmsg_destroy(kmsg);
            return wr == THREAD_TIMED_OUT ? MACH_SEND_TIMED_OUT : MACH_SEND_INTERRUPTED;
        }
    }
    enqueue(port, kmsg);
    ipc_kmsg_foreach_receive(kmsg, set_destination, port);
    struct ipc_pset *pset = port->pset;
    spin_unlock(&port->lock);
    thread_wakeup_one(receivers_of(port));
    if (pset != NULL)
        thread_wakeup_one(receivers_of(pset));
    return MACH_MSG_SUCCESS;
}

void ipc_mqueue_wake_all(struct ipc_port *port)
{
    thread_wakeup(receivers_of(port));
    thread_wakeup(senders_of(port));
}

/* ---- receiving ---- */

/* Take the head message of `port` if it fits (port locked).  NULL if the queue is empty. */
static mach_msg_return_t take(struct ipc_port *port, mach_msg_option_t option,
                              mach_msg_size_t max, struct ipc_kmsg **out,
                              mach_msg_size_t *needed)
{
    struct list *l = list_first(&port->messages);
    *out = NULL;
    if (l == NULL)
        return MACH_MSG_SUCCESS;
    struct ipc_kmsg *k = list_entry(l, struct ipc_kmsg, link);
    if (k->user_size > max) {
        *needed = k->user_size;
        if (option & MACH_RCV_LARGE)
            return MACH_RCV_TOO_LARGE;
    }
    list_remove(l);
    port->msgcount--;
    k->hdr.msgh_seqno = port->seqno++;
    if (port->waiting_senders > 0)
        thread_wakeup_one(senders_of(port));
    *out = k;
    return k->user_size > max ? MACH_RCV_TOO_LARGE : MACH_MSG_SUCCESS;
}

/* One attempt on a port; *wait says the caller must block (asserted). */
static mach_msg_return_t try_port(struct ipc_port *port, mach_msg_option_t option,
                                  mach_msg_size_t max, struct ipc_kmsg **out,
                                  mach_msg_size_t *needed, bool *wait)
{
    spin_lock(&port->lock);
    mach_msg_return_t mr = MACH_MSG_SUCCESS;
    *wait = false;
    if (!port->active)
        mr = MACH_RCV_PORT_DIED;
    else if (port->pset != NULL)
        mr = MACH_RCV_IN_SET;
    else
        mr = take(port, option, max, out, needed);
    if (mr == MACH_MSG_SUCCESS && *out == NULL) {
        assert_wait(receivers_of(port), true);
        *wait = true;
    }
    spin_unlock(&port->lock);
    return mr;
}

static mach_msg_return_t try_pset(struct ipc_pset *pset, mach_msg_option_t option,
                                  mach_msg_size_t max, struct ipc_kmsg **out,
                                  mach_msg_size_t *needed, bool *wait)
{
    mach_msg_return_t mr = MACH_MSG_SUCCESS;
    *wait = false;
    *out = NULL;
    spin_lock(&pset->lock);
    if (!pset->active) {
        spin_unlock(&pset->lock);
        return MACH_RCV_PORT_DIED;
    }
    list_for_each(&pset->members, it) {
        struct ipc_port *port = list_entry(it, struct ipc_port, pset_link);
        spin_lock(&port->lock);
        if (port->active)
            mr = take(port, option, max, out, needed);
        spin_unlock(&port->lock);
        if (*out != NULL || mr != MACH_MSG_SUCCESS)
            break;
    }
    if (*out == NULL && mr == MACH_MSG_SUCCESS) {
        assert_wait(receivers_of(pset), true);
        *wait = true;
    }
    spin_unlock(&pset->lock);
    return mr;
}

/* The port or set `name` denotes, referenced. */
static mach_msg_return_t lookup_receiver(struct ipc_space *space, mach_port_name_t name,
                                         struct ipc_port **port, struct ipc_pset **pset)
{
    *port = NULL;
    *pset = NULL;
    spin_lock(&space->lock);
    struct ipc_entry *e = space->active ? ipc_entry_lookup(space, name) : NULL;
    mach_msg_return_t mr = MACH_RCV_INVALID_NAME;
    if (e != NULL && (e->type & MACH_PORT_TYPE_RECEIVE)) {
        *port = e->object;
        ipc_port_reference(*port);
        mr = MACH_MSG_SUCCESS;
    } else if (e != NULL && (e->type & MACH_PORT_TYPE_PORT_SET)) {
        *pset = e->object;
        ipc_pset_reference(*pset);
        mr = MACH_MSG_SUCCESS;
    }
    spin_unlock(&space->lock);
    return mr;
}

mach_msg_return_t ipc_mqueue_receive(struct ipc_space *space, mach_port_name_t name,
                                     mach_msg_option_t option, mach_msg_size_t max,
                                     mach_msg_timeout_t ms, struct ipc_kmsg **out,
                                     mach_msg_size_t *needed)
{
    struct ipc_port *port;
    struct ipc_pset *pset;
    mach_msg_return_t mr = lookup_receiver(space, name, &port, &pset);
    *out = NULL;
    while (mr == MACH_MSG_SUCCESS) {
        bool wait;
        mr = port != NULL ? try_port(port, option, max, out, needed, &wait)
                          : try_pset(pset, option, max, out, needed, &wait);
        if (mr != MACH_MSG_SUCCESS || !wait)
            break;
        if ((option & MACH_RCV_TIMEOUT) && ms == 0) {
            clear_wait(current_thread(), THREAD_TIMED_OUT, false);
            thread_block();
            mr = MACH_RCV_TIMED_OUT;
            break;
        }
        wait_result_t wr = wait_with_timeout(option, MACH_RCV_TIMEOUT, ms);
        if (wr == THREAD_TIMED_OUT)
            mr = MACH_RCV_TIMED_OUT;
        else if (wr == THREAD_INTERRUPTED)
            mr = MACH_RCV_INTERRUPTED;
    }
    if (mr == MACH_RCV_TOO_LARGE && *out != NULL) {
        ipc_kmsg_destroy(*out);         /* no MACH_RCV_LARGE: the message is lost */
        *out = NULL;
    }
    ipc_port_release(port);
    if (pset != NULL)
        ipc_pset_release(pset);
    return mr;
}

mach_msg_return_t ipc_mqueue_receive_port(struct ipc_port *port, struct ipc_kmsg **out)
{
    mach_msg_size_t needed;
    for (;;) {
        bool wait;
        mach_msg_return_t mr = try_port(port, MACH_MSG_OPTION_NONE, MACH_MSG_SIZE_MAX,
                                        out, &needed, &wait);
        if (mr != MACH_MSG_SUCCESS || !wait)
            return mr;
        if (thread_block() == THREAD_INTERRUPTED)
            return MACH_RCV_INTERRUPTED;
    }
}
