/* SPDX-License-Identifier: MIT */
/* The mach_msg trap (ipc/mach_msg.c). */
#ifndef _IPC_MACH_MSG_H_
#define _IPC_MACH_MSG_H_

#include <mach/message.h>

mach_msg_return_t mach_msg_trap(void *msg, mach_msg_option_t option,
                                mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                mach_port_name_t notify);

#endif /* _IPC_MACH_MSG_H_ */
