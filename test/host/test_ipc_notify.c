// SPDX-License-Identifier: MIT
/*
 * Notifications (ipc/ipc_notify.c, mach_port.c): no-senders, dead-name
 * (with its extra user reference, as Mach), port-deleted, port-destroyed,
 * send-once; and the corners found while hunting leaks: a port-destroyed
 * request to a dead port, messages to kernel ports, the kernel receiving
 * on its own port, port sets that die or lose their member, and inserting
 * a right under a name that holds another kind of right.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mach/notify.h>
#include <kern/mig_servers.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_pset.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>
#include "ipc_host.h"

static struct ipc_host_msg msg, out;

static mach_port_name_t new_port(struct ipc_host_task *t, struct ipc_port **port)
{
    mach_port_name_t n;
    assert_int_equal(ipc_right_alloc_receive(t->space, &n), KERN_SUCCESS);
    if (port != NULL)
        *port = ipc_host_port(t, n);
    return n;
}

/* A send-once right (kernel form) made from the receive right `name` of t. */
static struct ipc_port *sonce(struct ipc_host_task *t, mach_port_name_t name)
{
    struct ipc_port *p;
    bool dead;
    assert_int_equal(ipc_right_copyin(t->space, name, MACH_MSG_TYPE_MAKE_SEND_ONCE, &p, &dead),
                     KERN_SUCCESS);
    return p;
}

/* Give t a send right to `port`; returns its name. */
static mach_port_name_t give_send(struct ipc_host_task *t, struct ipc_port *port)
{
    mach_port_name_t n;
    assert_int_equal(ipc_right_copyout(t->space, ipc_port_make_send(port),
                                       MACH_MSG_TYPE_PORT_SEND, &n), KERN_SUCCESS);
    return n;
}

static mach_port_type_t type_of(struct ipc_host_task *t, mach_port_name_t n)
{
    mach_port_type_t type = 0;
    if (ipc_right_type(t->space, n, &type) != KERN_SUCCESS)
        return 0;
    return type;
}

static unsigned urefs(struct ipc_host_task *t, mach_port_name_t n, mach_port_right_t r)
{
    mach_port_urefs_t u = 0;
    assert_int_equal(ipc_right_get_refs(t->space, n, r, &u), KERN_SUCCESS);
    return u;
}

/* Receive one notification on `on` in t: its id must be `id`; returns its 32-bit value. */
static uint32_t notice(struct ipc_host_task *t, mach_port_name_t on, mach_msg_id_t id)
{
    assert_int_equal(ipc_host_receive(t, on, &out, sizeof(out.w), 0), MACH_MSG_SUCCESS);
    assert_int_equal(out.hdr.msgh_id, id);
    assert_int_equal(out.hdr.msgh_local_port, on);
    assert_int_equal(out.hdr.msgh_remote_port, MACH_PORT_NULL);
    struct ipc_item it;
    if (!ipc_host_msg_get_item(&out, 0, &it))
        return 0;
    uint32_t v;
    memcpy(&v, (uint8_t *)out.w + it.data, 4);
    return v;
}

static void no_more(struct ipc_host_task *t, mach_port_name_t on)
{
    assert_int_equal(ipc_host_receive(t, on, &out, sizeof(out.w), 0), MACH_RCV_TIMED_OUT);
}

/* No-senders: when the last send right goes, with the make-send count. */
static void test_no_senders(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create(), *b = ipc_host_task_create();
    struct ipc_port *p, *prev;
    mach_port_name_t rp = new_port(a, &p), rn = new_port(a, NULL);
    mach_port_name_t s1 = give_send(b, p);
    give_send(b, p);
    assert_int_equal(S_mach_port_request_notification(a->space, rp, MACH_NOTIFY_NO_SENDERS, 0,
                                                      sonce(a, rn), &prev), KERN_SUCCESS);
    assert_null(prev);
    assert_int_equal(ipc_right_dealloc(b->space, s1), KERN_SUCCESS);
    no_more(a, rn);                             /* one user reference is left */
    assert_int_equal(ipc_right_dealloc(b->space, s1), KERN_SUCCESS);
    assert_int_equal(notice(a, rn, MACH_NOTIFY_NO_SENDERS), 2);
    assert_null(p->nsrequest);
    /* Requested with no senders and sync <= mscount: at once.  A replaced request comes back. */
    assert_int_equal(S_mach_port_request_notification(a->space, rp, MACH_NOTIFY_NO_SENDERS, 2,
                                                      sonce(a, rn), &prev), KERN_SUCCESS);
    assert_int_equal(notice(a, rn, MACH_NOTIFY_NO_SENDERS), 2);
    give_send(b, p);
    struct ipc_port *first = sonce(a, rn);
    assert_int_equal(S_mach_port_request_notification(a->space, rp, MACH_NOTIFY_NO_SENDERS, 0,
                                                      first, &prev), KERN_SUCCESS);
    assert_int_equal(S_mach_port_request_notification(a->space, rp, MACH_NOTIFY_NO_SENDERS, 0,
                                                      sonce(a, rn), &prev), KERN_SUCCESS);
    assert_ptr_equal(prev, first);
    ipc_right_release_transit(prev, MACH_MSG_TYPE_PORT_SEND_ONCE);
    assert_int_equal(notice(a, rn, MACH_NOTIFY_SEND_ONCE), 0);
    /* The port dies with the request unused: a send-once notice instead. */
    assert_int_equal(ipc_right_destroy_all(a->space, rp), KERN_SUCCESS);
    assert_int_equal(notice(a, rn, MACH_NOTIFY_SEND_ONCE), 0);
    ipc_host_task_destroy(b);
    ipc_host_task_destroy(a);
    ipc_host_check_clean();
}

/* Dead-name: the name becomes dead with one more user reference for the notice. */
static void test_dead_name(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create(), *b = ipc_host_task_create();
    struct ipc_port *p, *prev;
    mach_port_name_t rp = new_port(a, &p), rn = new_port(b, NULL);
    mach_port_name_t s = give_send(b, p), so;
    assert_int_equal(ipc_right_copyout(b->space, ipc_port_make_send_once(p),
                                       MACH_MSG_TYPE_PORT_SEND_ONCE, &so), KERN_SUCCESS);
    assert_int_equal(S_mach_port_request_notification(b->space, s, MACH_NOTIFY_DEAD_NAME, 0,
                                                      sonce(b, rn), &prev), KERN_SUCCESS);
    assert_int_equal(S_mach_port_request_notification(b->space, so, MACH_NOTIFY_DEAD_NAME, 0,
                                                      sonce(b, rn), &prev), KERN_SUCCESS);
    assert_true(type_of(b, s) & MACH_PORT_TYPE_DNREQUEST);
    /* A receive right is not one to watch: refused, the notify right not consumed. */
    struct ipc_port *nr = sonce(b, rn);
    assert_int_equal(S_mach_port_request_notification(b->space, rn, MACH_NOTIFY_DEAD_NAME, 0,
                                                      nr, &prev), KERN_INVALID_RIGHT);
    ipc_right_release_transit(nr, MACH_MSG_TYPE_PORT_SEND_ONCE);
    assert_int_equal(notice(b, rn, MACH_NOTIFY_SEND_ONCE), 0);
    assert_int_equal(ipc_right_destroy_all(a->space, rp), KERN_SUCCESS);
    uint32_t n1 = notice(b, rn, MACH_NOTIFY_DEAD_NAME), n2 = notice(b, rn, MACH_NOTIFY_DEAD_NAME);
    assert_true((n1 == s && n2 == so) || (n1 == so && n2 == s));
    assert_int_equal(type_of(b, s), MACH_PORT_TYPE_DEAD_NAME);
    assert_int_equal(urefs(b, s, MACH_PORT_RIGHT_DEAD_NAME), 2);
    assert_int_equal(type_of(b, so), MACH_PORT_TYPE_DEAD_NAME);
    assert_int_equal(urefs(b, so, MACH_PORT_RIGHT_DEAD_NAME), 2);
    /* Registering on a dead name: the notice at once, and its reference. */
    assert_int_equal(S_mach_port_request_notification(b->space, s, MACH_NOTIFY_DEAD_NAME, 0,
                                                      sonce(b, rn), &prev), KERN_SUCCESS);
    assert_null(prev);
    assert_int_equal(notice(b, rn, MACH_NOTIFY_DEAD_NAME), s);
    assert_int_equal(urefs(b, s, MACH_PORT_RIGHT_DEAD_NAME), 3);
    assert_int_equal(ipc_right_delta(b->space, s, MACH_PORT_RIGHT_DEAD_NAME, -3), KERN_SUCCESS);
    assert_int_equal(ipc_right_delta(b->space, so, MACH_PORT_RIGHT_DEAD_NAME, -2), KERN_SUCCESS);
    assert_int_equal(type_of(b, s) | type_of(b, so), 0);
    ipc_host_task_destroy(b);
    ipc_host_task_destroy(a);
    ipc_host_check_clean();
}

/* A send-once right whose port died before the notice: the notice's reference is kept. */
static void test_dead_name_send_once_order(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create(), *b = ipc_host_task_create();
    struct ipc_port *p, *prev;
    mach_port_name_t rp = new_port(a, &p), rn = new_port(b, NULL), so;
    assert_int_equal(ipc_right_copyout(b->space, ipc_port_make_send_once(p),
                                       MACH_MSG_TYPE_PORT_SEND_ONCE, &so), KERN_SUCCESS);
    assert_int_equal(S_mach_port_request_notification(b->space, so, MACH_NOTIFY_DEAD_NAME, 0,
                                                      sonce(b, rn), &prev), KERN_SUCCESS);
    /* The notice comes before anything looks at the name in b. */
    assert_int_equal(ipc_right_destroy_all(a->space, rp), KERN_SUCCESS);
    assert_int_equal(urefs(b, so, MACH_PORT_RIGHT_DEAD_NAME), 2);
    assert_int_equal(notice(b, rn, MACH_NOTIFY_DEAD_NAME), so);
    ipc_host_task_destroy(b);
    ipc_host_task_destroy(a);
    ipc_host_check_clean();
}

/* Port-deleted: the watched name goes away while the port lives. */
static void test_port_deleted(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create(), *b = ipc_host_task_create();
    struct ipc_port *p, *prev;
    mach_port_name_t rp = new_port(a, &p), rn = new_port(b, NULL);
    mach_port_name_t s = give_send(b, p);
    assert_int_equal(S_mach_port_request_notification(b->space, s, MACH_NOTIFY_DEAD_NAME, 0,
                                                      sonce(b, rn), &prev), KERN_SUCCESS);
    struct ipc_port *first = NULL;
    assert_int_equal(S_mach_port_request_notification(b->space, s, MACH_NOTIFY_DEAD_NAME, 0,
                                                      sonce(b, rn), &first), KERN_SUCCESS);
    assert_non_null(first);                     /* the replaced request */
    ipc_right_release_transit(first, MACH_MSG_TYPE_PORT_SEND_ONCE);
    assert_int_equal(notice(b, rn, MACH_NOTIFY_SEND_ONCE), 0);
    assert_int_equal(ipc_right_dealloc(b->space, s), KERN_SUCCESS);
    assert_int_equal(notice(b, rn, MACH_NOTIFY_PORT_DELETED), s);
    assert_true(list_empty(&p->dnrequests));
    /* A space destroyed with a request in it: port-deleted, and the space is freed. */
    struct ipc_host_task *c = ipc_host_task_create();
    mach_port_name_t cs = give_send(c, p), cn = new_port(a, NULL);
    assert_int_equal(S_mach_port_request_notification(c->space, cs, MACH_NOTIFY_DEAD_NAME, 0,
                                                      sonce(a, cn), &prev), KERN_SUCCESS);
    ipc_host_task_destroy(c);
    assert_int_equal(notice(a, cn, MACH_NOTIFY_PORT_DELETED), cs);
    assert_int_equal(host_zone_in_use("ipc_space"), 2);
    (void)rp;
    ipc_host_task_destroy(b);
    ipc_host_task_destroy(a);
    ipc_host_check_clean();
}

/* Port-destroyed: the receive right comes back in a notice instead of dying. */
static void test_port_destroyed(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create(), *b = ipc_host_task_create();
    struct ipc_port *p, *prev;
    mach_port_name_t rp = new_port(a, &p), rq = new_port(b, NULL);
    mach_port_name_t s = give_send(b, p);
    assert_int_equal(S_mach_port_request_notification(a->space, rp, MACH_NOTIFY_PORT_DESTROYED,
                                                      0, sonce(b, rq), &prev), KERN_SUCCESS);
    assert_int_equal(ipc_right_destroy_all(a->space, rp), KERN_SUCCESS);
    assert_true(p->active);
    assert_int_equal(ipc_host_receive(b, rq, &out, sizeof(out.w), 0), MACH_MSG_SUCCESS);
    assert_int_equal(out.hdr.msgh_id, MACH_NOTIFY_PORT_DESTROYED);
    struct ipc_item it;
    assert_true(ipc_host_msg_get_item(&out, 0, &it));
    assert_int_equal(it.name, MACH_MSG_TYPE_PORT_RECEIVE);
    mach_port_name_t got;
    memcpy(&got, (uint8_t *)out.w + it.data, 4);
    assert_int_equal(got, s);                   /* merged with b's send right */
    assert_int_equal(type_of(b, s), MACH_PORT_TYPE_SEND_RECEIVE);
    assert_ptr_equal(p->receiver, b->space);
    assert_null(p->destination);
    ipc_host_task_destroy(b);
    ipc_host_task_destroy(a);
    ipc_host_check_clean();
}

/* Port-destroyed to a port that died first: the port just dies (no hang, no leak). */
static void test_port_destroyed_dead_notify(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create();
    struct ipc_port *prev;
    mach_port_name_t rq = new_port(a, NULL), rp = new_port(a, NULL);
    assert_int_equal(S_mach_port_request_notification(a->space, rp, MACH_NOTIFY_PORT_DESTROYED,
                                                      0, sonce(a, rq), &prev), KERN_SUCCESS);
    assert_int_equal(ipc_right_destroy_all(a->space, rq), KERN_SUCCESS);
    assert_int_equal(ipc_right_destroy_all(a->space, rp), KERN_SUCCESS);
    assert_int_equal(ipc_port_count(), 0);
    /* Again, but the space's death takes both (the notify port first: lower name). */
    rp = new_port(a, NULL);             /* the slots come back last freed first */
    rq = new_port(a, NULL);
    assert_true(MACH_PORT_INDEX(rq) < MACH_PORT_INDEX(rp));
    assert_int_equal(S_mach_port_request_notification(a->space, rp, MACH_NOTIFY_PORT_DESTROYED,
                                                      0, sonce(a, rq), &prev), KERN_SUCCESS);
    /* And the other way round: rq's request points at rp, queued inside rq's queue. */
    mach_port_name_t r3 = new_port(a, NULL), r4 = new_port(a, NULL);
    assert_int_equal(S_mach_port_request_notification(a->space, r3, MACH_NOTIFY_PORT_DESTROYED,
                                                      0, sonce(a, r4), &prev), KERN_SUCCESS);
    assert_int_equal(S_mach_port_request_notification(a->space, r4, MACH_NOTIFY_PORT_DESTROYED,
                                                      0, sonce(a, r3), &prev), KERN_SUCCESS);
    ipc_host_task_destroy(a);
    ipc_host_check_clean();
}

/* Send-once: a right deallocated, or destroyed in a message, sends a notice. */
static void test_send_once(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create(), *b = ipc_host_task_create();
    struct ipc_port *p;
    mach_port_name_t rp = new_port(a, &p), so, rb = new_port(b, NULL);
    assert_int_equal(ipc_right_copyout(b->space, ipc_port_make_send_once(p),
                                       MACH_MSG_TYPE_PORT_SEND_ONCE, &so), KERN_SUCCESS);
    assert_int_equal(ipc_right_dealloc(b->space, so), KERN_SUCCESS);
    assert_int_equal(notice(a, rp, MACH_NOTIFY_SEND_ONCE), 0);
    assert_int_equal(p->sorights, 0);
    /* In a message destroyed unreceived (its port dies). */
    assert_int_equal(ipc_right_copyout(b->space, ipc_port_make_send_once(p),
                                       MACH_MSG_TYPE_PORT_SEND_ONCE, &so), KERN_SUCCESS);
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE),
                      rb, so, 1);
    assert_int_equal(ipc_host_send(b, &msg), MACH_MSG_SUCCESS);
    assert_int_equal(ipc_right_destroy_all(b->space, rb), KERN_SUCCESS);
    assert_int_equal(notice(a, rp, MACH_NOTIFY_SEND_ONCE), 0);
    no_more(a, rp);
    ipc_host_task_destroy(b);
    ipc_host_task_destroy(a);
    ipc_host_check_clean();
}

/* A kernel object's port takes no queued message (a reply or notice sent there). */
static void test_kernel_port_queue(void **state)
{
    (void)state;
    static int object;
    struct ipc_host_task *a = ipc_host_task_create();
    struct ipc_port *kp = ipc_port_alloc_kernel(IKOT_HOST, &object);
    mach_port_name_t s = give_send(a, kp), so, r = new_port(a, NULL);
    assert_int_equal(ipc_right_copyout(a->space, ipc_port_make_send_once(kp),
                                       MACH_MSG_TYPE_PORT_SEND_ONCE, &so), KERN_SUCCESS);
    for (int i = 0; i < 10; i++) {
        ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
                          s, 0, 1);
        ipc_host_msg_port(&msg, MACH_MSG_TYPE_MAKE_SEND, r);
        assert_int_equal(ipc_host_send(a, &msg), MACH_SEND_INVALID_DEST);
    }
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), so, 0, 1);
    assert_int_equal(ipc_host_send(a, &msg), MACH_SEND_INVALID_DEST);   /* no notice loop */
    assert_int_equal(kp->msgcount, 0);
    assert_int_equal(kp->sorights, 0);
    assert_int_equal(ipc_host_port(a, r)->srights, 0);
    ipc_host_task_destroy(a);
    ipc_port_dealloc_kernel(kp);
    ipc_host_check_clean();
}

/* The kernel receiving on a port it holds (an exception's reply port). */
static void test_kernel_receive(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create();
    struct ipc_port *reply = ipc_port_alloc();
    for (int i = 0; i < 3; i++) {
        mach_port_name_t so;
        assert_int_equal(ipc_right_copyout(a->space, ipc_port_make_send_once(reply),
                                           MACH_MSG_TYPE_PORT_SEND_ONCE, &so), KERN_SUCCESS);
        ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), so, 0, 2500 + i);
        assert_int_equal(ipc_host_send(a, &msg), MACH_MSG_SUCCESS);
        struct ipc_kmsg *k;
        assert_int_equal(ipc_mqueue_receive_port(reply, &k), MACH_MSG_SUCCESS);
        assert_int_equal(k->hdr.msgh_id, 2500 + i);      /* not a stale notice */
        ipc_kmsg_destroy(k);
        assert_int_equal(reply->msgcount, 0);
        assert_int_equal(reply->sorights, 0);
    }
    spin_lock(&reply->lock);
    ipc_port_destroy(reply);
    ipc_host_task_destroy(a);
    ipc_host_check_clean();
}

/* Port sets: members move, a destroyed set takes no member, a moved-out right neither. */
static void test_port_sets(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create(), *b = ipc_host_task_create();
    mach_port_name_t s1, s2, rb = new_port(b, NULL);
    assert_int_equal(ipc_right_alloc_pset(a->space, &s1), KERN_SUCCESS);
    assert_int_equal(ipc_right_alloc_pset(a->space, &s2), KERN_SUCCESS);
    struct ipc_port *p;
    mach_port_name_t r = new_port(a, &p), sb = give_send(a, ipc_host_port(b, rb));
    assert_int_equal(S_mach_port_move_member(a->space, r, s1), KERN_SUCCESS);
    assert_int_equal(S_mach_port_move_member(a->space, r, s2), KERN_SUCCESS);
    assert_int_equal(ipc_host_receive(a, r, &out, sizeof(out.w), 0), MACH_RCV_IN_SET);
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), r, 0, 7);
    assert_int_equal(ipc_host_send(a, &msg), MACH_MSG_SUCCESS);
    assert_int_equal(ipc_host_receive(a, s1, &out, sizeof(out.w), 0), MACH_RCV_TIMED_OUT);
    assert_int_equal(ipc_host_receive(a, s2, &out, sizeof(out.w), 0), MACH_MSG_SUCCESS);
    assert_int_equal(out.hdr.msgh_local_port, r);
    /* A set whose name is destroyed takes no member, even through a reference kept. */
    spin_lock(&a->space->lock);
    struct ipc_pset *ps = ipc_entry_lookup(a->space, s1)->object;
    ipc_pset_reference(ps);
    spin_unlock(&a->space->lock);
    assert_int_equal(ipc_right_destroy_all(a->space, s1), KERN_SUCCESS);
    assert_int_equal(ipc_pset_add_port(ps, p, a->space), KERN_INVALID_NAME);
    assert_null(p->pset);                       /* taken out of s2 on the way */
    assert_int_equal(S_mach_port_move_member(a->space, r, s2), KERN_SUCCESS);
    /* A receive right sent away leaves its set, and cannot be added back from here. */
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
                      sb, 0, 8);
    ipc_host_msg_port(&msg, MACH_MSG_TYPE_MOVE_RECEIVE, r);
    assert_int_equal(ipc_host_send(a, &msg), MACH_MSG_SUCCESS);
    assert_null(p->pset);
    spin_lock(&a->space->lock);
    struct ipc_pset *ps2 = ipc_entry_lookup(a->space, s2)->object;
    spin_unlock(&a->space->lock);
    assert_int_equal(ipc_pset_add_port(ps2, p, a->space), KERN_INVALID_RIGHT);
    assert_null(p->pset);
    ipc_pset_release(ps);
    ipc_host_task_destroy(a);
    ipc_host_task_destroy(b);
    ipc_host_check_clean();
}

/* mach_port_insert_right: a name holding another kind of right is refused. */
static void test_insert_right(void **state)
{
    (void)state;
    struct ipc_host_task *a = ipc_host_task_create(), *b = ipc_host_task_create();
    struct ipc_port *p, *q;
    mach_port_name_t rp = new_port(a, &p), rq = new_port(a, &q), so;
    assert_int_equal(ipc_right_copyout(b->space, ipc_port_make_send_once(p),
                                       MACH_MSG_TYPE_PORT_SEND_ONCE, &so), KERN_SUCCESS);
    struct ipc_port *right = ipc_port_make_send(p);
    /* Onto the send-once name of the same port: refused (no mixed entry). */
    assert_int_equal(S_mach_port_insert_right(b->space, so, right, MACH_MSG_TYPE_PORT_SEND),
                     KERN_NAME_EXISTS);
    assert_int_equal(type_of(b, so), MACH_PORT_TYPE_SEND_ONCE);
    /* Bad names: refused, with nothing made. */
    assert_int_equal(S_mach_port_insert_right(b->space, MACH_PORT_DEAD, right,
                                              MACH_MSG_TYPE_PORT_SEND), KERN_INVALID_VALUE);
    assert_int_equal(ipc_right_copyout_name(b->space, right, MACH_MSG_TYPE_PORT_SEND,
                                            MACH_PORT_MAKE(0, 3)), KERN_INVALID_VALUE);
    assert_int_equal(ipc_right_copyout_name(b->space, right, MACH_MSG_TYPE_PORT_SEND,
                                            MACH_PORT_MAKE(IPC_SPACE_MAX_ENTRIES, 0)),
                     KERN_INVALID_VALUE);
    assert_int_equal(ipc_space_count(b->space), 1);
    /* A fresh name, then the same name again (merged), then another name (the port is known). */
    mach_port_name_t n = MACH_PORT_MAKE(40, 9);
    assert_int_equal(S_mach_port_insert_right(b->space, n, right, MACH_MSG_TYPE_PORT_SEND),
                     KERN_SUCCESS);
    right = ipc_port_make_send(p);
    assert_int_equal(S_mach_port_insert_right(b->space, n, right, MACH_MSG_TYPE_PORT_SEND),
                     KERN_SUCCESS);
    assert_int_equal(urefs(b, n, MACH_PORT_RIGHT_SEND), 2);
    right = ipc_port_make_send(p);
    assert_int_equal(S_mach_port_insert_right(b->space, MACH_PORT_MAKE(41, 0), right,
                                              MACH_MSG_TYPE_PORT_SEND), KERN_RIGHT_EXISTS);
    /* Another port's right onto n: the name is taken. */
    struct ipc_port *qright = ipc_port_make_send(q);
    assert_int_equal(S_mach_port_insert_right(b->space, n, qright, MACH_MSG_TYPE_PORT_SEND),
                     KERN_NAME_EXISTS);
    ipc_port_release_send(qright);
    /* The receive right joins its send rights under n. */
    struct ipc_port *recv;
    bool dead;
    assert_int_equal(ipc_right_copyin(a->space, rp, MACH_MSG_TYPE_MOVE_RECEIVE, &recv, &dead),
                     KERN_SUCCESS);
    assert_int_equal(S_mach_port_insert_right(b->space, so, recv, MACH_MSG_TYPE_PORT_RECEIVE),
                     KERN_NAME_EXISTS);
    assert_int_equal(S_mach_port_insert_right(b->space, n, recv, MACH_MSG_TYPE_PORT_RECEIVE),
                     KERN_SUCCESS);
    assert_int_equal(type_of(b, n), MACH_PORT_TYPE_SEND_RECEIVE);
    assert_ptr_equal(p->receiver, b->space);
    assert_int_equal(p->receiver_name, n);
    /* Every name still works: deallocate the send-once right and the send rights. */
    assert_int_equal(ipc_right_dealloc(b->space, so), KERN_SUCCESS);
    assert_int_equal(notice(b, n, MACH_NOTIFY_SEND_ONCE), 0);
    assert_int_equal(ipc_right_delta(b->space, n, MACH_PORT_RIGHT_SEND, -2), KERN_SUCCESS);
    ipc_port_release_send(right);
    assert_int_equal(p->srights, 0);
    (void)rq;
    ipc_host_task_destroy(a);
    ipc_host_task_destroy(b);
    ipc_host_check_clean();
}

int main(void)
{
    ipc_host_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_senders),
        cmocka_unit_test(test_dead_name),
        cmocka_unit_test(test_dead_name_send_once_order),
        cmocka_unit_test(test_port_deleted),
        cmocka_unit_test(test_port_destroyed),
        cmocka_unit_test(test_port_destroyed_dead_notify),
        cmocka_unit_test(test_send_once),
        cmocka_unit_test(test_kernel_port_queue),
        cmocka_unit_test(test_kernel_receive),
        cmocka_unit_test(test_port_sets),
        cmocka_unit_test(test_insert_right),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
