/* SPDX-License-Identifier: MIT */
/*
 * Rights in name spaces: what moving, copying and making rights does to a
 * space's entries and to the port's counts.  Used by message copyin and
 * copyout (ipc_kmsg.c) and by the mach_port_* calls (mach_port.c).
 *
 * Invariants: an entry holds one port reference however many rights it
 * has; `srights` counts send rights (one per space that holds any, plus
 * one per right in transit), `sorights` likewise for send-once rights.
 * A send right whose port died is turned into a dead name when looked at.
 *
 * All functions but ipc_right_entry_checked() take the space unlocked and
 * lock it themselves.
 */
#ifndef _IPC_IPC_RIGHT_H_
#define _IPC_IPC_RIGHT_H_

#include <mach/message.h>
#include <mach/port.h>
#include <kern/types.h>

struct ipc_space;
struct ipc_port;
struct ipc_entry;

/*
 * Take the right `name` denotes out of `space` as `disposition`
 * (MACH_MSG_TYPE_MOVE_RECEIVE .. MAKE_SEND_ONCE) for a message.
 * *port gets the port with one reference for the right in transit, or
 * NULL with *dead set when the name is a dead name (send dispositions).
 * Errors: KERN_INVALID_NAME (no such name), KERN_INVALID_RIGHT (the name
 * lacks the right the disposition needs), KERN_INVALID_VALUE (bad
 * disposition).  On error the space is unchanged.
 */
kern_return_t ipc_right_copyin(struct ipc_space *space, mach_port_name_t name,
                               mach_msg_type_name_t disposition,
                               struct ipc_port **port, bool *dead);

/*
 * Would ipc_right_copyin(space, name, disposition) succeed with a live
 * right?  False for a missing name, a missing right or a dead name.
 * Nothing changes (message headers are checked before any right is taken).
 */
bool ipc_right_copyin_check(struct ipc_space *space, mach_port_name_t name,
                            mach_msg_type_name_t disposition);

/*
 * The entry `name` denotes (space locked), a send right to a dead port
 * turned into a dead name first; NULL if none.  *drop gets the port
 * reference the entry gave up, for the caller to release after unlocking.
 */
struct ipc_entry *ipc_right_entry_checked(struct ipc_space *space, mach_port_name_t name,
                                          struct ipc_port **drop);

/*
 * A message header's two rights at once, under one lock of the space: the
 * destination `dname` with `ddisp` and, if `rdisp` is not 0 and `rname`
 * not MACH_PORT_NULL, the reply `rname` with `rdisp` (both send
 * dispositions).  Decode, then perform: both names are checked before
 * either right is taken, so that an error takes nothing.  *dest and
 * *reply get the ports (NULL for no reply), each with a reference for its
 * right in transit.  Errors: MACH_SEND_INVALID_DEST (the destination name
 * lacks the right, or is a dead name), MACH_SEND_INVALID_REPLY (likewise
 * for the reply); then nothing was taken.
 */
mach_msg_return_t ipc_right_copyin_header(struct ipc_space *space, mach_port_name_t dname,
                                          mach_msg_type_name_t ddisp, mach_port_name_t rname,
                                          mach_msg_type_name_t rdisp, struct ipc_port **dest,
                                          struct ipc_port **reply);

/* The type a right has in transit after copyin with `disposition`. */
static inline mach_msg_type_name_t ipc_right_transit_type(mach_msg_type_name_t disposition)
{
    switch (disposition) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
        return MACH_MSG_TYPE_PORT_RECEIVE;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
        return MACH_MSG_TYPE_PORT_SEND_ONCE;
    default:
        return MACH_MSG_TYPE_PORT_SEND;
    }
}

/*
 * Put a right in transit (`type` PORT_SEND, PORT_SEND_ONCE or
 * PORT_RECEIVE, consuming the port reference) into `space`; *name gets its
 * name.  A right to a dead port becomes MACH_PORT_DEAD (send kinds) and is
 * released.  KERN_NO_SPACE / KERN_RESOURCE_SHORTAGE: the space could not
 * take it; the right is then destroyed and *name is MACH_PORT_NULL.
 */
kern_return_t ipc_right_copyout(struct ipc_space *space, struct ipc_port *port,
                                mach_msg_type_name_t type, mach_port_name_t *name);

/*
 * Insert a right in transit under a chosen name (mach_port_insert_right):
 * the name must be free, or (send and receive rights) hold the send or
 * receive rights to the same port.  Consumes the right on KERN_SUCCESS
 * only.  Errors: KERN_INVALID_VALUE (bad name), KERN_NAME_EXISTS,
 * KERN_RIGHT_EXISTS (the port is known by another name),
 * KERN_UREFS_OVERFLOW, KERN_INVALID_TASK, KERN_RESOURCE_SHORTAGE.
 */
kern_return_t ipc_right_copyout_name(struct ipc_space *space, struct ipc_port *port,
                                     mach_msg_type_name_t type, mach_port_name_t name);

/* Release a right in transit of `type` (a destroyed message, a failed send). */
void ipc_right_release_transit(struct ipc_port *port, mach_msg_type_name_t type);

/* mach_port_deallocate: one user reference of a send, send-once or dead name. */
kern_return_t ipc_right_dealloc(struct ipc_space *space, mach_port_name_t name);

/* mach_port_destroy / space teardown: every right the name has. */
kern_return_t ipc_right_destroy_all(struct ipc_space *space, mach_port_name_t name);

/* mach_port_mod_refs. */
kern_return_t ipc_right_delta(struct ipc_space *space, mach_port_name_t name,
                              mach_port_right_t right, mach_port_delta_t delta);

/* mach_port_get_refs. */
kern_return_t ipc_right_get_refs(struct ipc_space *space, mach_port_name_t name,
                                 mach_port_right_t right, mach_port_urefs_t *refs);

/* mach_port_type (dead ports turned into dead names first). */
kern_return_t ipc_right_type(struct ipc_space *space, mach_port_name_t name,
                             mach_port_type_t *type);

/*
 * The port `name` holds a receive right to, referenced; KERN_INVALID_NAME
 * or KERN_INVALID_RIGHT otherwise.
 */
kern_return_t ipc_right_lookup_receive(struct ipc_space *space, mach_port_name_t name,
                                       struct ipc_port **port);

/* The port `name` holds a send right to (alive), referenced. */
kern_return_t ipc_right_lookup_send(struct ipc_space *space, mach_port_name_t name,
                                    struct ipc_port **port);

/* A receive right for a new port under a new name (mach_port_allocate). */
kern_return_t ipc_right_alloc_receive(struct ipc_space *space, mach_port_name_t *name);
kern_return_t ipc_right_alloc_receive_name(struct ipc_space *space, mach_port_name_t name);
kern_return_t ipc_right_alloc_pset(struct ipc_space *space, mach_port_name_t *name);
kern_return_t ipc_right_alloc_pset_name(struct ipc_space *space, mach_port_name_t name);
kern_return_t ipc_right_alloc_dead(struct ipc_space *space, mach_port_name_t *name);
kern_return_t ipc_right_alloc_dead_name(struct ipc_space *space, mach_port_name_t name);

#endif /* _IPC_IPC_RIGHT_H_ */
