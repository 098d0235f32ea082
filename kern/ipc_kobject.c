// SPDX-License-Identifier: MIT
/*
 * The kernel as a message server (see kern/ipc_kobject.h).  Ownership
 * follows Mach: when a routine succeeds it owns what the request carried
 * (MIG-generated code releases what it converted); when it fails the
 * request is destroyed, except for the reply right, which moved to the
 * reply.
 */
#include <mach/mig_errors.h>
#include <kern/ipc_kobject.h>
#include <kern/kmem.h>
#include <kern/string.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_right.h>

/* The MIG demultiplexers of the kernel's interfaces (generated). */
typedef boolean_t (*mig_server_t)(mach_msg_header_t *in, mach_msg_header_t *out);
boolean_t mach_server(mach_msg_header_t *in, mach_msg_header_t *out);
boolean_t mach_port_server(mach_msg_header_t *in, mach_msg_header_t *out);
boolean_t mach_host_server(mach_msg_header_t *in, mach_msg_header_t *out);
boolean_t rvmach_host_server(mach_msg_header_t *in, mach_msg_header_t *out);
boolean_t rvmach_device_server(mach_msg_header_t *in, mach_msg_header_t *out);

static const mig_server_t servers[] = {
    mach_server, mach_port_server, mach_host_server, rvmach_host_server,
    rvmach_device_server,
};

/* No kernel reply is larger than this (the .defs keep inline replies small). */
#define KOBJECT_REPLY_MAX 2048

/* Release the destination right a request used (a send-once one without notice). */
static void release_dest(struct ipc_kmsg *request)
{
    struct ipc_port *dest = ipc_kmsg_dest(request);
    if (MACH_MSGH_BITS_REMOTE(request->hdr.msgh_bits) == MACH_MSG_TYPE_PORT_SEND)
        ipc_port_release_send(dest);
    else
        ipc_port_release_sonce_consumed(dest);
    request->hdr.msgh_remote_port = 0;
}

static void dispatch(struct ipc_kmsg *request, struct ipc_kmsg *reply)
{
    for (unsigned i = 0; i < sizeof(servers) / sizeof(servers[0]); i++)
        if (servers[i](&request->hdr, &reply->hdr))
            return;
    /* No interface knows the id: the last demux left MIG_BAD_ID in the reply. */
}

mach_msg_return_t ipc_kobject_server(struct ipc_kmsg *request)
{
    struct ipc_kmsg *reply = ipc_kmsg_alloc(KOBJECT_REPLY_MAX);
    if (reply == NULL) {
        ipc_kmsg_destroy(request);
        return MACH_SEND_NO_BUFFER;
    }
    memset(&reply->hdr, 0, sizeof(mig_reply_header_t));
    dispatch(request, reply);
    release_dest(request);
    kern_return_t kr = ((mig_reply_header_t *)&reply->hdr)->RetCode;
    if (kr == KERN_SUCCESS || kr == MIG_NO_REPLY) {
        ipc_kmsg_free(request);         /* the routine owns what it carried */
    } else {
        request->hdr.msgh_local_port = 0;   /* moved into the reply */
        ipc_kmsg_destroy(request);
    }
    if (reply->hdr.msgh_remote_port == 0 || kr == MIG_NO_REPLY) {
        ipc_kmsg_destroy(reply);
        return MACH_MSG_SUCCESS;
    }
    ipc_kmsg_set_user_size(reply);
    ipc_mqueue_send(reply, MACH_MSG_OPTION_NONE, 0, true, NULL);
    return MACH_MSG_SUCCESS;
}
