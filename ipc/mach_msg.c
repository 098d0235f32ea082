// SPDX-License-Identifier: MIT
/*
 * The mach_msg trap: send, receive, or send then receive (an RPC) in one
 * call.  Messages to kernel objects are served on the spot
 * (ipc_kobject_server) and their reply queued for the receive half.
 */
#include <kern/copy.h>
#include <kern/ipc_kobject.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_space.h>
#include <ipc/mach_msg.h>

/*
 * With `handoff` (a receive follows), a receiver given the message
 * directly comes back in *handoff, to be switched to when we wait.
 */
static mach_msg_return_t send_half(void *msg, mach_msg_option_t option,
                                   mach_msg_size_t send_size, mach_msg_timeout_t timeout,
                                   struct task *task, struct thread **handoff)
{
    struct ipc_kmsg *kmsg;
    mach_msg_return_t mr = ipc_kmsg_copyin(msg, send_size, task->space, task->map, &kmsg);
    if (mr != MACH_MSG_SUCCESS)
        return mr;
    struct ipc_port *dest = ipc_kmsg_dest(kmsg);
    if (dest->receiver == ipc_space_kernel)
        return ipc_kobject_server(kmsg);
    return ipc_mqueue_send(kmsg, option, timeout, false, handoff);
}

static mach_msg_return_t receive_half(void *msg, mach_msg_option_t option,
                                      mach_msg_size_t rcv_size, mach_port_name_t rcv_name,
                                      mach_msg_timeout_t timeout, struct task *task,
                                      struct thread *handoff)
{
    struct ipc_kmsg *kmsg;
    mach_msg_size_t needed = 0;
    mach_msg_return_t mr = ipc_mqueue_receive(task->space, rcv_name, option, rcv_size,
                                              timeout, &kmsg, &needed, handoff);
    if (mr == MACH_RCV_TOO_LARGE && (option & MACH_RCV_LARGE)) {
        /* Tell the caller how big a buffer it needs; the message stays queued. */
        mach_msg_user_header_t *uh = msg;
        copyout(&needed, &uh->msgh_size, sizeof(needed));
        return mr;
    }
    if (mr != MACH_MSG_SUCCESS)
        return mr;
    return ipc_kmsg_copyout(kmsg, task->space, task->map, msg);
}

mach_msg_return_t mach_msg_trap(void *msg, mach_msg_option_t option,
                                mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                mach_port_name_t notify)
{
    (void)notify;
    struct task *task = current_thread()->task;
    if (task->space == NULL)
        return MACH_SEND_INVALID_DEST;
    struct thread *handoff = NULL;
    if (option & MACH_SEND_MSG) {
        mach_msg_return_t mr = send_half(msg, option, send_size, timeout, task,
                                         (option & MACH_RCV_MSG) ? &handoff : NULL);
        if (mr != MACH_MSG_SUCCESS)
            return mr;
    }
    if (option & MACH_RCV_MSG)
        return receive_half(msg, option, rcv_size, rcv_name, timeout, task, handoff);
    return MACH_MSG_SUCCESS;
}
