/* SPDX-License-Identifier: MIT */
/*
 * virtio over memory-mapped registers (virtio 1.2 section 4.2): the
 * register layout of version 2 ("modern") and version 1 ("legacy", QEMU's
 * default for virtio-mmio), status bits, and the transport functions the
 * blk driver uses.  Registers are 32 bits wide, little endian.
 */
#ifndef _VIRTIO_MMIO_H_
#define _VIRTIO_MMIO_H_

#include <stdbool.h>
#include <stdint.h>

/* Registers (byte offsets).  L: legacy only, M: modern only. */
#define VIRTIO_MMIO_MAGIC           0x000   /* "virt" = 0x74726976 */
#define VIRTIO_MMIO_VERSION         0x004   /* 1 legacy, 2 modern */
#define VIRTIO_MMIO_DEVICE_ID       0x008   /* 0: empty slot, 2: block device */
#define VIRTIO_MMIO_VENDOR_ID       0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010   /* 32 feature bits, chosen by ..._SEL */
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_GUEST_PAGE_SIZE 0x028   /* L: the unit of QUEUE_PFN */
#define VIRTIO_MMIO_QUEUE_SEL       0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX   0x034
#define VIRTIO_MMIO_QUEUE_NUM       0x038
#define VIRTIO_MMIO_QUEUE_ALIGN     0x03c   /* L: alignment of the used ring */
#define VIRTIO_MMIO_QUEUE_PFN       0x040   /* L: queue address / guest page size */
#define VIRTIO_MMIO_QUEUE_READY     0x044   /* M */
#define VIRTIO_MMIO_QUEUE_NOTIFY    0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK   0x064
#define VIRTIO_MMIO_STATUS          0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW  0x080   /* M: the three parts of the queue */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LOW 0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_USED_LOW  0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc /* M */
#define VIRTIO_MMIO_CONFIG          0x100   /* the device's own configuration */

#define VIRTIO_MMIO_MAGIC_VALUE     0x74726976u
#define VIRTIO_ID_BLOCK             2

/* Device status bits, written in this order while the driver starts. */
#define VIRTIO_STATUS_ACKNOWLEDGE   1
#define VIRTIO_STATUS_DRIVER        2
#define VIRTIO_STATUS_DRIVER_OK     4
#define VIRTIO_STATUS_FEATURES_OK   8       /* modern only */
#define VIRTIO_STATUS_NEEDS_RESET   64
#define VIRTIO_STATUS_FAILED        128

/* Interrupt status bits. */
#define VIRTIO_INT_USED_RING        1
#define VIRTIO_INT_CONFIG           2

/* Transport feature bits (device-type bits are in virtio_blk.h). */
#define VIRTIO_F_VERSION_1          32

/* One virtio-mmio slot, mapped. */
struct virtio_mmio {
    volatile uint32_t *regs;    /* the mapped register page (base) */
    uint64_t phys;              /* its physical address */
    uint32_t irq;
    uint32_t version;           /* 1 or 2 */
    uint32_t device_id;
};

static inline uint32_t mmio_read(const struct virtio_mmio *d, uint32_t off)
{
    uint32_t v = d->regs[off / 4];
    __asm__ volatile("fence i, r" ::: "memory");
    return v;
}

static inline void mmio_write(const struct virtio_mmio *d, uint32_t off, uint32_t v)
{
    __asm__ volatile("fence w, o" ::: "memory");
    d->regs[off / 4] = v;
}

/*
 * Look at a mapped slot: true if it holds a virtio device we could drive
 * (magic right, version 1 or 2, device id not 0); fills version and
 * device_id.  *why says what was wrong otherwise ("empty" for id 0).
 */
bool virtio_mmio_probe(struct virtio_mmio *d, const char **why);

/* Reset the device (status 0) and wait until it reads back 0. */
void virtio_mmio_reset(struct virtio_mmio *d);

/*
 * Start the status dance: reset, ACKNOWLEDGE, DRIVER; then offer the
 * features in `wanted` that the device has (plus VERSION_1 on a modern
 * device, which must have it) and, on a modern device, FEATURES_OK.
 * *accepted gets the features in force.  false (status FAILED) if the
 * device refuses them.
 */
bool virtio_mmio_negotiate(struct virtio_mmio *d, uint64_t wanted, uint64_t *accepted);

/*
 * Tell the device where queue `q` of `num` entries lives: desc, avail
 * and used physical addresses; for a legacy device the three must be the
 * one contiguous legacy layout starting at `desc` (page aligned, used
 * ring at `align`).  false if the queue is absent, too small or in use.
 */
bool virtio_mmio_setup_queue(struct virtio_mmio *d, uint32_t q, uint32_t num, uint64_t desc,
                             uint64_t avail, uint64_t used, uint32_t align);

/* The largest queue `q` may be (0: no such queue). */
uint32_t virtio_mmio_queue_max(struct virtio_mmio *d, uint32_t q);

/* Set DRIVER_OK: the device may now use its queues. */
void virtio_mmio_driver_ok(struct virtio_mmio *d);

/* Read `len` (4 or 8) bytes of the device configuration at `off` (4-aligned), consistently. */
uint64_t virtio_mmio_config(struct virtio_mmio *d, uint32_t off, unsigned len);

/* Ring the doorbell of queue `q`. */
static inline void virtio_mmio_notify(struct virtio_mmio *d, uint32_t q)
{
    __asm__ volatile("fence rw, rw" ::: "memory");     /* the rings before the doorbell */
    mmio_write(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

/* Read and acknowledge the interrupt causes; returns VIRTIO_INT_* bits. */
uint32_t virtio_mmio_ack_interrupt(struct virtio_mmio *d);

#endif /* _VIRTIO_MMIO_H_ */
