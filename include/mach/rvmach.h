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
    /*
     * Kernel zones: pages holding elements in use, and those elements.
     * free_pages + zone_pages stays the same however elements are spread
     * over pages: leak checks compare that sum (with kernel_pt_pages
     * below), and zone_elements.
     */
    uint64_t zone_pages;
    uint64_t zone_elements;
    /*
     * Page-table pages of the kernel's own half (kernel stacks, device
     * mappings).  They are kept once made, so a burst of threads leaves a
     * few more of them: leak checks add them to the sum above.
     */
    uint64_t kernel_pt_pages;
};

/*
 * What host_zone_info returns about one kernel zone (64-bit words), for
 * the shell's `mem`.  The zone's name comes beside it.
 */
struct rvmach_zone_info {
    uint64_t elem_size;         /* bytes per element */
    uint64_t in_use;            /* elements handed out now */
    uint64_t peak;              /* the most ever in use at once */
    uint64_t pages;             /* pages the zone holds */
    uint64_t allocs, frees;     /* calls ever */
    uint64_t failures;          /* allocations that found no memory */
};

/* Kinds of kernel object a port stands for (rvmach_port_info.kotype). */
#define RVMACH_KOBJ_NONE        0   /* an ordinary port, received by a task */
#define RVMACH_KOBJ_TASK        1
#define RVMACH_KOBJ_THREAD      2
#define RVMACH_KOBJ_HOST        3
#define RVMACH_KOBJ_HOST_PRIV   4
#define RVMACH_KOBJ_DEVICE      5
#define RVMACH_KOBJ_PAGER       6

/* The receiver of a port in transit (in a message) or dead. */
#define RVMACH_NO_RECEIVER      UINT64_MAX

/* What mach_port_info returns about the port behind one name of a task. */
struct rvmach_port_info {
    uint64_t id;                /* the kernel's global port id */
    uint64_t active;            /* 0: the port is dead (the name is a dead name) */
    uint64_t kotype;            /* RVMACH_KOBJ_* */
    uint64_t kobject_id;        /* task id or thread id, for those kinds */
    uint64_t receiver;          /* id of the task holding the receive right;
                                   0: the kernel; RVMACH_NO_RECEIVER: none */
    uint64_t srights;           /* send rights in existence, in every task */
    uint64_t sorights;          /* send-once rights in existence */
    uint64_t msgcount;          /* messages queued */
    uint64_t qlimit;            /* queue limit */
};

/* Flags of rvmach_region_info. */
#define RVMACH_REGION_NEEDS_COPY 0x1    /* copy-on-write pending on the object */
#define RVMACH_REGION_SHARED     0x2    /* shared in place with another map */

/* Kinds of VM object (rvmach_region_info.object_kind). */
#define RVMACH_OBJECT_NONE      0   /* none yet: untouched zero-fill memory */
#define RVMACH_OBJECT_ANON      1   /* anonymous memory, zero filled on demand */
#define RVMACH_OBJECT_OTHER     2   /* device or physical memory */

/* What vm_region_info returns about one map entry (64-bit words). */
struct rvmach_region_info {
    uint64_t start, end;        /* [start, end) */
    uint64_t protection, max_protection, inheritance;
    uint64_t flags;             /* RVMACH_REGION_* */
    uint64_t offset;            /* the object offset of start */
    uint64_t object_id;         /* a number for the object, the same in every map */
    uint64_t object_kind;       /* RVMACH_OBJECT_* */
    uint64_t object_size;       /* bytes */
    uint64_t object_refs;       /* references to it (entries, shadows, copies) */
    uint64_t object_resident;   /* pages the object itself holds */
    uint64_t shadow_depth;      /* objects behind it on its shadow chain */
    uint64_t shadow_resident;   /* pages those hold */
};

#endif /* _MACH_RVMACH_H_ */
