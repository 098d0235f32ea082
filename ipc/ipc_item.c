// SPDX-License-Identifier: MIT
/* Decoding message item descriptors (see ipc/ipc_item.h). */
#include <kern/string.h>
#include <ipc/ipc_item.h>

static uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void store32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* The short descriptor's fields (GCC's little-endian bit-field order). */
static void decode_short(uint32_t w, struct ipc_item *it, bool *unused)
{
    it->name = w & 0xff;
    it->size = (w >> 8) & 0xff;
    it->number = (w >> 16) & 0xfff;
    it->is_inline = (w >> 28) & 1;
    it->longform = (w >> 29) & 1;
    it->dealloc = (w >> 30) & 1;
    *unused = (w >> 31) & 1;
}

static mach_msg_return_t check_type(const struct ipc_item *it, bool kernel)
{
    if (it->name >= MACH_MSG_TYPE_LAST || (it->size == 0 && it->number != 0))
        return MACH_SEND_INVALID_TYPE;
    if (ipc_item_is_port(it->name)) {
        if (it->size != (kernel ? 64u : 32u))
            return MACH_SEND_INVALID_TYPE;
        if (kernel && it->name > MACH_MSG_TYPE_PORT_SEND_ONCE)
            return MACH_SEND_INVALID_TYPE;
    } else if (it->name == MACH_MSG_TYPE_PORT_NAME && it->size != 32) {
        return MACH_SEND_INVALID_TYPE;
    }
    return MACH_MSG_SUCCESS;
}

mach_msg_return_t ipc_item_decode(const uint8_t *base, uint32_t off, uint32_t end,
                                  bool kernel, struct ipc_item *it)
{
    bool unused;
    if (end - off < 4 || off > end)
        return MACH_SEND_MSG_TOO_SMALL;
    decode_short(load32(base + off), it, &unused);
    it->off = off;
    it->hlen = 4;
    if (unused)
        return MACH_SEND_INVALID_TYPE;
    if (it->longform) {
        if (end - off < 12)
            return MACH_SEND_MSG_TOO_SMALL;
        uint16_t name, size;
        memcpy(&name, base + off + 4, 2);
        memcpy(&size, base + off + 6, 2);
        it->name = name;
        it->size = size;
        it->number = load32(base + off + 8);
        it->hlen = 12;
    }
    mach_msg_return_t mr = check_type(it, kernel);
    if (mr != MACH_MSG_SUCCESS)
        return mr;
    it->data = off + it->hlen;
    uint64_t len = it->is_inline ? ipc_item_bytes(it) : 8;
    len = (len + 3) & ~3ULL;
    if (len > end - it->data)
        return MACH_SEND_MSG_TOO_SMALL;
    it->dlen = (uint32_t)len;
    return MACH_MSG_SUCCESS;
}

void ipc_item_set_name_size(uint8_t *base, const struct ipc_item *it,
                            mach_msg_type_name_t name, uint32_t size)
{
    if (it->longform) {
        uint16_t n = (uint16_t)name, s = (uint16_t)size;
        memcpy(base + it->off + 4, &n, 2);
        memcpy(base + it->off + 6, &s, 2);
    } else {
        uint32_t w = load32(base + it->off);
        store32(base + it->off, (w & ~0xffffu) | (name & 0xff) | ((size & 0xff) << 8));
    }
}
