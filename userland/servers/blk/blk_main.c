// SPDX-License-Identifier: MIT
/*
 * blk: the virtio-blk driver.  Needs the host privileged port (`priv` in
 * the boot script).  Registers each disk with the name service as blk0,
 * blk1 ... and the first one also as "blk".
 */
#include <stdio.h>
#include <mach.h>
#include <rvmach/name.h>
#include "blk_server.h"

static void publish(const char *name, mach_port_t port)
{
    kern_return_t kr = mach_port_insert_right(mach_task_self(), port, port,
                                              MACH_MSG_TYPE_MAKE_SEND);
    if (kr == KERN_SUCCESS)
        kr = rvmach_register(name, port);
    if (kr != KERN_SUCCESS)
        printf("blk: cannot register %s: %s\n", name, mach_error_string(kr));
}

int main(void)
{
    if (!MACH_PORT_VALID(rvmach_host_priv)) {
        printf("blk: needs the host privileged port ('priv' in the boot script)\n");
        return 1;
    }
    int n = blk_server_init(rvmach_host_priv);
    if (n < 0) {
        printf("blk: device privileges refused\n");
        return 1;
    }
    if (n == 0) {
        printf("blk: no virtio-blk disk\n");
        return 0;
    }
    for (int i = 0; i < n; i++) {
        char name[8] = { 'b', 'l', 'k', (char)('0' + i), '\0' };
        publish(name, blk_server_port((unsigned)i));
    }
    publish("blk", blk_server_port(0));
    blk_server_run();
}
