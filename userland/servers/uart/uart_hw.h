/* SPDX-License-Identifier: MIT */
/*
 * The UART itself, as the uart server drives it: an 8250/16550-compatible
 * device (QEMU's ns16550a, the JH7110's DesignWare APB UART) at registers
 * mapped with device_map, reg-shift and reg-io-width (1 or 4) honoured.
 * The baud rate and framing stay as the firmware set them.  Receive and
 * transmit are interrupt driven; the caller moves the bytes.
 */
#ifndef _UART_HW_H_
#define _UART_HW_H_

#include <stdbool.h>
#include <stdint.h>
#include <mach.h>

struct uart_hw {
    volatile uint8_t *regs;     /* the mapped registers */
    unsigned shift;             /* reg-shift */
    unsigned width;             /* reg-io-width: 1 or 4 */
    bool dw;                    /* DesignWare: USR and the busy-detect interrupt */
    unsigned irq;
    unsigned tx_burst;          /* bytes the transmitter takes when THRE says empty */
    uint8_t ier;                /* interrupt enables as last written */
    uint64_t base;              /* physical, for messages */
    vm_address_t map_addr;      /* the mapping, page aligned */
    vm_size_t map_size;
    /* Counters, for the curious. */
    uint64_t overruns, line_errors, busy_events;
};

/*
 * Check the device description and map the registers into this task.
 * KERN_INVALID_ARGUMENT: no UART, or a reg-io-width or size we cannot
 * use; otherwise what device_map returns.
 */
kern_return_t uart_hw_open(struct uart_hw *u, mach_port_t host_priv,
                           const struct rvmach_device_info *info);

/* Unmap the registers (uart_hw_stop first if it was started). */
void uart_hw_close(struct uart_hw *u);

/*
 * Put the UART in the state we drive it in: divisor latch off, FIFOs on,
 * receive interrupts on.  Bytes already received stay (typed ahead).
 */
void uart_hw_start(struct uart_hw *u);

/* Turn our interrupts off (before giving the device up). */
void uart_hw_stop(struct uart_hw *u);

/* The kind of interrupt pending (IIR bits 3:0), UART_INT_NONE when none. */
unsigned uart_hw_pending(struct uart_hw *u);
#define UART_INT_NONE   0x1
#define UART_INT_MODEM  0x0
#define UART_INT_TX     0x2
#define UART_INT_RX     0x4
#define UART_INT_LINE   0x6
#define UART_INT_BUSY   0x7     /* DesignWare: LCR written while busy */
#define UART_INT_RX_TIMEOUT 0xc

/* Clear a status interrupt: line status, modem status or busy detect. */
void uart_hw_clear(struct uart_hw *u, unsigned kind);

/* One received byte, or -1 when the receiver is empty. */
int uart_hw_getc(struct uart_hw *u);

/* Can the transmitter take tx_burst bytes now? */
bool uart_hw_tx_empty(struct uart_hw *u);

/* Has the last byte left the wire (transmitter and FIFO empty)? */
bool uart_hw_tx_idle(struct uart_hw *u);

void uart_hw_putc(struct uart_hw *u, uint8_t c);

/* Ask for (or stop) the interrupt that says the transmitter is empty. */
void uart_hw_tx_interrupt(struct uart_hw *u, bool on);

#endif /* _UART_HW_H_ */
