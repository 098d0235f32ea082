/* SPDX-License-Identifier: MIT */
/*
 * A byte queue in a power-of-two buffer, used by one thread: the uart
 * server's output queue and the line discipline's input queue.  head and
 * tail count bytes ever taken and put; they may wrap (unsigned arithmetic).
 */
#ifndef _UART_RING_H_
#define _UART_RING_H_

#include <stdbool.h>
#include <stdint.h>

struct ring {
    uint8_t *buf;
    uint32_t size;      /* a power of two */
    uint32_t head;      /* next byte to take */
    uint32_t tail;      /* next byte to put */
};

static inline void ring_init(struct ring *r, uint8_t *buf, uint32_t size)
{
    r->buf = buf;
    r->size = size;
    r->head = r->tail = 0;
}

static inline uint32_t ring_used(const struct ring *r)
{
    return r->tail - r->head;
}

static inline uint32_t ring_free(const struct ring *r)
{
    return r->size - ring_used(r);
}

/* Put one byte; the caller has checked ring_free(). */
static inline void ring_put(struct ring *r, uint8_t c)
{
    r->buf[r->tail++ & (r->size - 1)] = c;
}

/* Take one byte; the caller has checked ring_used(). */
static inline uint8_t ring_get(struct ring *r)
{
    return r->buf[r->head++ & (r->size - 1)];
}

static inline void ring_clear(struct ring *r)
{
    r->head = r->tail;
}

#endif /* _UART_RING_H_ */
