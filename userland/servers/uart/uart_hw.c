// SPDX-License-Identifier: MIT
/* Register-level driving of the 8250-family UART for the uart server (see uart_hw.h). */
#include <string.h>
#include "uart_hw.h"

/* Register numbers (before reg-shift). */
#define RBR 0x00        /* receive buffer (read) */
#define THR 0x00        /* transmit holding (write) */
#define IER 0x01
#define IIR 0x02        /* interrupt identification (read) */
#define FCR 0x02        /* FIFO control (write) */
#define LCR 0x03
#define MCR 0x04
#define LSR 0x05
#define MSR 0x06
#define USR 0x1f        /* DesignWare UART status */

#define IER_RX      0x01
#define IER_TX      0x02
#define IER_LINE    0x04
#define IIR_ID      0x0f
#define IIR_FIFOS   0xc0    /* both set: FIFOs enabled */
#define FCR_ENABLE  0x01
#define LCR_DLAB    0x80
#define MCR_OUT2    0x08
#define LSR_DR      0x01
#define LSR_OE      0x02
#define LSR_ERRORS  0x1e    /* overrun, parity, framing, break */
#define LSR_THRE    0x20
#define LSR_TEMT    0x40
#define USR_BUSY    0x01

#define PAGE 4096UL

static uint32_t reg_read(struct uart_hw *u, unsigned reg)
{
    volatile uint8_t *p = u->regs + (reg << u->shift);
    if (u->width == 4)
        return *(volatile uint32_t *)(volatile void *)p;
    return *p;
}

static void reg_write(struct uart_hw *u, unsigned reg, uint32_t val)
{
    volatile uint8_t *p = u->regs + (reg << u->shift);
    if (u->width == 4)
        *(volatile uint32_t *)(volatile void *)p = val;
    else
        *p = (uint8_t)val;
}

/* Decode: is the description one we can drive? */
static kern_return_t check_info(const struct rvmach_device_info *info, unsigned *width,
                                uint64_t *size)
{
    if (info->uart_kind != RVMACH_UART_NS16550 && info->uart_kind != RVMACH_UART_DW_APB)
        return KERN_INVALID_ARGUMENT;
    *width = info->uart_reg_io_width == 0 ? 1 : info->uart_reg_io_width;
    if ((*width != 1 && *width != 4) || info->uart_reg_shift > 4)
        return KERN_INVALID_ARGUMENT;
    unsigned last = info->uart_kind == RVMACH_UART_DW_APB ? USR : MSR;
    *size = info->uart_size != 0 ? info->uart_size : 4096;
    if (((uint64_t)last << info->uart_reg_shift) + *width > *size)
        return KERN_INVALID_ARGUMENT;   /* a register we use lies outside */
    return KERN_SUCCESS;
}

kern_return_t uart_hw_open(struct uart_hw *u, mach_port_t host_priv,
                           const struct rvmach_device_info *info)
{
    unsigned width;
    uint64_t size;
    kern_return_t kr = check_info(info, &width, &size);
    if (kr != KERN_SUCCESS)
        return kr;
    vm_address_t addr = 0;
    kr = device_map(host_priv, mach_task_self(), info->uart_base, size, &addr);
    if (kr != KERN_SUCCESS)
        return kr;
    memset(u, 0, sizeof(*u));
    u->regs = (volatile uint8_t *)addr;
    u->shift = info->uart_reg_shift;
    u->width = width;
    u->dw = info->uart_kind == RVMACH_UART_DW_APB;
    u->irq = info->uart_irq;
    u->base = info->uart_base;
    u->tx_burst = 1;
    u->map_addr = addr & ~(vm_address_t)(PAGE - 1);
    u->map_size = (addr + size - u->map_addr + PAGE - 1) & ~(vm_size_t)(PAGE - 1);
    return KERN_SUCCESS;
}

void uart_hw_close(struct uart_hw *u)
{
    if (u->map_size != 0)
        vm_deallocate(mach_task_self(), u->map_addr, u->map_size);
    u->regs = NULL;
    u->map_size = 0;
}

/*
 * Write LCR.  The DesignWare UART ignores the write while it is busy
 * (USR bit 0) and raises the busy-detect interrupt instead, so wait for
 * it to be idle and check that the value stuck.
 */
static void lcr_write(struct uart_hw *u, uint32_t val)
{
    for (int tries = 0; tries < 1000; tries++) {
        for (int spin = 0; u->dw && (reg_read(u, USR) & USR_BUSY) && spin < 100000; spin++)
            ;
        reg_write(u, LCR, val);
        if (!u->dw || (reg_read(u, LCR) & 0xff) == (val & 0xff))
            return;
    }
}

void uart_hw_start(struct uart_hw *u)
{
    reg_write(u, IER, 0);
    uint32_t lcr = reg_read(u, LCR);
    if (lcr & LCR_DLAB)
        lcr_write(u, lcr & ~LCR_DLAB);  /* the divisor stays as the firmware set it */
    reg_write(u, FCR, FCR_ENABLE);      /* FIFOs on; their contents stay */
    u->tx_burst = (reg_read(u, IIR) & IIR_FIFOS) == IIR_FIFOS ? 16 : 1;
    reg_write(u, MCR, reg_read(u, MCR) | MCR_OUT2);    /* the interrupt output, on a PC-style 16550 */
    (void)reg_read(u, MSR);             /* stale status; bytes typed ahead stay for the reader */
    if (u->dw)
        (void)reg_read(u, USR);
    u->ier = IER_RX | IER_LINE;         /* written whole: on the DesignWare this also */
    reg_write(u, IER, u->ier);          /* turns PTIME off, so THRE means "FIFO empty" */
}

void uart_hw_stop(struct uart_hw *u)
{
    u->ier = 0;
    reg_write(u, IER, 0);
}

unsigned uart_hw_pending(struct uart_hw *u)
{
    return reg_read(u, IIR) & IIR_ID;
}

void uart_hw_clear(struct uart_hw *u, unsigned kind)
{
    if (kind == UART_INT_BUSY && u->dw) {
        u->busy_events++;
        (void)reg_read(u, USR);
    } else if (kind == UART_INT_MODEM) {
        (void)reg_read(u, MSR);
    } else if (kind == UART_INT_LINE) {
        uint32_t lsr = reg_read(u, LSR);
        u->overruns += (lsr & LSR_OE) != 0;
        u->line_errors += (lsr & LSR_ERRORS & ~LSR_OE) != 0;
    }
}

int uart_hw_getc(struct uart_hw *u)
{
    uint32_t lsr = reg_read(u, LSR);
    u->overruns += (lsr & LSR_OE) != 0;
    if (!(lsr & LSR_DR))
        return -1;
    return (int)(reg_read(u, RBR) & 0xff);
}

bool uart_hw_tx_empty(struct uart_hw *u)
{
    return (reg_read(u, LSR) & LSR_THRE) != 0;
}

bool uart_hw_tx_idle(struct uart_hw *u)
{
    return (reg_read(u, LSR) & LSR_TEMT) != 0;
}

void uart_hw_putc(struct uart_hw *u, uint8_t c)
{
    reg_write(u, THR, c);
}

void uart_hw_tx_interrupt(struct uart_hw *u, bool on)
{
    uint8_t ier = on ? (u->ier | IER_TX) : (u->ier & ~IER_TX);
    if (ier != u->ier) {
        u->ier = ier;
        reg_write(u, IER, ier);
    }
}
