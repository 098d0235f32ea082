// SPDX-License-Identifier: MIT
/*
 * One operation between two markers, for instruction-level profiling: run
 * QEMU with -icount shift=0 -singlestep -d exec,nochain and count the
 * instructions between prof_start and prof_end (docs/benchmarks.md).
 *   init=rpcprof [rpc|trap|yield|zerofill|cow]
 */
#include <string.h>
#include "msgutil.h"
#include "ping.h"
#include "pingServer.h"     /* MIG: the S_ping_* prototypes */
#include "testlib.h"

boolean_t ping_server(mach_msg_header_t *in, mach_msg_header_t *out);  /* MIG demux */

kern_return_t S_ping_int(mach_port_t s, int32_t x, int32_t *y) { (void)s; *y = x + 1; return KERN_SUCCESS; }
kern_return_t S_ping_inline(mach_port_t s, const inline_data_t d, mach_msg_type_number_t c, uint32_t *sum)
{ (void)s; (void)d; *sum = c; return KERN_SUCCESS; }
kern_return_t S_ping_ool(mach_port_t s, vm_offset_t d, mach_msg_type_number_t c, uint64_t *sum)
{ (void)s; (void)d; *sum = c; return KERN_SUCCESS; }
kern_return_t S_ping_oneway(mach_port_t s, int32_t x) { (void)s; (void)x; return KERN_SUCCESS; }
kern_return_t S_ping_port(mach_port_t s, mach_port_t p, uint32_t *t) { (void)s; (void)p; *t = 0; return KERN_SUCCESS; }

__attribute__((noinline)) void prof_start(void) { __asm__ volatile(""); }
__attribute__((noinline)) void prof_end(void) { __asm__ volatile(""); }

static void server_child(void *arg)
{
    (void)arg;
    static struct any_msg a, b;
    struct any_msg *in = &a, *out = &b;
    mach_port_t port = msg_new_port();
    msg_send_port(tl_bootstrap_port(), port, MACH_MSG_TYPE_MAKE_SEND, 1);
    mach_msg_return_t mr = msg_receive(port, in, 0);
    while (mr == MACH_MSG_SUCCESS) {
        ping_server(&in->head, &out->head);
        mr = mach_msg(&out->head, MACH_SEND_MSG | MACH_RCV_MSG, out->head.msgh_size,
                      sizeof(*out), port, 0, MACH_PORT_NULL);
        struct any_msg *t = in;
        in = out;
        out = t;
    }
}

static volatile int stop;

static void other(void *arg)
{
    (void)arg;
    while (!stop)
        swtch();
}

static void profile_other(const char *what)
{
    vm_address_t a = 0, b = 0;
    vm_allocate(mach_task_self(), &a, 16 * 4096, TRUE);
    vm_allocate(mach_task_self(), &b, 16 * 4096, TRUE);
    if (strcmp(what, "yield") == 0) {
        rvmach_thread_spawn(other, NULL, 16384, NULL);
        for (int i = 0; i < 50; i++)
            swtch();
    }
    for (int i = 0; i < 8; i++)         /* warm up the fault paths */
        ((volatile char *)a)[i * 4096] = 1;
    vm_copy(mach_task_self(), a, 16 * 4096, b);
    (void)((volatile char *)b)[12 * 4096];
    (void)((volatile char *)b)[13 * 4096];
    ((volatile char *)b)[13 * 4096] = 1;
    prof_start();
    if (strcmp(what, "trap") == 0)
        rvmach_null_trap();
    else if (strcmp(what, "yield") == 0)
        swtch();
    else if (strcmp(what, "zerofill") == 0)
        ((volatile char *)a)[10 * 4096] = 1;
    else if (strcmp(what, "cow") == 0)
        ((volatile char *)b)[12 * 4096] = 2;
    prof_end();
    stop = 1;
    printf("done\n");
    host_reboot(rvmach_host_priv, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "rpc") != 0)
        profile_other(argv[1]);
    mach_port_t rendezvous = msg_new_port();
    task_t srv;
    struct any_msg m;
    tl_spawn(server_child, NULL, rendezvous, &srv);
    msg_receive(rendezvous, &m, 0);
    mach_port_t server = msg_port_of(&m);
    int32_t y;
    for (int i = 0; i < 100; i++)
        ping_int(server, i, &y);
    prof_start();
    ping_int(server, 1, &y);
    prof_end();
    printf("done\n");
    host_reboot(rvmach_host_priv, 0);
    return 0;
}
