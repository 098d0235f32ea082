// SPDX-License-Identifier: MIT
/* The split virtqueue: layout, making chains available, taking used ones. */
#include "virtqueue.h"

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static size_t avail_offset(uint32_t num)
{
    return sizeof(struct vring_desc) * num;
}

static size_t used_offset(uint32_t num, uint32_t align)
{
    return align_up(avail_offset(num) + sizeof(uint16_t) * (3 + num), align);
}

size_t virtq_size(uint32_t num, uint32_t align)
{
    size_t used_end = used_offset(num, align) + sizeof(uint16_t) * 3 +
                      sizeof(struct vring_used_elem) * num;
    return align_up(used_end, 4096);
}

void virtq_init(struct virtq *q, uint32_t num, void *va, uint64_t pa, uint32_t align)
{
    uint8_t *base = va;
    q->num = num;
    q->desc = (volatile struct vring_desc *)base;
    q->avail = (volatile struct vring_avail *)(base + avail_offset(num));
    q->used = (volatile struct vring_used *)(base + used_offset(num, align));
    q->desc_pa = pa;
    q->avail_pa = pa + avail_offset(num);
    q->used_pa = pa + used_offset(num, align);
    q->avail_idx = 0;
    q->last_used = 0;
    q->in_flight = 0;
}

void virtq_set_desc(struct virtq *q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                    uint16_t next)
{
    volatile struct vring_desc *d = &q->desc[i % q->num];
    d->addr = addr;
    d->len = len;
    d->flags = flags;
    d->next = next;
}

void virtq_submit(struct virtq *q, uint16_t head)
{
    q->avail->ring[q->avail_idx % q->num] = head;
    __asm__ volatile("fence rw, w" ::: "memory");  /* descriptors and entry before idx */
    q->avail_idx++;
    q->avail->idx = q->avail_idx;
    q->in_flight++;
}

int virtq_next_used(struct virtq *q, uint32_t *id, uint32_t *len)
{
    uint16_t dev_idx = q->used->idx;
    uint16_t pending = (uint16_t)(dev_idx - q->last_used);
    if (pending == 0)
        return 0;
    if (pending > q->in_flight)
        return -1;                      /* the device claims more than it was given */
    __asm__ volatile("fence r, r" ::: "memory");   /* idx before the entry */
    volatile struct vring_used_elem *e = &q->used->ring[q->last_used % q->num];
    *id = e->id;
    *len = e->len;
    q->last_used++;
    q->in_flight--;
    return 1;
}
