/* SPDX-License-Identifier: MIT */
/*
 * Walking the items of a message body, in either form (see ipc_kmsg.h).
 * The walker checks that each descriptor and its data lie inside the
 * message and decodes the short and long forms into one struct.
 */
#ifndef _IPC_IPC_ITEM_H_
#define _IPC_IPC_ITEM_H_

#include <mach/message.h>
#include <kern/types.h>

/* A dead port in the kernel form (a right to a port that died). */
#define IP_DEAD         ((struct ipc_port *)~0UL)
#define IP_VALID(p)     ((p) != NULL && (p) != IP_DEAD)

struct ipc_item {
    uint32_t off;               /* offset of the descriptor */
    uint32_t hlen;              /* 4 (short form) or 12 (long form) */
    uint32_t data;              /* offset of the data (or the OOL address) */
    uint32_t dlen;              /* bytes the data takes in the message, padded */
    mach_msg_type_name_t name;
    uint32_t size;              /* bits per element */
    uint32_t number;
    bool is_inline, longform, dealloc;
};

static inline bool ipc_item_is_port(mach_msg_type_name_t name)
{
    return MACH_MSG_TYPE_PORT_ANY(name);
}

/* Bytes of data the item describes (inline or out-of-line), before padding. */
static inline uint64_t ipc_item_bytes(const struct ipc_item *it)
{
    return ((uint64_t)it->number * it->size + 7) / 8;
}

/*
 * Decode the item at `off` of the message `base[0..end)`; `kernel` says
 * which form (port width).  Returns 0, or MACH_SEND_MSG_TOO_SMALL when
 * the item runs past the end, MACH_SEND_INVALID_TYPE for a descriptor the
 * kernel cannot accept.
 */
mach_msg_return_t ipc_item_decode(const uint8_t *base, uint32_t off, uint32_t end,
                                  bool kernel, struct ipc_item *it);

/* Rewrite the descriptor's type name and element size (port items change). */
void ipc_item_set_name_size(uint8_t *base, const struct ipc_item *it,
                            mach_msg_type_name_t name, uint32_t size);

#endif /* _IPC_IPC_ITEM_H_ */
