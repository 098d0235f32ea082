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

/*
 * Wait for `event` (a lock must have been dropped after assert_wait);
 * with `next`, a receiver just handed a message, switch to it directly.
 */
static wait_result_t wait_with_timeout(mach_msg_option_t option, mach_msg_option_t flag,
                                       mach_msg_timeout_t ms, struct thread *next)
{
    if ((option & flag) && ms != 0)
        thread_set_timeout((uint64_t)ms * 1000000);
    return next != NULL ? thread_block_handoff(next) : thread_block();
}

/*
 * A receive waiting on one port, published in its thread (thread->ipc_wait)
 * from its assert_wait until it wakes, so that a sender can give it a
 * message directly (hand_to_receiver) instead of queueing it.  The thread
 * fills it in under the port lock before it waits; a sender reads it and
 * sets `kmsg` under the port lock and the wait's event and thread locks,
 * while the thread still waits.
 */
struct ipc_rcv_wait {
    struct ipc_port *port;      /* the port waited on (never a set) */
    struct ipc_space *space;    /* the receiver: the receive right must be its */
    mach_msg_size_t max;        /* room for the message (user form) */
    struct ipc_kmsg *kmsg;      /* the message handed over, seqno set; NULL if none */
};

/* ---- circular receive rights ---- */

/*
 * transit_lock is held by each message carrying receive rights from its
 * circularity check to its enqueue, which sets the carried ports'
 * destinations: two such sends cannot each pass the check and together
 * close a cycle (A's receive right queued on B, B's on A: neither could
 * ever be received or destroyed).  It also makes single-threaded the one
 * place where two port locks nest (the destination's, then a carried
 * port's).  Order: transit_lock -> port locks.  Never held while waiting.
 */
static struct spinlock transit_lock = SPINLOCK_INITIALIZER("ipc_transit");

/*
 * Does the chain dest -> (its destination, while its receive right is in
 * transit) -> ... reach `carried`?  Then queueing the message on dest
 * would put `carried` inside its own queue.  transit_lock held: the
 * chains are acyclic.  References are held along the walk.
 */
static bool leads_to(struct ipc_port *carried, void *arg)
{
    struct ipc_port *x = arg;
    ipc_port_reference(x);
    while (x != NULL && x != carried) {
        spin_lock(&x->lock);
        struct ipc_port *next = x->receiver == NULL && x->active ? x->destination : NULL;
        if (next != NULL)
            ipc_port_reference(next);
        spin_unlock(&x->lock);
        ipc_port_release(x);
        x = next;
    }
    ipc_port_release(x);
    return x != NULL;
}

bool ipc_port_check_circularity(struct ipc_port *port, struct ipc_port *dest)
{
    spin_lock(&transit_lock);
    bool circular = leads_to(port, dest);
    spin_unlock(&transit_lock);
    return circular;
}

/* A carried receive right is now in transit in `arg`'s queue (transit_lock, dest locked). */
static bool set_destination(struct ipc_port *carried, void *arg)
{
    spin_lock(&carried->lock);
    kassert(carried->destination == NULL);
    ipc_port_reference(arg);
    carried->destination = arg;
    spin_unlock(&carried->lock);
    return false;
}

static bool any_receive(struct ipc_port *carried, void *arg)
{
    (void)carried;
    (void)arg;
    return true;
}

/* ---- sending ---- */

static void enqueue(struct ipc_port *port, struct ipc_kmsg *kmsg)
{
    list_insert_tail(&port->messages, &kmsg->link);
    port->msgcount++;
}

/* try_enqueue(): the port is in no set, and its receiver was woken already. */
#define NO_SET ((struct ipc_pset *)1)

/* What one attempt to queue a message came to. */
enum attempt {
    QUEUED,
    HANDED,             /* given directly to a waiting receiver, now runnable */
    MUST_WAIT,          /* full: the thread is set to wait for room (waiting_senders counted) */
    QUEUE_FULL,         /* full, and no waiting allowed */
    DEAD_DEST,
    KERNEL_DEST,        /* a kernel object's port: requests are served, never queued */
    CIRCULAR,
};

/* Port locked: queue the message if there is room, else decide. */
static enum attempt room(struct ipc_port *port, bool bounded, bool may_wait)
{
    if (!port->active)
        return DEAD_DEST;
    if (port->receiver == ipc_space_kernel)
        return KERNEL_DEST;
    if (!bounded || port->msgcount < port->qlimit)
        return QUEUED;
    if (!may_wait)
        return QUEUE_FULL;
    port->waiting_senders++;
    assert_wait(senders_of(port), true);
    return MUST_WAIT;
}

/* Would this thread, waiting on `arg`'s destination, take `arg` at once? (locks: see caller) */
static bool takes_at_once(struct thread *t, void *arg)
{
    struct ipc_kmsg *kmsg = arg;
    struct ipc_port *port = ipc_kmsg_dest(kmsg);
    const struct ipc_rcv_wait *w = t->ipc_wait;
    return w != NULL && w->port == port && w->space == port->receiver &&
           w->kmsg == NULL && kmsg->user_size <= w->max;
}

/*
 * false: no hand-off, every message is queued (boot option
 * ipc_handoff=off), to run the same tests on the general path alone.
 * Set once at boot, before any message.
 */
bool ipc_handoff_enabled = true;

static bool refuse(struct thread *t, void *arg)
{
    (void)t;
    (void)arg;
    return false;
}

/*
 * A message handed to a receiver (port locked) will be copied out: count
 * its destination right off the port now, under the lock already held,
 * as ipc_kmsg_consume_dest() would at the copyout under a lock of its own.
 * Not when that would take the last send right of a port with a
 * no-senders request: the notice is sent without the port lock, so that
 * case is left to the copyout.
 */
static void consume_dest_locked(struct ipc_port *port, struct ipc_kmsg *kmsg)
{
    if (MACH_MSGH_BITS_REMOTE(kmsg->hdr.msgh_bits) == MACH_MSG_TYPE_PORT_SEND) {
        if (port->srights == 1 && port->nsrequest != NULL)
            return;
        if (port->srights > 0)
            port->srights--;
    } else if (port->sorights > 0) {
        port->sorights--;
    }
    kmsg->dest_consumed = true;
}

/*
 * Port locked, not in a set, the message about to be queued: wake the
 * receiver that has waited longest on the port.  If the queue is empty and
 * that receiver would take this very message at once, give the message to
 * it directly, as take() would have, and return the receiver, runnable
 * but on no run queue (the message is then not queued).  Every case in
 * which the receiver could come to see anything else leaves the message
 * to the queue and the receiver to wake as usual:
 *  - a message that carries receive rights (circularity, transit links);
 *  - messages already queued, or senders waiting for room: they go first;
 *  - a receiver not fully off its hart, or receiving for another space,
 *    or with too small a buffer (MACH_RCV_TOO_LARGE / MACH_RCV_LARGE).
 * (A port in a set is left out by the caller: its receivers wait on the
 * set, whose lock comes before the port's.)
 */
static struct thread *hand_to_receiver(struct ipc_port *port, struct ipc_kmsg *kmsg,
                                       bool carries)
{
    bool may_hand = ipc_handoff_enabled && !carries && port->msgcount == 0 &&
                    port->waiting_senders == 0;
    struct thread *t = thread_wakeup_handoff(receivers_of(port),
                                             may_hand ? takes_at_once : refuse, kmsg);
    if (t != NULL) {
        kmsg->hdr.msgh_seqno = port->seqno++;
        consume_dest_locked(port, kmsg);
        t->ipc_wait->kmsg = kmsg;
    }
    return t;
}

/*
 * One attempt; QUEUED: *pset gets the port's set (referenced) to wake, and
 * the port's receivers remain to be woken unless it had no set (then one
 * was woken here); HANDED: *handed gets the receiver that has the message.
 */
static enum attempt try_enqueue(struct ipc_kmsg *kmsg, struct ipc_port *port, bool carries,
                                bool bounded, bool may_wait, struct ipc_pset **pset,
                                struct thread **handed)
{
    if (carries) {
        spin_lock(&transit_lock);
        if (ipc_kmsg_foreach_receive(kmsg, leads_to, port)) {
            spin_unlock(&transit_lock);
            return CIRCULAR;
        }
    }
    spin_lock(&port->lock);
    enum attempt a = room(port, bounded, may_wait);
    if (a == QUEUED && port->pset == NULL &&
        (*handed = hand_to_receiver(port, kmsg, carries)) != NULL)
        a = HANDED;
    if (a == QUEUED) {
        enqueue(port, kmsg);
        if (carries)
            ipc_kmsg_foreach_receive(kmsg, set_destination, port);
        *pset = port->pset;
        if (*pset != NULL)
            ipc_pset_reference(*pset);  /* the membership's reference keeps it alive here */
        else
            *pset = NO_SET;             /* the port's receiver was woken above */
    }
    spin_unlock(&port->lock);
    if (carries)
        spin_unlock(&transit_lock);
    return a;
}

/* A message was queued on `port`, in `pset`: wake a receiver of the port and one of the set. */
static void wake_receivers(struct ipc_port *port, struct ipc_pset *pset)
{
    if (pset == NO_SET)
        return;                         /* woken under the port lock (hand_to_receiver) */
    thread_wakeup_one(receivers_of(port));
    if (pset != NULL) {
        /*
         * Wake the set's receiver under the set's lock.  try_pset() holds
         * that lock from its scan of the members to its assert_wait(): a
         * receiver that scanned this port before the enqueue above is either
         * still scanning (we wait for the lock, then wake it) or already
         * waiting.  Waking without the lock lost that wake-up on SMP: the
         * receiver slept with a message queued (a single-threaded server on
         * a port set hung under -smp 2, see userland/tests/ns_client.c).
         */
        spin_lock(&pset->lock);
        thread_wakeup_one(receivers_of(pset));
        spin_unlock(&pset->lock);
        ipc_pset_release(pset);
    }
}

/* The send failed: the message is destroyed (or, for a kernel port, dropped as delivered). */
static mach_msg_return_t fail_send(struct ipc_kmsg *kmsg, enum attempt a)
{
    if (a == KERNEL_DEST)
        ipc_kmsg_consume_dest(kmsg);    /* no send-once notice back to the kernel port */
    ipc_kmsg_destroy(kmsg);
    switch (a) {
    case CIRCULAR: return MACH_SEND_INVALID_RIGHT;
    case QUEUE_FULL: return MACH_SEND_TIMED_OUT;
    default: return MACH_SEND_INVALID_DEST;
    }
}

mach_msg_return_t ipc_mqueue_send(struct ipc_kmsg *kmsg, mach_msg_option_t option,
                                  mach_msg_timeout_t ms, bool kernel, struct thread **handoff)
{
    struct ipc_port *port = ipc_kmsg_dest(kmsg);
    bool carries = ipc_kmsg_foreach_receive(kmsg, any_receive, NULL);
    bool bounded = !kernel &&
                   MACH_MSGH_BITS_REMOTE(kmsg->hdr.msgh_bits) != MACH_MSG_TYPE_PORT_SEND_ONCE;
    bool may_wait = !((option & MACH_SEND_TIMEOUT) && ms == 0);
    struct ipc_pset *pset = NULL;
    struct thread *handed = NULL;
    enum attempt a;
    while ((a = try_enqueue(kmsg, port, carries, bounded, may_wait, &pset, &handed)) ==
           MUST_WAIT) {
        wait_result_t wr = wait_with_timeout(option, MACH_SEND_TIMEOUT, ms, NULL);
        spin_lock(&port->lock);
        port->waiting_senders--;
        spin_unlock(&port->lock);
        if (wr == THREAD_TIMED_OUT || wr == THREAD_INTERRUPTED) {
            ipc_kmsg_destroy(kmsg);
            return wr == THREAD_TIMED_OUT ? MACH_SEND_TIMED_OUT : MACH_SEND_INTERRUPTED;
        }
    }
    if (a == HANDED) {
        if (handoff != NULL)
            *handoff = handed;          /* the caller switches to it as it waits */
        else
            thread_handoff_release(handed);
        return MACH_MSG_SUCCESS;
    }
    if (a != QUEUED)
        return fail_send(kmsg, a);
    wake_receivers(port, pset);
    return MACH_MSG_SUCCESS;
}

void ipc_mqueue_wake_all(struct ipc_port *port)
{
    thread_wakeup(receivers_of(port));
    thread_wakeup(senders_of(port));
}

/* ---- receiving ---- */

/* What a receive asks for. */
struct rcv {
    struct ipc_space *space;    /* who receives: the receive right must still be its */
    mach_msg_option_t option;
    mach_msg_size_t max;        /* room for the message (user form) */
    bool may_wait;              /* false: time out at once when nothing is queued */
    mach_msg_size_t *needed;    /* MACH_RCV_TOO_LARGE: the size it takes */
    struct ipc_rcv_wait *wait;  /* published while waiting on a port; NULL: never handed to */
};

/* Take the head message of `port` if it fits (port locked).  NULL if the queue is empty. */
static mach_msg_return_t take(struct ipc_port *port, const struct rcv *r, struct ipc_kmsg **out)
{
    struct list *l = list_first(&port->messages);
    *out = NULL;
    if (l == NULL)
        return MACH_MSG_SUCCESS;
    struct ipc_kmsg *k = list_entry(l, struct ipc_kmsg, link);
    if (k->user_size > r->max) {
        *r->needed = k->user_size;
        if (r->option & MACH_RCV_LARGE)
            return MACH_RCV_TOO_LARGE;
    }
    list_remove(l);
    port->msgcount--;
    k->hdr.msgh_seqno = port->seqno++;
    if (port->waiting_senders > 0)
        thread_wakeup_one(senders_of(port));
    *out = k;
    return k->user_size > r->max ? MACH_RCV_TOO_LARGE : MACH_MSG_SUCCESS;
}

/*
 * Nothing to take from `event`'s port or set (its lock held): set the
 * thread to wait (*wait) or, with no waiting allowed, time out at once.
 */
static mach_msg_return_t nothing_yet(event_t event, bool may_wait, bool *wait)
{
    if (!may_wait)
        return MACH_RCV_TIMED_OUT;
    assert_wait(event, true);
    *wait = true;
    return MACH_MSG_SUCCESS;
}

/*
 * One attempt on a port; *wait says the caller must block (asserted).  A
 * receive right that moved (to a message, another space or a set) while
 * the thread waited: MACH_RCV_PORT_CHANGED or MACH_RCV_IN_SET; the
 * messages queued go with the right.
 */
static mach_msg_return_t try_port(struct ipc_port *port, const struct rcv *r,
                                  struct ipc_kmsg **out, bool *wait)
{
    spin_lock(&port->lock);
    mach_msg_return_t mr = MACH_MSG_SUCCESS;
    *wait = false;
    *out = NULL;
    if (!port->active)
        mr = MACH_RCV_PORT_DIED;
    else if (port->pset != NULL)
        mr = MACH_RCV_IN_SET;
    else if (port->receiver != r->space)
        mr = MACH_RCV_PORT_CHANGED;
    else
        mr = take(port, r, out);
    if (mr == MACH_MSG_SUCCESS && *out == NULL && r->may_wait && r->wait != NULL) {
        *r->wait = (struct ipc_rcv_wait){ port, r->space, r->max, NULL };
        current_thread()->ipc_wait = r->wait;       /* before the wait is visible */
    }
    if (mr == MACH_MSG_SUCCESS && *out == NULL)
        mr = nothing_yet(receivers_of(port), r->may_wait, wait);
    spin_unlock(&port->lock);
    return mr;
}

/* One attempt on a set: its members whose receive right is still the receiver's. */
static mach_msg_return_t try_pset(struct ipc_pset *pset, const struct rcv *r,
                                  struct ipc_kmsg **out, bool *wait)
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
        if (port->active && port->receiver == r->space)
            mr = take(port, r, out);
        spin_unlock(&port->lock);
        if (*out != NULL || mr != MACH_MSG_SUCCESS)
            break;
    }
    if (*out == NULL && mr == MACH_MSG_SUCCESS)
        mr = nothing_yet(receivers_of(pset), r->may_wait, wait);
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
                                     mach_msg_size_t *needed, struct thread *handoff)
{
    struct ipc_port *port;
    struct ipc_pset *pset;
    struct ipc_rcv_wait w = { NULL, NULL, 0, NULL };
    mach_msg_return_t mr = lookup_receiver(space, name, &port, &pset);
    struct rcv r = { space, option, max, !((option & MACH_RCV_TIMEOUT) && ms == 0), needed, &w };
    *out = NULL;
    while (mr == MACH_MSG_SUCCESS) {
        bool wait;
        mr = port != NULL ? try_port(port, &r, out, &wait) : try_pset(pset, &r, out, &wait);
        if (mr != MACH_MSG_SUCCESS || !wait)
            break;
        wait_result_t wr = wait_with_timeout(option, MACH_RCV_TIMEOUT, ms, handoff);
        handoff = NULL;
        current_thread()->ipc_wait = NULL;
        if (port != NULL && w.kmsg != NULL) {
            *out = w.kmsg;              /* handed over by a sender, as take() would */
            break;
        }
        if (wr == THREAD_TIMED_OUT)
            mr = MACH_RCV_TIMED_OUT;
        else if (wr == THREAD_INTERRUPTED)
            mr = MACH_RCV_INTERRUPTED;
    }
    if (mr == MACH_RCV_TOO_LARGE && *out != NULL) {
        ipc_kmsg_destroy(*out);         /* no MACH_RCV_LARGE: the message is lost */
        *out = NULL;
    }
    if (handoff != NULL)
        thread_handoff_release(handoff);    /* we did not wait: it queues as usual */
    ipc_port_release(port);
    if (pset != NULL)
        ipc_pset_release(pset);
    return mr;
}

mach_msg_return_t ipc_mqueue_receive_port(struct ipc_port *port, struct ipc_kmsg **out)
{
    mach_msg_size_t needed;
    struct rcv r = { NULL, MACH_MSG_OPTION_NONE, MACH_MSG_SIZE_MAX, true, &needed, NULL };
    for (;;) {
        bool wait;
        mach_msg_return_t mr = try_port(port, &r, out, &wait);
        if (mr == MACH_MSG_SUCCESS && !wait)
            ipc_kmsg_consume_dest(*out);    /* delivered: no send-once notice */
        if (mr != MACH_MSG_SUCCESS || !wait)
            return mr;
        if (thread_block() == THREAD_INTERRUPTED)
            return MACH_RCV_INTERRUPTED;
    }
}
