// SPDX-License-Identifier: MIT
/*
 * The kernel console: kprintf() and the backends it writes to (the SBI
 * console at first, then the UART from the device tree).
 */
#include <kern/console.h>
#include <kern/cpu.h>
#include <kern/devtree.h>
#include <kern/panic.h>
#include <kern/printf.h>
#include <kern/spinlock.h>
#include <kern/uart8250.h>
#include <machine/pmap.h>
#include <machine/sbi.h>
#include <machine/vm_param.h>

/*
 * console_lock guards the output device, so that a whole kprintf() call
 * comes out in one piece.  It is a leaf lock: nothing is taken under it.
 * In panic mode it is no longer taken (its holder may never release it).
 */
static struct spinlock console_lock = SPINLOCK_INITIALIZER("console");
static struct uart8250 console_uart;
static bool use_uart;
static volatile bool panic_mode;

static void put_raw(char c)
{
    if (use_uart)
        uart8250_putc(&console_uart, c);
    else
        sbi_console_putc(c);
}

static void put_char(void *arg, char c)
{
    (void)arg;
    if (c == '\n')
        put_raw('\r');
    put_raw(c);
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_char(NULL, s[i]);
}

bool console_use_uart(const struct dt_uart *uart)
{
    if (uart->kind == DT_UART_NONE)
        return false;
    void *regs = pmap_map_device(uart->base, uart->size ? uart->size : PAGE_SIZE);
    if (regs == NULL)
        return false;
    console_uart.base = regs;
    console_uart.shift = uart->reg_shift;
    console_uart.width = uart->reg_io_width == 4 ? 4 : 1;
    use_uart = true;
    return true;
}

const char *console_name(void)
{
    return use_uart ? "uart" : "sbi";
}

void console_panic_mode(void)
{
    panic_mode = true;
}

int kvprintf(const char *fmt, va_list ap)
{
    /* Before per-hart data is set up (tp == 0) there is only one hart. */
    bool locked = !panic_mode && cpu_this() != NULL;
    if (locked)
        spin_lock(&console_lock);
    int n = kvformat(put_char, NULL, fmt, ap);
    if (locked)
        spin_unlock(&console_lock);
    return n;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
