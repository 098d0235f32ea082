// SPDX-License-Identifier: MIT
/*
 * Right accounting against a model: long random sequences (fixed seeds)
 * over three name spaces — receive rights made, send and send-once rights
 * made, copied and moved between spaces in real messages (copyin from one
 * task, queue, copyout into another), deallocate, destroy, mod_refs, port
 * death, messages destroyed unreceived.  After every step each name's type
 * and user references, each port's send and send-once counts, queue length
 * and reference count must be what the model says; at the end every space
 * is destroyed and nothing may be left.
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
#include <ipc/ipc_port.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>
#include "ipc_host.h"

#define NTASKS      3
#define MAXPORTS    8192
#define MAXNAMES    512
#define MAXBODY     4
#define QLIMIT      MACH_PORT_QLIMIT_DEFAULT

/* ---- the model ---- */

/* A right in a message: a port index (-1: MACH_PORT_DEAD, -2: none) and its type. */
struct mright {
    int port;
    mach_msg_type_name_t type;
};
#define R_DEAD  (-1)
#define R_NONE  (-2)

struct mmsg {
    struct mmsg *next;
    mach_msg_id_t id;
    struct mright dest, reply;
    int nbody;
    struct mright body[MAXBODY];
};

struct mport {
    struct ipc_port *kp;        /* valid while refs > 0 */
    bool alive;
    int task;                   /* holder of the receive right, -1 if none */
    mach_port_name_t name;
    int transit;                /* in transit: the port whose queue holds it, else -1 */
    unsigned srights, sorights;
    int refs;                   /* rights, plus one per port in transit to it */
    struct mmsg *head, *tail;
    unsigned qlen;
};

struct mname {
    mach_port_name_t name;
    mach_port_type_t type;
    unsigned urefs;
    int port;                   /* -1 for dead names */
};

struct mtask {
    struct ipc_host_task *t;
    struct mname names[MAXNAMES];
    int nnames;
};

static struct mport ports[MAXPORTS];
static int nports;
static struct mtask tasks[NTASKS];
static uint64_t rng_state;
static int next_id = 1000;
static int cur_step;               /* for failure messages */

/* What the run exercised, by mach_msg_return_t of sends and receives (printed). */
struct outcome {
    mach_msg_return_t mr;
    unsigned n;
};
static struct outcome outcomes[32];

static void count(mach_msg_return_t mr)
{
    for (int i = 0; i < 32; i++) {
        if (outcomes[i].n == 0 || outcomes[i].mr == mr) {
            outcomes[i].mr = mr;
            outcomes[i].n++;
            return;
        }
    }
}

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned pick(unsigned n)
{
    return n != 0 ? (unsigned)(rng() % n) : 0;
}

static struct mname *m_find(int t, mach_port_name_t name)
{
    for (int i = 0; i < tasks[t].nnames; i++)
        if (tasks[t].names[i].name == name)
            return &tasks[t].names[i];
    return NULL;
}

/* The name holding send or receive rights to port p in task t (the reverse map). */
static struct mname *m_find_port(int t, int p)
{
    for (int i = 0; i < tasks[t].nnames; i++) {
        struct mname *n = &tasks[t].names[i];
        if (n->port == p && (n->type & MACH_PORT_TYPE_SEND_RECEIVE))
            return n;
    }
    return NULL;
}

static struct mname *m_add(int t, mach_port_name_t name, mach_port_type_t type, unsigned urefs,
                           int port)
{
    assert_null(m_find(t, name));
    assert_true(tasks[t].nnames < MAXNAMES);
    struct mname *n = &tasks[t].names[tasks[t].nnames++];
    *n = (struct mname){ name, type, urefs, port };
    return n;
}

static void m_remove(int t, struct mname *n)
{
    *n = tasks[t].names[--tasks[t].nnames];
}

/* Take the receive right off name `n` of task `t` (a send right there stays). */
static void m_take_receive(int t, struct mname *n)
{
    n->type &= ~MACH_PORT_TYPE_RECEIVE;
    ports[n->port].task = -1;
    if (n->type & MACH_PORT_TYPE_SEND)
        ports[n->port].refs++;
    else
        m_remove(t, n);
}

static void m_enqueue(int p, struct mmsg *m)
{
    m->next = NULL;
    if (ports[p].tail != NULL)
        ports[p].tail->next = m;
    else
        ports[p].head = m;
    ports[p].tail = m;
    ports[p].qlen++;
}

static struct mmsg *m_dequeue(int p)
{
    struct mmsg *m = ports[p].head;
    ports[p].head = m->next;
    if (ports[p].head == NULL)
        ports[p].tail = NULL;
    ports[p].qlen--;
    return m;
}

static void m_port_destroy(int p);

/* The receive right of p leaves transit: the reference to its destination goes. */
static void m_clear_transit(int p)
{
    if (ports[p].transit >= 0)
        ports[ports[p].transit].refs--;
    ports[p].transit = -1;
}

/* A right is released unused (a destroyed message, a deallocated name). */
static void m_release(struct mright r)
{
    if (r.port < 0)
        return;
    struct mport *p = &ports[r.port];
    switch (r.type) {
    case MACH_MSG_TYPE_PORT_SEND:
        if (p->alive)
            p->srights--;
        p->refs--;
        break;
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
        if (p->alive) {             /* a send-once notification carries the right */
            struct mmsg *m = calloc(1, sizeof(*m));
            m->id = MACH_NOTIFY_SEND_ONCE;
            m->dest = r;
            m->reply.port = R_NONE;
            m_enqueue(r.port, m);
        } else {
            p->refs--;
        }
        break;
    case MACH_MSG_TYPE_PORT_RECEIVE:
        m_port_destroy(r.port);
        break;
    default:
        fail_msg("bad right type %u", r.type);
    }
}

static void m_msg_destroy(struct mmsg *m)
{
    m_release(m->dest);
    m_release(m->reply);
    for (int i = 0; i < m->nbody; i++)
        m_release(m->body[i]);
    free(m);
}

/* The receive right (its reference passed in) is destroyed: the port dies. */
static void m_port_destroy(int p)
{
    struct mport *mp = &ports[p];
    assert_true(mp->alive);
    mp->alive = false;
    mp->task = -1;
    m_clear_transit(p);
    struct mmsg *list = mp->head;
    mp->head = mp->tail = NULL;
    mp->qlen = 0;
    while (list != NULL) {
        struct mmsg *next = list->next;
        m_msg_destroy(list);
        list = next;
    }
    mp->refs--;
}

/* Look a name up as the kernel does: a send right to a dead port becomes a dead name. */
static struct mname *m_lookup(int t, mach_port_name_t name)
{
    struct mname *n = m_find(t, name);
    if (n == NULL || !(n->type & MACH_PORT_TYPE_SEND_RIGHTS) || ports[n->port].alive)
        return n;
    ports[n->port].refs--;
    if (n->type & MACH_PORT_TYPE_SEND_ONCE)
        n->urefs = 1;
    n->type = MACH_PORT_TYPE_DEAD_NAME;
    n->port = -1;
    return n;
}

/* MOVE_SEND / MOVE_SEND_ONCE of the name n (r->type set). */
static kern_return_t m_copyin_move(int t, struct mname *n, mach_msg_type_name_t disp,
                                   struct mright *r)
{
    int p = n->port;
    if (n->type == MACH_PORT_TYPE_DEAD_NAME) {
        if (--n->urefs == 0)
            m_remove(t, n);
        r->port = R_DEAD;
        return KERN_SUCCESS;
    }
    if (disp == MACH_MSG_TYPE_MOVE_SEND_ONCE) {
        if (n->type != MACH_PORT_TYPE_SEND_ONCE)
            return KERN_INVALID_RIGHT;
        m_remove(t, n);
    } else if (!(n->type & MACH_PORT_TYPE_SEND)) {
        return KERN_INVALID_RIGHT;
    } else if (n->urefs > 1) {
        n->urefs--;
        ports[p].srights++;
        ports[p].refs++;
    } else if (n->type & MACH_PORT_TYPE_RECEIVE) {
        n->type &= ~MACH_PORT_TYPE_SEND;
        n->urefs = 0;
        ports[p].refs++;
    } else {
        m_remove(t, n);
    }
    r->port = p;
    return KERN_SUCCESS;
}

/* ipc_right_copyin against the model; *r gets the right in transit. */
static kern_return_t m_copyin(int t, mach_port_name_t name, mach_msg_type_name_t disp,
                              struct mright *r)
{
    struct mname *n = m_lookup(t, name);
    r->port = R_NONE;
    r->type = ipc_right_transit_type(disp);
    if (n == NULL)
        return KERN_INVALID_NAME;
    bool dead = n->type == MACH_PORT_TYPE_DEAD_NAME;
    int p = n->port;
    switch (disp) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
        if (!(n->type & MACH_PORT_TYPE_RECEIVE))
            return KERN_INVALID_RIGHT;
        m_take_receive(t, n);
        break;
    case MACH_MSG_TYPE_COPY_SEND:
        if (dead) {
            r->port = R_DEAD;
            return KERN_SUCCESS;
        }
        if (!(n->type & MACH_PORT_TYPE_SEND))
            return KERN_INVALID_RIGHT;
        ports[p].srights++;
        ports[p].refs++;
        break;
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
        if (!(n->type & MACH_PORT_TYPE_RECEIVE))
            return KERN_INVALID_RIGHT;
        if (disp == MACH_MSG_TYPE_MAKE_SEND)
            ports[p].srights++;
        else
            ports[p].sorights++;
        ports[p].refs++;
        break;
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
        return m_copyin_move(t, n, disp, r);
    default:
        return KERN_INVALID_VALUE;
    }
    r->port = p;
    return KERN_SUCCESS;
}

/* ipc_right_copyin_check: would the copyin give a live right? */
static bool m_check(int t, mach_port_name_t name, mach_msg_type_name_t disp)
{
    struct mname *n = m_lookup(t, name);
    if (n == NULL)
        return false;
    switch (disp) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
        return n->type & MACH_PORT_TYPE_RECEIVE;
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_COPY_SEND:
        return n->type & MACH_PORT_TYPE_SEND;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
        return n->type == MACH_PORT_TYPE_SEND_ONCE;
    default:
        return false;
    }
}

/* Would a message to `dest` carrying the receive right of `carried` be circular? */
static bool m_leads_to(int carried, int x)
{
    for (int depth = 0; x >= 0 && depth < 1024; depth++) {
        if (x == carried)
            return true;
        x = ports[x].task < 0 && ports[x].alive ? ports[x].transit : -1;
    }
    return false;
}

/*
 * ipc_right_copyout against the model.  `got` is the name the kernel
 * reported: a merge must land on the existing name, a new right on a new one.
 */
static void m_copyout(int t, struct mright r, mach_port_name_t got)
{
    if (r.port == R_NONE) {
        assert_int_equal(got, MACH_PORT_NULL);
        return;
    }
    struct mport *p = r.port >= 0 ? &ports[r.port] : NULL;
    if (p == NULL || (r.type != MACH_MSG_TYPE_PORT_RECEIVE && !p->alive)) {
        assert_int_equal(got, MACH_PORT_DEAD);
        if (p != NULL)
            p->refs--;
        return;
    }
    struct mname *n = r.type != MACH_MSG_TYPE_PORT_SEND_ONCE ? m_find_port(t, r.port) : NULL;
    if (n != NULL)
        assert_int_equal(got, n->name);
    switch (r.type) {
    case MACH_MSG_TYPE_PORT_SEND:
        if (n != NULL && (n->type & MACH_PORT_TYPE_SEND)) {
            n->urefs++;
            p->srights--;
            p->refs--;
        } else if (n != NULL) {
            n->type |= MACH_PORT_TYPE_SEND;
            n->urefs = 1;
            p->refs--;
        } else {
            m_add(t, got, MACH_PORT_TYPE_SEND, 1, r.port);
        }
        break;
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
        m_add(t, got, MACH_PORT_TYPE_SEND_ONCE, 1, r.port);
        break;
    default:
        if (n != NULL) {
            n->type |= MACH_PORT_TYPE_RECEIVE;
            p->refs--;
        } else {
            m_add(t, got, MACH_PORT_TYPE_RECEIVE, 0, r.port);
        }
        p->task = t;
        p->name = got;
        m_clear_transit(r.port);
        break;
    }
}

/* ---- checking the kernel against the model ---- */

static void check_names(int t)
{
    struct ipc_space *s = tasks[t].t->space;
    for (int i = 0; i < tasks[t].nnames; i++) {
        struct mname *n = &tasks[t].names[i];
        m_lookup(t, n->name);       /* the kernel converts dead ports on lookup too */
        mach_port_type_t type;
        assert_int_equal(ipc_right_type(s, n->name, &type), KERN_SUCCESS);
        if ((type & ~MACH_PORT_TYPE_DNREQUEST) != n->type)
            fail_msg("task %d name %#x: type %#x, model %#x", t, n->name, type, n->type);
        mach_port_urefs_t refs;
        mach_port_right_t right = n->type == MACH_PORT_TYPE_DEAD_NAME ? MACH_PORT_RIGHT_DEAD_NAME
                                : n->type == MACH_PORT_TYPE_SEND_ONCE ? MACH_PORT_RIGHT_SEND_ONCE
                                : MACH_PORT_RIGHT_SEND;
        assert_int_equal(ipc_right_get_refs(s, n->name, right, &refs), KERN_SUCCESS);
        if (refs != n->urefs)
            fail_msg("task %d name %#x: urefs %u, model %u", t, n->name, refs, n->urefs);
    }
    assert_int_equal(ipc_space_count(s), tasks[t].nnames);
}

static void check_ports(void)
{
    size_t live = 0;
    for (int i = 0; i < nports; i++) {
        struct mport *p = &ports[i];
        if (p->refs == 0)
            continue;
        live++;
        struct ipc_port *k = p->kp;
        if ((int)k->refs != p->refs)
            fail_msg("port %d (id %u): refs %u, model %d", i, k->id, k->refs, p->refs);
        assert_int_equal(k->active, p->alive);
        if (!p->alive)
            continue;
        if (k->srights != p->srights || k->sorights != p->sorights || k->msgcount != p->qlen)
            fail_msg("port %d: srights %u sorights %u msgs %u, model %u %u %u", i, k->srights,
                     k->sorights, k->msgcount, p->srights, p->sorights, p->qlen);
        assert_ptr_equal(k->receiver, p->task >= 0 ? tasks[p->task].t->space : NULL);
        if (p->task >= 0)
            assert_int_equal(k->receiver_name, p->name);
    }
    if (ipc_port_count() != live)
        fail_msg("step %d: %zu ports, model %zu", cur_step, ipc_port_count(), live);
}

static void check_all(void)
{
    for (int t = 0; t < NTASKS; t++)
        check_names(t);
    check_ports();
}

/* ---- operations ---- */

static int new_port(int t, mach_port_name_t name)
{
    assert_true(nports < MAXPORTS);
    int p = nports++;
    ports[p] = (struct mport){ .kp = ipc_host_port(tasks[t].t, name), .alive = true, .task = t,
                               .name = name, .transit = -1, .refs = 1 };
    assert_non_null(ports[p].kp);
    m_add(t, name, MACH_PORT_TYPE_RECEIVE, 0, p);
    return p;
}

static void op_alloc(int t)
{
    mach_port_name_t name;
    assert_int_equal(ipc_right_alloc_receive(tasks[t].t->space, &name), KERN_SUCCESS);
    new_port(t, name);
}

/* A random name of task t (sometimes one that does not exist). */
static mach_port_name_t random_name(int t)
{
    if (tasks[t].nnames == 0 || pick(20) == 0)
        return MACH_PORT_MAKE(1 + pick(200), pick(3));
    return tasks[t].names[pick(tasks[t].nnames)].name;
}

/* A disposition that suits the name most of the time. */
static mach_msg_type_name_t random_disp(int t, mach_port_name_t name)
{
    struct mname *n = m_find(t, name);
    if (n == NULL || pick(8) == 0)
        return MACH_MSG_TYPE_MOVE_RECEIVE + pick(6);
    if (n->type & MACH_PORT_TYPE_RECEIVE) {
        static const mach_msg_type_name_t d[] = { MACH_MSG_TYPE_MAKE_SEND,
            MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_COPY_SEND,
            MACH_MSG_TYPE_MOVE_SEND };
        return d[pick(pick(4) == 0 ? 5 : 2)];
    }
    if (n->type & MACH_PORT_TYPE_SEND_ONCE)
        return MACH_MSG_TYPE_MOVE_SEND_ONCE;
    return pick(2) ? MACH_MSG_TYPE_COPY_SEND : MACH_MSG_TYPE_MOVE_SEND;
}

/* Release what copyin took so far (a failed send), as ipc_kmsg_destroy does. */
static void m_abort_send(struct mmsg *m)
{
    m_msg_destroy(m);
}

/* Model the send of `um` from task t; returns the expected mach_msg_return_t. */
static mach_msg_return_t m_send(int t, const struct ipc_host_msg *um,
                                const mach_msg_type_name_t *disps, const mach_port_name_t *names,
                                int nbody)
{
    struct mmsg *m = calloc(1, sizeof(*m));
    m->id = um->hdr.msgh_id;
    m->reply.port = R_NONE;
    mach_msg_type_name_t rdisp = MACH_MSGH_BITS_REMOTE(um->hdr.msgh_bits);
    mach_msg_type_name_t ldisp = MACH_MSGH_BITS_LOCAL(um->hdr.msgh_bits);
    /* The header is checked before any right is taken. */
    if (!m_check(t, um->hdr.msgh_remote_port, rdisp)) {
        free(m);
        return MACH_SEND_INVALID_DEST;
    }
    if (ldisp != 0 && !m_check(t, um->hdr.msgh_local_port, ldisp)) {
        free(m);
        return MACH_SEND_INVALID_REPLY;
    }
    assert_int_equal(m_copyin(t, um->hdr.msgh_remote_port, rdisp, &m->dest), KERN_SUCCESS);
    if (ldisp != 0 && (m_copyin(t, um->hdr.msgh_local_port, ldisp, &m->reply) != KERN_SUCCESS ||
                       m->reply.port == R_DEAD)) {
        m->reply.port = R_NONE;         /* the same name twice: the first took it */
        m_abort_send(m);
        return MACH_SEND_INVALID_REPLY;
    }
    for (int i = 0; i < nbody; i++) {
        struct mright *r = &m->body[m->nbody++];
        r->type = ipc_right_transit_type(disps[i]);
        if (names[i] == MACH_PORT_NULL) {
            r->port = R_NONE;
        } else if (names[i] == MACH_PORT_DEAD) {
            r->port = R_DEAD;
        } else if (m_copyin(t, names[i], disps[i], r) != KERN_SUCCESS) {
            m->nbody--;
            m_abort_send(m);
            return MACH_SEND_INVALID_RIGHT;
        }
    }
    int dest = m->dest.port;
    for (int i = 0; i < m->nbody; i++) {
        if (m->body[i].port >= 0 && m->body[i].type == MACH_MSG_TYPE_PORT_RECEIVE &&
            m_leads_to(m->body[i].port, dest)) {
            m_abort_send(m);
            return MACH_SEND_INVALID_RIGHT;
        }
    }
    if (ports[dest].qlen >= QLIMIT && m->dest.type != MACH_MSG_TYPE_PORT_SEND_ONCE) {
        m_abort_send(m);
        return MACH_SEND_TIMED_OUT;
    }
    for (int i = 0; i < m->nbody; i++) {
        if (m->body[i].port >= 0 && m->body[i].type == MACH_MSG_TYPE_PORT_RECEIVE) {
            ports[m->body[i].port].transit = dest;      /* with a reference to dest */
            ports[dest].refs++;
        }
    }
    m_enqueue(dest, m);
    return MACH_MSG_SUCCESS;
}

/* A random message from task t: a destination, maybe a reply right, up to 4 rights. */
static void op_send(int t)
{
    struct ipc_host_msg um;
    mach_port_name_t dest = random_name(t), reply = MACH_PORT_NULL;
    mach_msg_type_name_t rdisp = random_disp(t, dest), ldisp = 0;
    if (rdisp == MACH_MSG_TYPE_MOVE_RECEIVE)
        rdisp = MACH_MSG_TYPE_MAKE_SEND;
    if (pick(2)) {
        reply = random_name(t);
        ldisp = random_disp(t, reply);
        if (ldisp == MACH_MSG_TYPE_MOVE_RECEIVE)
            ldisp = MACH_MSG_TYPE_MAKE_SEND_ONCE;
    }
    int nbody = (int)pick(MAXBODY + 1);
    mach_msg_type_name_t disps[MAXBODY];
    mach_port_name_t names[MAXBODY];
    ipc_host_msg_init(&um, MACH_MSGH_BITS(rdisp, ldisp) | (nbody ? MACH_MSGH_BITS_COMPLEX : 0),
                      dest, reply, next_id++);
    uint32_t data = 0x12345678;
    for (int i = 0; i < nbody; i++) {
        names[i] = pick(12) == 0 ? (pick(2) ? MACH_PORT_NULL : MACH_PORT_DEAD) : random_name(t);
        disps[i] = random_disp(t, names[i]);
        ipc_host_msg_port(&um, disps[i], names[i]);
        if (pick(3) == 0)
            ipc_host_msg_item(&um, MACH_MSG_TYPE_INTEGER_32, 32, 1, true, false, false, &data, 4);
    }
    mach_msg_return_t want = m_send(t, &um, disps, names, nbody);
    mach_msg_return_t got = ipc_host_send(tasks[t].t, &um);
    count(got);
    if (got != want)
        fail_msg("send from task %d to %#x: %#x, model %#x", t, dest, got, want);
}

/* Check a received message against the model's and give its rights to the model. */
static void m_deliver(int t, int p, struct mmsg *m, const struct ipc_host_msg *um)
{
    assert_int_equal(um->hdr.msgh_id, m->id);
    assert_int_equal(um->hdr.msgh_local_port, ports[p].name);
    struct mport *mp = &ports[p];
    if (m->dest.type == MACH_MSG_TYPE_PORT_SEND)
        mp->srights--;
    else
        mp->sorights--;
    mp->refs--;
    m_copyout(t, m->reply, um->hdr.msgh_remote_port);
    struct ipc_item it;
    int k = 0;
    for (unsigned i = 0; ipc_host_msg_get_item(um, i, &it); i++) {
        if (!ipc_item_is_port(it.name))
            continue;
        assert_true(k < m->nbody);
        assert_int_equal(it.name, m->body[k].type);
        mach_port_name_t got;
        memcpy(&got, (const uint8_t *)um->w + it.data, 4);
        m_copyout(t, m->body[k++], got);
    }
    assert_int_equal(k, m->nbody);
    free(m);
}

/* Receive on a receive right of task t: a fitting buffer, or one too small. */
static void op_receive(int t)
{
    struct ipc_host_msg um;
    mach_port_name_t name = random_name(t);
    bool small = pick(10) == 0;
    struct mname *n = m_find(t, name);
    mach_msg_return_t want;
    if (n == NULL || !(n->type & MACH_PORT_TYPE_RECEIVE))
        want = MACH_RCV_INVALID_NAME;
    else if (ports[n->port].qlen == 0)
        want = MACH_RCV_TIMED_OUT;
    else
        want = small ? MACH_RCV_TOO_LARGE : MACH_MSG_SUCCESS;
    mach_msg_return_t got = ipc_host_receive(tasks[t].t, name, &um,
                                             small ? 24 : sizeof(um.w), 0);
    count(got);
    if (got != want)
        fail_msg("receive on %#x in task %d: %#x, model %#x", name, t, got, want);
    if (want == MACH_RCV_TOO_LARGE)
        m_msg_destroy(m_dequeue(n->port));
    else if (want == MACH_MSG_SUCCESS)
        m_deliver(t, n->port, m_dequeue(n->port), &um);
}

static kern_return_t m_dealloc(int t, mach_port_name_t name)
{
    struct mname *n = m_lookup(t, name);
    if (n == NULL)
        return KERN_INVALID_NAME;
    int p = n->port;
    if (n->type == MACH_PORT_TYPE_DEAD_NAME) {
        if (--n->urefs == 0)
            m_remove(t, n);
    } else if (n->type == MACH_PORT_TYPE_SEND_ONCE) {
        m_remove(t, n);
        m_release((struct mright){ p, MACH_MSG_TYPE_PORT_SEND_ONCE });
    } else if (n->type & MACH_PORT_TYPE_SEND) {
        if (--n->urefs > 0)
            return KERN_SUCCESS;
        ports[p].srights--;
        if (n->type & MACH_PORT_TYPE_RECEIVE) {
            n->type &= ~MACH_PORT_TYPE_SEND;
        } else {
            m_remove(t, n);
            ports[p].refs--;
        }
    } else {
        return KERN_INVALID_RIGHT;
    }
    return KERN_SUCCESS;
}

static void op_dealloc(int t)
{
    mach_port_name_t name = random_name(t);
    kern_return_t want = m_dealloc(t, name);
    assert_int_equal(ipc_right_dealloc(tasks[t].t->space, name), want);
}

static kern_return_t m_destroy(int t, mach_port_name_t name)
{
    struct mname *n = m_lookup(t, name);
    if (n == NULL)
        return KERN_INVALID_NAME;
    struct mname copy = *n;
    m_remove(t, n);
    if (copy.type & MACH_PORT_TYPE_RECEIVE) {
        ports[copy.port].task = -1;
        if (copy.type & MACH_PORT_TYPE_SEND)
            ports[copy.port].refs++;        /* the send right's, dropped after the death */
        m_port_destroy(copy.port);
        if (copy.type & MACH_PORT_TYPE_SEND)
            ports[copy.port].refs--;
    } else if (copy.type & MACH_PORT_TYPE_SEND) {
        ports[copy.port].srights--;
        ports[copy.port].refs--;
    } else if (copy.type & MACH_PORT_TYPE_SEND_ONCE) {
        m_release((struct mright){ copy.port, MACH_MSG_TYPE_PORT_SEND_ONCE });
    }
    return KERN_SUCCESS;
}

static void op_destroy(int t)
{
    mach_port_name_t name = random_name(t);
    kern_return_t want = m_destroy(t, name);
    assert_int_equal(ipc_right_destroy_all(tasks[t].t->space, name), want);
}

static kern_return_t m_mod_refs(int t, mach_port_name_t name, mach_port_right_t right, int delta)
{
    struct mname *n = m_lookup(t, name);
    if (n == NULL)
        return KERN_INVALID_NAME;
    if (!(n->type & MACH_PORT_TYPE(right)))
        return KERN_INVALID_RIGHT;
    if (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_DEAD_NAME) {
        long v = (long)n->urefs + delta;
        if (v < 0)
            return KERN_INVALID_VALUE;
        if (v > 0) {
            n->urefs = (unsigned)v;
            return KERN_SUCCESS;
        }
        n->urefs = 1;
        return m_dealloc(t, name);
    }
    if (delta > 0 || delta < -1)
        return KERN_INVALID_VALUE;
    if (delta == 0)
        return KERN_SUCCESS;
    int p = n->port;
    if (right == MACH_PORT_RIGHT_RECEIVE) {
        m_take_receive(t, n);
        m_port_destroy(p);
    } else {
        m_remove(t, n);
        m_release((struct mright){ p, MACH_MSG_TYPE_PORT_SEND_ONCE });
    }
    return KERN_SUCCESS;
}

static void op_mod_refs(int t)
{
    static const mach_port_right_t rights[] = { MACH_PORT_RIGHT_SEND, MACH_PORT_RIGHT_RECEIVE,
        MACH_PORT_RIGHT_SEND_ONCE, MACH_PORT_RIGHT_DEAD_NAME };
    mach_port_name_t name = random_name(t);
    mach_port_right_t right = rights[pick(4)];
    int delta = (int)pick(5) - 2;
    kern_return_t want = m_mod_refs(t, name, right, delta);
    assert_int_equal(ipc_right_delta(tasks[t].t->space, name, right, delta), want);
}

/* Give every task a send right to one receive right of every other task. */
static void seed_rights(void)
{
    for (int t = 0; t < NTASKS; t++)
        op_alloc(t);
    for (int t = 0; t < NTASKS; t++) {
        for (int u = 0; u < NTASKS; u++) {
            if (u == t)
                continue;
            int p = tasks[u].names[0].port;
            mach_port_name_t name;
            ports[p].srights++;
            ports[p].refs++;
            assert_int_equal(ipc_right_copyout(tasks[t].t->space, ipc_port_make_send(ports[p].kp),
                                               MACH_MSG_TYPE_PORT_SEND, &name), KERN_SUCCESS);
            m_copyout(t, (struct mright){ p, MACH_MSG_TYPE_PORT_SEND }, name);
        }
    }
}

static void one_step(void)
{
    int t = (int)pick(NTASKS);
    unsigned op = pick(100);
    int live = 0;
    for (int i = 0; i < nports; i++)
        live += ports[i].alive;
    if (op < 8 && live < 40)
        op_alloc(t);
    else if (op < 50)
        op_send(t);
    else if (op < 75)
        op_receive(t);
    else if (op < 85)
        op_dealloc(t);
    else if (op < 90 || live > 60)
        op_destroy(t);
    else
        op_mod_refs(t);
}

static void run(uint64_t seed, int steps)
{
    rng_state = seed;
    nports = 0;
    for (int t = 0; t < NTASKS; t++)
        tasks[t] = (struct mtask){ .t = ipc_host_task_create() };
    seed_rights();
    check_all();
    for (int step = 0; step < steps; step++) {
        cur_step = step;
        one_step();
        check_all();
    }
    printf("seed %#lx: %d ports;", (unsigned long)seed, nports);
    for (int i = 0; i < 32 && outcomes[i].n != 0; i++)
        printf(" %#x:%u", outcomes[i].mr, outcomes[i].n);
    printf("\n");
    memset(outcomes, 0, sizeof(outcomes));
    for (int t = 0; t < NTASKS; t++)
        ipc_host_task_destroy(tasks[t].t);
    /* Model messages still queued die with their ports; free the model's copies. */
    for (int i = 0; i < nports; i++) {
        while (ports[i].head != NULL)
            free(m_dequeue(i));
    }
    ipc_host_check_clean();
}

static void test_random_1(void **state)
{
    (void)state;
    run(1, 20000);
}

static void test_random_2(void **state)
{
    (void)state;
    run(0xdeadbeef, 20000);
}

static void test_random_3(void **state)
{
    (void)state;
    run(42, 20000);
}

int main(void)
{
    ipc_host_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_1),
        cmocka_unit_test(test_random_2),
        cmocka_unit_test(test_random_3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
