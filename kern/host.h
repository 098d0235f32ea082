/* SPDX-License-Identifier: MIT */
/* Kernel-wide statistics (kern/host.c). */
#ifndef _KERN_HOST_H_
#define _KERN_HOST_H_

#include <mach/rvmach.h>

/* Fill the counters tests and the shell read (free pages, tasks, ports ...). */
void kernel_stats_fill(struct rvmach_kstats *stats);

#endif /* _KERN_HOST_H_ */
