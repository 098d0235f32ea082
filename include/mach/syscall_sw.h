/* SPDX-License-Identifier: MIT */
/*
 * Trap numbers.  A user program traps with `ecall`, the number in a7 and
 * arguments in a0..a5; the result comes back in a0.  Mach's traps keep
 * Mach's (negative) numbers; rvmach's own start at -100.
 */
#ifndef _MACH_SYSCALL_SW_H_
#define _MACH_SYSCALL_SW_H_

#define MACH_TRAP_mach_msg              (-25)
#define MACH_TRAP_mach_reply_port       (-26)
#define MACH_TRAP_mach_thread_self      (-27)
#define MACH_TRAP_mach_task_self        (-28)
#define MACH_TRAP_mach_host_self        (-29)
#define MACH_TRAP_swtch_pri             (-59)
#define MACH_TRAP_swtch                 (-60)
#define MACH_TRAP_thread_switch         (-61)

/* rvmach additions. */
#define RVMACH_TRAP_debug_write         (-100)  /* (buf, len): print on the kernel console */
#define RVMACH_TRAP_clock_sleep_until   (-101)  /* (uptime_ns): sleep until then */
#define RVMACH_TRAP_timebase            (-102)  /* (): ticks of `rdtime` per second */
#define RVMACH_TRAP_null                (-103)  /* (): nothing; measures a trap */
#define RVMACH_TRAP_task_exit           (-104)  /* (status): end the calling task */
#define RVMACH_TRAP_kernel_stats        (-105)  /* (struct rvmach_kstats *): counters */

#define RVMACH_TRAP_MIN                 (-105)

/* thread_switch options (Mach). */
#define SWITCH_OPTION_NONE      0
#define SWITCH_OPTION_DEPRESS   1
#define SWITCH_OPTION_WAIT      2

#endif /* _MACH_SYSCALL_SW_H_ */
