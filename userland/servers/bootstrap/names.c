// SPDX-License-Identifier: MIT
/*
 * The name service: a table of (name, send right), served through the
 * MIG stubs of name.defs.  A name whose port died is never handed out: the
 * port's liveness is checked at each lookup, and a dead-name notification
 * on every registered port removes its names soon after it dies.
 */
#include <stdio.h>
#include <string.h>
#include "bootstrap.h"
#include "nameServer.h"

/* One registered name; port == MACH_PORT_NULL: a free slot.  Each entry
 * holds one user reference to the send right `port`. */
struct name_entry {
    char name[RVMACH_NAME_MAX + 1];
    mach_port_t port;
};

static struct name_entry table[BS_MAX_NAMES];

static struct name_entry *find(const char *name)
{
    for (unsigned i = 0; i < BS_MAX_NAMES; i++) {
        if (table[i].port != MACH_PORT_NULL && strcmp(table[i].name, name) == 0)
            return &table[i];
    }
    return NULL;
}

static struct name_entry *free_slot(void)
{
    for (unsigned i = 0; i < BS_MAX_NAMES; i++) {
        if (table[i].port == MACH_PORT_NULL)
            return &table[i];
    }
    return NULL;
}

/* A send right that still leads to a live port. */
static bool port_alive(mach_port_t port)
{
    mach_port_type_t type;
    return mach_port_type(mach_task_self(), port, &type) == KERN_SUCCESS &&
           (type & MACH_PORT_TYPE_SEND) != 0;
}

static void remove_entry(struct name_entry *e)
{
    mach_port_t port = e->port;
    e->port = MACH_PORT_NULL;
    e->name[0] = '\0';
    bs_release_right(port);
}

bool names_use(mach_port_t port)
{
    for (unsigned i = 0; i < BS_MAX_NAMES; i++) {
        if (table[i].port == port)
            return true;
    }
    return false;
}

bool names_registered(const char *name)
{
    struct name_entry *e = find(name);
    return e != NULL && port_alive(e->port);
}

void names_port_died(mach_port_t port)
{
    for (unsigned i = 0; i < BS_MAX_NAMES; i++) {
        if (table[i].port == port && !port_alive(port)) {
            printf("bootstrap: name '%s' removed: its port died\n", table[i].name);
            remove_entry(&table[i]);
        }
    }
}

/* The name field of a request: NUL-terminated inside its 64 bytes, and valid. */
static bool name_field_ok(const char *name)
{
    return memchr(name, '\0', sizeof(name_string_t)) != NULL && rvmach_name_ok(name);
}

/* Ask to hear when `port` dies, unless already asked (one request per name). */
static kern_return_t watch(mach_port_t port)
{
    mach_port_type_t type;
    kern_return_t kr = mach_port_type(mach_task_self(), port, &type);
    if (kr != KERN_SUCCESS || (type & MACH_PORT_TYPE_DNREQUEST))
        return kr;
    mach_port_t previous = MACH_PORT_NULL;
    kr = mach_port_request_notification(mach_task_self(), port, MACH_NOTIFY_DEAD_NAME, 0,
                                        bs_notify_port, &previous);
    if (MACH_PORT_VALID(previous))
        mach_port_deallocate(mach_task_self(), previous);
    return kr;
}

/* Everything register checks and does; on failure the caller drops `port`. */
static kern_return_t do_register(const char *name, mach_port_t port)
{
    if (!name_field_ok(name))
        return KERN_INVALID_ARGUMENT;
    if (!MACH_PORT_VALID(port) || !port_alive(port))
        return KERN_INVALID_CAPABILITY;
    struct name_entry *e = find(name);
    if (e != NULL && port_alive(e->port))
        return KERN_NAME_EXISTS;
    if (e != NULL)
        remove_entry(e);                /* its port died: the name is free again */
    e = free_slot();
    if (e == NULL)
        return KERN_RESOURCE_SHORTAGE;
    if (watch(port) != KERN_SUCCESS)
        return KERN_RESOURCE_SHORTAGE;  /* unwatched, a dead port could linger */
    strcpy(e->name, name);              /* fits: checked by name_field_ok */
    e->port = port;
    script_name_registered(name);
    return KERN_SUCCESS;
}

kern_return_t S_name_register(mach_port_t server, const_name_string_t name, mach_port_t port)
{
    (void)server;
    kern_return_t kr = do_register(name, port);
    if (kr != KERN_SUCCESS && MACH_PORT_VALID(port))
        mach_port_deallocate(mach_task_self(), port);   /* the right the request brought */
    return kr;
}

kern_return_t S_name_lookup(mach_port_t server, const_name_string_t name, mach_port_t *port)
{
    (void)server;
    *port = MACH_PORT_NULL;
    if (!name_field_ok(name))
        return KERN_INVALID_ARGUMENT;
    struct name_entry *e = find(name);
    if (e == NULL)
        return KERN_INVALID_NAME;
    if (!port_alive(e->port)) {
        names_port_died(e->port);       /* before its notification arrives */
        return KERN_INVALID_NAME;
    }
    *port = e->port;                    /* copied into the reply */
    return KERN_SUCCESS;
}

kern_return_t S_name_unregister(mach_port_t server, const_name_string_t name)
{
    (void)server;
    if (!name_field_ok(name))
        return KERN_INVALID_ARGUMENT;
    struct name_entry *e = find(name);
    if (e == NULL)
        return KERN_INVALID_NAME;
    remove_entry(e);
    return KERN_SUCCESS;
}

/* Drop the names whose ports died; returns the bytes the live ones need. */
static size_t prune_and_measure(void)
{
    size_t bytes = 0;
    for (unsigned i = 0; i < BS_MAX_NAMES; i++) {
        if (table[i].port == MACH_PORT_NULL)
            continue;
        if (!port_alive(table[i].port))
            names_port_died(table[i].port);
        else
            bytes += strlen(table[i].name) + 1;
    }
    return bytes;
}

kern_return_t S_name_list(mach_port_t server, vm_offset_t *names,
                          mach_msg_type_number_t *count)
{
    (void)server;
    size_t bytes = prune_and_measure();
    *names = 0;
    *count = 0;
    if (bytes == 0)
        return KERN_SUCCESS;
    vm_address_t buf = 0;
    if (vm_allocate(mach_task_self(), &buf, bytes, TRUE) != KERN_SUCCESS)
        return KERN_RESOURCE_SHORTAGE;
    char *p = (char *)buf;
    for (unsigned i = 0; i < BS_MAX_NAMES; i++) {
        if (table[i].port != MACH_PORT_NULL) {
            size_t len = strlen(table[i].name) + 1;
            memcpy(p, table[i].name, len);
            p += len;
        }
    }
    *names = buf;                       /* moved out with the reply (dealloc) */
    *count = (mach_msg_type_number_t)bytes;
    return KERN_SUCCESS;
}
