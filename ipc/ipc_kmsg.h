/* SPDX-License-Identifier: MIT */
/*
 * Kernel messages.  A message is copied in from the sender into a kmsg in
 * the kernel form, queued on its destination port, and copied out into
 * the receiver.
 *
 * The kernel form differs from the user form (include/mach/message.h) in
 * the ports: the header's two ports and every port right in the body are
 * pointers to struct ipc_port (8 bytes, msgt_size 64) instead of names
 * (4 bytes, msgt_size 32) — the layout GNU MIG generates for a kernel
 * server.  Copyin widens, copyout narrows.  Out-of-line memory travels as a
 * vm_map_copy (its pointer in the item's 8-byte address field); out-of-line
 * arrays of port rights as a kernel array of port pointers.
 *
 * A kmsg owns every right and copy object in it: ipc_kmsg_destroy()
 * releases them all.
 */
#ifndef _IPC_IPC_KMSG_H_
#define _IPC_IPC_KMSG_H_

#include <mach/message.h>
#include <kern/list.h>
#include <kern/types.h>

struct ipc_space;
struct ipc_port;
struct vm_map;

struct ipc_kmsg {
    struct list link;           /* on a port's queue (port lock) */
    uint32_t alloc;             /* bytes allocated for hdr and body */
    uint32_t user_size;         /* msgh_size once copied out (narrowed) */
    /*
     * The destination right (msgh_remote_port) was counted off its port
     * already, by a hand-off under the port lock (ipc/ipc_mqueue.c):
     * only the reference is left to drop.  Set under that port lock, while
     * only the sender knows the message; read by the receiver after.
     */
    bool dest_consumed;
    mach_msg_header_t hdr;      /* kernel form; the body follows */
};

/*
 * A kmsg with room for a kernel-form message of `size` bytes; NULL if no
 * memory.  Small ones (IKM_SMALL bytes in all, most RPCs) come from and go
 * back to a cache on each hart (ipc_kmsg_cache.c) before the zones.
 */
struct ipc_kmsg *ipc_kmsg_alloc(mach_msg_size_t size);
void ipc_kmsg_free(struct ipc_kmsg *kmsg);

#define IKM_SMALL 256

/*
 * The per-hart cache of free small kmsgs: take one (NULL if empty), give
 * one back (false if full: free it), and how many are kept in all (they
 * count as free in the kernel's statistics, kern/host.c).
 */
struct ipc_kmsg *ipc_kmsg_cache_get(void);
bool ipc_kmsg_cache_put(struct ipc_kmsg *kmsg);
size_t ipc_kmsg_cached(void);

/* Release every right and copy object in the message, then free it. */
void ipc_kmsg_destroy(struct ipc_kmsg *kmsg);
void ipc_kmsg_destroy_list(struct list *kmsgs);

/*
 * Copy a message of `size` bytes from the user buffer `msg` and translate
 * it: rights taken from `space` as the header bits and item types say,
 * out-of-line memory copied (copy-on-write) from `map`.  On success *out is
 * the kernel-form message.  Errors are MACH_SEND_* codes; on error nothing
 * is left behind (rights already taken are destroyed, as Mach does).
 */
mach_msg_return_t ipc_kmsg_copyin(const void *msg, mach_msg_size_t size,
                                  struct ipc_space *space, struct vm_map *map,
                                  struct ipc_kmsg **out);

/*
 * Translate a received message for `space` and `map` and copy it to the
 * user buffer `msg` (which has room for at least kmsg->user_size bytes).
 * The kmsg is consumed.  Returns MACH_MSG_SUCCESS, or a MACH_RCV_* code
 * with MACH_MSG_IPC_SPACE / MACH_MSG_VM_SPACE bits when rights or memory
 * could not be given (those are destroyed, the rest delivered).
 */
mach_msg_return_t ipc_kmsg_copyout(struct ipc_kmsg *kmsg, struct ipc_space *space,
                                   struct vm_map *map, void *msg);

/*
 * The destination right was used up by a delivery (to a receiver, or to the
 * kernel): release it without a send-once notification and clear it, so
 * that ipc_kmsg_destroy() releases only the rest.
 */
void ipc_kmsg_consume_dest(struct ipc_kmsg *kmsg);

/* The destination port of a kernel-form message. */
static inline struct ipc_port *ipc_kmsg_dest(const struct ipc_kmsg *kmsg)
{
    return (struct ipc_port *)kmsg->hdr.msgh_remote_port;
}

/* Work out user_size of a kernel-built message (replies, notifications). */
void ipc_kmsg_set_user_size(struct ipc_kmsg *kmsg);

/*
 * Call fn(port, arg) for each receive right the message carries in its body;
 * stops and returns true as soon as fn does.
 */
bool ipc_kmsg_foreach_receive(const struct ipc_kmsg *kmsg,
                              bool (*fn)(struct ipc_port *port, void *arg), void *arg);

#endif /* _IPC_IPC_KMSG_H_ */
