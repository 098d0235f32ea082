/* SPDX-License-Identifier: MIT */
/*
 * What the MIG-generated kernel servers need: the kernel form of ports,
 * conversions between ports and the objects they stand for, and the
 * destructors MIG calls after a routine.  Included by every generated
 * *Server.c (simport in include/mach/ *.defs).
 */
#ifndef _KERN_IPC_KSERVER_H_
#define _KERN_IPC_KSERVER_H_

#include <mach/mach_types.h>
#include <mach/mig_errors.h>
#include <kern/string.h>
#include <ipc/ipc_item.h>

#include <kern/mig_servers.h>

/*
 * Conversions.  Each convert_port_to_X returns the object with a reference
 * (NULL if the port is not a live port of that kind); the destructor named
 * in mach_types.defs drops it after the call.  convert_X_to_port consumes
 * the object reference and returns a send right to its port.
 */
task_t convert_port_to_task(ipc_port_t port);
vm_map_t convert_port_to_map(ipc_port_t port);
ipc_space_t convert_port_to_space(ipc_port_t port);
thread_t convert_port_to_thread(ipc_port_t port);
host_t convert_port_to_host(ipc_port_t port);
host_t convert_port_to_host_priv(ipc_port_t port);
ipc_port_t convert_task_to_port(task_t task);
ipc_port_t convert_thread_to_port(thread_t thread);

void task_deallocate(task_t task);
void thread_deallocate(thread_t thread);
void vm_map_deallocate(vm_map_t map);
void ipc_space_release(ipc_space_t space);

void ipc_port_release_send(ipc_port_t port);

/* Would sending the receive right `port` to `dest` put it inside its own queue? */
bool ipc_port_check_circularity(ipc_port_t port, ipc_port_t dest);

#endif /* _KERN_IPC_KSERVER_H_ */
