/* SPDX-License-Identifier: MIT */
/*
 * Ports of tasks, threads and the host (the kernel's "task table" side of
 * IPC): creating and tearing them down with their objects, special ports,
 * and the conversions MIG servers use (kern/ipc_kserver.h).
 */
#ifndef _KERN_IPC_TT_H_
#define _KERN_IPC_TT_H_

#include <kern/types.h>
#include <mach/port.h>

struct task;
struct thread;
struct ipc_port;
struct ipc_space;

/* Give a new task its port and name space.  KERN_RESOURCE_SHORTAGE if no memory. */
kern_return_t ipc_task_init(struct task *task, struct task *parent);
/* The task is ending: its port dies (send rights become dead names). */
void ipc_task_disable(struct task *task);
/* The task is reaped: release its space and special ports. */
void ipc_task_terminate(struct task *task);

kern_return_t ipc_thread_init(struct thread *thread);
void ipc_thread_terminate(struct thread *thread);

/* The host ports (plain and privileged). */
void ipc_host_init(void);
struct ipc_port *ipc_host_port(void);
struct ipc_port *ipc_host_priv_port(void);

/*
 * A send right to `port` placed in `space`; returns its name (NULL if
 * port is NULL, MACH_PORT_NULL on failure).  Consumes nothing.
 */
mach_port_name_t ipc_port_copyout_send(struct ipc_port *port, struct ipc_space *space);

#endif /* _KERN_IPC_TT_H_ */
