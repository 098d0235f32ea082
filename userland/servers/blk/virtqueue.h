/* SPDX-License-Identifier: MIT */
/*
 * A split virtqueue (virtio 1.2 section 2.7) in DMA memory: the descriptor
 * table, the available ring the driver fills and the used ring the device
 * fills.  The driver owns descriptor chains until it makes them available
 * and gets them back through the used ring.  Nothing the device writes is
 * believed without a check: virtq_next_used() refuses a used index that
 * runs ahead of what was given to the device.
 */
#ifndef _VIRTQUEUE_H_
#define _VIRTQUEUE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vring_desc {
    uint64_t addr;              /* physical address of the buffer */
    uint32_t len;
    uint16_t flags;             /* VRING_DESC_F_* */
    uint16_t next;              /* the next descriptor when F_NEXT */
};

#define VRING_DESC_F_NEXT   1
#define VRING_DESC_F_WRITE  2   /* the device writes this buffer */

struct vring_avail {
    uint16_t flags;
    uint16_t idx;               /* where the driver puts the next entry (free running) */
    uint16_t ring[];            /* heads of chains; then used_event */
};

struct vring_used_elem {
    uint32_t id;                /* head of the chain the device is done with */
    uint32_t len;               /* bytes the device wrote into the chain */
};

struct vring_used {
    uint16_t flags;
    uint16_t idx;               /* where the device puts its next entry (free running) */
    struct vring_used_elem ring[]; /* then avail_event */
};

struct virtq {
    uint32_t num;                       /* entries: a power of two */
    volatile struct vring_desc *desc;
    volatile struct vring_avail *avail;
    volatile struct vring_used *used;
    uint64_t desc_pa, avail_pa, used_pa;
    uint16_t avail_idx;                 /* our copy of avail->idx */
    uint16_t last_used;                 /* the next used entry to take */
    uint32_t in_flight;                 /* chains made available, not yet used */
};

/* Bytes a queue of `num` entries takes in the legacy layout, used ring at `align`. */
size_t virtq_size(uint32_t num, uint32_t align);

/*
 * Lay out a queue of `num` entries in zeroed DMA memory at `va` / `pa`
 * (page aligned, virtq_size() bytes), legacy layout (valid for modern too).
 */
void virtq_init(struct virtq *q, uint32_t num, void *va, uint64_t pa, uint32_t align);

/* Fill descriptor `i` (< num). */
void virtq_set_desc(struct virtq *q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                    uint16_t next);

/* Make the chain starting at `head` available to the device (then notify it). */
void virtq_submit(struct virtq *q, uint16_t head);

/*
 * Take the next used entry: 1 and *id, *len; 0 if there is none; -1 if the
 * device's used index is impossible (more entries than chains in flight).
 * The caller checks that *id is the head of a chain it gave.
 */
int virtq_next_used(struct virtq *q, uint32_t *id, uint32_t *len);

#endif /* _VIRTQUEUE_H_ */
