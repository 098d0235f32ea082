// SPDX-License-Identifier: MIT
/*
 * Message translation (ipc/ipc_kmsg.c): copyin then copyout of every item
 * kind as the receiver sees it — inline data of several sizes, inline
 * ports with each disposition, arrays of ports inline and out of line,
 * out-of-line memory with and without deallocate, PORT_NAME items, long
 * descriptors, reply rights — and every malformed message, which must get
 * its MACH_SEND_* code and leave no right, port, copy or memory behind.
 * Then the receive side's failures: no room for names, memory or data.
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
#include <machine/vm_param.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>
#include "ipc_host.h"

/* Task a sends to task b's receive right rb (a's send right: sab). */
struct fx {
    struct ipc_host_task *a, *b;
    mach_port_name_t rb, sab;
    struct ipc_port *pb;
};

static struct ipc_host_msg msg, out;    /* big: not on the stack */

static void fx_init(struct fx *f)
{
    f->a = ipc_host_task_create();
    f->b = ipc_host_task_create();
    assert_int_equal(ipc_right_alloc_receive(f->b->space, &f->rb), KERN_SUCCESS);
    f->pb = ipc_host_port(f->b, f->rb);
    assert_int_equal(ipc_right_copyout(f->a->space, ipc_port_make_send(f->pb),
                                       MACH_MSG_TYPE_PORT_SEND, &f->sab), KERN_SUCCESS);
}

static void fx_done(struct fx *f)
{
    ipc_host_task_destroy(f->a);
    ipc_host_task_destroy(f->b);
    ipc_host_check_clean();
}

/* A new receive right in `t`, with its port. */
static mach_port_name_t new_port(struct ipc_host_task *t, struct ipc_port **port)
{
    mach_port_name_t n;
    assert_int_equal(ipc_right_alloc_receive(t->space, &n), KERN_SUCCESS);
    if (port != NULL)
        *port = ipc_host_port(t, n);
    return n;
}

static mach_port_type_t type_of(struct ipc_host_task *t, mach_port_name_t n)
{
    mach_port_type_t type = 0;
    if (ipc_right_type(t->space, n, &type) != KERN_SUCCESS)
        return 0;
    return type & ~MACH_PORT_TYPE_DNREQUEST;
}

static unsigned urefs(struct ipc_host_task *t, mach_port_name_t n, mach_port_right_t right)
{
    mach_port_urefs_t r = 0;
    assert_int_equal(ipc_right_get_refs(t->space, n, right, &r), KERN_SUCCESS);
    return r;
}

/* Send msg from a, receive it in b into `out`; both must succeed. */
static void pass(struct fx *f)
{
    assert_int_equal(ipc_host_send(f->a, &msg), MACH_MSG_SUCCESS);
    assert_int_equal(ipc_host_receive(f->b, f->rb, &out, sizeof(out.w), 0), MACH_MSG_SUCCESS);
    assert_int_equal(out.hdr.msgh_local_port, f->rb);
}

static void start(struct fx *f, bool complex)
{
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) |
                      (complex ? MACH_MSGH_BITS_COMPLEX : 0), f->sab, MACH_PORT_NULL, 77);
}

/* The received item i, which must exist. */
static struct ipc_item item(unsigned i)
{
    struct ipc_item it;
    assert_true(ipc_host_msg_get_item(&out, i, &it));
    return it;
}

static const uint8_t *data_of(const struct ipc_item *it)
{
    return (const uint8_t *)out.w + it->data;
}

static mach_port_name_t name_at(const struct ipc_item *it, unsigned i)
{
    mach_port_name_t n;
    memcpy(&n, data_of(it) + 4 * i, 4);
    return n;
}

static vaddr_t addr_of(const struct ipc_item *it)
{
    uint64_t a;
    memcpy(&a, data_of(it), 8);
    return (vaddr_t)a;
}

/* ---- every item kind, as the receiver sees it ---- */

/* Plain bodies and typed inline data of many sizes arrive byte for byte. */
static void test_inline_data(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    static uint8_t bytes[20000];
    for (size_t i = 0; i < sizeof(bytes); i++)
        bytes[i] = (uint8_t)(i * 7 + 3);
    static const uint32_t plain[] = { 0, 4, 100, 1000, 20000 };
    for (unsigned i = 0; i < 5; i++) {
        start(&f, false);
        memcpy((uint8_t *)msg.w + msg.size, bytes, plain[i]);
        msg.size += plain[i];
        pass(&f);
        assert_int_equal(out.hdr.msgh_size, 32 + plain[i]);
        assert_int_equal(out.hdr.msgh_id, 77);
        assert_int_equal(out.hdr.msgh_bits, MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND));
        assert_memory_equal((uint8_t *)out.w + 32, bytes, plain[i]);
    }
    /* Typed items: name, bits per element, count (long form above 4095). */
    static const struct { unsigned name, size, number; } typed[] = {
        { MACH_MSG_TYPE_INTEGER_8, 8, 1 }, { MACH_MSG_TYPE_INTEGER_8, 8, 3 },
        { MACH_MSG_TYPE_CHAR, 8, 4095 }, { MACH_MSG_TYPE_INTEGER_8, 8, 4096 },
        { MACH_MSG_TYPE_INTEGER_16, 16, 5 }, { MACH_MSG_TYPE_INTEGER_32, 32, 1 },
        { MACH_MSG_TYPE_INTEGER_64, 64, 3 }, { MACH_MSG_TYPE_BOOLEAN, 1, 13 },
        { MACH_MSG_TYPE_INTEGER_32, 32, 0 }, { MACH_MSG_TYPE_INTEGER_8, 8, 15000 },
    };
    start(&f, true);
    for (unsigned i = 0; i < 10; i++) {
        size_t len = ((size_t)typed[i].size * typed[i].number + 7) / 8;
        ipc_host_msg_item(&msg, typed[i].name, typed[i].size, typed[i].number, true,
                          typed[i].number > 4095, false, bytes + i, len);
    }
    uint32_t sent = msg.size;
    pass(&f);
    assert_int_equal(out.hdr.msgh_size, sent);
    assert_int_equal(out.hdr.msgh_bits,
                     MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND));
    for (unsigned i = 0; i < 10; i++) {
        struct ipc_item it = item(i);
        assert_int_equal(it.name, typed[i].name);
        assert_int_equal(it.number, typed[i].number);
        assert_int_equal(it.longform, typed[i].number > 4095);
        assert_memory_equal(data_of(&it), bytes + i, ((size_t)typed[i].size * typed[i].number + 7) / 8);
    }
    fx_done(&f);
}

/* One inline right of each disposition; the receiver's names and counts. */
static void test_port_dispositions(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    struct ipc_port *pa;
    mach_port_name_t ra = new_port(f.a, &pa), so, n;
    assert_int_equal(ipc_right_copyout(f.a->space, ipc_port_make_send(pa),
                                       MACH_MSG_TYPE_PORT_SEND, &n), KERN_SUCCESS);
    assert_int_equal(n, ra);            /* send rights merge into the receive right's name */
    assert_int_equal(ipc_right_delta(f.a->space, ra, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);
    assert_int_equal(ipc_right_copyout(f.a->space, ipc_port_make_send_once(pa),
                                       MACH_MSG_TYPE_PORT_SEND_ONCE, &so), KERN_SUCCESS);
    start(&f, true);
    static const mach_msg_type_name_t disp[] = { MACH_MSG_TYPE_MOVE_SEND,
        MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE,
        MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_MSG_TYPE_MOVE_RECEIVE };
    for (unsigned i = 0; i < 6; i++)
        ipc_host_msg_port(&msg, disp[i], disp[i] == MACH_MSG_TYPE_MOVE_SEND_ONCE ? so : ra);
    pass(&f);
    /* The sender: one send right left, the receive and send-once rights gone. */
    assert_int_equal(type_of(f.a, ra), MACH_PORT_TYPE_SEND);
    assert_int_equal(urefs(f.a, ra, MACH_PORT_RIGHT_SEND), 1);
    assert_int_equal(type_of(f.a, so), 0);
    /* The receiver: send rights and the receive right under one name, send-once apart. */
    static const mach_msg_type_name_t got[] = { MACH_MSG_TYPE_PORT_SEND,
        MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE,
        MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_RECEIVE };
    struct ipc_item it0 = item(0);
    mach_port_name_t nb = name_at(&it0, 0);
    for (unsigned i = 0; i < 6; i++) {
        struct ipc_item it = item(i);
        assert_int_equal(it.name, got[i]);
        assert_int_equal(it.size, 32);
        if (got[i] == MACH_MSG_TYPE_PORT_SEND_ONCE) {
            assert_int_not_equal(name_at(&it, 0), nb);
            assert_int_equal(type_of(f.b, name_at(&it, 0)), MACH_PORT_TYPE_SEND_ONCE);
        } else {
            assert_int_equal(name_at(&it, 0), nb);
        }
    }
    assert_int_equal(type_of(f.b, nb), MACH_PORT_TYPE_SEND_RECEIVE);
    assert_int_equal(urefs(f.b, nb, MACH_PORT_RIGHT_SEND), 3);
    assert_int_equal(pa->srights, 2);   /* a's and b's */
    assert_int_equal(pa->sorights, 2);
    assert_ptr_equal(pa->receiver, f.b->space);
    assert_int_equal(pa->receiver_name, nb);
    assert_null(pa->destination);
    fx_done(&f);
}

/* Arrays of rights, inline and out of line (with and without deallocate). */
static void test_port_arrays(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    struct ipc_port *p1, *p2;
    mach_port_name_t r1 = new_port(f.a, &p1), r2 = new_port(f.a, &p2);
    mach_port_name_t names[5] = { r1, r2, MACH_PORT_NULL, MACH_PORT_DEAD, r1 };
    vaddr_t ool = ipc_host_map_alloc(f.a->map, PAGE_SIZE);
    memcpy((void *)ool, names, sizeof(names));
    vaddr_t ool2 = ipc_host_map_alloc(f.a->map, PAGE_SIZE);
    memcpy((void *)ool2, names, sizeof(names));
    start(&f, true);
    ipc_host_msg_item(&msg, MACH_MSG_TYPE_MAKE_SEND, 32, 5, true, false, false, names, 20);
    ipc_host_msg_ool(&msg, MACH_MSG_TYPE_MAKE_SEND_ONCE, 32, 5, false, ool);
    ipc_host_msg_ool(&msg, MACH_MSG_TYPE_MAKE_SEND, 32, 5, true, ool2);
    ipc_host_msg_ool(&msg, MACH_MSG_TYPE_MAKE_SEND, 32, 0, false, 0);
    ipc_host_set_current(f.a);
    pass(&f);
    assert_true(ipc_host_map_has(f.a->map, ool, PAGE_SIZE));     /* kept */
    assert_false(ipc_host_map_has(f.a->map, ool2, 4));           /* deallocated */
    struct ipc_item in = item(0), o1 = item(1), o2 = item(2), o3 = item(3);
    assert_int_equal(in.number, 5);
    assert_true(in.is_inline);
    mach_port_name_t b1 = name_at(&in, 0), b2 = name_at(&in, 1);
    assert_true(MACH_PORT_VALID(b1) && MACH_PORT_VALID(b2) && b1 != b2);
    assert_int_equal(name_at(&in, 2), MACH_PORT_NULL);
    assert_int_equal(name_at(&in, 3), MACH_PORT_DEAD);
    assert_int_equal(name_at(&in, 4), b1);
    assert_int_equal(urefs(f.b, b1, MACH_PORT_RIGHT_SEND), 4);  /* 2 inline + 2 ool */
    assert_false(o1.is_inline);
    assert_int_equal(o1.name, MACH_MSG_TYPE_PORT_SEND_ONCE);
    mach_port_name_t so[5];
    assert_true(ipc_host_map_has(f.b->map, addr_of(&o1), 20));
    memcpy(so, (void *)addr_of(&o1), 20);
    assert_int_equal(type_of(f.b, so[0]), MACH_PORT_TYPE_SEND_ONCE);
    assert_int_equal(type_of(f.b, so[4]), MACH_PORT_TYPE_SEND_ONCE);
    assert_true(so[0] != so[4] && so[2] == MACH_PORT_NULL && so[3] == MACH_PORT_DEAD);
    assert_true(ipc_host_map_has(f.b->map, addr_of(&o2), 20));
    assert_int_equal(memcmp((void *)addr_of(&o2), (mach_port_name_t[]){ b1, b2, 0, ~0u, b1 }, 20), 0);
    assert_int_equal(o3.number, 0);
    assert_int_equal(addr_of(&o3), 0);
    assert_int_equal(p1->sorights, 2);
    assert_int_equal(p1->srights, 1);
    fx_done(&f);
}

/* Out-of-line memory arrives at the same page offset; the sender's may go. */
static void test_ool_memory(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    vaddr_t r = ipc_host_map_alloc(f.a->map, 3 * PAGE_SIZE);
    for (size_t i = 0; i < 3 * PAGE_SIZE; i++)
        ((uint8_t *)r)[i] = (uint8_t)(i ^ (i >> 8));
    for (int dealloc = 0; dealloc < 2; dealloc++) {
        start(&f, true);
        ipc_host_msg_ool(&msg, MACH_MSG_TYPE_INTEGER_8, 8, 4000, dealloc, r + 100);
        ipc_host_msg_ool(&msg, MACH_MSG_TYPE_INTEGER_32, 32, 0, dealloc, r);
        uint8_t expect[4000];
        memcpy(expect, (void *)(r + 100), 4000);
        pass(&f);
        struct ipc_item it = item(0), empty = item(1);
        vaddr_t got = addr_of(&it);
        assert_int_equal(got & PAGE_MASK, 100);
        assert_true(ipc_host_map_has(f.b->map, got, 4000));
        assert_memory_equal((void *)got, expect, 4000);
        assert_int_equal(addr_of(&empty), 0);
        assert_int_equal(ipc_host_copies_live(), 0);
        /* Deallocate takes the pages around the data, and only those. */
        assert_int_equal(ipc_host_map_has(f.a->map, r, 2 * PAGE_SIZE), !dealloc);
        assert_true(ipc_host_map_has(f.a->map, r + 2 * PAGE_SIZE, PAGE_SIZE));
    }
    fx_done(&f);
}

/* PORT_NAME items are plain numbers: no right is taken or given. */
static void test_port_name_items(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    mach_port_name_t names[3] = { f.sab, 0x12345, MACH_PORT_DEAD };
    start(&f, true);
    ipc_host_msg_item(&msg, MACH_MSG_TYPE_PORT_NAME, 32, 3, true, false, false, names, 12);
    uint32_t before = ipc_space_count(f.b->space);
    pass(&f);
    struct ipc_item it = item(0);
    assert_int_equal(it.name, MACH_MSG_TYPE_PORT_NAME);
    assert_memory_equal(data_of(&it), names, 12);
    assert_int_equal(ipc_space_count(f.b->space), before);
    assert_int_equal(urefs(f.a, f.sab, MACH_PORT_RIGHT_SEND), 1);
    fx_done(&f);
}

/* Long descriptors for rights, data and memory keep their form. */
static void test_long_form(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    struct ipc_port *p;
    mach_port_name_t r = new_port(f.a, &p);
    mach_port_name_t three[3] = { r, r, r };
    vaddr_t mem = ipc_host_map_alloc(f.a->map, PAGE_SIZE);
    memset((void *)mem, 0x3c, 64);
    static uint8_t big[10000];
    memset(big, 0x77, sizeof(big));
    start(&f, true);
    ipc_host_msg_item(&msg, MACH_MSG_TYPE_MAKE_SEND, 32, 3, true, true, false, three, 12);
    ipc_host_msg_item(&msg, MACH_MSG_TYPE_BYTE, 8, sizeof(big), true, true, false, big,
                      sizeof(big));
    uint64_t a = mem;
    ipc_host_msg_item(&msg, MACH_MSG_TYPE_INTEGER_16, 16, 32, false, true, false, &a, 8);
    uint32_t sent = msg.size;
    pass(&f);
    assert_int_equal(out.hdr.msgh_size, sent);
    struct ipc_item ports = item(0), data = item(1), ool = item(2);
    assert_true(ports.longform && data.longform && ool.longform);
    assert_int_equal(ports.name, MACH_MSG_TYPE_PORT_SEND);
    assert_int_equal(ports.size, 32);
    assert_int_equal(name_at(&ports, 0), name_at(&ports, 2));
    assert_int_equal(urefs(f.b, name_at(&ports, 0), MACH_PORT_RIGHT_SEND), 3);
    assert_memory_equal(data_of(&data), big, sizeof(big));
    assert_int_equal(*(uint8_t *)addr_of(&ool), 0x3c);
    assert_int_equal(p->srights, 1);
    fx_done(&f);
}

/* A reply right: the receiver gets it as msgh_remote_port and answers through it. */
static void test_reply_rights(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    struct ipc_port *pa;
    mach_port_name_t ra = new_port(f.a, &pa);
    static const mach_msg_type_name_t ldisp[] = { MACH_MSG_TYPE_MAKE_SEND_ONCE,
                                                  MACH_MSG_TYPE_MAKE_SEND };
    for (unsigned i = 0; i < 2; i++) {
        ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, ldisp[i]), f.sab, ra, 5);
        pass(&f);
        mach_msg_type_name_t want = ipc_right_transit_type(ldisp[i]);
        assert_int_equal(out.hdr.msgh_bits, MACH_MSGH_BITS(want, MACH_MSG_TYPE_PORT_SEND));
        mach_port_name_t reply = out.hdr.msgh_remote_port;
        ipc_host_msg_init(&msg, MACH_MSGH_BITS(want, 0), reply, MACH_PORT_NULL, 105);
        assert_int_equal(ipc_host_send(f.b, &msg), MACH_MSG_SUCCESS);
        assert_int_equal(ipc_host_receive(f.a, ra, &out, sizeof(out.w), 0), MACH_MSG_SUCCESS);
        assert_int_equal(out.hdr.msgh_id, 105);
        assert_int_equal(out.hdr.msgh_local_port, ra);
        assert_int_equal(out.hdr.msgh_bits, MACH_MSGH_BITS(0, want));
        assert_int_equal(type_of(f.b, reply), 0);      /* moved back */
    }
    assert_int_equal(pa->sorights, 0);
    assert_int_equal(pa->srights, 0);
    fx_done(&f);
}

/* ---- malformed messages ---- */

/* What must not change when a send fails. */
struct snap {
    size_t ports, kmem, copies, pages_a;
    size_t names_a, names_b, srights, urefs, msgs;
};

static struct snap snap(struct fx *f)
{
    return (struct snap){ ipc_port_count(), ipc_host_kmem_live(), ipc_host_copies_live(),
                          ipc_host_map_pages(f->a->map), ipc_space_count(f->a->space),
                          ipc_space_count(f->b->space), f->pb->srights,
                          urefs(f->a, f->sab, MACH_PORT_RIGHT_SEND), f->pb->msgcount };
}

/*
 * Send msg from a: it must fail with `want` and leave everything as it
 * was, once the send-once notice a destroyed made send-once right sends
 * to `notified` (in a; MACH_PORT_NULL: none) is received.
 */
static void expect_refused_notice(struct fx *f, mach_msg_return_t want, int line,
                                  mach_port_name_t notified)
{
    struct snap b = snap(f);
    mach_msg_return_t got = ipc_host_send(f->a, &msg);
    if (got != want)
        fail_msg("case %d: send gave %#x, expected %#x", line, got, want);
    if (notified != MACH_PORT_NULL) {
        assert_int_equal(ipc_host_receive(f->a, notified, &out, sizeof(out.w), 0),
                         MACH_MSG_SUCCESS);
        assert_int_equal(out.hdr.msgh_id, MACH_NOTIFY_SEND_ONCE);
    }
    struct snap a = snap(f);
    if (a.ports != b.ports || a.kmem != b.kmem || a.copies != b.copies ||
        a.pages_a != b.pages_a || a.names_a != b.names_a || a.names_b != b.names_b ||
        a.srights != b.srights || a.urefs != b.urefs || a.msgs != b.msgs)
        fail_msg("case %d: left something behind (ports %zu->%zu kmem %zu->%zu copies %zu "
                 "pages %zu->%zu names %zu->%zu/%zu->%zu srights %zu->%zu urefs %zu->%zu "
                 "msgs %zu->%zu)", line, b.ports, a.ports, b.kmem, a.kmem, a.copies,
                 b.pages_a, a.pages_a, b.names_a, a.names_a, b.names_b, a.names_b,
                 b.srights, a.srights, b.urefs, a.urefs, b.msgs, a.msgs);
}
static void expect_refused(struct fx *f, mach_msg_return_t want, int line)
{
    expect_refused_notice(f, want, line, MACH_PORT_NULL);
}

#define REFUSED(f, mr) expect_refused((f), (mr), __LINE__)

/* A raw descriptor word. */
#define DESC(name, size, number, inl, lng, unused) \
    ((uint32_t)(name) | (uint32_t)(size) << 8 | (uint32_t)(number) << 16 | \
     (uint32_t)(inl) << 28 | (uint32_t)(lng) << 29 | (uint32_t)(unused) << 31)

static void put_word(uint32_t w)
{
    msg.w[msg.size / 4] = w;
    msg.size += 4;
}

/* Sizes, unreadable buffers, header bits and header rights. */
static void test_bad_headers(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    struct ipc_port *pa;
    mach_port_name_t ra = new_port(f.a, &pa), dead;
    assert_int_equal(ipc_right_alloc_dead(f.a->space, &dead), KERN_SUCCESS);
    start(&f, false);
    msg.size = 16;
    REFUSED(&f, MACH_SEND_MSG_TOO_SMALL);
    msg.size = 34;
    REFUSED(&f, MACH_SEND_MSG_TOO_SMALL);
    msg.size = MACH_MSG_SIZE_MAX + 4;
    REFUSED(&f, MACH_SEND_NO_BUFFER);
    msg.size = 32;
    ipc_host_copy_fail_after(0);
    REFUSED(&f, MACH_SEND_INVALID_DATA);
    ipc_host_copy_fail_after(-1);
    static const mach_msg_bits_t bad_bits[] = { 0x00010000 | MACH_MSG_TYPE_COPY_SEND,
        MACH_MSGH_BITS_CIRCULAR | MACH_MSG_TYPE_COPY_SEND, 0, MACH_MSG_TYPE_MOVE_RECEIVE, 22,
        MACH_MSG_TYPE_PORT_NAME, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 16),
        MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 30) };
    for (unsigned i = 0; i < 8; i++) {
        ipc_host_msg_init(&msg, bad_bits[i], f.sab, ra, 1);
        REFUSED(&f, MACH_SEND_INVALID_HEADER);
    }
    /* Destinations: no name, the wrong right, a dead name (which keeps its reference). */
    static const struct { mach_msg_type_name_t d; } dd[] = { { MACH_MSG_TYPE_MOVE_SEND_ONCE },
        { MACH_MSG_TYPE_MAKE_SEND } };
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0x4242, 0, 1);
    REFUSED(&f, MACH_SEND_INVALID_DEST);
    for (unsigned i = 0; i < 2; i++) {
        ipc_host_msg_init(&msg, MACH_MSGH_BITS(dd[i].d, 0), f.sab, 0, 1);
        REFUSED(&f, MACH_SEND_INVALID_DEST);
    }
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, 0), dead, 0, 1);
    REFUSED(&f, MACH_SEND_INVALID_DEST);
    assert_int_equal(urefs(f.a, dead, MACH_PORT_RIGHT_DEAD_NAME), 1);
    /* Replies: none with a name, no such name, wrong right: the destination stays. */
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, 0), f.sab, ra, 1);
    REFUSED(&f, MACH_SEND_INVALID_REPLY);
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
                      f.sab, 0x4242, 1);
    REFUSED(&f, MACH_SEND_INVALID_REPLY);
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND),
                      f.sab, ra, 1);
    REFUSED(&f, MACH_SEND_INVALID_REPLY);
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_COPY_SEND),
                      f.sab, dead, 1);
    REFUSED(&f, MACH_SEND_INVALID_REPLY);
    assert_int_equal(urefs(f.a, f.sab, MACH_PORT_RIGHT_SEND), 1);
    /* No memory for the kernel message. */
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), f.sab, 0, 1);
    msg.size = 1024;
    ipc_host_kmem_fail_after(0);
    REFUSED(&f, MACH_SEND_NO_BUFFER);
    ipc_host_kmem_fail_after(-1);
    assert_int_equal(pa->srights, 0);
    fx_done(&f);
}

/* Item descriptors the kernel cannot accept, and items running past the end. */
static void test_bad_descriptors(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    mach_port_name_t ra = new_port(f.a, NULL);
    static const struct { uint32_t w[4]; unsigned n; mach_msg_return_t mr; } bad[] = {
        { { DESC(MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 1), 0 }, 2, MACH_SEND_INVALID_TYPE },
        { { DESC(22, 32, 1, 1, 0, 0), 0 }, 2, MACH_SEND_INVALID_TYPE },
        { { DESC(255, 8, 1, 1, 0, 0), 0 }, 2, MACH_SEND_INVALID_TYPE },
        { { DESC(MACH_MSG_TYPE_COPY_SEND, 64, 1, 1, 0, 0), 0, 0 }, 3, MACH_SEND_INVALID_TYPE },
        { { DESC(MACH_MSG_TYPE_MOVE_SEND, 16, 1, 1, 0, 0), 0 }, 2, MACH_SEND_INVALID_TYPE },
        { { DESC(MACH_MSG_TYPE_PORT_NAME, 16, 1, 1, 0, 0), 0 }, 2, MACH_SEND_INVALID_TYPE },
        { { DESC(MACH_MSG_TYPE_INTEGER_32, 0, 3, 1, 0, 0), 0 }, 2, MACH_SEND_INVALID_TYPE },
        { { DESC(MACH_MSG_TYPE_INTEGER_32, 32, 3, 1, 0, 0), 0 }, 2, MACH_SEND_MSG_TOO_SMALL },
        { { DESC(0, 0, 0, 1, 1, 0), MACH_MSG_TYPE_BYTE | 8 << 16 }, 2, MACH_SEND_MSG_TOO_SMALL },
        { { DESC(MACH_MSG_TYPE_INTEGER_32, 32, 1, 0, 0, 0), 0 }, 2, MACH_SEND_MSG_TOO_SMALL },
        { { DESC(0, 0, 0, 1, 1, 0), MACH_MSG_TYPE_INTEGER_64 | 64 << 16, 0xffffffff, 0 }, 4,
          MACH_SEND_MSG_TOO_SMALL },
        { { DESC(0, 0, 0, 1, 1, 0), 30 | 32 << 16, 1, 0 }, 4, MACH_SEND_INVALID_TYPE },
        { { DESC(0, 0, 0, 1, 1, 0), MACH_MSG_TYPE_MAKE_SEND | 64 << 16, 1, 0 }, 4,
          MACH_SEND_INVALID_TYPE },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* A good right first: what was taken before the bad item must come back. */
        ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
                          f.sab, 0, 1);
        ipc_host_msg_port(&msg, MACH_MSG_TYPE_MAKE_SEND, ra);
        for (unsigned k = 0; k < bad[i].n; k++)
            put_word(bad[i].w[k]);
        expect_refused(&f, bad[i].mr, 1000 + (int)i);
    }
    fx_done(&f);
}

/* Rights that do not exist or are not there, bad memory: earlier rights come back. */
static void test_bad_rights_and_memory(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    struct ipc_port *pa;
    mach_port_name_t ra = new_port(f.a, &pa), so;
    assert_int_equal(ipc_right_copyout(f.a->space, ipc_port_make_send_once(pa),
                                       MACH_MSG_TYPE_PORT_SEND_ONCE, &so), KERN_SUCCESS);
    vaddr_t mem = ipc_host_map_alloc(f.a->map, PAGE_SIZE);
    mach_port_name_t bad_names[2] = { ra, 0x4242 };
    memcpy((void *)mem, bad_names, 8);
    static const struct { mach_msg_type_name_t d; int which; } wrong[] = {
        { MACH_MSG_TYPE_COPY_SEND, 1 }, { MACH_MSG_TYPE_MOVE_RECEIVE, 2 },
        { MACH_MSG_TYPE_MOVE_SEND_ONCE, 0 }, { MACH_MSG_TYPE_MOVE_SEND, 0 },
        { MACH_MSG_TYPE_MAKE_SEND, 2 }, { MACH_MSG_TYPE_MOVE_RECEIVE, 3 },
    };
    mach_port_name_t by[4] = { ra, 0x4242, f.sab, so };
    for (unsigned i = 0; i < 6; i++) {
        start(&f, true);
        ipc_host_msg_port(&msg, MACH_MSG_TYPE_MAKE_SEND, ra);
        ipc_host_msg_port(&msg, MACH_MSG_TYPE_MAKE_SEND_ONCE, ra);
        ipc_host_msg_port(&msg, wrong[i].d, by[wrong[i].which]);
        expect_refused_notice(&f, MACH_SEND_INVALID_RIGHT, 2000 + (int)i, ra);
        assert_int_equal(pa->srights + pa->sorights, 1);    /* only the send-once name */
    }
    /* Out-of-line memory or names that are not there, or too many. */
    static const struct { unsigned name, number; vaddr_t addr; bool lng; mach_msg_return_t mr; } m[] = {
        { MACH_MSG_TYPE_INTEGER_8, 100, 0, false, MACH_SEND_INVALID_MEMORY },
        { MACH_MSG_TYPE_INTEGER_8, 100, 0x1000, false, MACH_SEND_INVALID_MEMORY },
        { MACH_MSG_TYPE_INTEGER_8, 100, 1, false, MACH_SEND_INVALID_MEMORY },
        { MACH_MSG_TYPE_INTEGER_8, 2 * PAGE_SIZE, 2, true, MACH_SEND_INVALID_MEMORY },
        { MACH_MSG_TYPE_INTEGER_8, 0xffffffff, 3, true, MACH_SEND_INVALID_MEMORY },
        { MACH_MSG_TYPE_COPY_SEND, 2, 0, false, MACH_SEND_INVALID_MEMORY },
        { MACH_MSG_TYPE_COPY_SEND, 2, 2, false, MACH_SEND_INVALID_RIGHT },
        { MACH_MSG_TYPE_COPY_SEND, MACH_MSG_SIZE_MAX + 1, 2, true, MACH_SEND_INVALID_DATA },
        { MACH_MSG_TYPE_COPY_SEND, 4000, 2, false, MACH_SEND_INVALID_MEMORY },
    };
    for (unsigned i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        vaddr_t addr = m[i].addr == 1 ? ipc_host_unmapped_addr()
                     : m[i].addr == 2 ? mem : m[i].addr == 3 ? mem + 8 : m[i].addr;
        start(&f, true);
        ipc_host_msg_port(&msg, MACH_MSG_TYPE_MAKE_SEND, ra);
        ipc_host_msg_ool(&msg, MACH_MSG_TYPE_INTEGER_8, 8, 16, false, mem);
        uint64_t a = addr;
        ipc_host_msg_item(&msg, m[i].name, m[i].name == MACH_MSG_TYPE_INTEGER_8 ? 8 : 32,
                          m[i].number, false, m[i].lng, true, &a, 8);
        /* The first out-of-line item was copied before the bad one: the copy goes too. */
        expect_refused(&f, m[i].mr, 3000 + (int)i);
        assert_int_equal(pa->srights, 0);
    }
    /* No memory for the kernel's array of an out-of-line port array. */
    start(&f, true);
    ipc_host_msg_ool(&msg, MACH_MSG_TYPE_COPY_SEND, 32, 2, false, mem);
    ipc_host_kmem_fail_after(1);
    REFUSED(&f, MACH_SEND_NO_BUFFER);
    ipc_host_kmem_fail_after(-1);
    fx_done(&f);
}

/* A receive right sent inside its own queue, directly or through others. */
static void test_circular(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    struct ipc_port *p1, *p2, *p3;
    mach_port_name_t r1 = new_port(f.a, &p1), r2 = new_port(f.a, &p2), r3 = new_port(f.a, &p3);
    /* r1 to itself. */
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
                      r1, 0, 1);
    ipc_host_msg_port(&msg, MACH_MSG_TYPE_MOVE_RECEIVE, r1);
    assert_int_equal(ipc_host_send(f.a, &msg), MACH_SEND_INVALID_RIGHT);
    assert_int_equal(type_of(f.a, r1), 0);      /* the right was destroyed with the message */
    assert_int_equal(ipc_port_count(), 3);
    /* r2 queued on r3, then r3 sent to r2: r3 -> r2 -> r3. */
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
                      r3, 0, 2);
    ipc_host_msg_port(&msg, MACH_MSG_TYPE_MOVE_RECEIVE, r2);
    assert_int_equal(ipc_host_send(f.a, &msg), MACH_MSG_SUCCESS);
    assert_ptr_equal(p2->destination, p3);
    assert_int_equal(p3->refs, 3);      /* its receive right, the message's send right, p2's link */
    /* Move p3 (with p2 in its queue) to b. */
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
                      f.sab, 0, 3);
    ipc_host_msg_port(&msg, MACH_MSG_TYPE_MOVE_RECEIVE, r3);
    assert_int_equal(ipc_host_send(f.a, &msg), MACH_MSG_SUCCESS);    /* to b: fine */
    assert_int_equal(ipc_host_receive(f.b, f.rb, &out, sizeof(out.w), 0), MACH_MSG_SUCCESS);
    struct ipc_item it = item(0);
    mach_port_name_t b3 = name_at(&it, 0);
    assert_null(p3->destination);       /* received: no longer in transit */
    assert_int_equal(p3->refs, 3);
    assert_ptr_equal(p2->destination, p3);
    /* b now holds p3, whose queue holds p2: sending p3 to p2 closes the loop. */
    struct ipc_port *p2s = ipc_port_make_send(p2);
    mach_port_name_t b2;
    assert_int_equal(ipc_right_copyout(f.b->space, p2s, MACH_MSG_TYPE_PORT_SEND, &b2),
                     KERN_SUCCESS);
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
                      b2, 0, 4);
    ipc_host_msg_port(&msg, MACH_MSG_TYPE_MOVE_RECEIVE, b3);
    assert_int_equal(ipc_host_send(f.b, &msg), MACH_SEND_INVALID_RIGHT);
    /* p3 died with the refused message, and p2 (in its queue) with it. */
    assert_int_equal(type_of(f.b, b3), 0);
    assert_int_equal(type_of(f.b, b2), MACH_PORT_TYPE_DEAD_NAME);
    assert_int_equal(ipc_port_count(), 1);
    fx_done(&f);
}

/* ---- the receive side ---- */

/* The receiver's space is full: rights are destroyed, the error says where. */
static void test_receiver_full(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    struct ipc_port *pa;
    mach_port_name_t ra = new_port(f.a, &pa), n;
    while (ipc_right_alloc_dead(f.b->space, &n) == KERN_SUCCESS)
        continue;
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
                      f.sab, ra, 1);
    assert_int_equal(ipc_host_send(f.a, &msg), MACH_MSG_SUCCESS);
    assert_int_equal(ipc_host_receive(f.b, f.rb, &out, sizeof(out.w), 0),
                     MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE);
    assert_int_equal(pa->sorights, 1);          /* now carried by its send-once notice */
    assert_int_equal(pa->msgcount, 1);
    start(&f, true);
    ipc_host_msg_port(&msg, MACH_MSG_TYPE_MAKE_SEND, ra);
    ipc_host_msg_port(&msg, MACH_MSG_TYPE_MOVE_RECEIVE, ra);
    assert_int_equal(ipc_host_send(f.a, &msg), MACH_MSG_SUCCESS);
    assert_int_equal(ipc_host_receive(f.b, f.rb, &out, sizeof(out.w), 0),
                     MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE);
    assert_int_equal(name_at(&(struct ipc_item){ .data = item(0).data }, 0), MACH_PORT_NULL);
    assert_int_equal(ipc_port_count(), 1);      /* pa died: its receive right had nowhere to go */
    fx_done(&f);
}

/* No room in the receiver's address space: memory and port arrays are destroyed. */
static void test_receiver_no_vm(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    struct ipc_port *pa;
    mach_port_name_t ra = new_port(f.a, &pa);
    vaddr_t mem = ipc_host_map_alloc(f.a->map, PAGE_SIZE);
    memcpy((void *)mem, (mach_port_name_t[]){ ra, ra }, 8);
    start(&f, true);
    ipc_host_msg_ool(&msg, MACH_MSG_TYPE_INTEGER_8, 8, 100, false, mem);
    ipc_host_msg_ool(&msg, MACH_MSG_TYPE_MAKE_SEND, 32, 2, false, mem);
    assert_int_equal(ipc_host_send(f.a, &msg), MACH_MSG_SUCCESS);
    uint32_t names = ipc_space_count(f.b->space);
    size_t pages = ipc_host_map_pages(f.b->map);
    ipc_host_vm_fail_after(0);
    assert_int_equal(ipc_host_receive(f.b, f.rb, &out, sizeof(out.w), 0),
                     MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE);
    ipc_host_vm_fail_after(-1);
    assert_int_equal(addr_of(&(struct ipc_item){ .data = item(0).data }), 0);
    assert_int_equal(addr_of(&(struct ipc_item){ .data = item(1).data }), 0);
    assert_int_equal(ipc_space_count(f.b->space), names);   /* no right given unnamed */
    assert_int_equal(ipc_host_map_pages(f.b->map), pages);
    assert_int_equal(pa->srights, 0);
    assert_int_equal(ipc_host_copies_live(), 0);
    fx_done(&f);
}

/* Too small a buffer: kept with MACH_RCV_LARGE, else destroyed with its rights. */
static void test_too_large(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    struct ipc_port *pa;
    mach_port_name_t ra = new_port(f.a, &pa);
    ipc_host_msg_init(&msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
                      MACH_MSGH_BITS_COMPLEX, f.sab, ra, 9);
    ipc_host_msg_port(&msg, MACH_MSG_TYPE_MAKE_SEND, ra);
    uint32_t size = msg.size;
    assert_int_equal(ipc_host_send(f.a, &msg), MACH_MSG_SUCCESS);
    assert_int_equal(ipc_host_receive(f.b, f.rb, &out, 32, MACH_RCV_LARGE), MACH_RCV_TOO_LARGE);
    assert_int_equal(out.hdr.msgh_size, size);
    assert_int_equal(f.pb->msgcount, 1);
    assert_int_equal(ipc_host_receive(f.b, f.rb, &out, 32, 0), MACH_RCV_TOO_LARGE);
    assert_int_equal(f.pb->msgcount, 0);
    assert_int_equal(pa->srights, 0);
    assert_int_equal(pa->sorights, 1);          /* carried by the send-once notice */
    assert_int_equal(ipc_host_receive(f.a, ra, &out, sizeof(out.w), 0), MACH_MSG_SUCCESS);
    assert_int_equal(out.hdr.msgh_id, MACH_NOTIFY_SEND_ONCE);
    assert_int_equal(pa->sorights, 0);
    fx_done(&f);
}

/* The receiver's buffer cannot be written: the rights are in its space regardless. */
static void test_unwritable_buffer(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    mach_port_name_t ra = new_port(f.a, NULL);
    start(&f, true);
    ipc_host_msg_port(&msg, MACH_MSG_TYPE_MAKE_SEND, ra);
    assert_int_equal(ipc_host_send(f.a, &msg), MACH_MSG_SUCCESS);
    uint32_t names = ipc_space_count(f.b->space);
    ipc_host_copy_fail_after(0);
    assert_int_equal(ipc_host_receive(f.b, f.rb, &out, sizeof(out.w), 0), MACH_RCV_INVALID_DATA);
    ipc_host_copy_fail_after(-1);
    assert_int_equal(ipc_space_count(f.b->space), names + 1);
    fx_done(&f);
}

int main(void)
{
    ipc_host_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inline_data),
        cmocka_unit_test(test_port_dispositions),
        cmocka_unit_test(test_port_arrays),
        cmocka_unit_test(test_ool_memory),
        cmocka_unit_test(test_port_name_items),
        cmocka_unit_test(test_long_form),
        cmocka_unit_test(test_reply_rights),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_bad_descriptors),
        cmocka_unit_test(test_bad_rights_and_memory),
        cmocka_unit_test(test_circular),
        cmocka_unit_test(test_receiver_full),
        cmocka_unit_test(test_receiver_no_vm),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_unwritable_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
