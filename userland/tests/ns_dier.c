// SPDX-License-Identifier: MIT
/*
 * A test server that dies: registers a port under the name in argv[1]
 * (test.dier by default), then ends, so bootstrap must notice the death
 * and never hand the name out again.  Started from test-names.conf.
 */
#include <stdio.h>
#include <mach.h>
#include <rvmach/name.h>

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "test.dier";
    mach_port_t port;
    kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
    if (kr == KERN_SUCCESS)
        kr = mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
    if (kr == KERN_SUCCESS)
        kr = rvmach_register(name, port);
    if (kr != KERN_SUCCESS)
        printf("ns_dier: cannot register '%s': %s\n", name, mach_error_string(kr));
    rvmach_sleep_ms(100);
    return 0;                           /* the task ends, its port dies */
}
