// SPDX-License-Identifier: MIT
/*
 * A test server for the name service: registers a port under the name in
 * argv[1] (test.echo by default) and answers ping.defs requests on it
 * until the machine stops.  Started by bootstrap from test-names.conf.
 */
#include <stdio.h>
#include <mach.h>
#include <rvmach/name.h>
#include "ping.h"
#include "pingServer.h"     /* MIG: the S_ping_* prototypes */

boolean_t ping_server(mach_msg_header_t *in, mach_msg_header_t *out);  /* MIG demux */

kern_return_t S_ping_int(mach_port_t server, int32_t x, int32_t *y)
{
    (void)server;
    *y = x + 1;
    return KERN_SUCCESS;
}

/* The rest of ping.defs is not used here. */
kern_return_t S_ping_inline(mach_port_t server, const inline_data_t data,
                            mach_msg_type_number_t count, uint32_t *sum)
{
    (void)server, (void)data, (void)count, (void)sum;
    return KERN_FAILURE;
}

kern_return_t S_ping_ool(mach_port_t server, vm_offset_t data, mach_msg_type_number_t count,
                         uint64_t *sum)
{
    (void)server, (void)sum;
    vm_deallocate(mach_task_self(), data, count);
    return KERN_SUCCESS;
}

kern_return_t S_ping_oneway(mach_port_t server, int32_t x)
{
    (void)server, (void)x;
    return KERN_SUCCESS;
}

kern_return_t S_ping_port(mach_port_t server, mach_port_t port, uint32_t *rtype)
{
    (void)server;
    *rtype = 0;
    mach_port_deallocate(mach_task_self(), port);
    return KERN_SUCCESS;
}

static void serve(mach_port_t port)
{
    static struct {
        mach_msg_header_t head;
        uint8_t body[8192];
    } in, out;
    for (;;) {
        if (mach_msg(&in.head, MACH_RCV_MSG, 0, sizeof(in), port, 0, MACH_PORT_NULL) !=
            MACH_MSG_SUCCESS)
            continue;
        ping_server(&in.head, &out.head);
        if (((mig_reply_header_t *)&out)->RetCode == MIG_NO_REPLY ||
            !MACH_PORT_VALID(out.head.msgh_remote_port))
            continue;
        mach_msg(&out.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, out.head.msgh_size, 0,
                 MACH_PORT_NULL, 0, MACH_PORT_NULL);
    }
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "test.echo";
    mach_port_t port;
    kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
    if (kr == KERN_SUCCESS)
        kr = mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
    if (kr == KERN_SUCCESS)
        kr = rvmach_register(name, port);
    if (kr != KERN_SUCCESS) {
        printf("ns_echo: cannot register '%s': %s\n", name, mach_error_string(kr));
        return 1;
    }
    serve(port);
    return 0;
}
