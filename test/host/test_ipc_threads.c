// SPDX-License-Identifier: MIT
/*
 * The IPC core under several host threads at once (the shim spinlocks are
 * real mutexes): four tasks of two threads each send one another random
 * rights — receive rights too — receive, deallocate, destroy, register
 * dead-name, no-senders and port-destroyed requests and move ports between
 * sets, never waiting (timeouts of 0).  Races between a port's death and a
 * request's cancel, two receive rights sent into each other's queues, or a
 * set losing its member show up as sanitizer reports, kernel assertions or
 * leaks: at the end every task is destroyed and nothing may be left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <mach/notify.h>
#include <kern/mig_servers.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>
#include "ipc_host.h"

#define NTASKS      4
#define PER_TASK    2
#define NNAMES      64
#ifndef STEPS
#define STEPS       15000           /* per thread; -DSTEPS=... for a longer run */
#endif

struct ttask {
    struct ipc_host_task *t;
    mach_port_name_t inbox;
    mach_port_name_t peer[NTASKS];      /* send rights to the other inboxes */
    mach_port_name_t names[NNAMES];     /* names learnt (racy between its threads: fine) */
};

static struct ttask tasks[NTASKS];

struct worker {
    int task;
    uint64_t rng;
    struct ipc_host_msg msg, out;
};

static unsigned pick(struct worker *w, unsigned n)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return n != 0 ? (unsigned)(w->rng % n) : 0;
}

static struct ttask *mine(struct worker *w)
{
    return &tasks[w->task];
}

static void learn(struct worker *w, mach_port_name_t n)
{
    if (MACH_PORT_VALID(n))
        __atomic_store_n(&mine(w)->names[pick(w, NNAMES)], n, __ATOMIC_RELAXED);
}

static mach_port_name_t learnt(struct worker *w)
{
    return __atomic_load_n(&mine(w)->names[pick(w, NNAMES)], __ATOMIC_RELAXED);
}

static mach_port_name_t peer(struct worker *w)
{
    return mine(w)->peer[(w->task + 1 + pick(w, NTASKS - 1)) % NTASKS];
}

static mach_msg_type_name_t any_disp(struct worker *w)
{
    return MACH_MSG_TYPE_MOVE_RECEIVE + pick(w, 6);
}

static void op_send(struct worker *w)
{
    struct ipc_host_msg *m = &w->msg;
    mach_port_name_t reply = MACH_PORT_NULL;
    mach_msg_type_name_t ldisp = 0;
    if (pick(w, 3) == 0) {
        reply = pick(w, 2) ? mine(w)->inbox : learnt(w);
        ldisp = MACH_MSG_TYPE_MAKE_SEND_ONCE;
    }
    bool to_peer = pick(w, 4) != 0;
    ipc_host_msg_init(m, MACH_MSGH_BITS(to_peer ? MACH_MSG_TYPE_COPY_SEND
                                                : MACH_MSG_TYPE_MOVE_SEND + pick(w, 5), ldisp) |
                      MACH_MSGH_BITS_COMPLEX, to_peer ? peer(w) : learnt(w), reply, 1);
    for (unsigned i = pick(w, 4); i > 0; i--) {
        if (pick(w, 4) == 0)
            ipc_host_msg_port(m, MACH_MSG_TYPE_MAKE_SEND + pick(w, 2), mine(w)->inbox);
        else
            ipc_host_msg_port(m, any_disp(w), learnt(w));
    }
    ipc_host_send(mine(w)->t, m);
}

static void op_receive(struct worker *w)
{
    struct ipc_host_msg *o = &w->out;
    mach_port_name_t from = pick(w, 3) ? mine(w)->inbox : learnt(w);
    if (ipc_host_receive(mine(w)->t, from, o, pick(w, 10) ? sizeof(o->w) : 24, 0) !=
        MACH_MSG_SUCCESS)
        return;
    learn(w, o->hdr.msgh_remote_port);
    struct ipc_item it;
    for (unsigned i = 0; ipc_host_msg_get_item(o, i, &it); i++) {
        if (ipc_item_is_port(it.name) && it.is_inline) {
            mach_port_name_t n;
            memcpy(&n, (uint8_t *)o->w + it.data, 4);
            learn(w, n);
        }
    }
}

/* A notification request with our inbox (or a learnt right) as the notify port. */
static void op_request(struct worker *w)
{
    static const mach_msg_id_t ids[] = { MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_NO_SENDERS,
                                         MACH_NOTIFY_PORT_DESTROYED };
    struct ipc_space *s = mine(w)->t->space;
    struct ipc_port *notify, *prev = NULL;
    bool dead;
    mach_port_name_t on = pick(w, 2) ? mine(w)->inbox : learnt(w);
    if (ipc_right_copyin(s, on, MACH_MSG_TYPE_MAKE_SEND_ONCE, &notify, &dead) != KERN_SUCCESS)
        return;
    if (S_mach_port_request_notification(s, learnt(w), ids[pick(w, 3)], pick(w, 2), notify,
                                         &prev) != KERN_SUCCESS)
        ipc_right_release_transit(notify, MACH_MSG_TYPE_PORT_SEND_ONCE);
    if (prev != NULL)
        ipc_right_release_transit(prev, MACH_MSG_TYPE_PORT_SEND_ONCE);
}

static void op_names(struct worker *w)
{
    struct ipc_space *s = mine(w)->t->space;
    mach_port_name_t n;
    switch (pick(w, 7)) {
    case 0:
        if (ipc_port_count() < 4000 &&      /* forgotten names keep theirs: bound them */
            ipc_right_alloc_receive(s, &n) == KERN_SUCCESS)
            learn(w, n);
        break;
    case 1:
        if (ipc_right_alloc_pset(s, &n) == KERN_SUCCESS)
            learn(w, n);
        break;
    case 2: ipc_right_dealloc(s, learnt(w)); break;
    case 3: ipc_right_destroy_all(s, learnt(w)); break;
    case 4: ipc_right_delta(s, learnt(w), pick(w, 5), (int)pick(w, 3) - 1); break;
    case 5: S_mach_port_move_member(s, learnt(w), pick(w, 4) ? learnt(w) : MACH_PORT_NULL); break;
    default: op_request(w); break;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int step = 0; step < STEPS; step++) {
        unsigned op = pick(w, 10);
        if (op < 4)
            op_send(w);
        else if (op < 7)
            op_receive(w);
        else
            op_names(w);
    }
    return NULL;
}

/* Every task gets an inbox, and a send right to every other task's inbox. */
static void set_up(void)
{
    for (int i = 0; i < NTASKS; i++) {
        tasks[i] = (struct ttask){ .t = ipc_host_task_create() };
        assert_int_equal(ipc_right_alloc_receive(tasks[i].t->space, &tasks[i].inbox),
                         KERN_SUCCESS);
    }
    for (int i = 0; i < NTASKS; i++) {
        struct ipc_port *inbox = ipc_host_port(tasks[i].t, tasks[i].inbox);
        for (int j = 0; j < NTASKS; j++) {
            if (j != i)
                assert_int_equal(ipc_right_copyout(tasks[j].t->space, ipc_port_make_send(inbox),
                                                   MACH_MSG_TYPE_PORT_SEND, &tasks[j].peer[i]),
                                 KERN_SUCCESS);
        }
    }
}

static void run(uint64_t seed)
{
    set_up();
    pthread_t th[NTASKS * PER_TASK];
    struct worker *ws = calloc(NTASKS * PER_TASK, sizeof(*ws));
    for (int i = 0; i < NTASKS * PER_TASK; i++) {
        ws[i].task = i % NTASKS;
        ws[i].rng = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)i * 0x100000001b3ULL + 1;
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &ws[i]), 0);
    }
    for (int i = 0; i < NTASKS * PER_TASK; i++)
        pthread_join(th[i], NULL);
    free(ws);
    for (int i = 0; i < NTASKS; i++)
        ipc_host_task_destroy(tasks[i].t);
    ipc_host_check_clean();
}

static void test_threads_1(void **state)
{
    (void)state;
    run(1);
}

static void test_threads_2(void **state)
{
    (void)state;
    run(2);
}

int main(void)
{
    ipc_host_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_1),
        cmocka_unit_test(test_threads_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
