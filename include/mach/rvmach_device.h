/* SPDX-License-Identifier: MIT */
/*
 * Device access for user-level drivers (rvmach_device.defs): what the
 * machine has, as the kernel read it from the device tree.
 */
#ifndef _MACH_RVMACH_DEVICE_H_
#define _MACH_RVMACH_DEVICE_H_

#include <stdint.h>

#define RVMACH_MAX_VIRTIO 8

enum rvmach_uart_kind {
    RVMACH_UART_NONE = 0,
    RVMACH_UART_NS16550 = 1,
    RVMACH_UART_DW_APB = 2,     /* DesignWare: the busy-detect quirk applies */
};

struct rvmach_device_info {
    uint64_t uart_base, uart_size;
    uint32_t uart_kind, uart_reg_shift, uart_reg_io_width, uart_irq;
    uint32_t uart_clock;        /* Hz; 0 when the device tree does not say */
    uint32_t nvirtio;
    struct {
        uint64_t base, size;
        uint32_t irq, pad;
    } virtio[RVMACH_MAX_VIRTIO];
};

/* How device_info carries it: 40 64-bit words. */
typedef struct {
    uint64_t w[40];
} device_info_t;

/*
 * The message a driver receives for each interrupt: a header with
 * msgh_id RVMACH_DEVICE_INTR_ID, then one INTEGER_32 item, the line.  The
 * id is one of rvmach_device.defs's 200 (5200-5399), past its replies.
 */
#define RVMACH_DEVICE_INTR_ID 5390

#endif /* _MACH_RVMACH_DEVICE_H_ */
