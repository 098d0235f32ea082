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

uintptr_t syscall_dispatch(long number, const uintptr_t a[6])
{
    switch (number) {
    case RVMACH_TRAP_null:
        return KERN_SUCCESS;
    case RVMACH_TRAP_debug_write:
        return sys_debug_write(a[0], a[1]);
    case RVMACH_TRAP_clock_sleep_until:
        return sys_sleep_until(a[0]);
    case RVMACH_TRAP_timebase:
        return timebase_hz;
    case RVMACH_TRAP_task_exit:
        return sys_task_exit((int)a[0]);
    case RVMACH_TRAP_kernel_stats:
        return sys_kernel_stats(a[0]);
    case MACH_TRAP_swtch:
    case MACH_TRAP_swtch_pri:
        thread_yield();
        return 0;
    case MACH_TRAP_thread_switch:
        return sys_thread_switch(a[0], a[1], a[2]);
    case MACH_TRAP_mach_msg:
        return mach_msg_trap((void *)a[0], (mach_msg_option_t)a[1], (mach_msg_size_t)a[2],
                             (mach_msg_size_t)a[3], (mach_port_name_t)a[4],
                             (mach_msg_timeout_t)a[5], MACH_PORT_NULL);
    case MACH_TRAP_mach_reply_port:
        return sys_reply_port();
    case MACH_TRAP_mach_task_self:
        return self_name(current_thread()->task->self_port);
    case MACH_TRAP_mach_thread_self:
        return self_name(current_thread()->self_port);
    case MACH_TRAP_mach_host_self:
        return self_name(ipc_host_port());
    default:
        return KERN_INVALID_ARGUMENT;   /* no such trap */
    }
}
