// SPDX-License-Identifier: MIT
/* Register access and polled transmit for 8250-style UARTs. */
#include <kern/uart8250.h>

uint32_t uart8250_read(const struct uart8250 *u, unsigned reg)
{
    uintptr_t addr = (uintptr_t)u->base + (reg << u->shift);
    if (u->width == 4)
        return *(volatile uint32_t *)addr;
    return *(volatile uint8_t *)addr;
}

void uart8250_write(const struct uart8250 *u, unsigned reg, uint32_t val)
{
    uintptr_t addr = (uintptr_t)u->base + (reg << u->shift);
    if (u->width == 4)
        *(volatile uint32_t *)addr = val;
    else
        *(volatile uint8_t *)addr = (uint8_t)val;
}

void uart8250_putc(const struct uart8250 *u, char c)
{
    while ((uart8250_read(u, UART_LSR) & UART_LSR_THRE) == 0)
        ;
    uart8250_write(u, UART_THR, (uint8_t)c);
}
