// SPDX-License-Identifier: MIT
/*
 * mach_msg_destroy: give back what a received message carries — the reply
 * right, port rights and out-of-line memory — for a server that refuses a
 * request (or a message nobody will read).
 */
#include <stdbool.h>
#include <string.h>
#include <mach.h>

/* One item of a received message, decoded. */
struct item {
    mach_msg_type_name_t name;
    uint64_t number, size;      /* elements, bits per element */
    bool is_inline, longform;
    uint32_t hlen;
};

static bool decode(const uint8_t *p, uint32_t left, struct item *it)
{
    uint32_t w;
    if (left < 4)
        return false;
    memcpy(&w, p, 4);
    it->name = w & 0xff;
    it->size = (w >> 8) & 0xff;
    it->number = (w >> 16) & 0xfff;
    it->is_inline = (w >> 28) & 1;
    it->longform = (w >> 29) & 1;
    it->hlen = 4;
    if (it->longform) {
        uint16_t name, size;
        uint32_t number;
        if (left < 12)
            return false;
        memcpy(&name, p + 4, 2);
        memcpy(&size, p + 6, 2);
        memcpy(&number, p + 8, 4);
        it->name = name;
        it->size = size;
        it->number = number;
        it->hlen = 12;
    }
    return true;
}

static void drop_right(mach_port_t name, mach_msg_type_name_t type)
{
    if (!MACH_PORT_VALID(name))
        return;
    if (type == MACH_MSG_TYPE_PORT_RECEIVE)
        mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
    else if (MACH_MSG_TYPE_PORT_ANY_RIGHT(type))
        mach_port_deallocate(mach_task_self(), name);
}

static void drop_rights(const mach_port_t *names, uint64_t n, mach_msg_type_name_t type)
{
    for (uint64_t i = 0; i < n; i++)
        drop_right(names[i], type);
}

/* Destroy one item's contents; returns the bytes its data takes in the message. */
static uint64_t destroy_item(const uint8_t *data, const struct item *it)
{
    bool port = MACH_MSG_TYPE_PORT_ANY_RIGHT(it->name);
    uint64_t bytes = (it->number * it->size + 7) / 8;
    if (it->is_inline) {
        if (port && it->size == 32)
            drop_rights((const mach_port_t *)(const void *)data, it->number, it->name);
        return (bytes + 3) & ~3ULL;
    }
    vm_offset_t addr;
    memcpy(&addr, data, sizeof(addr));
    if (addr != 0 && bytes > 0) {
        if (port && it->size == 32)
            drop_rights((const mach_port_t *)addr, it->number, it->name);
        vm_deallocate(mach_task_self(), addr, bytes);
    }
    return 8;
}

void mach_msg_destroy(mach_msg_header_t *msg)
{
    drop_right(msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(msg->msgh_bits));
    msg->msgh_remote_port = MACH_PORT_NULL;
    if (!(msg->msgh_bits & MACH_MSGH_BITS_COMPLEX))
        return;
    const uint8_t *base = (const uint8_t *)msg;
    uint32_t end = msg->msgh_size, off = sizeof(*msg);
    struct item it;
    while (off < end && decode(base + off, end - off, &it)) {
        off += it.hlen;
        uint64_t len = it.is_inline ? ((it.number * it.size + 7) / 8 + 3) & ~3ULL : 8;
        if (len > end - off)
            break;                      /* the kernel never delivers this */
        off += (uint32_t)destroy_item(base + off, &it);
    }
    msg->msgh_bits &= ~MACH_MSGH_BITS_COMPLEX;
}
