// SPDX-License-Identifier: MIT
/*
 * uart: the console driver.  Needs the host privileged port (it is the
 * first task, or bootstrap starts it with `priv`); registers its console
 * port as "console" with the name service when there is one, then serves.
 */
#include <mach.h>
#include <rvmach/console.h>
#include <rvmach/name.h>
#include "console_server.h"

/*
 * Make the console known as "console".  No bootstrap port (the uart
 * server is the first task): nobody to tell, and nothing to do.
 */
static void register_console(mach_port_t console)
{
    kern_return_t kr = rvmach_register("console", console);
    if (kr == MACH_SEND_INVALID_DEST)
        return;                         /* no name service */
    if (kr != KERN_SUCCESS)
        uart_log("uart: registering \"console\": %s\n", mach_error_string(kr));
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    rvmach_console_connect(MACH_PORT_NULL);     /* our own output never comes to us */
    if (!MACH_PORT_VALID(rvmach_host_priv)) {
        uart_log("uart: no host privileged port: cannot reach the device\n");
        return 1;
    }
    mach_port_t console;
    kern_return_t kr = uart_server_init(rvmach_host_priv, &console);
    if (kr != KERN_SUCCESS) {
        uart_log("uart: cannot start: %s\n", mach_error_string(kr));
        return 1;
    }
    register_console(console);
    return uart_server_run() == KERN_SUCCESS ? 0 : 1;
}
