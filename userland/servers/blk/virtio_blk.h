/* SPDX-License-Identifier: MIT */
/*
 * The virtio-blk device (virtio 1.2 section 5.2) behind one virtio-mmio
 * slot: one request queue, requests in fixed slots.  Slot i owns
 * descriptors 3i (header), 3i+1 (data) and 3i+2 (status byte), its header
 * and status in one DMA page and a bounce buffer of `chunk` bytes in
 * another DMA area, so a completion is matched to its request by the head
 * descriptor alone, and a head that is not a busy slot is a device error.
 */
#ifndef _VIRTIO_BLK_H_
#define _VIRTIO_BLK_H_

#include <stdbool.h>
#include <stdint.h>
#include <mach.h>
#include "virtio_mmio.h"
#include "virtqueue.h"

/* Feature bits of a block device. */
#define VIRTIO_BLK_F_SIZE_MAX   1   /* size_max: the largest segment */
#define VIRTIO_BLK_F_SEG_MAX    2
#define VIRTIO_BLK_F_RO         5
#define VIRTIO_BLK_F_BLK_SIZE   6
#define VIRTIO_BLK_F_FLUSH      9

/* Configuration space offsets. */
#define VIRTIO_BLK_CFG_CAPACITY 0   /* u64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 8   /* u32 */
#define VIRTIO_BLK_CFG_SEG_MAX  12  /* u32 */
#define VIRTIO_BLK_CFG_BLK_SIZE 20  /* u32 */

/* Request types and status values. */
#define VIRTIO_BLK_T_IN         0
#define VIRTIO_BLK_T_OUT        1
#define VIRTIO_BLK_T_FLUSH      4
#define VIRTIO_BLK_S_OK         0
#define VIRTIO_BLK_S_IOERR      1
#define VIRTIO_BLK_S_UNSUPP     2

#define VBLK_SECTOR             512u
#define VBLK_MAX_SLOTS          16
#define VBLK_CHUNK              (64u * 1024)    /* bounce buffer per slot */
#define VBLK_QUEUE_MAX          64              /* queue entries we use at most */

struct vblk_req_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

/* One device request in flight, or a free slot (cookie NULL). */
struct vblk_slot {
    void *cookie;                       /* the caller's; NULL: free */
    uint32_t type;
    uint32_t bytes;                     /* data bytes */
    uint8_t *buf;                       /* bounce buffer (VBLK_CHUNK bytes) */
    uint64_t buf_pa;
    volatile struct vblk_req_hdr *hdr;
    uint64_t hdr_pa;
    volatile uint8_t *status;
    uint64_t status_pa;
};

struct vblk_disk {
    struct virtio_mmio mmio;
    struct virtq q;
    uint64_t features;
    uint64_t capacity;                  /* sectors of VBLK_SECTOR bytes */
    uint32_t chunk;                     /* largest data bytes per device request */
    bool read_only;
    bool has_flush;
    bool broken;                        /* misbehaved: reset, every request fails */
    unsigned nslots;
    unsigned busy;                      /* slots in flight */
    struct vblk_slot slot[VBLK_MAX_SLOTS];
};

/*
 * Bring up the device in the probed slot `m` (device id 2): negotiate
 * features, read the capacity, allocate the queue and slot memory with
 * device_dma_alloc through `host_priv`, start the queue.  0 on success;
 * otherwise -1 with a reason in *why (the device is left reset).
 */
int vblk_init(struct vblk_disk *d, mach_port_t host_priv, const struct virtio_mmio *m,
              const char **why);

/* A free slot, or -1. */
int vblk_free_slot(const struct vblk_disk *d);

/*
 * Give the device request `type` (VIRTIO_BLK_T_*) on slot `s` (free),
 * sector `sector`, `bytes` (<= chunk, a multiple of VBLK_SECTOR; 0 for a
 * flush).  For a write the data must already be in slot->buf.  `cookie`
 * (not NULL) comes back at completion.  The caller checked the range.
 */
void vblk_start(struct vblk_disk *d, int s, uint32_t type, uint64_t sector, uint32_t bytes,
                void *cookie);

/*
 * What a finished slot gives back: `code` is 0 or a BLK_E* error; for a
 * successful read the data is in slot->buf.  The slot is free again when
 * the callback returns.
 */
typedef void vblk_done_fn(struct vblk_disk *d, struct vblk_slot *slot, int code);

/*
 * Take every finished request from the used ring and call `done` for each.
 * A device that misbehaves (impossible used index, unknown or idle head)
 * is reset and marked broken, and every request in flight finishes with
 * BLK_EDEVICE.
 */
void vblk_complete(struct vblk_disk *d, vblk_done_fn *done);

/* Acknowledge the device's interrupt (the used ring tells what finished). */
void vblk_interrupt(struct vblk_disk *d);

/* Has the device put entries in the used ring that vblk_complete has not taken? */
bool vblk_has_used(const struct vblk_disk *d);

#endif /* _VIRTIO_BLK_H_ */
