/* SPDX-License-Identifier: MIT */
/*
 * Serving messages sent to kernel objects.  The request is handled at once
 * in the sender's thread by the MIG-generated demultiplexers of each kernel
 * interface; the reply goes to the request's reply port.
 */
#ifndef _KERN_IPC_KOBJECT_H_
#define _KERN_IPC_KOBJECT_H_

#include <mach/message.h>

struct ipc_kmsg;

/* Serve `request` (consumed).  MACH_MSG_SUCCESS unless the reply cannot be sent. */
mach_msg_return_t ipc_kobject_server(struct ipc_kmsg *request);

#endif /* _KERN_IPC_KOBJECT_H_ */
