// SPDX-License-Identifier: MIT
/*
 * Trap dispatch: each trap number to its handler.  Arguments arrive as raw
 * register values: every handler checks them (user pointers go through
 * copyin/copyout) before it acts.
 */
#include <mach/rvmach.h>
#include <mach/syscall_sw.h>
#include <kern/clock.h>
#include <kern/host.h>
#include <kern/ipc_tt.h>
#include <ipc/ipc_right.h>
#include <ipc/mach_msg.h>
#include <kern/console.h>
#include <kern/copy.h>
#include <kern/cpu.h>
#include <kern/kstack.h>
#include <kern/printf.h>
#include <kern/sched.h>
#include <kern/syscall.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <vm/vm_page.h>

#define DEBUG_WRITE_MAX 1024

/* Print a user buffer on the kernel console, prefixed with nothing. */
static kern_return_t sys_debug_write(uintptr_t buf, size_t len)
{
    char chunk[128];
    if (len > DEBUG_WRITE_MAX)
        return KERN_INVALID_ARGUMENT;
    while (len > 0) {
        size_t n = MIN(len, sizeof(chunk));
        if (copyin((const void *)buf, chunk, n) != 0)
            return KERN_INVALID_ADDRESS;
        kprintf("%.*s", (int)n, chunk);
        buf += n;
        len -= n;
    }
    return KERN_SUCCESS;
}

static kern_return_t sys_sleep_until(uint64_t uptime_ns)
{
    uint64_t now = clock_uptime_us() * 1000;
    if (uptime_ns > now)
        thread_sleep_ns(uptime_ns - now);
    return KERN_SUCCESS;
}

static kern_return_t sys_kernel_stats(uintptr_t out)
{
    struct rvmach_kstats s;
    kernel_stats_fill(&s);
    return copyout(&s, (void *)out, sizeof(s)) == 0 ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
}

/* The calling task's name for a new send right to `port`. */
static mach_port_name_t self_name(struct ipc_port *port)
{
    return ipc_port_copyout_send(port, current_thread()->task->space);
}

static mach_port_name_t sys_reply_port(void)
{
    mach_port_name_t name;
    if (ipc_right_alloc_receive(current_thread()->task->space, &name) != KERN_SUCCESS)
        return MACH_PORT_NULL;
    return name;
}

/* End the calling task (its threads end on their way back to user mode). */
static kern_return_t sys_task_exit(int status)
{
    struct task *task = current_thread()->task;
    (void)status;
    task_terminate(task);
    return KERN_SUCCESS;
}

/* thread_switch(thread, option, time_ms): yield, or sleep with SWITCH_OPTION_WAIT. */
static kern_return_t sys_thread_switch(uintptr_t thread, uintptr_t option, uintptr_t ms)
{
    (void)thread;
    if (option == SWITCH_OPTION_WAIT)
        thread_sleep_ns((uint64_t)ms * 1000000);
    else if (option == SWITCH_OPTION_NONE || option == SWITCH_OPTION_DEPRESS)
        thread_yield();
    else
        return KERN_INVALID_ARGUMENT;
    return KERN_SUCCESS;
}

/* ---- the table: each trap number's handler, with the arguments as an array ---- */

typedef uintptr_t trap_fn(const uintptr_t *a);

__hot_leaf static uintptr_t trap_null(const uintptr_t *a) { (void)a; return KERN_SUCCESS; }
static uintptr_t trap_debug_write(const uintptr_t *a) { return sys_debug_write(a[0], a[1]); }
static uintptr_t trap_sleep_until(const uintptr_t *a) { return sys_sleep_until(a[0]); }
static uintptr_t trap_timebase(const uintptr_t *a) { (void)a; return timebase_hz; }
static uintptr_t trap_task_exit(const uintptr_t *a) { return sys_task_exit((int)a[0]); }
static uintptr_t trap_kernel_stats(const uintptr_t *a) { return sys_kernel_stats(a[0]); }
static uintptr_t trap_swtch(const uintptr_t *a) { (void)a; thread_yield(); return 0; }
static uintptr_t trap_thread_switch(const uintptr_t *a) { return sys_thread_switch(a[0], a[1], a[2]); }
static uintptr_t trap_reply_port(const uintptr_t *a) { (void)a; return sys_reply_port(); }

static uintptr_t trap_mach_msg(const uintptr_t *a)
{
    return mach_msg_trap((void *)a[0], (mach_msg_option_t)a[1], (mach_msg_size_t)a[2],
                         (mach_msg_size_t)a[3], (mach_port_name_t)a[4],
                         (mach_msg_timeout_t)a[5], MACH_PORT_NULL);
}

static uintptr_t trap_task_self(const uintptr_t *a)
{
    (void)a;
    return self_name(current_thread()->task->self_port);
}

static uintptr_t trap_thread_self(const uintptr_t *a)
{
    (void)a;
    return self_name(current_thread()->self_port);
}

static uintptr_t trap_host_self(const uintptr_t *a)
{
    (void)a;
    return self_name(ipc_host_port());
}

/* Trap numbers are negative (Mach's convention): the table is indexed by -number. */
#define TRAP(n) [-(n)]
static trap_fn *const trap_table[-RVMACH_TRAP_MIN + 1] = {
    TRAP(MACH_TRAP_mach_msg) = trap_mach_msg,
    TRAP(MACH_TRAP_mach_reply_port) = trap_reply_port,
    TRAP(MACH_TRAP_mach_thread_self) = trap_thread_self,
    TRAP(MACH_TRAP_mach_task_self) = trap_task_self,
    TRAP(MACH_TRAP_mach_host_self) = trap_host_self,
    TRAP(MACH_TRAP_swtch_pri) = trap_swtch,
    TRAP(MACH_TRAP_swtch) = trap_swtch,
    TRAP(MACH_TRAP_thread_switch) = trap_thread_switch,
    TRAP(RVMACH_TRAP_debug_write) = trap_debug_write,
    TRAP(RVMACH_TRAP_clock_sleep_until) = trap_sleep_until,
    TRAP(RVMACH_TRAP_timebase) = trap_timebase,
    TRAP(RVMACH_TRAP_null) = trap_null,
    TRAP(RVMACH_TRAP_task_exit) = trap_task_exit,
    TRAP(RVMACH_TRAP_kernel_stats) = trap_kernel_stats,
};

/*
 * A bounds check and a jump through the table: most of what a trap that
 * does little costs is entering and leaving the kernel (docs/benchmarks.md).
 */
__hot_leaf uintptr_t syscall_dispatch(long number, const uintptr_t *a)
{
    unsigned long index = (unsigned long)-number;
    if (index >= ARRAY_SIZE(trap_table) || trap_table[index] == NULL)
        return KERN_INVALID_ARGUMENT;   /* no such trap */
    return trap_table[index](a);
}
