// SPDX-License-Identifier: MIT
/* The periodic timer interrupt of each hart, through SBI set_timer. */
#include <kern/clock.h>
#include <kern/cpu.h>
#include <machine/sbi.h>

uint64_t timebase_hz;
static uint64_t boot_time;

static void set_next(void)
{
    sbi_set_timer(cpu_time() + timebase_hz / HZ);
}

void clock_start_hart(void)
{
    if (boot_time == 0)
        boot_time = cpu_time();
    set_next();
    csr_set(sie, SIE_STIE);
}

void clock_interrupt(void)
{
    cpu_this()->ticks++;
    set_next();
}

uint64_t clock_uptime_us(void)
{
    return (cpu_time() - boot_time) * 1000000 / timebase_hz;
}

void clock_delay_us(uint64_t us)
{
    uint64_t end = cpu_time() + us * timebase_hz / 1000000;
    while (cpu_time() < end)
        cpu_relax();
}
