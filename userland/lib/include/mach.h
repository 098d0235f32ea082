/* SPDX-License-Identifier: MIT */
/*
 * libmach: what a user program needs to talk to the kernel — the Mach
 * types, the traps, mach_msg, the MIG-generated stubs of the kernel's
 * interfaces (task_*, thread_*, vm_*, mach_port_*, host_*), and a few
 * rvmach helpers.
 */
#ifndef _MACH_H_
#define _MACH_H_

#include <stddef.h>
#include <stdint.h>
#include <mach/exception.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/mig_support.h>
#include <mach/notify.h>
#include <mach/port.h>
#include <mach/rvmach.h>
#include <mach/syscall_sw.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <mach/machine/thread_status.h>

/* MIG user stubs (generated in the build). */
#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <mach/mach_host.h>
#include <mach/rvmach_host.h>
#include <mach/rvmach_device.h>
#include <mach/rvmach_device_user.h>

/* Traps. */
mach_port_t mach_reply_port(void);
mach_port_t mach_thread_self(void);
mach_port_t mach_task_self_trap(void);
mach_port_t mach_host_self(void);
kern_return_t swtch(void);
kern_return_t swtch_pri(int pri);
kern_return_t thread_switch(mach_port_t thread, int option, mach_msg_timeout_t ms);

/* The task's own port name, looked up once at start-up. */
extern mach_port_t __mach_task_self_;
#define mach_task_self() (__mach_task_self_)

/* rvmach traps. */
kern_return_t rvmach_debug_write(const char *buf, size_t len);
kern_return_t rvmach_sleep_until(uint64_t uptime_ns);
uint64_t rvmach_timebase(void);
kern_return_t rvmach_null_trap(void);
void rvmach_task_exit(int status) __attribute__((noreturn));
kern_return_t rvmach_kernel_stats(struct rvmach_kstats *out);

/* What the first task gets from the kernel (0 for every other task). */
extern mach_port_t rvmach_host_priv;
extern const void *rvmach_bootmods;
extern size_t rvmach_bootmods_size;

/*
 * Call first in the first thread of a task made by task_create with
 * inherited memory: it fixes what was copied from the parent (the task's
 * own port name, the thread's reply port).
 */
void rvmach_child_init(void);
void mig_forget_reply_port(void);

/*
 * Give back what a received message carries: its reply right, the port
 * rights and out-of-line memory of its body (a server refusing a request
 * calls it after clearing msgh_remote_port if it answers through it).
 */
void mach_msg_destroy(mach_msg_header_t *msg);

/* A readable name for a kern_return_t or mach_msg_return_t. */
const char *mach_error_string(kern_return_t kr);

/* Time since boot from the `time` CSR (readable in user mode). */
uint64_t rvmach_uptime_ns(void);
void rvmach_sleep_ms(unsigned ms);

/*
 * Threads: start fn(arg) on a new thread of this task with its own stack
 * and TLS block; the thread ends when fn returns.  *out gets its port.
 */
kern_return_t rvmach_thread_spawn(void (*fn)(void *), void *arg, size_t stack_size,
                                  thread_t *out);

/* End the calling thread (freeing its reply port first). */
void rvmach_thread_exit(void) __attribute__((noreturn));

/* Give back the stacks of spawned threads that have ended (spawn does it too). */
void rvmach_thread_reap_stacks(void);

#endif /* _MACH_H_ */
