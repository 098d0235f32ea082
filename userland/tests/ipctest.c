// SPDX-License-Identifier: MIT
/*
 * System tests of Mach IPC, run as the first user task (init=ipctest):
 * RPCs through MIG stubs, rights moving among tasks, notifications, port
 * sets, timeouts, out-of-line memory, exceptions, and a stress of many
 * clients and servers.  Every port, right and page must come back.
 */
#include <string.h>
#include "msgutil.h"
#include "ping.h"
#include "pingServer.h"     /* MIG: the S_ping_* prototypes */
#include "testlib.h"

boolean_t ping_server(mach_msg_header_t *in, mach_msg_header_t *out);  /* MIG demux */

#define PAGE 4096UL

boolean_t exc_server(mach_msg_header_t *in, mach_msg_header_t *out);

/* ---- the ping server (MIG server side) ---- */

kern_return_t S_ping_int(mach_port_t server, int32_t x, int32_t *y)
{
    (void)server;
    *y = x + 1;
    return KERN_SUCCESS;
}

kern_return_t S_ping_inline(mach_port_t server, const inline_data_t data,
                            mach_msg_type_number_t count, uint32_t *sum)
{
    (void)server;
    uint32_t s = 0;
    for (mach_msg_type_number_t i = 0; i < count; i++)
        s += (uint8_t)data[i];
    *sum = s;
    return KERN_SUCCESS;
}

kern_return_t S_ping_ool(mach_port_t server, vm_offset_t data, mach_msg_type_number_t count,
                       uint64_t *sum)
{
    (void)server;
    uint64_t s = 0;
    const uint8_t *p = (const uint8_t *)data;
    for (mach_msg_type_number_t i = 0; i < count; i++)
        s += p[i];
    vm_deallocate(mach_task_self(), data, count);
    *sum = s;
    return KERN_SUCCESS;
}

kern_return_t S_ping_oneway(mach_port_t server, int32_t x)
{
    (void)server;
    (void)x;
    return KERN_SUCCESS;
}

kern_return_t S_ping_port(mach_port_t server, mach_port_t port, uint32_t *rtype)
{
    (void)server;
    mach_port_type_t t = 0;
    mach_port_type(mach_task_self(), port, &t);
    *rtype = t;
    mach_port_deallocate(mach_task_self(), port);
    return KERN_SUCCESS;
}

/* Serve one port until a message with id 9999 arrives. */
static void serve(mach_port_t port)
{
    struct any_msg in, out;
    for (;;) {
        if (msg_receive(port, &in, 0) != MACH_MSG_SUCCESS)
            return;
        if (in.head.msgh_id == 9999)
            return;
        ping_server(&in.head, &out.head);
        mig_reply_header_t *r = (mig_reply_header_t *)&out;
        if (r->RetCode == MIG_NO_REPLY || !MACH_PORT_VALID(out.head.msgh_remote_port))
            continue;
        mach_msg(&out.head, MACH_SEND_MSG, out.head.msgh_size, 0, MACH_PORT_NULL, 0,
                 MACH_PORT_NULL);
    }
}

/* A child task serving pings: it sends its port to the parent, then serves. */
static void server_child(void *arg)
{
    (void)arg;
    mach_port_t port = msg_new_port();
    msg_send_port(tl_bootstrap_port(), port, MACH_MSG_TYPE_MAKE_SEND, 1);
    serve(port);
}

/* Start a server task; returns the send right to it. */
static mach_port_t start_server(task_t *task)
{
    mach_port_t rendezvous = msg_new_port();
    struct any_msg m;
    if (tl_spawn(server_child, NULL, rendezvous, task) != KERN_SUCCESS)
        return MACH_PORT_NULL;
    kern_return_t kr = msg_receive(rendezvous, &m, 5000);
    mach_port_destroy(mach_task_self(), rendezvous);
    return kr == MACH_MSG_SUCCESS ? msg_port_of(&m) : MACH_PORT_NULL;
}

static void stop_server(mach_port_t server, task_t task)
{
    msg_send_int(server, 0, 9999, 0, 0);
    tl_wait_dead(task, 5000);
    mach_port_deallocate(mach_task_self(), server);
    mach_port_deallocate(mach_task_self(), task);
}

/* ---- RPC ping-pong through MIG stubs ---- */

static void test_rpc(void)
{
    task_t task;
    mach_port_t server = start_server(&task);
    if (!CHECK(MACH_PORT_VALID(server), "no server"))
        return;
    int32_t y = 0;
    for (int i = 0; i < 1000; i++) {
        kern_return_t kr = ping_int(server, i, &y);
        if (!CHECK(kr == KERN_SUCCESS && y == i + 1, "ping %d: %s, y=%d", i, mach_error_string(kr), y))
            break;
    }
    static char data[4096];
    uint32_t want = 0;
    for (unsigned i = 0; i < sizeof(data); i++) {
        data[i] = (char)(i * 7);
        want += (uint8_t)data[i];
    }
    uint32_t sum = 0;
    CHECK_KR(ping_inline(server, data, sizeof(data), &sum));
    CHECK(sum == want, "inline sum %u, want %u", sum, want);
    stop_server(server, task);
}

/* ---- 1 MiB out of line: the receiver sees the data as it was when sent ---- */

static void test_ool(void)
{
    task_t task;
    mach_port_t server = start_server(&task);
    if (!CHECK(MACH_PORT_VALID(server), "no server"))
        return;
    const size_t size = 1UL << 20;
    vm_address_t buf = 0;
    CHECK_KR(vm_allocate(mach_task_self(), &buf, size, TRUE));
    uint64_t want = 0;
    for (size_t i = 0; i < size; i++) {
        ((uint8_t *)buf)[i] = (uint8_t)(i * 13 + 1);
        want += (uint8_t)(i * 13 + 1);
    }
    uint64_t sum = 0;
    CHECK_KR(ping_ool(server, buf, size, &sum));
    CHECK(sum == want, "OOL sum %lu, want %lu", (unsigned long)sum, (unsigned long)want);
    vm_deallocate(mach_task_self(), buf, size);
    stop_server(server, task);
}

/* The sender writes right after sending: the receiver must still see the old data. */
static void test_ool_snapshot(void)
{
    mach_port_t port = msg_new_port();
    const size_t size = 1UL << 20;
    vm_address_t buf = 0;
    CHECK_KR(vm_allocate(mach_task_self(), &buf, size, TRUE));
    memset((void *)buf, 0x5a, size);
    struct ool_msg m;
    memset(&m, 0, sizeof(m));
    m.head.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
    m.head.msgh_size = sizeof(m);
    m.head.msgh_remote_port = port;
    m.type.msgtl_header.msgt_longform = 1;
    m.type.msgtl_name = MACH_MSG_TYPE_BYTE;
    m.type.msgtl_size = 8;
    m.type.msgtl_number = size;
    m.data = buf;
    CHECK_KR(mach_msg(&m.head, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
    memset((void *)buf, 0xa5, size);     /* after the send */
    struct any_msg in;
    CHECK_KR(msg_receive(port, &in, 1000));
    struct ool_msg *r = (void *)&in;
    const uint8_t *got = (const uint8_t *)r->data;
    bool old = r->type.msgtl_number == size;
    for (size_t i = 0; old && i < size; i += 997)
        old = got[i] == 0x5a;
    CHECK(old, "the receiver saw the sender's later writes");
    vm_deallocate(mach_task_self(), r->data, size);
    vm_deallocate(mach_task_self(), buf, size);
    mach_port_destroy(mach_task_self(), port);
}

/* ---- rights moved among three tasks ---- */

static void relay_child(void *arg)
{
    /* Receive a receive right from the parent and hand it back, moved again. */
    (void)arg;
    mach_port_t mine = msg_new_port();
    msg_send_port(tl_bootstrap_port(), mine, MACH_MSG_TYPE_MAKE_SEND, 1);
    struct any_msg m;
    if (msg_receive(mine, &m, 5000) != MACH_MSG_SUCCESS)
        return;
    mach_port_t got = msg_port_of(&m);
    mach_port_type_t t = 0;
    mach_port_type(mach_task_self(), got, &t);
    if (t & MACH_PORT_TYPE_RECEIVE)
        msg_send_port(tl_bootstrap_port(), got, MACH_MSG_TYPE_MOVE_RECEIVE, 2);
    msg_receive(mine, &m, 5000);        /* wait for the parent's go-ahead to end */
}

static void test_rights_three_tasks(void)
{
    mach_port_t back = msg_new_port();
    task_t b, c;
    struct any_msg m;
    CHECK_KR(tl_spawn(relay_child, NULL, back, &b));
    CHECK_KR(msg_receive(back, &m, 5000));
    mach_port_t to_b = msg_port_of(&m);
    CHECK_KR(tl_spawn(relay_child, NULL, back, &c));
    CHECK_KR(msg_receive(back, &m, 5000));
    mach_port_t to_c = msg_port_of(&m);
    /* A port whose receive right goes A -> B -> A -> C -> A. */
    mach_port_t p = msg_new_port();
    CHECK_KR(msg_send_port(to_b, p, MACH_MSG_TYPE_MOVE_RECEIVE, 3));
    mach_port_type_t t = 0;
    mach_port_type(mach_task_self(), p, &t);
    CHECK(t == MACH_PORT_TYPE_SEND, "after moving the receive right, %#x is left", t);
    CHECK_KR(msg_receive(back, &m, 5000));
    mach_port_t p2 = msg_port_of(&m);
    CHECK(p2 == p, "the receive right came back as %#x, not under %#x", p2, p);
    mach_port_type(mach_task_self(), p2, &t);
    CHECK(t == MACH_PORT_TYPE_SEND_RECEIVE, "type %#x after the round trip", t);
    CHECK_KR(msg_send_port(to_c, p2, MACH_MSG_TYPE_MOVE_RECEIVE, 3));
    CHECK_KR(msg_receive(back, &m, 5000));
    /* The right still works: a message to it arrives. */
    CHECK_KR(msg_send_int(p, 42, 77, 0, 0));
    CHECK_KR(msg_receive(p, &m, 1000));
    CHECK(m.head.msgh_id == 77, "got id %d", m.head.msgh_id);
    msg_send_int(to_b, 0, 0, 0, 0);
    msg_send_int(to_c, 0, 0, 0, 0);
    CHECK(tl_wait_dead(b, 5000) && tl_wait_dead(c, 5000), "children did not end");
    mach_port_destroy(mach_task_self(), p);
    mach_port_deallocate(mach_task_self(), to_b);
    mach_port_deallocate(mach_task_self(), to_c);
    mach_port_deallocate(mach_task_self(), b);
    mach_port_deallocate(mach_task_self(), c);
    mach_port_destroy(mach_task_self(), back);
}

/* ---- notifications ---- */

static void test_no_senders(void)
{
    mach_port_t p, notify = msg_new_port(), previous = MACH_PORT_NULL;
    CHECK_KR(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p));
    CHECK_KR(mach_port_insert_right(mach_task_self(), p, p, MACH_MSG_TYPE_MAKE_SEND));
    CHECK_KR(mach_port_request_notification(mach_task_self(), p, MACH_NOTIFY_NO_SENDERS, 0,
                                            notify, &previous));
    struct any_msg m;
    CHECK(msg_receive(notify, &m, 50) == MACH_RCV_TIMED_OUT, "no-senders too early");
    CHECK_KR(mach_port_deallocate(mach_task_self(), p));   /* the last send right */
    CHECK_KR(msg_receive(notify, &m, 1000));
    CHECK(m.head.msgh_id == MACH_NOTIFY_NO_SENDERS, "got id %d", m.head.msgh_id);
    mach_port_destroy(mach_task_self(), p);
    mach_port_destroy(mach_task_self(), notify);
}

static void dead_child(void *arg)
{
    (void)arg;
    mach_port_t mine = msg_new_port();
    msg_send_port(tl_bootstrap_port(), mine, MACH_MSG_TYPE_MAKE_SEND, 1);
    rvmach_sleep_ms(30);                /* then the task ends, and its port dies */
}

static void test_dead_name(void)
{
    mach_port_t back = msg_new_port(), notify = msg_new_port(), previous;
    task_t child;
    struct any_msg m;
    CHECK_KR(tl_spawn(dead_child, NULL, back, &child));
    CHECK_KR(msg_receive(back, &m, 5000));
    mach_port_t theirs = msg_port_of(&m);
    CHECK_KR(mach_port_request_notification(mach_task_self(), theirs, MACH_NOTIFY_DEAD_NAME, 0,
                                            notify, &previous));
    CHECK_KR(msg_receive(notify, &m, 5000));
    mach_dead_name_notification_t *dn = (void *)&m;
    CHECK(m.head.msgh_id == MACH_NOTIFY_DEAD_NAME && dn->not_port == theirs,
          "id %d port %#x", m.head.msgh_id, dn->not_port);
    mach_port_type_t t = 0;
    mach_port_type(mach_task_self(), theirs, &t);
    CHECK(t & MACH_PORT_TYPE_DEAD_NAME, "type %#x", t);
    mach_port_mod_refs(mach_task_self(), theirs, MACH_PORT_RIGHT_DEAD_NAME, -2);
    tl_wait_dead(child, 5000);
    mach_port_deallocate(mach_task_self(), child);
    mach_port_destroy(mach_task_self(), back);
    mach_port_destroy(mach_task_self(), notify);
}

/* ---- port-destroyed: the receive right comes back instead of dying ---- */

static void test_port_destroyed(void)
{
    mach_port_t p = msg_new_port(), notify = msg_new_port(), previous = MACH_PORT_NULL;
    struct any_msg m;
    CHECK_KR(mach_port_request_notification(mach_task_self(), p, MACH_NOTIFY_PORT_DESTROYED, 0,
                                            notify, &previous));
    CHECK(previous == MACH_PORT_NULL, "a previous request %#x", previous);
    CHECK_KR(msg_send_int(p, 42, 4242, 0, 0));      /* queued on p: must survive */
    CHECK_KR(mach_port_destroy(mach_task_self(), p));
    mach_port_type_t t = 0;
    CHECK(mach_port_type(mach_task_self(), p, &t) == KERN_INVALID_NAME, "the name %#x is still"
          " there (type %#x)", p, t);
    if (!CHECK(msg_receive(notify, &m, 5000) == MACH_MSG_SUCCESS, "no port-destroyed notice"))
        goto out;
    mach_port_destroyed_notification_t *pd = (void *)&m;
    CHECK(m.head.msgh_id == MACH_NOTIFY_PORT_DESTROYED, "id %d", m.head.msgh_id);
    CHECK(m.head.msgh_bits & MACH_MSGH_BITS_COMPLEX, "not complex: bits %#x", m.head.msgh_bits);
    CHECK(pd->not_type.msgt_name == MACH_MSG_TYPE_PORT_RECEIVE, "right type %u",
          pd->not_type.msgt_name);
    mach_port_t back = pd->not_port;
    t = 0;
    CHECK_KR(mach_port_type(mach_task_self(), back, &t));
    CHECK(t & MACH_PORT_TYPE_RECEIVE, "the right that came back is %#x", t);
    /* The message queued before the destroy is still on the port. */
    CHECK(msg_receive(back, &m, 1000) == MACH_MSG_SUCCESS && m.head.msgh_id == 4242,
          "the queued message was lost (id %d)", m.head.msgh_id);
    /* The request was used up: destroying the port now really destroys it. */
    CHECK_KR(mach_port_destroy(mach_task_self(), back));
    CHECK(msg_receive(notify, &m, 50) == MACH_RCV_TIMED_OUT, "a second notice");
out:
    mach_port_destroy(mach_task_self(), notify);
}

/* ---- a port set of 100 ports served by one thread ---- */

static void test_port_set(void)
{
    enum { N = 100 };
    mach_port_t set, ports[N];
    CHECK_KR(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, &set));
    for (int i = 0; i < N; i++) {
        ports[i] = msg_new_port();
        CHECK_KR(mach_port_move_member(mach_task_self(), ports[i], set));
    }
    for (int i = N - 1; i >= 0; i--)
        CHECK_KR(msg_send_int(ports[i], (uint32_t)i, 500 + i, 0, 0));
    static bool seen[N];
    memset(seen, 0, sizeof(seen));
    struct any_msg m;
    for (int i = 0; i < N; i++) {
        if (!CHECK(msg_receive(set, &m, 1000) == MACH_MSG_SUCCESS, "message %d missing", i))
            break;
        int id = m.head.msgh_id - 500;
        CHECK(id >= 0 && id < N && !seen[id] && m.head.msgh_local_port == ports[id],
              "bad message id %d on %#x", id, m.head.msgh_local_port);
        if (id >= 0 && id < N)
            seen[id] = true;
    }
    CHECK(msg_receive(set, &m, 20) == MACH_RCV_TIMED_OUT, "an extra message");
    CHECK(msg_receive(ports[0], &m, 20) == MACH_RCV_IN_SET, "receiving from a member directly");
    for (int i = 0; i < N; i++)
        mach_port_destroy(mach_task_self(), ports[i]);
    mach_port_destroy(mach_task_self(), set);
}

/* ---- timeouts ---- */

static void test_timeouts(void)
{
    mach_port_t p = msg_new_port();
    struct any_msg m;
    uint64_t t0 = rvmach_uptime_ns();
    CHECK(msg_receive(p, &m, 50) == MACH_RCV_TIMED_OUT, "receive did not time out");
    uint64_t waited = (rvmach_uptime_ns() - t0) / 1000000;
    CHECK(waited >= 40 && waited < 1000, "waited %lu ms for a 50 ms timeout", (unsigned long)waited);
    CHECK_KR(mach_port_set_qlimit(mach_task_self(), p, 1));
    CHECK_KR(msg_send_int(p, 1, 1, 0, 0));
    t0 = rvmach_uptime_ns();
    CHECK(msg_send_int(p, 2, 2, MACH_SEND_TIMEOUT, 50) == MACH_SEND_TIMED_OUT,
          "send to a full queue did not time out");
    waited = (rvmach_uptime_ns() - t0) / 1000000;
    CHECK(waited >= 40 && waited < 1000, "waited %lu ms for a 50 ms send timeout", (unsigned long)waited);
    CHECK(msg_send_int(p, 3, 3, MACH_SEND_TIMEOUT, 0) == MACH_SEND_TIMED_OUT, "zero timeout");
    CHECK_KR(msg_receive(p, &m, 100));
    mach_port_destroy(mach_task_self(), p);
}

/* ---- an exception handler that fixes the fault and resumes ---- */

static volatile int fixed_value;

static void faulting_child(void *arg)
{
    (void)arg;
    uintptr_t addr = 0x8;
    __asm__("" : "+r"(addr));           /* hide the constant from the compiler */
    int v = *(volatile int *)addr;      /* the handler skips this load and sets its register */
    fixed_value = v;
    msg_send_int(tl_bootstrap_port(), (uint32_t)v, 4242, 0, 0);
}

static mach_port_t exc_report;          /* where the handler tells the test what it did */

kern_return_t exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task,
                              integer_t exception, integer_t code, int64_t subcode)
{
    (void)port;
    struct riscv_thread_state ts;
    mach_msg_type_number_t n = RISCV_THREAD_STATE_COUNT;
    kern_return_t kr = thread_get_state(thread, RISCV_THREAD_STATE, (thread_state_t)&ts, &n);
    if (kr == KERN_SUCCESS && exception == EXC_BAD_ACCESS && subcode == 0x8) {
        /* Skip the faulting load (4 or 2 bytes) and give its register a value. */
        uint16_t insn = *(uint16_t *)ts.pc;
        unsigned rd = (insn & 3) == 3 ? (*(uint32_t *)ts.pc >> 7) & 31
                                      : ((insn >> 2) & 7) + 8u;
        ts.pc += (insn & 3) == 3 ? 4 : 2;
        ts.x[rd - 1] = 1234;
        kr = thread_set_state(thread, RISCV_THREAD_STATE, (thread_state_t)&ts, n);
    } else if (kr == KERN_SUCCESS) {
        kr = KERN_FAILURE;
    }
    msg_send_int(exc_report, (uint32_t)code, 1, 0, 0);
    mach_port_deallocate(mach_task_self(), thread);
    mach_port_deallocate(mach_task_self(), task);
    return kr;
}

static void test_exception_resume(void)
{
    mach_port_t back = msg_new_port(), exc = msg_new_port();
    exc_report = msg_new_port();
    task_t child;
    /* The child inherits our exception port at creation (ipc_task_init). */
    CHECK_KR(task_set_special_port(mach_task_self(), TASK_EXCEPTION_PORT, exc));
    CHECK_KR(tl_spawn(faulting_child, NULL, back, &child));
    CHECK_KR(task_set_special_port(mach_task_self(), TASK_EXCEPTION_PORT, MACH_PORT_NULL));
    struct any_msg in, out;
    CHECK_KR(msg_receive(exc, &in, 5000));
    CHECK(exc_server(&in.head, &out.head), "not an exception message (id %d)", in.head.msgh_id);
    CHECK_KR(mach_msg(&out.head, MACH_SEND_MSG, out.head.msgh_size, 0, MACH_PORT_NULL, 0,
                      MACH_PORT_NULL));
    struct any_msg m;
    CHECK_KR(msg_receive(back, &m, 5000));
    struct int_msg *im = (void *)&m;
    CHECK(m.head.msgh_id == 4242 && im->value == 1234, "the child went on with %u", im->value);
    CHECK(tl_wait_dead(child, 5000), "child did not end");
    mach_port_deallocate(mach_task_self(), child);
    mach_port_destroy(mach_task_self(), back);
    mach_port_destroy(mach_task_self(), exc);
    mach_port_destroy(mach_task_self(), exc_report);
}

/* ---- many clients and servers at once ---- */

#define STRESS_SERVERS 4
#define STRESS_CLIENTS 8
#define STRESS_CALLS 300

static mach_port_t stress_servers[STRESS_SERVERS];
static volatile int stress_errors, stress_done;

static void stress_client(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < STRESS_CALLS; i++) {
        int32_t y;
        mach_port_t s = stress_servers[(id + (unsigned)i) % STRESS_SERVERS];
        if (ping_int(s, i, &y) != KERN_SUCCESS || y != i + 1)
            __atomic_fetch_add(&stress_errors, 1, __ATOMIC_RELAXED);
    }
    __atomic_fetch_add(&stress_done, 1, __ATOMIC_RELEASE);
}

static void test_stress(void)
{
    task_t tasks[STRESS_SERVERS];
    for (int i = 0; i < STRESS_SERVERS; i++)
        stress_servers[i] = start_server(&tasks[i]);
    stress_errors = stress_done = 0;
    for (unsigned c = 0; c < STRESS_CLIENTS; c++)
        CHECK_KR(rvmach_thread_spawn(stress_client, (void *)(uintptr_t)c, 32 * 1024, NULL));
    for (int waited = 0; stress_done < STRESS_CLIENTS && waited < 30000; waited += 10)
        rvmach_sleep_ms(10);
    CHECK(stress_done == STRESS_CLIENTS, "%d of %d clients finished", stress_done, STRESS_CLIENTS);
    CHECK(stress_errors == 0, "%d calls failed", stress_errors);
    for (int i = 0; i < STRESS_SERVERS; i++)
        stop_server(stress_servers[i], tasks[i]);
}

/* ---- bad messages: each gets its error and leaves nothing behind ---- */

static void test_bad_messages(void)
{
    mach_port_t p = msg_new_port();
    struct any_msg m;
    memset(&m, 0, sizeof(m));
    m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    m.head.msgh_remote_port = p;
    m.head.msgh_size = sizeof(mach_msg_header_t);
    /* Too small, misaligned, too large. */
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, 8, 0, 0, 0, 0) == MACH_SEND_MSG_TOO_SMALL, "8 bytes");
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, 34, 0, 0, 0, 0) == MACH_SEND_MSG_TOO_SMALL, "34 bytes");
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, MACH_MSG_SIZE_MAX + 4, 0, 0, 0, 0) == MACH_SEND_NO_BUFFER,
          "more than MACH_MSG_SIZE_MAX");
    /* A destination that is not a send right, a bogus name, a bad disposition. */
    m.head.msgh_remote_port = 0x12345;
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, 32, 0, 0, 0, 0) == MACH_SEND_INVALID_DEST, "bogus dest");
    m.head.msgh_remote_port = p;
    m.head.msgh_bits = MACH_MSGH_BITS(7, 0);
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, 32, 0, 0, 0, 0) == MACH_SEND_INVALID_HEADER, "disposition 7");
    m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_RECEIVE);
    m.head.msgh_local_port = p;
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, 32, 0, 0, 0, 0) == MACH_SEND_INVALID_HEADER, "receive as reply");
    m.head.msgh_local_port = 0x999;
    m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, 32, 0, 0, 0, 0) == MACH_SEND_INVALID_REPLY, "bogus reply");
    /* Bad items: a descriptor past the end, a port item of the wrong size, bad OOL memory. */
    m.head.msgh_local_port = 0;
    m.head.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    mach_msg_type_t *t = (void *)m.body;
    *t = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32,
                            .msgt_number = 100, .msgt_inline = 1 };
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, 40, 0, 0, 0, 0) == MACH_SEND_MSG_TOO_SMALL, "data past end");
    *t = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_COPY_SEND, .msgt_size = 16,
                            .msgt_number = 1, .msgt_inline = 1 };
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, 40, 0, 0, 0, 0) == MACH_SEND_INVALID_TYPE, "port size 16");
    *t = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_COPY_SEND, .msgt_size = 32,
                            .msgt_number = 1, .msgt_inline = 1 };
    uint32_t bogus = 0x777;
    memcpy(m.body + 4, &bogus, 4);
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, 40, 0, 0, 0, 0) == MACH_SEND_INVALID_RIGHT, "bogus right");
    *t = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_BYTE, .msgt_size = 8,
                            .msgt_number = 100, .msgt_inline = 0 };
    uint64_t addr = 0x10;
    memcpy(m.body + 4, &addr, 8);
    CHECK(mach_msg(&m.head, MACH_SEND_MSG, 44, 0, 0, 0, 0) == MACH_SEND_INVALID_MEMORY, "OOL at 0x10");
    /* The message buffer itself unreadable. */
    CHECK(mach_msg((mach_msg_header_t *)0x10, MACH_SEND_MSG, 32, 0, 0, 0, 0) == MACH_SEND_INVALID_DATA,
          "header at 0x10");
    /* Receive: a bogus name, too small a buffer. */
    CHECK(mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof(m), 0x4444, 0, 0) == MACH_RCV_INVALID_NAME, "rcv name");
    CHECK_KR(msg_send_int(p, 5, 5, 0, 0));
    CHECK(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_LARGE, 0, 16, p, 0, 0) == MACH_RCV_TOO_LARGE,
          "too large (kept)");
    CHECK(m.head.msgh_size == sizeof(struct int_msg), "needed size %u", m.head.msgh_size);
    CHECK_KR(msg_receive(p, &m, 100));
    mach_port_destroy(mach_task_self(), p);
}

static struct rvmach_kstats start_stats;

static void test_no_leaks(void)
{
    CHECK(tl_wait_settled(&start_stats, 5000), "the kernel did not get everything back");
}

static void run_all(void)
{
    tl_run("ipc.rpc_mig", test_rpc);
    tl_run("ipc.ool_1mib", test_ool);
    tl_run("ipc.ool_snapshot", test_ool_snapshot);
    tl_run("ipc.rights_three_tasks", test_rights_three_tasks);
    tl_run("ipc.no_senders", test_no_senders);
    tl_run("ipc.dead_name", test_dead_name);
    tl_run("ipc.port_destroyed", test_port_destroyed);
    tl_run("ipc.port_set_100", test_port_set);
    tl_run("ipc.timeouts", test_timeouts);
    tl_run("ipc.exception_resume", test_exception_resume);
    tl_run("ipc.bad_messages", test_bad_messages);
    tl_run("ipc.stress", test_stress);
}

int main(void)
{
    tl_quiet(true);
    run_all();
    tl_quiet(false);
    start_stats = tl_stats_quiet();
    run_all();
    tl_run("ipc.no_leaks", test_no_leaks);
    return tl_finish();
}
