/* SPDX-License-Identifier: MIT */
/*
 * Message queues: sending a kernel-form message to a port (blocking or
 * timing out on a full queue) and receiving from a port or a port set
 * (blocking or timing out on an empty one).
 *
 * Waiting: receivers wait on the event of the port or set they receive
 * from; a blocked sender on the event of the port's msgcount.  A message
 * arriving wakes one receiver of the port and one of its set; a message
 * taken wakes one blocked sender.  Port death wakes everyone.
 */
#ifndef _IPC_IPC_MQUEUE_H_
#define _IPC_IPC_MQUEUE_H_

#include <mach/message.h>
#include <kern/types.h>

struct ipc_kmsg;
struct ipc_port;
struct ipc_space;
struct thread;

/*
 * Queue `kmsg` on its destination.  The message is consumed whatever the
 * outcome: on MACH_SEND_TIMED_OUT, MACH_SEND_INTERRUPTED,
 * MACH_SEND_INVALID_DEST (the port died) or MACH_SEND_INVALID_RIGHT (it
 * carries a receive right that would end up inside its own queue) it is
 * destroyed.  A kernel object's port takes no queued message (replies and
 * notices sent there): MACH_SEND_INVALID_DEST, the message dropped as if
 * delivered.  A message whose destination right is send-once, or sent by
 * the kernel (`kernel`), never waits for room.  No lock held on entry.
 *
 * A receiver already waiting on the port may be given the message
 * directly (docs/ipc.md, "The hand-off").  With `handoff` not NULL, that
 * receiver is returned in *handoff (else *handoff is left alone): the
 * caller must pass it to ipc_mqueue_receive() to switch to as it waits, or
 * to thread_handoff_release().
 */
mach_msg_return_t ipc_mqueue_send(struct ipc_kmsg *kmsg, mach_msg_option_t option,
                                  mach_msg_timeout_t timeout_ms, bool kernel,
                                  struct thread **handoff);

/*
 * Take the next message for the port or port set `name` in `space`.
 * With `max_size` too small for it: MACH_RCV_TOO_LARGE and, with
 * MACH_RCV_LARGE, the message stays queued and *needed gets its size;
 * without, it is destroyed.  Other errors: MACH_RCV_INVALID_NAME,
 * MACH_RCV_IN_SET, MACH_RCV_PORT_DIED, MACH_RCV_PORT_CHANGED (the receive
 * right left the space while the thread waited), MACH_RCV_TIMED_OUT (at
 * once with MACH_RCV_TIMEOUT and a timeout of 0), MACH_RCV_INTERRUPTED.
 * `handoff` (or NULL): a receiver from ipc_mqueue_send() to switch to if
 * this thread waits; made runnable the usual way if it does not.
 */
mach_msg_return_t ipc_mqueue_receive(struct ipc_space *space, mach_port_name_t name,
                                     mach_msg_option_t option, mach_msg_size_t max_size,
                                     mach_msg_timeout_t timeout_ms, struct ipc_kmsg **out,
                                     mach_msg_size_t *needed, struct thread *handoff);

/*
 * The kernel receiving on a port it holds the receive right to directly
 * (an exception's reply port): waits, interruptibly, for one message.  Its
 * destination right is used up by the delivery (released, no send-once
 * notification): the caller destroys the rest with ipc_kmsg_destroy().
 */
mach_msg_return_t ipc_mqueue_receive_port(struct ipc_port *port, struct ipc_kmsg **out);

/* Whether senders hand messages to waiting receivers (boot option ipc_handoff=off). */
extern bool ipc_handoff_enabled;

/* Wake every receiver and blocked sender of a port that died or whose receive right moved. */
void ipc_mqueue_wake_all(struct ipc_port *port);

#endif /* _IPC_IPC_MQUEUE_H_ */
