// SPDX-License-Identifier: MIT
/*
 * bootstrap: the first task.  It serves the name service on a port it
 * gives every program it starts as its bootstrap port, starts the programs
 * of the boot script (boot.conf, or bootconf=NAME), and notices when one
 * dies.  One thread, one receive loop: requests, notifications, timeouts.
 */
#include <stdio.h>
#include <string.h>
#include "bootstrap.h"
#include "nameServer.h"

#define DEFAULT_CONF    "boot.conf"

mach_port_t bs_notify_port;

/* Big enough for any request of name.defs; larger messages are refused. */
union msgbuf {
    mach_msg_header_t head;
    uint8_t bytes[1024];
};

void bs_release_right(mach_port_t port)
{
    mach_port_type_t type;
    if (mach_port_type(mach_task_self(), port, &type) != KERN_SUCCESS)
        return;
    if (!(type & MACH_PORT_TYPE_DEAD_NAME))
        mach_port_deallocate(mach_task_self(), port);
    else if (!names_use(port) && !children_use(port))
        mach_port_destroy(mach_task_self(), port);
}

/* The boot script's name: bootconf=NAME among our arguments (the boot arguments). */
static const char *conf_name(int argc, char **argv)
{
    const char *conf = DEFAULT_CONF;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "bootconf=", 9) == 0)
            conf = argv[i] + 9;
    }
    return conf;
}

/* A new receive right; with a send right under the same name if `send`. */
static mach_port_t new_port(bool send)
{
    mach_port_t port = MACH_PORT_NULL;
    if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS)
        return MACH_PORT_NULL;
    if (send && mach_port_insert_right(mach_task_self(), port, port,
                                       MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS) {
        mach_port_destroy(mach_task_self(), port);
        return MACH_PORT_NULL;
    }
    return port;
}

/* A kernel notification: only dead names matter (the rest carry nothing to free). */
static void handle_notification(mach_msg_header_t *m)
{
    if (m->msgh_id != MACH_NOTIFY_DEAD_NAME ||
        m->msgh_size < sizeof(mach_dead_name_notification_t))
        return;
    mach_port_t port = ((mach_dead_name_notification_t *)m)->not_port;
    children_port_died(port);
    names_port_died(port);
    bs_release_right(port);             /* the reference the notification added */
}

/*
 * One request of the name service.  A request MIG refused never reached a
 * routine, so whatever it carries is freed here; a routine frees what it
 * was given when it fails.
 */
static void handle_request(mach_msg_header_t *in, mach_msg_header_t *out)
{
    boolean_t known = name_server(in, out);
    kern_return_t rc = ((mig_reply_header_t *)out)->RetCode;
    if (!known || rc == MIG_BAD_ARGUMENTS || rc == MIG_TYPE_ERROR)
        msg_destroy_received(in);
    if (!MACH_PORT_VALID(out->msgh_remote_port)) {
        msg_destroy_unsent(out);        /* no one to answer */
        return;
    }
    /* Never block on a client: a reply that cannot go at once is dropped. */
    mach_msg(out, MACH_SEND_MSG | MACH_SEND_TIMEOUT, out->msgh_size, 0, MACH_PORT_NULL, 0,
             MACH_PORT_NULL);
}

static void serve(mach_port_t set, mach_port_t service)
{
    static union msgbuf in, out;
    for (;;) {
        script_continue(service);
        mach_msg_timeout_t ms = script_wait_ms();
        mach_msg_return_t mr = mach_msg(&in.head, MACH_RCV_MSG | (ms ? MACH_RCV_TIMEOUT : 0),
                                        0, sizeof(in), set, ms, MACH_PORT_NULL);
        if (mr == MACH_RCV_TIMED_OUT)
            script_wait_check();
        if (mr != MACH_MSG_SUCCESS)
            continue;                   /* e.g. too large: the kernel dropped it */
        if (in.head.msgh_local_port == bs_notify_port)
            handle_notification(&in.head);
        else
            handle_request(&in.head, &out.head);
    }
}

int main(int argc, char **argv)
{
    mach_port_t service = new_port(true), set = MACH_PORT_NULL;
    bs_notify_port = new_port(false);
    kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, &set);
    if (kr == KERN_SUCCESS && MACH_PORT_VALID(service) && MACH_PORT_VALID(bs_notify_port)) {
        kr = mach_port_move_member(mach_task_self(), service, set);
        if (kr == KERN_SUCCESS)
            kr = mach_port_move_member(mach_task_self(), bs_notify_port, set);
    } else if (kr == KERN_SUCCESS) {
        kr = KERN_RESOURCE_SHORTAGE;
    }
    if (kr != KERN_SUCCESS) {
        printf("bootstrap: cannot make its ports: %s\n", mach_error_string(kr));
        return 1;
    }
    script_load(conf_name(argc, argv));
    serve(set, service);
    return 0;
}
