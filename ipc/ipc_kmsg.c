// SPDX-License-Identifier: MIT
/*
 * Kernel messages: copyin (validate, take rights, copy out-of-line memory,
 * widen to the kernel form), copyout (give rights, map memory, narrow to
 * the user form), and destruction.  See ipc/ipc_kmsg.h.
 */
#include <kern/copy.h>
#include <kern/kmem.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <ipc/ipc_item.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>
#include <machine/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_map_copy.h>
#include <vm/vm_user.h>

#define KMSG_HEADER_BYTES offsetof(struct ipc_kmsg, hdr)
#define USER_PORT_BYTES 4
#define KERNEL_PORT_BYTES 8

struct ipc_kmsg *ipc_kmsg_alloc(mach_msg_size_t size)
{
    uint32_t alloc = KMSG_HEADER_BYTES + size;
    struct ipc_kmsg *k = NULL;
    if (alloc <= IKM_SMALL) {
        alloc = IKM_SMALL;
        k = ipc_kmsg_cache_get();
    }
    if (k == NULL)
        k = kmem_alloc(alloc);
    if (k == NULL)
        return NULL;
    list_init(&k->link);
    k->alloc = alloc;
    k->dest_consumed = false;
    k->user_size = size;
    return k;
}

void ipc_kmsg_free(struct ipc_kmsg *k)
{
    if (k->alloc != IKM_SMALL || !ipc_kmsg_cache_put(k))
        kmem_free(k, k->alloc);
}

static uint8_t *body(struct ipc_kmsg *k)
{
    return (uint8_t *)&k->hdr;
}

static struct ipc_port *load_port(const uint8_t *p)
{
    struct ipc_port *port;
    memcpy(&port, p, sizeof(port));
    return port;
}

static void store_port(uint8_t *p, struct ipc_port *port)
{
    memcpy(p, &port, sizeof(port));
}

static uintptr_t load_ptr(const uint8_t *p)
{
    uintptr_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void store_ptr(uint8_t *p, uintptr_t v)
{
    memcpy(p, &v, sizeof(v));
}

/* ---- destruction ---- */

static void release_port(struct ipc_port *p, mach_msg_type_name_t type)
{
    if (IP_VALID(p))
        ipc_right_release_transit(p, type);
}

/* Release what one kernel-form item holds. */
static void destroy_item(uint8_t *base, const struct ipc_item *it)
{
    if (ipc_item_is_port(it->name)) {
        struct ipc_port **ports = it->is_inline ? NULL
                                : (struct ipc_port **)load_ptr(base + it->data);
        for (uint32_t i = 0; i < it->number; i++) {
            struct ipc_port *p = it->is_inline ? load_port(base + it->data + 8 * i)
                                               : (ports != NULL ? ports[i] : NULL);
            release_port(p, it->name);
        }
        if (!it->is_inline && ports != NULL)
            kmem_free(ports, (size_t)it->number * sizeof(*ports));
    } else if (!it->is_inline) {
        struct vm_map_copy *copy = (struct vm_map_copy *)load_ptr(base + it->data);
        if (copy != NULL)
            vm_map_copy_discard(copy);
    }
}

static void destroy_body(struct ipc_kmsg *k)
{
    uint8_t *base = body(k);
    struct ipc_item it;
    for (uint32_t off = sizeof(mach_msg_header_t); off < k->hdr.msgh_size;
         off = it.data + it.dlen) {
        if (ipc_item_decode(base, off, k->hdr.msgh_size, true, &it) != MACH_MSG_SUCCESS)
            panic("ipc_kmsg: kernel-form message %p has a bad item at %u", k, off);
        destroy_item(base, &it);
    }
}

void ipc_kmsg_destroy(struct ipc_kmsg *k)
{
    mach_msg_bits_t bits = k->hdr.msgh_bits;
    if (k->dest_consumed)
        ipc_port_release(ipc_kmsg_dest(k));     /* the right is gone: the reference stays */
    else
        release_port((struct ipc_port *)k->hdr.msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
    release_port((struct ipc_port *)k->hdr.msgh_local_port, MACH_MSGH_BITS_LOCAL(bits));
    if (bits & MACH_MSGH_BITS_COMPLEX)
        destroy_body(k);
    ipc_kmsg_free(k);
}

void ipc_kmsg_consume_dest(struct ipc_kmsg *k)
{
    struct ipc_port *dest = ipc_kmsg_dest(k);
    if (k->dest_consumed)
        ipc_port_release(dest);         /* counted off at the hand-off */
    else if (MACH_MSGH_BITS_REMOTE(k->hdr.msgh_bits) == MACH_MSG_TYPE_PORT_SEND)
        ipc_port_release_send(dest);
    else
        ipc_port_release_sonce_consumed(dest);
    k->hdr.msgh_remote_port = 0;
    k->hdr.msgh_bits &= ~MACH_MSGH_BITS_REMOTE_MASK;
    k->dest_consumed = false;
}

void ipc_kmsg_destroy_list(struct list *kmsgs)
{
    while (!list_empty(kmsgs)) {
        struct list *l = list_first(kmsgs);
        list_remove(l);
        ipc_kmsg_destroy(list_entry(l, struct ipc_kmsg, link));
    }
}

/* ---- sizes ---- */

/* Size of the kernel form of a user-form body (validated on the way). */
static mach_msg_return_t widened_size(const uint8_t *ubase, uint32_t usize, uint32_t *ksize)
{
    struct ipc_item it;
    uint32_t extra = 0;
    for (uint32_t off = sizeof(mach_msg_user_header_t); off < usize; off = it.data + it.dlen) {
        mach_msg_return_t mr = ipc_item_decode(ubase, off, usize, false, &it);
        if (mr != MACH_MSG_SUCCESS)
            return mr;
        if (ipc_item_is_port(it.name) && it.is_inline)
            extra += it.number * (KERNEL_PORT_BYTES - USER_PORT_BYTES);
    }
    if ((uint64_t)usize + extra > 2 * MACH_MSG_SIZE_MAX)
        return MACH_SEND_INVALID_DATA;
    *ksize = usize + extra;
    return MACH_MSG_SUCCESS;
}

void ipc_kmsg_set_user_size(struct ipc_kmsg *k)
{
    uint32_t size = k->hdr.msgh_size;
    if (k->hdr.msgh_bits & MACH_MSGH_BITS_COMPLEX) {
        struct ipc_item it;
        for (uint32_t off = sizeof(mach_msg_header_t); off < k->hdr.msgh_size;
             off = it.data + it.dlen) {
            if (ipc_item_decode(body(k), off, k->hdr.msgh_size, true, &it) != MACH_MSG_SUCCESS)
                panic("ipc_kmsg: the kernel built a bad message (id %d)", k->hdr.msgh_id);
            if (ipc_item_is_port(it.name) && it.is_inline)
                size -= it.number * (KERNEL_PORT_BYTES - USER_PORT_BYTES);
        }
    }
    k->user_size = size;
}

/* ---- copyin ---- */

/* Take the rights named in a user array of `n` names, into `out[i]` or 8-byte slots. */
static mach_msg_return_t copyin_names(struct ipc_space *space, const uint8_t *names,
                                      uint32_t n, mach_msg_type_name_t disp,
                                      uint8_t *slots, struct ipc_port **out)
{
    for (uint32_t i = 0; i < n; i++) {
        mach_port_name_t name;
        memcpy(&name, names + 4 * i, 4);
        struct ipc_port *p = NULL;
        bool dead = false;
        if (name == MACH_PORT_DEAD) {
            p = IP_DEAD;
        } else if (name != MACH_PORT_NULL) {
            if (ipc_right_copyin(space, name, disp, &p, &dead) != KERN_SUCCESS)
                return MACH_SEND_INVALID_RIGHT;
            if (dead)
                p = IP_DEAD;
        }
        if (out != NULL)
            out[i] = p;
        else
            store_port(slots + 8 * i, p);
    }
    return MACH_MSG_SUCCESS;
}

/* An out-of-line array of port rights: read the names, take the rights. */
static mach_msg_return_t copyin_ool_ports(struct ipc_space *space, struct vm_map *map,
                                          const struct ipc_item *it, uintptr_t uaddr,
                                          uint8_t *field)
{
    if (it->number == 0)
        return MACH_MSG_SUCCESS;
    if (it->number > MACH_MSG_SIZE_MAX)
        return MACH_SEND_INVALID_DATA;
    size_t nbytes = (size_t)it->number * 4;
    struct ipc_port **ports = kmem_zalloc((size_t)it->number * sizeof(*ports));
    if (ports == NULL)
        return MACH_SEND_NO_BUFFER;
    store_ptr(field, (uintptr_t)ports);     /* destroy() frees it from here */
    uint8_t *names = kmem_alloc(nbytes);
    mach_msg_return_t mr = MACH_SEND_NO_BUFFER;
    if (names != NULL)
        mr = copyin((const void *)uaddr, names, nbytes) == 0
                 ? copyin_names(space, names, it->number, it->name, NULL, ports)
                 : MACH_SEND_INVALID_MEMORY;
    kmem_free(names, nbytes);
    if (mr == MACH_MSG_SUCCESS && it->dealloc)
        vm_deallocate(map, ROUND_DOWN(uaddr, PAGE_SIZE),
                      ROUND_UP(uaddr + nbytes, PAGE_SIZE) - ROUND_DOWN(uaddr, PAGE_SIZE));
    return mr;
}

static mach_msg_return_t copyin_ool_data(struct vm_map *map, const struct ipc_item *it,
                                         uintptr_t uaddr, uint8_t *field)
{
    uint64_t len = ipc_item_bytes(it);
    if (len == 0)
        return MACH_MSG_SUCCESS;
    struct vm_map_copy *copy;
    if (vm_map_copyin(map, uaddr, len, it->dealloc, &copy) != KERN_SUCCESS)
        return MACH_SEND_INVALID_MEMORY;
    store_ptr(field, (uintptr_t)copy);
    return MACH_MSG_SUCCESS;
}

/* Lay out one item in the kernel form at `koff`, its rights and memory zeroed; returns its length. */
static uint32_t lay_out_item(const uint8_t *ubase, const struct ipc_item *it, uint8_t *kbase,
                             uint32_t koff)
{
    memcpy(kbase + koff, ubase + it->off, it->hlen);
    struct ipc_item kit = *it;
    kit.off = koff;
    uint32_t klen;
    if (ipc_item_is_port(it->name)) {
        ipc_item_set_name_size(kbase, &kit, ipc_right_transit_type(it->name), 64);
        klen = it->is_inline ? it->number * KERNEL_PORT_BYTES : 8;
        memset(kbase + koff + it->hlen, 0, klen);
    } else if (!it->is_inline) {
        klen = 8;
        memset(kbase + koff + it->hlen, 0, klen);
    } else {
        klen = it->dlen;
        memcpy(kbase + koff + it->hlen, ubase + it->data, klen);
    }
    return it->hlen + klen;
}

static mach_msg_return_t translate_item(const uint8_t *ubase, const struct ipc_item *it,
                                        uint8_t *kdata, struct ipc_space *space,
                                        struct vm_map *map)
{
    if (ipc_item_is_port(it->name) && it->is_inline)
        return copyin_names(space, ubase + it->data, it->number, it->name, kdata, NULL);
    if (ipc_item_is_port(it->name))
        return copyin_ool_ports(space, map, it, load_ptr(ubase + it->data), kdata);
    if (!it->is_inline)
        return copyin_ool_data(map, it, load_ptr(ubase + it->data), kdata);
    return MACH_MSG_SUCCESS;
}

/*
 * Widen and translate the body.  The kernel message's size grows item by
 * item, so on an error ipc_kmsg_destroy() sees exactly what was taken.
 */
static mach_msg_return_t copyin_body(const uint8_t *ubase, uint32_t usize,
                                     struct ipc_kmsg *k, struct ipc_space *space,
                                     struct vm_map *map)
{
    struct ipc_item it;
    uint8_t *kbase = body(k);
    uint32_t koff = sizeof(mach_msg_header_t);
    for (uint32_t off = sizeof(mach_msg_user_header_t); off < usize; off = it.data + it.dlen) {
        ipc_item_decode(ubase, off, usize, false, &it);     /* validated by widened_size */
        uint32_t klen = lay_out_item(ubase, &it, kbase, koff);
        k->hdr.msgh_size = koff + klen;
        mach_msg_return_t mr = translate_item(ubase, &it, kbase + koff + it.hlen, space, map);
        if (mr != MACH_MSG_SUCCESS)
            return mr;
        koff += klen;
    }
    return MACH_MSG_SUCCESS;
}

static mach_msg_return_t copyin_header(const mach_msg_user_header_t *uh,
                                       struct ipc_space *space, mach_msg_header_t *kh)
{
    mach_msg_type_name_t rdisp = MACH_MSGH_BITS_REMOTE(uh->msgh_bits);
    mach_msg_type_name_t ldisp = MACH_MSGH_BITS_LOCAL(uh->msgh_bits);
    struct ipc_port *dest = NULL, *reply = NULL;
    if ((uh->msgh_bits & ~MACH_MSGH_BITS_USED) != 0 ||
        (uh->msgh_bits & (MACH_MSGH_BITS_CIRCULAR | MACH_MSGH_BITS_COMPLEX_PORTS |
                          MACH_MSGH_BITS_COMPLEX_DATA)) != 0 ||
        !MACH_MSG_TYPE_PORT_ANY_SEND(rdisp) ||
        (ldisp != 0 && !MACH_MSG_TYPE_PORT_ANY_SEND(ldisp)))
        return MACH_SEND_INVALID_HEADER;
    if (ldisp == 0 && uh->msgh_local_port != MACH_PORT_NULL)     /* a reply name, no right */
        return ipc_right_copyin_check(space, uh->msgh_remote_port, rdisp)
                   ? MACH_SEND_INVALID_REPLY : MACH_SEND_INVALID_DEST;
    /* Decode, then perform, under one lock of the space: a bad header takes no right. */
    mach_msg_return_t mr = ipc_right_copyin_header(space, uh->msgh_remote_port, rdisp,
                                                   uh->msgh_local_port, ldisp, &dest, &reply);
    if (mr != MACH_MSG_SUCCESS)
        return mr;
    kh->msgh_bits = (uh->msgh_bits & MACH_MSGH_BITS_COMPLEX) |
                    MACH_MSGH_BITS(ipc_right_transit_type(rdisp),
                                   reply != NULL ? ipc_right_transit_type(ldisp) : 0);
    kh->msgh_remote_port = (mach_port_t)dest;
    kh->msgh_local_port = (mach_port_t)reply;
    kh->msgh_seqno = 0;
    kh->msgh_id = uh->msgh_id;
    return MACH_MSG_SUCCESS;
}

/* A simple message's body: a few words, both ends 8-aligned, n a multiple of 4. */
static void copy_small(uint8_t *dst, const uint8_t *src, size_t n)
{
    if (n > 64) {
        memcpy(dst, src, n);
        return;
    }
    for (; n >= 8; n -= 8, dst += 8, src += 8)
        __builtin_memcpy(__builtin_assume_aligned(dst, 8), __builtin_assume_aligned(src, 8), 8);
    if (n != 0)
        __builtin_memcpy(__builtin_assume_aligned(dst, 4), __builtin_assume_aligned(src, 4), 4);
}

/* Read the user message into a kernel buffer (`stack` if it fits). */
static mach_msg_return_t fetch(const void *msg, mach_msg_size_t size, uint8_t *stack,
                               size_t stack_size, uint8_t **out)
{
    if (size < sizeof(mach_msg_user_header_t) || (size & 3) != 0)
        return MACH_SEND_MSG_TOO_SMALL;
    if (size > MACH_MSG_SIZE_MAX)
        return MACH_SEND_NO_BUFFER;     /* as GNU Mach: no kernel buffer that big */
    uint8_t *buf = size <= stack_size ? stack : kmem_alloc(size);
    if (buf == NULL)
        return MACH_SEND_NO_BUFFER;
    if (copyin(msg, buf, size) != 0) {
        if (buf != stack)
            kmem_free(buf, size);
        return MACH_SEND_INVALID_DATA;
    }
    ((mach_msg_user_header_t *)buf)->msgh_size = size;
    *out = buf;
    return MACH_MSG_SUCCESS;
}

#define COPYIN_STACK 256

mach_msg_return_t ipc_kmsg_copyin(const void *msg, mach_msg_size_t size,
                                  struct ipc_space *space, struct vm_map *map,
                                  struct ipc_kmsg **out)
{
    uint8_t stack[COPYIN_STACK] __attribute__((aligned(8))), *ubuf;
    mach_msg_return_t mr = fetch(msg, size, stack, sizeof(stack), &ubuf);
    if (mr != MACH_MSG_SUCCESS)
        return mr;
    const mach_msg_user_header_t *uh = (const void *)ubuf;
    bool complex = uh->msgh_bits & MACH_MSGH_BITS_COMPLEX;
    uint32_t ksize = size;
    if (complex)
        mr = widened_size(ubuf, size, &ksize);
    struct ipc_kmsg *k = mr == MACH_MSG_SUCCESS ? ipc_kmsg_alloc(ksize) : NULL;
    if (mr == MACH_MSG_SUCCESS && k == NULL)
        mr = MACH_SEND_NO_BUFFER;
    if (mr == MACH_MSG_SUCCESS)
        mr = copyin_header(uh, space, &k->hdr);
    if (mr == MACH_MSG_SUCCESS) {
        k->user_size = size;
        k->hdr.msgh_size = sizeof(mach_msg_header_t);
        if (complex) {
            mr = copyin_body(ubuf, size, k, space, map);
        } else {
            copy_small(body(k) + sizeof(mach_msg_header_t), ubuf + sizeof(*uh),
                       size - sizeof(*uh));
            k->hdr.msgh_size = size;
        }
        if (mr != MACH_MSG_SUCCESS) {
            ipc_kmsg_destroy(k);
            k = NULL;
        }
    } else if (k != NULL) {
        ipc_kmsg_free(k);
        k = NULL;
    }
    if (ubuf != stack)
        kmem_free(ubuf, size);
    *out = k;
    return mr;
}

/* ---- copyout ---- */

/* Give one right in transit to the space: its name, or NULL/DEAD. */
static mach_port_name_t give_right(struct ipc_space *space, struct ipc_port *p,
                                   mach_msg_type_name_t type, mach_msg_return_t *mr)
{
    if (p == NULL)
        return MACH_PORT_NULL;
    if (p == IP_DEAD)
        return MACH_PORT_DEAD;
    mach_port_name_t name;
    if (ipc_right_copyout(space, p, type, &name) != KERN_SUCCESS)
        *mr |= MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE;
    return name;
}

/* Map an out-of-line copy into the receiver; 0 (and an error bit) if it does not fit. */
static uintptr_t give_memory(struct vm_map *map, struct vm_map_copy *copy, mach_msg_return_t *mr)
{
    if (copy == NULL)
        return 0;
    vm_offset_t addr;
    if (vm_map_copyout(map, &addr, copy) != KERN_SUCCESS) {
        vm_map_copy_discard(copy);
        *mr |= MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
        return 0;
    }
    return addr;
}

/* An out-of-line array of rights: names written into new memory of the receiver. */
static uintptr_t give_ool_ports(struct ipc_space *space, struct vm_map *map,
                                const struct ipc_item *it, struct ipc_port **ports,
                                mach_msg_return_t *mr)
{
    if (ports == NULL)
        return 0;
    size_t nbytes = (size_t)it->number * 4;
    mach_port_name_t *names = kmem_alloc(nbytes);
    vm_offset_t addr = 0;
    if (names == NULL ||
        vm_allocate(map, &addr, ROUND_UP(nbytes, PAGE_SIZE), true) != KERN_SUCCESS) {
        /* No room for the names: the rights are destroyed, not given unnamed. */
        for (uint32_t i = 0; i < it->number; i++)
            release_port(ports[i], it->name);
        *mr |= MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
        addr = 0;
    } else {
        for (uint32_t i = 0; i < it->number; i++)
            names[i] = give_right(space, ports[i], it->name, mr);
        if (copyout(names, (void *)addr, nbytes) != 0)
            *mr |= MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
    }
    kmem_free(ports, (size_t)it->number * sizeof(*ports));
    kmem_free(names, nbytes);
    return addr;
}

/*
 * Narrow one item in place: the user form is never longer, and each item's
 * data is read before anything later is written.  Returns the user length.
 */
static uint32_t narrow_item(uint8_t *base, const struct ipc_item *it, uint32_t uoff,
                            struct ipc_space *space, struct vm_map *map, mach_msg_return_t *mr)
{
    uint8_t desc[12];
    memcpy(desc, base + it->off, it->hlen);
    memcpy(base + uoff, desc, it->hlen);
    struct ipc_item uit = *it;
    uit.off = uoff;
    uint8_t *udata = base + uoff + it->hlen;
    if (ipc_item_is_port(it->name) && it->is_inline) {
        ipc_item_set_name_size(base, &uit, it->name, 32);
        for (uint32_t i = 0; i < it->number; i++) {
            mach_port_name_t n = give_right(space, load_port(base + it->data + 8 * i),
                                            it->name, mr);
            memcpy(udata + 4 * i, &n, 4);
        }
        return it->hlen + it->number * 4;
    }
    if (ipc_item_is_port(it->name)) {
        ipc_item_set_name_size(base, &uit, it->name, 32);
        store_ptr(udata, give_ool_ports(space, map, it,
                                        (struct ipc_port **)load_ptr(base + it->data), mr));
        return it->hlen + 8;
    }
    if (!it->is_inline) {
        store_ptr(udata, give_memory(map, (struct vm_map_copy *)load_ptr(base + it->data), mr));
        return it->hlen + 8;
    }
    memmove(udata, base + it->data, it->dlen);
    return it->hlen + it->dlen;
}

static mach_msg_return_t copyout_body(struct ipc_kmsg *k, struct ipc_space *space,
                                      struct vm_map *map)
{
    mach_msg_return_t mr = MACH_MSG_SUCCESS;
    uint8_t *base = body(k);
    struct ipc_item it;
    uint32_t uoff = sizeof(mach_msg_user_header_t);
    for (uint32_t off = sizeof(mach_msg_header_t); off < k->hdr.msgh_size;
         off = it.data + it.dlen) {
        ipc_item_decode(base, off, k->hdr.msgh_size, true, &it);
        uoff += narrow_item(base, &it, uoff, space, map, &mr);
    }
    return mr;
}

/* The header as the receiver sees it: the reply right given, the destination named. */
static void copyout_header(struct ipc_kmsg *k, struct ipc_space *space,
                           mach_msg_user_header_t *uh, mach_msg_return_t *mr)
{
    mach_msg_header_t *kh = &k->hdr;
    struct ipc_port *dest = (struct ipc_port *)kh->msgh_remote_port;
    struct ipc_port *reply = (struct ipc_port *)kh->msgh_local_port;
    mach_msg_type_name_t dtype = MACH_MSGH_BITS_REMOTE(kh->msgh_bits);
    mach_msg_type_name_t rtype = MACH_MSGH_BITS_LOCAL(kh->msgh_bits);
    mach_port_name_t dest_name = dest->receiver == space ? dest->receiver_name : MACH_PORT_NULL;
    mach_port_name_t reply_name = give_right(space, reply, rtype, mr);
    if (*mr != MACH_MSG_SUCCESS)
        *mr = MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE;
    ipc_kmsg_consume_dest(k);           /* the destination right was used up by the delivery */
    *uh = (mach_msg_user_header_t){
        .msgh_bits = (kh->msgh_bits & MACH_MSGH_BITS_COMPLEX) | MACH_MSGH_BITS(rtype, dtype),
        .msgh_size = k->user_size,
        .msgh_remote_port = reply_name,
        .msgh_local_port = dest_name,
        .msgh_seqno = kh->msgh_seqno,
        .msgh_id = kh->msgh_id,
    };
}

mach_msg_return_t ipc_kmsg_copyout(struct ipc_kmsg *k, struct ipc_space *space,
                                   struct vm_map *map, void *msg)
{
    mach_msg_return_t mr = MACH_MSG_SUCCESS;
    mach_msg_user_header_t uh;
    copyout_header(k, space, &uh, &mr);
    mach_msg_return_t body_mr = MACH_MSG_SUCCESS;
    if (k->hdr.msgh_bits & MACH_MSGH_BITS_COMPLEX)
        body_mr = copyout_body(k, space, map);
    else if (sizeof(uh) != sizeof(mach_msg_header_t))  /* both 32 bytes on rv64: in place */
        memmove(body(k) + sizeof(uh), body(k) + sizeof(mach_msg_header_t),
                k->hdr.msgh_size - sizeof(mach_msg_header_t));
    /*
     * The user header over the kernel one, both 8-aligned, word by word:
     * GCC made a __builtin_memcpy of it a call to memcpy (some 37
     * instructions) rather than four loads and stores.
     */
    typedef uint64_t __attribute__((may_alias)) header_word;
    _Static_assert(sizeof(uh) % sizeof(header_word) == 0, "the user header is whole words");
    for (size_t i = 0; i < sizeof(uh) / sizeof(header_word); i++)
        ((header_word *)body(k))[i] = ((const header_word *)&uh)[i];
    if (copyout(body(k), msg, k->user_size) != 0)
        mr = MACH_RCV_INVALID_DATA;
    ipc_kmsg_free(k);
    return mr != MACH_MSG_SUCCESS ? mr : body_mr;
}

/* ---- receive rights in transit (circularity) ---- */

bool ipc_kmsg_foreach_receive(const struct ipc_kmsg *k,
                              bool (*fn)(struct ipc_port *port, void *arg), void *arg)
{
    if (!(k->hdr.msgh_bits & MACH_MSGH_BITS_COMPLEX))
        return false;
    const uint8_t *base = (const uint8_t *)&k->hdr;
    struct ipc_item it;
    for (uint32_t off = sizeof(mach_msg_header_t); off < k->hdr.msgh_size; off = it.data + it.dlen) {
        ipc_item_decode(base, off, k->hdr.msgh_size, true, &it);
        if (it.name != MACH_MSG_TYPE_PORT_RECEIVE)
            continue;
        struct ipc_port **array = it.is_inline ? NULL
                                : (struct ipc_port **)load_ptr(base + it.data);
        for (uint32_t i = 0; i < it.number; i++) {
            struct ipc_port *p = it.is_inline ? load_port(base + it.data + 8 * i)
                                              : (array != NULL ? array[i] : NULL);
            if (IP_VALID(p) && fn(p, arg))
                return true;
        }
    }
    return false;
}
