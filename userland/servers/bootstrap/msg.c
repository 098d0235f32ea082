// SPDX-License-Identifier: MIT
/*
 * Freeing what a message body carries (port rights, out-of-line memory)
 * when no routine took it: a request MIG refused, a reply with no one to
 * go to.  The walk follows the item layout of ipc/ipc_item.c.
 */
#include <string.h>
#include "bootstrap.h"

#define PAGE 4096UL

struct item {
    mach_msg_type_name_t name;
    uint32_t size, number;              /* bits per element, elements */
    bool is_inline, dealloc;
    uint8_t *data;                      /* the inline data, or where the pointer is */
    uint32_t next;                      /* offset of the next descriptor */
};

/* Decode the item at `off` of m[0 .. end); false if it does not fit. */
static bool decode(uint8_t *m, uint32_t off, uint32_t end, struct item *it)
{
    uint32_t w;
    if (off > end || end - off < 4)
        return false;
    memcpy(&w, m + off, 4);
    it->name = w & 0xff;
    it->size = (w >> 8) & 0xff;
    it->number = (w >> 16) & 0xfff;
    it->is_inline = (w >> 28) & 1;
    it->dealloc = (w >> 30) & 1;
    uint32_t hlen = 4;
    if ((w >> 29) & 1) {                /* long form */
        uint16_t name, size;
        if (end - off < 12)
            return false;
        memcpy(&name, m + off + 4, 2);
        memcpy(&size, m + off + 6, 2);
        memcpy(&it->number, m + off + 8, 4);
        it->name = name;
        it->size = size;
        hlen = 12;
    }
    uint64_t len = it->is_inline ? ((uint64_t)it->number * it->size + 7) / 8 : 8;
    len = (len + 3) & ~3ULL;
    if (len > end - off - hlen)
        return false;
    it->data = m + off + hlen;
    it->next = off + hlen + (uint32_t)len;
    return true;
}

static bool is_port(mach_msg_type_name_t name)
{
    return MACH_MSG_TYPE_PORT_ANY(name);
}

/* Release one right of type `name`, as received (PORT_*) or as we would have moved it. */
static void release_right(mach_msg_type_name_t name, mach_port_t port)
{
    if (!MACH_PORT_VALID(port))
        return;
    if (name == MACH_MSG_TYPE_MOVE_RECEIVE)
        mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
    else if (name == MACH_MSG_TYPE_MOVE_SEND || name == MACH_MSG_TYPE_MOVE_SEND_ONCE)
        mach_port_deallocate(mach_task_self(), port);
    /* COPY_SEND, MAKE_SEND, MAKE_SEND_ONCE: nothing of ours would have gone. */
}

static void release_memory(uint64_t addr, uint64_t bytes)
{
    if (addr == 0 || bytes == 0)
        return;
    vm_deallocate(mach_task_self(), addr & ~(PAGE - 1),
                  ((addr + bytes + PAGE - 1) & ~(PAGE - 1)) - (addr & ~(PAGE - 1)));
}

/* One item; `received`: out-of-line memory is ours whatever its dealloc bit. */
static void destroy_item(const struct item *it, bool received)
{
    uint64_t bytes = ((uint64_t)it->number * it->size + 7) / 8;
    uint64_t addr = 0;
    if (!it->is_inline)
        memcpy(&addr, it->data, 8);
    if (is_port(it->name)) {
        const uint8_t *names = it->is_inline ? it->data : (const uint8_t *)addr;
        for (uint32_t i = 0; names != NULL && i < it->number; i++) {
            mach_port_t port;
            memcpy(&port, names + 4 * i, 4);
            release_right(it->name, port);
        }
    }
    if (!it->is_inline && (received || it->dealloc))
        release_memory(addr, bytes);
}

static void destroy_body(mach_msg_header_t *m, bool received)
{
    if (!(m->msgh_bits & MACH_MSGH_BITS_COMPLEX))
        return;
    uint8_t *base = (uint8_t *)m;
    struct item it;
    for (uint32_t off = sizeof(*m); off < m->msgh_size; off = it.next) {
        if (!decode(base, off, m->msgh_size, &it))
            return;
        if (is_port(it.name) && it.size != 32)
            return;                     /* not a layout a user task sees */
        destroy_item(&it, received);
    }
}

void msg_destroy_received(mach_msg_header_t *m)
{
    destroy_body(m, true);
}

void msg_destroy_unsent(mach_msg_header_t *m)
{
    destroy_body(m, false);
}
