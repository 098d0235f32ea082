// SPDX-License-Identifier: MIT
/*
 * Client helpers of the name service: the name is checked here (never
 * cut short), the request goes to this task's bootstrap port.
 */
#include <string.h>
#include <mach.h>
#include <rvmach/name.h>

bool rvmach_name_ok(const char *name)
{
    size_t len = 0;
    if (name == NULL)
        return false;
    for (; name[len] != '\0'; len++) {
        if (len >= RVMACH_NAME_MAX || name[len] < '!' || name[len] > '~')
            return false;
    }
    return len > 0;
}

/* A send right to our bootstrap port (the caller deallocates it), or MACH_PORT_NULL. */
static mach_port_t bootstrap_port(void)
{
    mach_port_t port = MACH_PORT_NULL;
    if (task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &port) != KERN_SUCCESS)
        return MACH_PORT_NULL;
    return port;
}

static void release(mach_port_t port)
{
    if (MACH_PORT_VALID(port))
        mach_port_deallocate(mach_task_self(), port);
}

kern_return_t rvmach_lookup(const char *name, mach_port_t *port)
{
    *port = MACH_PORT_NULL;
    if (!rvmach_name_ok(name))
        return KERN_INVALID_ARGUMENT;
    mach_port_t server = bootstrap_port();
    if (!MACH_PORT_VALID(server))
        return MACH_SEND_INVALID_DEST;
    kern_return_t kr = name_lookup(server, name, port);
    release(server);
    if (kr == KERN_SUCCESS && !MACH_PORT_VALID(*port)) {
        *port = MACH_PORT_NULL;         /* it died on its way to us */
        kr = KERN_INVALID_NAME;
    }
    return kr;
}

kern_return_t rvmach_register(const char *name, mach_port_t port)
{
    if (!rvmach_name_ok(name))
        return KERN_INVALID_ARGUMENT;
    mach_port_t server = bootstrap_port();
    if (!MACH_PORT_VALID(server))
        return MACH_SEND_INVALID_DEST;
    kern_return_t kr = name_register(server, name, port);
    release(server);
    return kr;
}

kern_return_t rvmach_unregister(const char *name)
{
    if (!rvmach_name_ok(name))
        return KERN_INVALID_ARGUMENT;
    mach_port_t server = bootstrap_port();
    if (!MACH_PORT_VALID(server))
        return MACH_SEND_INVALID_DEST;
    kern_return_t kr = name_unregister(server, name);
    release(server);
    return kr;
}
