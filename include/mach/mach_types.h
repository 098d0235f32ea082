/* SPDX-License-Identifier: MIT */
/*
 * C types behind mach_types.defs.  User programs name kernel objects by
 * port names; inside the kernel the same type names are the objects.
 */
#ifndef _MACH_MACH_TYPES_H_
#define _MACH_MACH_TYPES_H_

#include <mach/std_types.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>

typedef int32_t thread_state_flavor_t;
typedef natural_t *thread_state_t;
typedef integer_t *task_info_t;
typedef integer_t *thread_info_t;
typedef integer_t *host_info_t;
typedef char kernel_name_t[32];
typedef const char *const_kernel_name_t;
typedef integer_t exception_type_t;
typedef uint64_t *stats_array_t;

#ifdef RVMACH_KERNEL
struct task;
struct thread;
struct vm_map;
struct ipc_space;
struct host;
typedef struct task *task_t;
typedef struct thread *thread_t;
typedef struct vm_map *vm_map_t;
typedef struct ipc_space *ipc_space_t;
typedef struct host *host_t;
typedef mach_port_t *thread_array_t;
typedef mach_port_t *task_array_t;
#else
typedef mach_port_t task_t;
typedef mach_port_t thread_t;
typedef mach_port_t vm_task_t;
typedef mach_port_t ipc_space_t;
typedef mach_port_t host_t;
typedef mach_port_t host_priv_t;
typedef thread_t *thread_array_t;
typedef task_t *task_array_t;
#endif

/* Special ports (task_get_special_port / thread_get_special_port). */
#define TASK_KERNEL_PORT        1
#define TASK_EXCEPTION_PORT     3
#define TASK_BOOTSTRAP_PORT     4
#define THREAD_KERNEL_PORT      1
#define THREAD_EXCEPTION_PORT   3

/* task_info flavors. */
#define TASK_BASIC_INFO         1
struct task_basic_info {
    integer_t suspend_count;
    integer_t thread_count;
    integer_t id;
    integer_t pad;
    uint64_t virtual_size;          /* bytes mapped */
    uint64_t resident_size;         /* bytes resident */
    uint64_t user_time_us;          /* CPU time of every thread, live or dead */
    uint64_t system_time_us;
};
#define TASK_BASIC_INFO_COUNT   (sizeof(struct task_basic_info) / sizeof(integer_t))

/* thread_info flavors. */
#define THREAD_BASIC_INFO       1
#define TH_STATE_RUNNING        1
#define TH_STATE_STOPPED        2   /* suspended */
#define TH_STATE_WAITING        3
#define TH_STATE_UNINTERRUPTIBLE 4
#define TH_STATE_HALTED         5
struct thread_basic_info {
    integer_t run_state;            /* TH_STATE_* */
    integer_t suspend_count;
    integer_t base_priority;
    integer_t cur_priority;
    integer_t tid;
    integer_t pad;
    uint64_t user_time_us;
    uint64_t system_time_us;
};
#define THREAD_BASIC_INFO_COUNT (sizeof(struct thread_basic_info) / sizeof(integer_t))

/* host_info flavors. */
#define HOST_BASIC_INFO         1
struct host_basic_info {
    integer_t max_cpus;
    integer_t avail_cpus;
    integer_t page_size;
    integer_t pad;
    uint64_t memory_size;           /* bytes of RAM the kernel manages */
    uint64_t timebase_hz;
};
#define HOST_BASIC_INFO_COUNT   (sizeof(struct host_basic_info) / sizeof(integer_t))

#endif /* _MACH_MACH_TYPES_H_ */
