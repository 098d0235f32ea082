// SPDX-License-Identifier: MIT
/*
 * The virtio-mmio transport: probing a slot, the status and feature dance,
 * queue setup in both the legacy (version 1) and modern (version 2) ways.
 */
#include "virtio_mmio.h"

bool virtio_mmio_probe(struct virtio_mmio *d, const char **why)
{
    if (mmio_read(d, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE) {
        *why = "bad magic";
        return false;
    }
    d->version = mmio_read(d, VIRTIO_MMIO_VERSION);
    if (d->version != 1 && d->version != 2) {
        *why = "unknown version";
        return false;
    }
    d->device_id = mmio_read(d, VIRTIO_MMIO_DEVICE_ID);
    if (d->device_id == 0) {
        *why = "empty";
        return false;
    }
    return true;
}

void virtio_mmio_reset(struct virtio_mmio *d)
{
    mmio_write(d, VIRTIO_MMIO_STATUS, 0);
    /* The device may take a moment; QEMU resets at once.  Bounded. */
    for (int i = 0; i < 1000000 && mmio_read(d, VIRTIO_MMIO_STATUS) != 0; i++)
        ;
}

static void add_status(struct virtio_mmio *d, uint32_t bits)
{
    mmio_write(d, VIRTIO_MMIO_STATUS, mmio_read(d, VIRTIO_MMIO_STATUS) | bits);
}

static uint64_t device_features(struct virtio_mmio *d)
{
    mmio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t f = mmio_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
    if (d->version >= 2) {      /* a legacy device has only the first 32 bits */
        mmio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
        f |= (uint64_t)mmio_read(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    }
    return f;
}

static void driver_features(struct virtio_mmio *d, uint64_t f)
{
    mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
    if (d->version >= 2) {
        mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
        mmio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
    }
}

bool virtio_mmio_negotiate(struct virtio_mmio *d, uint64_t wanted, uint64_t *accepted)
{
    virtio_mmio_reset(d);
    add_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
    add_status(d, VIRTIO_STATUS_DRIVER);
    uint64_t offered = device_features(d);
    if (d->version >= 2) {
        if (!(offered & (1ULL << VIRTIO_F_VERSION_1))) {
            add_status(d, VIRTIO_STATUS_FAILED);
            return false;
        }
        wanted |= 1ULL << VIRTIO_F_VERSION_1;
    } else {
        wanted &= 0xffffffffu;
    }
    uint64_t f = offered & wanted;
    driver_features(d, f);
    if (d->version >= 2) {
        add_status(d, VIRTIO_STATUS_FEATURES_OK);
        if (!(mmio_read(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
            add_status(d, VIRTIO_STATUS_FAILED);
            return false;
        }
    }
    *accepted = f;
    return true;
}

uint32_t virtio_mmio_queue_max(struct virtio_mmio *d, uint32_t q)
{
    mmio_write(d, VIRTIO_MMIO_QUEUE_SEL, q);
    return mmio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
}

static bool setup_legacy(struct virtio_mmio *d, uint32_t num, uint64_t desc, uint32_t align)
{
    if (mmio_read(d, VIRTIO_MMIO_QUEUE_PFN) != 0)
        return false;                           /* in use */
    mmio_write(d, VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
    mmio_write(d, VIRTIO_MMIO_QUEUE_NUM, num);
    mmio_write(d, VIRTIO_MMIO_QUEUE_ALIGN, align);
    mmio_write(d, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(desc >> 12));
    return true;
}

static bool setup_modern(struct virtio_mmio *d, uint32_t num, uint64_t desc, uint64_t avail,
                         uint64_t used)
{
    if (mmio_read(d, VIRTIO_MMIO_QUEUE_READY) != 0)
        return false;
    mmio_write(d, VIRTIO_MMIO_QUEUE_NUM, num);
    mmio_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    mmio_write(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    mmio_write(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
    mmio_write(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
    mmio_write(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
    mmio_write(d, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
    mmio_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
    return true;
}

bool virtio_mmio_setup_queue(struct virtio_mmio *d, uint32_t q, uint32_t num, uint64_t desc,
                             uint64_t avail, uint64_t used, uint32_t align)
{
    uint32_t max = virtio_mmio_queue_max(d, q);    /* also selects the queue */
    if (max == 0 || num > max || num == 0 || (num & (num - 1)) != 0)
        return false;
    if (d->version == 1) {
        /* The legacy device computes avail and used from desc itself. */
        if ((desc & 4095) != 0 || (desc >> 12) > 0xffffffffu)
            return false;
        return setup_legacy(d, num, desc, align);
    }
    return setup_modern(d, num, desc, avail, used);
}

void virtio_mmio_driver_ok(struct virtio_mmio *d)
{
    add_status(d, VIRTIO_STATUS_DRIVER_OK);
}

static uint64_t config_once(struct virtio_mmio *d, uint32_t off, unsigned len)
{
    uint64_t v = mmio_read(d, VIRTIO_MMIO_CONFIG + off);
    if (len == 8)
        v |= (uint64_t)mmio_read(d, VIRTIO_MMIO_CONFIG + off + 4) << 32;
    return v;
}

uint64_t virtio_mmio_config(struct virtio_mmio *d, uint32_t off, unsigned len)
{
    if (d->version == 1)
        return config_once(d, off, len);
    /* Modern: retry while the device changes its configuration under us. */
    uint64_t v;
    uint32_t gen, again;
    int tries = 0;
    do {
        gen = mmio_read(d, VIRTIO_MMIO_CONFIG_GENERATION);
        v = config_once(d, off, len);
        again = mmio_read(d, VIRTIO_MMIO_CONFIG_GENERATION);
    } while (gen != again && ++tries < 100);
    return v;
}

uint32_t virtio_mmio_ack_interrupt(struct virtio_mmio *d)
{
    uint32_t st = mmio_read(d, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (st != 0)
        mmio_write(d, VIRTIO_MMIO_INTERRUPT_ACK, st);
    return st;
}
