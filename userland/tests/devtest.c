// SPDX-License-Identifier: MIT
/*
 * System tests of the device privileges (rvmach_device.defs, kern/device.c):
 * only the host privileged port opens them, bad requests get error codes,
 * and a driver that dies gives back its interrupt line, its device mapping
 * and its DMA memory.  Boot with init=devtest (the first task holds the
 * privileged port; no driver runs, so every device is free).
 */
#include <string.h>
#include <mach/rvmach_device.h>
#include <mach/rvmach_device_user.h>
#include "testlib.h"

/* A fresh receive right (for interrupt messages that never come). */
static mach_port_t new_port(void)
{
    mach_port_t p = MACH_PORT_NULL;
    CHECK_KR(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p));
    return p;
}

static struct rvmach_device_info info;

static bool read_info(void)
{
    device_info_t raw;
    if (device_info(rvmach_host_priv, &raw) != KERN_SUCCESS)
        return false;
    _Static_assert(sizeof(info) <= sizeof(raw), "device_info_t too small");
    memcpy(&info, &raw, sizeof(info));
    return info.uart_kind != RVMACH_UART_NONE && info.nvirtio > 0;
}

/* The ordinary host port is not the privileged one. */
static void test_unprivileged(void)
{
    device_info_t raw;
    vm_address_t addr = 0;
    vm_offset_t phys = 0;
    mach_port_t host = mach_host_self();
    EXPECT_KR(device_info(host, &raw), KERN_INVALID_HOST, "device_info, plain host port");
    EXPECT_KR(device_map(host, mach_task_self(), info.uart_base, 4096, &addr), KERN_INVALID_HOST,
              "device_map, plain host port");
    EXPECT_KR(device_dma_alloc(host, mach_task_self(), 4096, &addr, &phys), KERN_INVALID_HOST,
              "device_dma_alloc, plain host port");
    EXPECT_KR(device_intr_ack(host, info.uart_irq), KERN_INVALID_HOST, "ack, plain host port");
    mach_port_deallocate(mach_task_self(), host);
}

static void test_bad_requests(void)
{
    mach_port_t hp = rvmach_host_priv, self = mach_task_self();
    vm_address_t addr = 0;
    vm_offset_t phys = 0;
    /* RAM is not a device; neither is an empty or wrapping range. */
    EXPECT_KR(device_map(hp, self, 0x80000000UL, 4096, &addr), KERN_PROTECTION_FAILURE,
              "mapping RAM");
    EXPECT_KR(device_map(hp, self, info.uart_base, 0, &addr), KERN_INVALID_ARGUMENT, "size 0");
    EXPECT_KR(device_map(hp, self, ~0UL - 4095, 8192, &addr), KERN_INVALID_ARGUMENT,
              "a wrapping range");
    /* Lines that are no device's, and lines nobody attached. */
    mach_port_t port = new_port();
    EXPECT_KR(device_intr_attach(hp, self, 0, port), KERN_INVALID_ARGUMENT, "irq 0");
    EXPECT_KR(device_intr_attach(hp, self, 9999, port), KERN_INVALID_ARGUMENT, "irq 9999");
    EXPECT_KR(device_intr_ack(hp, info.uart_irq), KERN_INVALID_ARGUMENT, "ack, not attached");
    EXPECT_KR(device_intr_detach(hp, info.uart_irq), KERN_INVALID_ARGUMENT,
              "detach, not attached");
    /* A line is one driver's. */
    CHECK_KR(device_intr_attach(hp, self, info.uart_irq, port));
    EXPECT_KR(device_intr_attach(hp, self, info.uart_irq, port), KERN_NAME_EXISTS,
              "the same line twice");
    CHECK_KR(device_intr_detach(hp, info.uart_irq));
    /* DMA memory: nothing, and more than one allocation may take. */
    EXPECT_KR(device_dma_alloc(hp, self, 0, &addr, &phys), KERN_INVALID_ARGUMENT, "0 bytes");
    EXPECT_KR(device_dma_alloc(hp, self, 1UL << 40, &addr, &phys), KERN_INVALID_ARGUMENT,
              "1 TiB");
    mach_port_destroy(self, port);
}

static void wait_forever(void *arg)
{
    (void)arg;
    for (;;)
        rvmach_sleep_ms(1000);
}

/*
 * A "driver" task is given a device mapping, DMA memory and an interrupt
 * line, then killed: the line can be attached again, and every page of
 * its memory comes back.
 */
static void test_driver_death(void)
{
    mach_port_t hp = rvmach_host_priv;
    struct rvmach_kstats base = tl_stats_quiet();
    task_t driver;
    kern_return_t kr = tl_spawn(wait_forever, NULL, MACH_PORT_NULL, &driver);
    if (!CHECK(kr == KERN_SUCCESS, "tl_spawn: %s", mach_error_string(kr)))
        return;
    vm_address_t regs = 0, dma = 0;
    vm_offset_t phys = 0;
    CHECK_KR(device_map(hp, driver, info.virtio[0].base, info.virtio[0].size, &regs));
    CHECK_KR(device_dma_alloc(hp, driver, 64 * 1024, &dma, &phys));
    CHECK(phys != 0 && (phys & 4095) == 0, "DMA memory at %#lx", (unsigned long)phys);
    mach_port_t port = new_port();
    unsigned irq = info.virtio[0].irq;
    CHECK_KR(device_intr_attach(hp, driver, irq, port));
    EXPECT_KR(device_intr_attach(hp, mach_task_self(), irq, port), KERN_NAME_EXISTS,
              "the line is the driver's while it lives");
    CHECK_KR(task_terminate(driver));
    CHECK(tl_wait_dead(driver, 5000), "the driver did not end");
    mach_port_deallocate(mach_task_self(), driver);
    /* The line is free again. */
    CHECK_KR(device_intr_attach(hp, mach_task_self(), irq, port));
    CHECK_KR(device_intr_detach(hp, irq));
    mach_port_destroy(mach_task_self(), port);
    CHECK(tl_wait_settled(&base, 5000), "the driver's pages or ports were not given back");
}

int main(void)
{
    if (!CHECK(MACH_PORT_VALID(rvmach_host_priv) && read_info(),
               "no privileged port, or no UART and virtio slot in device_info"))
        return tl_finish();
    tl_run("dev.unprivileged", test_unprivileged);
    tl_run("dev.bad_requests", test_bad_requests);
    tl_run("dev.driver_death", test_driver_death);
    return tl_finish();
}
