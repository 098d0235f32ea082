// SPDX-License-Identifier: MIT
/*
 * The blk server: client requests (blk.defs) checked, queued per disk,
 * split into device requests of at most one slot's bounce buffer, started
 * as slots free up, and answered (blk_reply.defs) when the last piece
 * completes.  One thread; interrupts arrive as messages on the same port set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mach.h>
#include "blkServer.h"
#include "blk_reply.h"
#include "blk_server.h"
#include <rvmach/blk_types.h>
#include "virtio_blk.h"

boolean_t blk_server(mach_msg_header_t *in, mach_msg_header_t *out);

#define MAX_QUEUED 256          /* waiting requests per disk */
/* Request ids, in blk.defs's order. */
#define ID_READ (BLK_MSG_ID_BASE + 1)
#define ID_WRITE (BLK_MSG_ID_BASE + 2)
#define ID_FLUSH (BLK_MSG_ID_BASE + 3)
#define ID_READ_INLINE (BLK_MSG_ID_BASE + 4)
#define ID_WRITE_INLINE (BLK_MSG_ID_BASE + 5)

enum breq_kind { BR_READ, BR_READ_INLINE, BR_WRITE, BR_WRITE_INLINE, BR_FLUSH };

/* One client request, from its arrival until its reply. */
struct breq {
    struct breq *next;          /* in its disk's wait queue */
    enum breq_kind kind;
    mach_port_t reply;          /* where the answer goes (may be null) */
    mach_msg_type_name_t reply_type;
    uint64_t sector;
    uint32_t bytes;             /* data bytes in all */
    uint32_t issued;            /* bytes given to the device so far */
    unsigned outstanding;       /* device requests in flight */
    int error;                  /* first error, 0 if none */
    bool waiting;               /* still in the wait queue */
    uint8_t *data;              /* reads: the answer; writes: the client's data */
};

struct disk {
    struct vblk_disk dev;
    mach_port_t port;
    struct breq *head, *tail;   /* waiting to be (fully) started, in order */
    unsigned queued;
    uint32_t slot_off[VBLK_MAX_SLOTS];  /* byte offset in its request of each slot */
};

static struct disk disks[BLK_MAX_DISKS];
static unsigned ndisks;
static mach_port_t host_priv_port, intr_port, port_set;

static struct disk *disk_of_port(mach_port_t port)
{
    for (unsigned i = 0; i < ndisks; i++)
        if (disks[i].port == port)
            return &disks[i];
    return NULL;
}

static struct disk *disk_of_dev(struct vblk_disk *dev)
{
    return (struct disk *)((char *)dev - offsetof(struct disk, dev));
}

/* ---- answering ---- */

static mach_msg_id_t request_id(enum breq_kind kind)
{
    static const mach_msg_id_t ids[] = {
        [BR_READ] = ID_READ, [BR_READ_INLINE] = ID_READ_INLINE, [BR_WRITE] = ID_WRITE,
        [BR_WRITE_INLINE] = ID_WRITE_INLINE, [BR_FLUSH] = ID_FLUSH,
    };
    return ids[kind];
}

/* A reply with only a return code: MIG's form for an error, or for a success without data. */
static kern_return_t reply_code(mach_port_t reply, mach_msg_type_name_t type, mach_msg_id_t id,
                                int code)
{
    mig_reply_header_t m;
    memset(&m, 0, sizeof(m));
    m.Head.msgh_bits = MACH_MSGH_BITS(type, 0);
    m.Head.msgh_size = sizeof(m);
    m.Head.msgh_remote_port = reply;
    m.Head.msgh_id = id + 100;
    m.RetCodeType = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32,
                                       .msgt_number = 1, .msgt_inline = 1 };
    m.RetCode = code;
    return mach_msg(&m.Head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(m), 0, MACH_PORT_NULL,
                    0, MACH_PORT_NULL);
}

/* Send the answer to a successful read; out-of-line data goes with it. */
static kern_return_t reply_read(struct breq *r)
{
    if (r->kind == BR_READ_INLINE)
        return blk_read_inline_reply(r->reply, r->reply_type, KERN_SUCCESS,
                                     (const char *)r->data, r->bytes);
    kern_return_t kr = blk_read_reply(r->reply, r->reply_type, KERN_SUCCESS,
                                      (vm_offset_t)r->data, r->bytes);
    if (kr == KERN_SUCCESS)
        r->data = NULL;                 /* moved to the client */
    return kr;
}

static void free_data(struct breq *r)
{
    if (r->data == NULL)
        return;
    if (r->kind == BR_READ || r->kind == BR_WRITE)
        vm_deallocate(mach_task_self(), (vm_address_t)r->data, r->bytes);
    else
        free(r->data);
    r->data = NULL;
}

/* The request is over: answer it and free everything it holds. */
static void finish_request(struct breq *r)
{
    bool is_read = r->kind == BR_READ || r->kind == BR_READ_INLINE;
    if (MACH_PORT_VALID(r->reply)) {
        kern_return_t kr;
        if (r->error == 0 && is_read)
            kr = reply_read(r);
        else
            kr = reply_code(r->reply, r->reply_type, request_id(r->kind), r->error);
        if (kr != KERN_SUCCESS)         /* the client is gone: drop the right */
            mach_port_deallocate(mach_task_self(), r->reply);
    }
    free_data(r);
    free(r);
}

/* ---- the wait queue and the device ---- */

static void dequeue_head(struct disk *d)
{
    struct breq *r = d->head;
    d->head = r->next;
    if (d->head == NULL)
        d->tail = NULL;
    r->next = NULL;
    r->waiting = false;
    d->queued--;
}

/* Start the next piece of the head request on a free slot; false if it must wait. */
static bool start_piece(struct disk *d, struct breq *r)
{
    int s = vblk_free_slot(&d->dev);
    if (s < 0)
        return false;
    if (r->kind == BR_FLUSH) {
        vblk_start(&d->dev, s, VIRTIO_BLK_T_FLUSH, 0, 0, r);
        r->issued = r->bytes;           /* 0: all issued */
    } else {
        uint32_t n = r->bytes - r->issued;
        if (n > d->dev.chunk)
            n = d->dev.chunk;
        bool write = r->kind == BR_WRITE || r->kind == BR_WRITE_INLINE;
        if (write)
            memcpy(d->dev.slot[s].buf, r->data + r->issued, n);
        d->slot_off[s] = r->issued;
        vblk_start(&d->dev, s, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
                   r->sector + r->issued / VBLK_SECTOR, n, r);
        r->issued += n;
    }
    r->outstanding++;
    return true;
}

/* Give the device as much of the waiting work as it has slots for, in order. */
static void pump(struct disk *d)
{
    while (d->head != NULL) {
        struct breq *r = d->head;
        if (d->dev.broken && r->error == 0)
            r->error = BLK_EDEVICE;
        if (r->error != 0 || (r->kind == BR_FLUSH && !d->dev.has_flush)) {
            dequeue_head(d);            /* nothing (more) to start */
            if (r->outstanding == 0)
                finish_request(r);
            continue;
        }
        if (r->kind == BR_FLUSH && d->dev.busy > 0)
            return;                     /* a flush waits for the writes before it */
        if (!start_piece(d, r))
            return;
        if (r->issued == r->bytes)
            dequeue_head(d);
    }
}

/* A device request finished (vblk_done_fn). */
static void piece_done(struct vblk_disk *dev, struct vblk_slot *slot, int code)
{
    struct disk *d = disk_of_dev(dev);
    struct breq *r = slot->cookie;
    unsigned s = (unsigned)(slot - dev->slot);
    if (code == 0 && slot->type == VIRTIO_BLK_T_IN)
        memcpy(r->data + d->slot_off[s], slot->buf, slot->bytes);
    if (code != 0 && r->error == 0)
        r->error = code;
    r->outstanding--;
    if (r->outstanding == 0 && !r->waiting)
        finish_request(r);
}

/* Take what disk d finished, start more. */
static void harvest(struct disk *d)
{
    vblk_complete(&d->dev, piece_done);
    pump(d);
}

/*
 * The interrupt of line `irq`: take what its disks finished, start more,
 * re-arm the line.  Completions that arrived while the line was masked
 * are looked for once more after the re-arm: an interrupt controller may
 * not signal them again, and the used ring tells the truth anyway.
 */
static void interrupt(uint32_t irq)
{
    for (unsigned i = 0; i < ndisks; i++)
        if (disks[i].dev.mmio.irq == irq && !disks[i].dev.broken)
            vblk_interrupt(&disks[i].dev);
    for (unsigned i = 0; i < ndisks; i++)
        if (disks[i].dev.mmio.irq == irq)
            harvest(&disks[i]);
    device_intr_ack(host_priv_port, irq);
    for (unsigned i = 0; i < ndisks; i++)
        if (disks[i].dev.mmio.irq == irq && vblk_has_used(&disks[i].dev))
            harvest(&disks[i]);
}

/* ---- requests ---- */

/* Check a transfer of `count` sectors from `sector` on `d`: 0 or a BLK_E* code. */
static int check_range(const struct disk *d, uint64_t sector, uint64_t count, uint32_t limit)
{
    if (count == 0 || count > limit / VBLK_SECTOR)
        return BLK_ESIZE;
    if (sector >= d->dev.capacity || count > d->dev.capacity - sector)
        return BLK_ERANGE;
    return 0;
}

/* Queue a checked request and start what can start.  MIG_NO_REPLY: answered later. */
static kern_return_t submit(struct disk *d, enum breq_kind kind, mach_port_t reply,
                            mach_msg_type_name_t reply_type, uint64_t sector, uint32_t bytes,
                            uint8_t *data)
{
    struct breq *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return BLK_ENOMEM;
    *r = (struct breq){ .kind = kind, .reply = reply, .reply_type = reply_type,
                        .sector = sector, .bytes = bytes, .data = data, .waiting = true };
    if (d->tail != NULL)
        d->tail->next = r;
    else
        d->head = r;
    d->tail = r;
    d->queued++;
    pump(d);
    return MIG_NO_REPLY;
}

/* The checks every request starts with: a disk, working, with room in its queue. */
static int check_disk(const struct disk *d)
{
    if (d == NULL)
        return BLK_ENODEV;
    if (d->dev.broken)
        return BLK_EDEVICE;
    if (d->queued >= MAX_QUEUED)
        return BLK_ENOMEM;
    return 0;
}

kern_return_t S_blk_info(mach_port_t server, uint32_t *sector_size, uint64_t *sectors,
                         boolean_t *read_only)
{
    struct disk *d = disk_of_port(server);
    if (d == NULL)
        return BLK_ENODEV;
    *sector_size = VBLK_SECTOR;
    *sectors = d->dev.capacity;
    *read_only = d->dev.read_only;
    return KERN_SUCCESS;
}

/* Shared by both reads: check, get memory for the answer, queue. */
static kern_return_t read_common(mach_port_t server, mach_port_t reply, mach_msg_type_name_t rt,
                                 uint64_t sector, uint32_t count, enum breq_kind kind)
{
    struct disk *d = disk_of_port(server);
    int err = check_disk(d);
    if (err == 0)
        err = check_range(d, sector, count,
                          kind == BR_READ ? BLK_MAX_TRANSFER : BLK_INLINE_MAX);
    if (err != 0)
        return err;
    uint32_t bytes = count * VBLK_SECTOR;
    void *buf = NULL;
    if (kind == BR_READ) {
        vm_address_t addr = 0;
        if (vm_allocate(mach_task_self(), &addr, bytes, TRUE) == KERN_SUCCESS)
            buf = (void *)addr;
    } else {
        buf = malloc(bytes);
    }
    if (buf == NULL)
        return BLK_ENOMEM;
    kern_return_t kr = submit(d, kind, reply, rt, sector, bytes, buf);
    if (kr != MIG_NO_REPLY) {
        struct breq tmp = { .kind = kind, .bytes = bytes, .data = buf };
        free_data(&tmp);
    }
    return kr;
}

kern_return_t S_blk_read(mach_port_t server, mach_port_t reply, mach_msg_type_name_t replyPoly,
                         uint64_t sector, uint32_t count, vm_offset_t *data,
                         mach_msg_type_number_t *dataCnt)
{
    (void)data;
    (void)dataCnt;
    return read_common(server, reply, replyPoly, sector, count, BR_READ);
}

kern_return_t S_blk_read_inline(mach_port_t server, mach_port_t reply,
                                mach_msg_type_name_t replyPoly, uint64_t sector, uint32_t count,
                                blk_inline_t data, mach_msg_type_number_t *dataCnt)
{
    (void)data;
    (void)dataCnt;
    return read_common(server, reply, replyPoly, sector, count, BR_READ_INLINE);
}

/* Shared by both writes: check the disk, the range and the data. */
static int check_write(const struct disk *d, uint64_t sector, uint64_t bytes, uint32_t limit)
{
    int err = check_disk(d);
    if (err != 0)
        return err;
    if (d->dev.read_only)
        return BLK_EROFS;
    if (bytes % VBLK_SECTOR != 0)
        return BLK_EINVAL;
    return check_range(d, sector, bytes / VBLK_SECTOR, limit);
}

/* On an error return the caller destroys the request, and with it the client's memory. */
kern_return_t S_blk_write(mach_port_t server, mach_port_t reply, mach_msg_type_name_t replyPoly,
                          uint64_t sector, vm_offset_t data, mach_msg_type_number_t dataCnt)
{
    struct disk *d = disk_of_port(server);
    int err = check_write(d, sector, dataCnt, BLK_MAX_TRANSFER);
    if (err != 0)
        return err;
    return submit(d, BR_WRITE, reply, replyPoly, sector, dataCnt, (uint8_t *)data);
}

kern_return_t S_blk_write_inline(mach_port_t server, mach_port_t reply,
                                 mach_msg_type_name_t replyPoly, uint64_t sector,
                                 const blk_inline_t data, mach_msg_type_number_t dataCnt)
{
    struct disk *d = disk_of_port(server);
    int err = check_write(d, sector, dataCnt, BLK_INLINE_MAX);
    if (err != 0)
        return err;
    uint8_t *copy = malloc(dataCnt);
    if (copy == NULL)
        return BLK_ENOMEM;
    memcpy(copy, data, dataCnt);
    kern_return_t kr = submit(d, BR_WRITE_INLINE, reply, replyPoly, sector, dataCnt, copy);
    if (kr != MIG_NO_REPLY)
        free(copy);
    return kr;
}

kern_return_t S_blk_flush(mach_port_t server, mach_port_t reply, mach_msg_type_name_t replyPoly)
{
    struct disk *d = disk_of_port(server);
    int err = check_disk(d);
    if (err != 0)
        return err;
    return submit(d, BR_FLUSH, reply, replyPoly, 0, 0, NULL);
}

/* ---- start-up ---- */

/*
 * QEMU fills virtio-mmio slots from the highest address down, so the
 * first -drive sits in the last slot: walk the slots backwards.
 */
static void bring_up(const struct rvmach_device_info *info)
{
    for (unsigned n = info->nvirtio; n-- > 0 && ndisks < BLK_MAX_DISKS;) {
        vm_address_t va = 0;
        struct virtio_mmio m = { .phys = info->virtio[n].base, .irq = info->virtio[n].irq };
        kern_return_t kr = device_map(host_priv_port, mach_task_self(), m.phys,
                                      info->virtio[n].size, &va);
        if (kr != KERN_SUCCESS) {
            printf("blk: cannot map virtio slot %#lx: %s\n", (unsigned long)m.phys,
                   mach_error_string(kr));
            continue;
        }
        m.regs = (volatile uint32_t *)va;
        const char *why = NULL;
        bool ok = virtio_mmio_probe(&m, &why);
        if (ok && m.device_id != VIRTIO_ID_BLOCK)
            ok = false, why = "not a block device";
        struct disk *d = &disks[ndisks];
        if (ok && vblk_init(&d->dev, host_priv_port, &m, &why) != 0)
            ok = false;
        if (!ok) {
            if (why != NULL && strcmp(why, "empty") != 0)
                printf("blk: virtio slot %#lx: %s\n", (unsigned long)m.phys, why);
            vm_deallocate(mach_task_self(), va, info->virtio[n].size);
            continue;
        }
        printf("blk: disk %u: virtio-mmio %#lx irq %u (%s), %lu sectors%s, %u requests in flight\n",
               ndisks, (unsigned long)m.phys, m.irq, m.version == 1 ? "legacy" : "modern",
               (unsigned long)d->dev.capacity, d->dev.read_only ? ", read-only" : "",
               d->dev.nslots);
        ndisks++;
    }
}

/* A port for each disk, all in the port set, interrupts attached. */
static int make_ports(void)
{
    mach_port_t self = mach_task_self();
    if (mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &port_set) != KERN_SUCCESS ||
        mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &intr_port) != KERN_SUCCESS ||
        mach_port_move_member(self, intr_port, port_set) != KERN_SUCCESS)
        return -1;
    for (unsigned i = 0; i < ndisks; i++) {
        struct disk *d = &disks[i];
        if (mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &d->port) != KERN_SUCCESS ||
            mach_port_move_member(self, d->port, port_set) != KERN_SUCCESS)
            return -1;
        bool shared = false;            /* a line two of our disks share is attached once */
        for (unsigned j = 0; j < i; j++)
            shared |= disks[j].dev.mmio.irq == d->dev.mmio.irq;
        kern_return_t kr = shared ? KERN_SUCCESS
                         : device_intr_attach(host_priv_port, self, d->dev.mmio.irq, intr_port);
        if (kr != KERN_SUCCESS) {
            printf("blk: disk %u: interrupt %u: %s\n", i, d->dev.mmio.irq,
                   mach_error_string(kr));
            return -1;
        }
    }
    return 0;
}

int blk_server_init(mach_port_t host_priv)
{
    host_priv_port = host_priv;
    device_info_t raw;
    struct rvmach_device_info info;
    if (device_info(host_priv, &raw) != KERN_SUCCESS)
        return -1;
    memcpy(&info, &raw, sizeof(info));
    if (info.nvirtio > RVMACH_MAX_VIRTIO)
        info.nvirtio = RVMACH_MAX_VIRTIO;
    bring_up(&info);
    if (make_ports() != 0)
        return -1;
    return (int)ndisks;
}

mach_port_t blk_server_port(unsigned i)
{
    return i < ndisks ? disks[i].port : MACH_PORT_NULL;
}

/* ---- the loop ---- */

union request_buf {
    mach_msg_header_t head;
    uint8_t bytes[BLK_INLINE_MAX + 512];
};

/* Run one request through the MIG demux and send or drop its reply. */
static void serve_one(mach_msg_header_t *in, mach_msg_header_t *out)
{
    blk_server(in, out);
    kern_return_t ret = ((mig_reply_header_t *)out)->RetCode;
    if (ret == MIG_NO_REPLY)
        return;                         /* kept: answered when the device is done */
    if (ret != KERN_SUCCESS) {
        in->msgh_remote_port = MACH_PORT_NULL;  /* the reply uses it */
        mach_msg_destroy(in);
    }
    if (!MACH_PORT_VALID(out->msgh_remote_port))
        return;
    if (mach_msg(out, MACH_SEND_MSG | MACH_SEND_TIMEOUT, out->msgh_size, 0, MACH_PORT_NULL, 0,
                 MACH_PORT_NULL) != MACH_MSG_SUCCESS)
        mach_port_deallocate(mach_task_self(), out->msgh_remote_port);
}

void blk_server_run(void)
{
    static union request_buf in, out;
    for (;;) {
        mach_msg_return_t mr = mach_msg(&in.head, MACH_RCV_MSG, 0, sizeof(in), port_set, 0,
                                        MACH_PORT_NULL);
        if (mr != MACH_MSG_SUCCESS)
            continue;                   /* too large (destroyed), interrupted ... */
        if (in.head.msgh_local_port == intr_port) {
            if (in.head.msgh_id == RVMACH_DEVICE_INTR_ID && in.head.msgh_size >= 40) {
                uint32_t irq;
                memcpy(&irq, in.bytes + sizeof(mach_msg_header_t) + 4, 4);
                interrupt(irq);
            }
            mach_msg_destroy(&in.head);
            continue;
        }
        serve_one(&in.head, &out.head);
    }
}
