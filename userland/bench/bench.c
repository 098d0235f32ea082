// SPDX-License-Identifier: MIT
/*
 * Kernel benchmarks, in guest instructions per operation.  Run under QEMU
 * with -icount shift=0 -smp 1: the `instret` counter then counts every
 * instruction the hart retires (kernel and user, both sides of a switch),
 * so the numbers are exact and repeatable.  Each figure is the median of
 * several runs; each prints one line `BENCH <name> <instructions per op>`.
 */
#include <stdlib.h>
#include <string.h>
#include "msgutil.h"
#include "ping.h"
#include "pingServer.h"     /* MIG: the S_ping_* prototypes */
#include "testlib.h"

boolean_t ping_server(mach_msg_header_t *in, mach_msg_header_t *out);  /* MIG demux */

#define PAGE 4096UL
#define RUNS 7

static inline uint64_t instret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Run fn(n) RUNS times; print the median of (instructions / n). */
static void bench(const char *name, uint64_t (*fn)(unsigned n), unsigned n)
{
    uint64_t per[RUNS];
    fn(n / 4 + 1);                      /* warm up: page tables, zones, caches */
    for (int r = 0; r < RUNS; r++)
        per[r] = fn(n) / n;
    qsort(per, RUNS, sizeof(per[0]), cmp_u64);
    printf("BENCH %s %lu\n", name, (unsigned long)per[RUNS / 2]);
}

/* ---- traps and switches ---- */

static uint64_t b_null_trap(unsigned n)
{
    uint64_t t0 = instret();
    for (unsigned i = 0; i < n; i++)
        rvmach_null_trap();
    return instret() - t0;
}

static volatile int yield_stop;

static void yielder(void *arg)
{
    (void)arg;
    while (!yield_stop)
        swtch();
}

/* Two threads of this task taking turns: each swtch() is one switch. */
static uint64_t b_thread_yield(unsigned n)
{
    uint64_t t0 = instret();
    for (unsigned i = 0; i < n; i++)
        swtch();                        /* to the other thread and back: two yields */
    return (instret() - t0) / 2;
}

static void task_yielder(void *arg)
{
    (void)arg;
    for (;;)
        swtch();
}

/* The same between two tasks (an address-space switch each time). */
static uint64_t b_task_switch(unsigned n)
{
    return b_thread_yield(n);
}

/* ---- faults ---- */

static uint64_t b_zero_fill(unsigned n)
{
    vm_address_t a = 0;
    vm_allocate(mach_task_self(), &a, n * PAGE, TRUE);
    uint64_t t0 = instret();
    for (unsigned i = 0; i < n; i++)
        ((volatile char *)a)[i * PAGE] = 1;
    uint64_t d = instret() - t0;
    vm_deallocate(mach_task_self(), a, n * PAGE);
    return d;
}

static uint64_t b_cow(unsigned n)
{
    vm_address_t src = 0, dst = 0;
    vm_allocate(mach_task_self(), &src, n * PAGE, TRUE);
    vm_allocate(mach_task_self(), &dst, n * PAGE, TRUE);
    for (unsigned i = 0; i < n; i++)
        ((volatile char *)src)[i * PAGE] = 1;
    vm_copy(mach_task_self(), src, n * PAGE, dst);
    for (unsigned i = 0; i < n; i++)    /* map the copy read-only first */
        (void)((volatile char *)dst)[i * PAGE];
    uint64_t t0 = instret();
    for (unsigned i = 0; i < n; i++)
        ((volatile char *)dst)[i * PAGE] = 2;
    uint64_t d = instret() - t0;
    vm_deallocate(mach_task_self(), src, n * PAGE);
    vm_deallocate(mach_task_self(), dst, n * PAGE);
    return d;
}

/* ---- IPC ---- */

static mach_port_t server;

static uint64_t b_null_rpc(unsigned n)
{
    int32_t y;
    uint64_t t0 = instret();
    for (unsigned i = 0; i < n; i++)
        ping_int(server, (int32_t)i, &y);
    return instret() - t0;
}

static char page_data[4096];

static uint64_t b_inline_4k(unsigned n)
{
    uint32_t sum;
    uint64_t t0 = instret();
    for (unsigned i = 0; i < n; i++)
        ping_inline(server, page_data, sizeof(page_data), &sum);
    return instret() - t0;
}

static uint64_t b_oneway(unsigned n)
{
    mach_port_t p = msg_new_port();
    struct any_msg m;
    uint64_t t0 = instret();
    for (unsigned i = 0; i < n; i++) {
        msg_send_int(p, i, 1, 0, 0);
        msg_receive(p, &m, 0);
    }
    uint64_t d = instret() - t0;
    mach_port_destroy(mach_task_self(), p);
    return d;
}

/* 1 MiB sent out of line to our own port, received (mapped), deallocated. */
static uint64_t b_ool_1m(unsigned n)
{
    const size_t size = 1UL << 20;
    mach_port_t p = msg_new_port();
    vm_address_t buf = 0;
    vm_allocate(mach_task_self(), &buf, size, TRUE);
    memset((void *)buf, 7, size);
    struct any_msg in;
    uint64_t t0 = instret();
    for (unsigned i = 0; i < n; i++) {
        struct ool_msg m = {
            .head = { .msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
                      .msgh_size = sizeof(m), .msgh_remote_port = p },
            .type = { .msgtl_header = { .msgt_longform = 1 }, .msgtl_name = MACH_MSG_TYPE_BYTE,
                      .msgtl_size = 8, .msgtl_number = size },
            .data = buf,
        };
        mach_msg(&m.head, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0);
        msg_receive(p, &in, 0);
        vm_deallocate(mach_task_self(), ((struct ool_msg *)&in)->data, size);
    }
    uint64_t d = instret() - t0;
    vm_deallocate(mach_task_self(), buf, size);
    mach_port_destroy(mach_task_self(), p);
    return d;
}

static uint64_t b_port_alloc(unsigned n)
{
    mach_port_t p;
    uint64_t t0 = instret();
    for (unsigned i = 0; i < n; i++) {
        mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p);
        mach_port_destroy(mach_task_self(), p);
    }
    return instret() - t0;
}

/* ---- the server task for the RPC benchmarks ---- */

static void serve_pings(mach_port_t port)
{
    static struct any_msg a, b;
    struct any_msg *in = &a, *out = &b;
    mach_msg_return_t mr = msg_receive(port, in, 0);
    while (mr == MACH_MSG_SUCCESS) {
        ping_server(&in->head, &out->head);
        /* Reply and wait for the next request in one trap, as real servers do. */
        mr = mach_msg(&out->head, MACH_SEND_MSG | MACH_RCV_MSG, out->head.msgh_size,
                      sizeof(*out), port, 0, MACH_PORT_NULL);
        struct any_msg *t = in;         /* the request arrived in `out` */
        in = out;
        out = t;
    }
}

kern_return_t S_ping_int(mach_port_t s, int32_t x, int32_t *y) { (void)s; *y = x + 1; return KERN_SUCCESS; }
kern_return_t S_ping_inline(mach_port_t s, const inline_data_t d, mach_msg_type_number_t c, uint32_t *sum)
{ (void)s; (void)d; *sum = c; return KERN_SUCCESS; }
kern_return_t S_ping_ool(mach_port_t s, vm_offset_t d, mach_msg_type_number_t c, uint64_t *sum)
{ (void)s; vm_deallocate(mach_task_self(), d, c); *sum = c; return KERN_SUCCESS; }
kern_return_t S_ping_oneway(mach_port_t s, int32_t x) { (void)s; (void)x; return KERN_SUCCESS; }
kern_return_t S_ping_port(mach_port_t s, mach_port_t p, uint32_t *t)
{ (void)s; mach_port_deallocate(mach_task_self(), p); *t = 0; return KERN_SUCCESS; }

static void server_child(void *arg)
{
    (void)arg;
    mach_port_t port = msg_new_port();
    msg_send_port(tl_bootstrap_port(), port, MACH_MSG_TYPE_MAKE_SEND, 1);
    serve_pings(port);
}

int main(void)
{
    bench("null_trap", b_null_trap, 2000);
    yield_stop = 0;
    rvmach_thread_spawn(yielder, NULL, 16384, NULL);
    bench("thread_yield", b_thread_yield, 1000);
    yield_stop = 1;
    swtch();
    rvmach_sleep_ms(5);
    task_t other;
    tl_spawn(task_yielder, NULL, MACH_PORT_NULL, &other);
    bench("task_switch", b_task_switch, 1000);
    task_terminate(other);
    bench("zero_fill_fault", b_zero_fill, 256);
    bench("cow_fault", b_cow, 256);

    mach_port_t rendezvous = msg_new_port();
    task_t srv;
    struct any_msg m;
    tl_spawn(server_child, NULL, rendezvous, &srv);
    msg_receive(rendezvous, &m, 0);
    server = msg_port_of(&m);
    bench("null_rpc", b_null_rpc, 1000);
    bench("oneway_send_receive", b_oneway, 1000);
    bench("inline_4k_rpc", b_inline_4k, 500);
    bench("ool_1mib_transfer", b_ool_1m, 20);
    bench("port_allocate_destroy", b_port_alloc, 500);
    task_terminate(srv);
    printf("BENCH done\n");
    fflush(stdout);
    if (rvmach_host_priv != MACH_PORT_NULL)
        host_reboot(rvmach_host_priv, 0);
    return 0;
}
