/* SPDX-License-Identifier: MIT */
/*
 * Polled output on an 8250/16550-compatible UART (QEMU's ns16550a, the
 * JH7110's DesignWare APB UART), honouring reg-shift and reg-io-width.  The
 * kernel only transmits and never reprograms the line (firmware set the
 * baud rate), which also keeps clear of the DesignWare busy-detect quirk.
 */
#ifndef _KERN_UART8250_H_
#define _KERN_UART8250_H_

#include <kern/types.h>

/* Register numbers (before reg-shift). */
#define UART_THR    0       /* transmit holding (write) */
#define UART_RBR    0       /* receive buffer (read) */
#define UART_IER    1       /* interrupt enable */
#define UART_IIR    2       /* interrupt identification (read) */
#define UART_LSR    5       /* line status */
#define UART_IER_THRI   0x02    /* interrupt when the transmitter is empty */
#define UART_IIR_NO_INT 0x01
#define UART_LSR_THRE   0x20

struct uart8250 {
    volatile uint8_t *base;     /* mapped registers */
    unsigned shift;             /* reg-shift */
    unsigned width;             /* reg-io-width: 1 or 4 */
};

uint32_t uart8250_read(const struct uart8250 *u, unsigned reg);
void uart8250_write(const struct uart8250 *u, unsigned reg, uint32_t val);
void uart8250_putc(const struct uart8250 *u, char c);

#endif /* _KERN_UART8250_H_ */
