/* SPDX-License-Identifier: MIT */
/* rvmach's own kernel interfaces that are not Mach's. */
#ifndef _MACH_RVMACH_H_
#define _MACH_RVMACH_H_

#include <stdint.h>

/* What RVMACH_TRAP_kernel_stats returns: counts for tests and the shell. */
struct rvmach_kstats {
    uint64_t free_pages;
    uint64_t total_pages;
    uint64_t tasks;
    uint64_t threads;
    uint64_t kstacks;
    uint64_t uptime_ns;
    uint64_t ncpus;
    uint64_t ports;
    uint64_t vm_objects;
    uint64_t resident_pages;
    uint64_t port_sets;
};

#endif /* _MACH_RVMACH_H_ */
