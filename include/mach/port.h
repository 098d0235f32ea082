/* SPDX-License-Identifier: MIT */
/*
 * Port names and rights, as a task sees them.  A name is a 32-bit number
 * local to a task's name space: an index and a generation, so that a name
 * whose entry was freed and reused is recognised as stale.
 */
#ifndef _MACH_PORT_H_
#define _MACH_PORT_H_

#include <stdint.h>
#include <mach/vm_types.h>

/*
 * A port name is 32 bits everywhere.  In user programs a mach_port_t is a
 * name too; inside the kernel, where messages carry ports as pointers to
 * struct ipc_port (the "kernel form", see ipc/ipc_kmsg.c), it is wide
 * enough for a pointer, as in GNU Mach's 64-bit kernel.
 */
typedef natural_t mach_port_name_t;
#ifdef RVMACH_KERNEL
typedef uintptr_t mach_port_t;
#else
typedef natural_t mach_port_t;
_Static_assert(sizeof(mach_port_t) == 4, "MIG carries port names as 32-bit items");
#endif
typedef mach_port_t *mach_port_array_t;
typedef mach_port_name_t *mach_port_name_array_t;
typedef natural_t mach_port_right_t;
typedef natural_t mach_port_type_t;
typedef natural_t mach_port_urefs_t;
typedef integer_t mach_port_delta_t;
typedef natural_t mach_port_seqno_t;
typedef natural_t mach_port_mscount_t;
typedef natural_t mach_port_msgcount_t;
typedef natural_t mach_port_rights_t;
typedef mach_port_type_t *mach_port_type_array_t;

#define MACH_PORT_NULL          0
#define MACH_PORT_DEAD          ((mach_port_name_t)~0U)
#define MACH_PORT_VALID(name)   ((name) != MACH_PORT_NULL && (name) != MACH_PORT_DEAD)

#define MACH_PORT_INDEX(name)   ((name) >> 8)
#define MACH_PORT_GEN(name)     ((name) & 0xff)
#define MACH_PORT_MAKE(index, gen) (((index) << 8) | ((gen) & 0xff))

/* Rights (mach_port_allocate, mach_port_get_refs, mach_port_mod_refs). */
#define MACH_PORT_RIGHT_SEND        ((mach_port_right_t)0)
#define MACH_PORT_RIGHT_RECEIVE     ((mach_port_right_t)1)
#define MACH_PORT_RIGHT_SEND_ONCE   ((mach_port_right_t)2)
#define MACH_PORT_RIGHT_PORT_SET    ((mach_port_right_t)3)
#define MACH_PORT_RIGHT_DEAD_NAME   ((mach_port_right_t)4)
#define MACH_PORT_RIGHT_NUMBER      ((mach_port_right_t)5)

#define MACH_PORT_TYPE(right)       ((mach_port_type_t)(1 << ((right) + 16)))
#define MACH_PORT_TYPE_NONE         ((mach_port_type_t)0)
#define MACH_PORT_TYPE_SEND         MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND)
#define MACH_PORT_TYPE_RECEIVE      MACH_PORT_TYPE(MACH_PORT_RIGHT_RECEIVE)
#define MACH_PORT_TYPE_SEND_ONCE    MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_SET     MACH_PORT_TYPE(MACH_PORT_RIGHT_PORT_SET)
#define MACH_PORT_TYPE_DEAD_NAME    MACH_PORT_TYPE(MACH_PORT_RIGHT_DEAD_NAME)
#define MACH_PORT_TYPE_SEND_RECEIVE (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)
#define MACH_PORT_TYPE_SEND_RIGHTS  (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_RIGHTS  (MACH_PORT_TYPE_SEND_RIGHTS | MACH_PORT_TYPE_RECEIVE)
#define MACH_PORT_TYPE_PORT_OR_DEAD (MACH_PORT_TYPE_PORT_RIGHTS | MACH_PORT_TYPE_DEAD_NAME)
#define MACH_PORT_TYPE_ALL_RIGHTS   (MACH_PORT_TYPE_PORT_OR_DEAD | MACH_PORT_TYPE_PORT_SET)
/* Pending notification requests, reported by mach_port_type. */
#define MACH_PORT_TYPE_DNREQUEST    0x80000000U

/* Status of a receive right (mach_port_get_receive_status). */
typedef struct mach_port_status {
    mach_port_name_t mps_pset;          /* containing port set */
    mach_port_seqno_t mps_seqno;        /* sequence number */
    mach_port_mscount_t mps_mscount;    /* make-send count */
    mach_port_msgcount_t mps_qlimit;    /* queue limit */
    mach_port_msgcount_t mps_msgcount;  /* messages queued */
    mach_port_rights_t mps_sorights;    /* send-once rights */
    boolean_t mps_srights;              /* send rights exist */
    boolean_t mps_pdrequest;            /* port-destroyed requested */
    boolean_t mps_nsrequest;            /* no-senders requested */
} mach_port_status_t;

#define MACH_PORT_QLIMIT_DEFAULT    ((mach_port_msgcount_t)5)
#define MACH_PORT_QLIMIT_MAX        ((mach_port_msgcount_t)16)
#define MACH_PORT_UREFS_MAX         ((mach_port_urefs_t)((1 << 16) - 1))

#endif /* _MACH_PORT_H_ */
