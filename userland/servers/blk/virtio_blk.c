// SPDX-License-Identifier: MIT
/*
 * virtio-blk: bring-up, starting requests in slots, and taking completions
 * from the used ring without trusting the device.
 */
#include <string.h>
#include <rvmach/blk_types.h>
#include "virtio_blk.h"

#define WANTED_FEATURES ((1ULL << VIRTIO_BLK_F_SIZE_MAX) | (1ULL << VIRTIO_BLK_F_SEG_MAX) | \
                         (1ULL << VIRTIO_BLK_F_RO) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) | \
                         (1ULL << VIRTIO_BLK_F_FLUSH))
#define QUEUE_ALIGN 4096u

static int fail(struct vblk_disk *d, const char **why, const char *msg)
{
    virtio_mmio_reset(&d->mmio);
    *why = msg;
    return -1;
}

/* The largest power of two <= n (n > 0). */
static uint32_t pow2_floor(uint32_t n)
{
    uint32_t p = 1;
    while (p <= n / 2)
        p *= 2;
    return p;
}

static kern_return_t dma(mach_port_t host_priv, vm_size_t size, void **va, uint64_t *pa)
{
    vm_address_t addr = 0;
    vm_offset_t phys = 0;
    kern_return_t kr = device_dma_alloc(host_priv, mach_task_self(), size, &addr, &phys);
    if (kr == KERN_SUCCESS) {
        *va = (void *)addr;
        *pa = phys;
    }
    return kr;
}

/* Read what the device tells of itself: capacity, read-only, segment size. */
static void read_config(struct vblk_disk *d)
{
    d->capacity = virtio_mmio_config(&d->mmio, VIRTIO_BLK_CFG_CAPACITY, 8);
    d->read_only = d->features & (1ULL << VIRTIO_BLK_F_RO);
    d->has_flush = d->features & (1ULL << VIRTIO_BLK_F_FLUSH);
    d->chunk = VBLK_CHUNK;
    if (d->features & (1ULL << VIRTIO_BLK_F_SIZE_MAX)) {
        uint32_t size_max = (uint32_t)virtio_mmio_config(&d->mmio, VIRTIO_BLK_CFG_SIZE_MAX, 4);
        if (size_max >= VBLK_SECTOR && size_max < d->chunk)
            d->chunk = size_max & ~(VBLK_SECTOR - 1);
    }
}

/* Header/status page and bounce buffers for the slots. */
static int setup_slots(struct vblk_disk *d, mach_port_t host_priv)
{
    void *hva, *bva = NULL;
    uint64_t hpa, bpa = 0;
    if (dma(host_priv, 4096, &hva, &hpa) != KERN_SUCCESS)
        return -1;
    unsigned n = d->nslots;
    while (n > 0 && dma(host_priv, (vm_size_t)n * VBLK_CHUNK, &bva, &bpa) != KERN_SUCCESS)
        n /= 2;                         /* short of memory: fewer requests in flight */
    if (n == 0)
        return -1;
    d->nslots = n;
    for (unsigned i = 0; i < n; i++) {
        struct vblk_slot *s = &d->slot[i];
        s->cookie = NULL;
        s->hdr = (volatile struct vblk_req_hdr *)((uint8_t *)hva + i * 32);
        s->hdr_pa = hpa + i * 32;
        s->status = (volatile uint8_t *)hva + i * 32 + 16;
        s->status_pa = hpa + i * 32 + 16;
        s->buf = (uint8_t *)bva + (size_t)i * VBLK_CHUNK;
        s->buf_pa = bpa + (uint64_t)i * VBLK_CHUNK;
    }
    return 0;
}

int vblk_init(struct vblk_disk *d, mach_port_t host_priv, const struct virtio_mmio *m,
              const char **why)
{
    memset(d, 0, sizeof(*d));
    d->mmio = *m;
    if (!virtio_mmio_negotiate(&d->mmio, WANTED_FEATURES, &d->features))
        return fail(d, why, "feature negotiation failed");
    read_config(d);
    uint32_t max = virtio_mmio_queue_max(&d->mmio, 0);
    if (max < 3)
        return fail(d, why, "request queue missing or too small");
    uint32_t num = pow2_floor(max < VBLK_QUEUE_MAX ? max : VBLK_QUEUE_MAX);
    d->nslots = num / 3 < VBLK_MAX_SLOTS ? num / 3 : VBLK_MAX_SLOTS;
    void *qva;
    uint64_t qpa;
    if (dma(host_priv, virtq_size(num, QUEUE_ALIGN), &qva, &qpa) != KERN_SUCCESS)
        return fail(d, why, "no DMA memory for the queue");
    virtq_init(&d->q, num, qva, qpa, QUEUE_ALIGN);
    if (setup_slots(d, host_priv) != 0)
        return fail(d, why, "no DMA memory for requests");
    if (!virtio_mmio_setup_queue(&d->mmio, 0, num, d->q.desc_pa, d->q.avail_pa, d->q.used_pa,
                                 QUEUE_ALIGN))
        return fail(d, why, "queue setup refused");
    virtio_mmio_driver_ok(&d->mmio);
    return 0;
}

int vblk_free_slot(const struct vblk_disk *d)
{
    for (unsigned i = 0; i < d->nslots; i++)
        if (d->slot[i].cookie == NULL)
            return (int)i;
    return -1;
}

void vblk_start(struct vblk_disk *d, int s, uint32_t type, uint64_t sector, uint32_t bytes,
                void *cookie)
{
    struct vblk_slot *slot = &d->slot[s];
    uint16_t head = (uint16_t)(3 * s);
    slot->cookie = cookie;
    slot->type = type;
    slot->bytes = bytes;
    slot->hdr->type = type;
    slot->hdr->reserved = 0;
    slot->hdr->sector = sector;
    *slot->status = 0xff;               /* anything but OK until the device writes it */
    if (bytes > 0) {
        uint16_t dflags = VRING_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0);
        virtq_set_desc(&d->q, head, slot->hdr_pa, sizeof(struct vblk_req_hdr), VRING_DESC_F_NEXT,
                       head + 1);
        virtq_set_desc(&d->q, head + 1, slot->buf_pa, bytes, dflags, head + 2);
        virtq_set_desc(&d->q, head + 2, slot->status_pa, 1, VRING_DESC_F_WRITE, 0);
    } else {
        virtq_set_desc(&d->q, head, slot->hdr_pa, sizeof(struct vblk_req_hdr), VRING_DESC_F_NEXT,
                       head + 2);
        virtq_set_desc(&d->q, head + 2, slot->status_pa, 1, VRING_DESC_F_WRITE, 0);
    }
    virtq_submit(&d->q, head);
    d->busy++;
    virtio_mmio_notify(&d->mmio, 0);
}

/* Finish slot `slot` with `code` and free it. */
static void finish(struct vblk_disk *d, struct vblk_slot *slot, int code, vblk_done_fn *done)
{
    done(d, slot, code);
    slot->cookie = NULL;
    d->busy--;
}

/* The device broke its side of the protocol: stop it, fail what it holds. */
static void give_up(struct vblk_disk *d, vblk_done_fn *done)
{
    virtio_mmio_reset(&d->mmio);
    d->broken = true;
    for (unsigned i = 0; i < d->nslots; i++)
        if (d->slot[i].cookie != NULL)
            finish(d, &d->slot[i], BLK_EDEVICE, done);
}

static int status_code(uint8_t st)
{
    switch (st) {
    case VIRTIO_BLK_S_OK: return 0;
    case VIRTIO_BLK_S_IOERR: return BLK_EIO;
    case VIRTIO_BLK_S_UNSUPP: return BLK_EUNSUPP;
    default: return BLK_EDEVICE;        /* never written, or nonsense */
    }
}

void vblk_complete(struct vblk_disk *d, vblk_done_fn *done)
{
    if (d->broken)
        return;
    uint32_t id, len;
    int r;
    while ((r = virtq_next_used(&d->q, &id, &len)) > 0) {
        if (id % 3 != 0 || id / 3 >= d->nslots || d->slot[id / 3].cookie == NULL) {
            give_up(d, done);           /* a head we never gave, or gave back already */
            return;
        }
        struct vblk_slot *slot = &d->slot[id / 3];
        __asm__ volatile("fence r, r" ::: "memory");
        finish(d, slot, status_code(*slot->status), done);
    }
    if (r < 0)
        give_up(d, done);
}

void vblk_interrupt(struct vblk_disk *d)
{
    virtio_mmio_ack_interrupt(&d->mmio);
}

bool vblk_has_used(const struct vblk_disk *d)
{
    return !d->broken && d->q.used->idx != d->q.last_used;
}
