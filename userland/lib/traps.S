/* SPDX-License-Identifier: MIT */
/*
 * Trap stubs: the number goes in a7, arguments stay in a0..a5, the result
 * comes back in a0 (include/mach/syscall_sw.h).
 */
#include <mach/syscall_sw.h>

.macro TRAP name, number
    .globl  \name
    .type   \name, @function
\name:
    li      a7, \number
    ecall
    ret
    .size   \name, . - \name
.endm

    .text
TRAP mach_msg_trap, MACH_TRAP_mach_msg
TRAP mach_reply_port, MACH_TRAP_mach_reply_port
TRAP mach_thread_self, MACH_TRAP_mach_thread_self
TRAP mach_task_self_trap, MACH_TRAP_mach_task_self
TRAP mach_host_self, MACH_TRAP_mach_host_self
TRAP swtch, MACH_TRAP_swtch
TRAP swtch_pri, MACH_TRAP_swtch_pri
TRAP thread_switch, MACH_TRAP_thread_switch
TRAP rvmach_debug_write, RVMACH_TRAP_debug_write
TRAP rvmach_sleep_until, RVMACH_TRAP_clock_sleep_until
TRAP rvmach_timebase, RVMACH_TRAP_timebase
TRAP rvmach_null_trap, RVMACH_TRAP_null
TRAP rvmach_task_exit, RVMACH_TRAP_task_exit
TRAP rvmach_kernel_stats, RVMACH_TRAP_kernel_stats
