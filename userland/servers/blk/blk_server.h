/* SPDX-License-Identifier: MIT */
/*
 * The blk server: every virtio-blk disk of the machine served by the blk
 * protocol (userland/defs/blk.defs), one port per disk, on one thread that
 * receives requests and interrupts alike.  Used by the `blk` program and,
 * linked in, by tests that run it in a task of their own.
 */
#ifndef _BLK_SERVER_H_
#define _BLK_SERVER_H_

#include <mach.h>

#define BLK_MAX_DISKS RVMACH_MAX_VIRTIO

/*
 * Probe the virtio-mmio slots named by device_info, bring up each block
 * device, attach its interrupt, and make a port for it (receive right
 * here; the caller makes send rights).  Disks are numbered in the order
 * QEMU's -drive options give them.  Prints one line per disk.  Returns
 * the number of disks (0 is not an error), or -1 if the device privileges
 * are refused.
 */
int blk_server_init(mach_port_t host_priv);

/* The port of disk `i` (< the count from blk_server_init), or MACH_PORT_NULL. */
mach_port_t blk_server_port(unsigned i);

/* Serve requests and interrupts forever. */
void blk_server_run(void) __attribute__((noreturn));

#endif /* _BLK_SERVER_H_ */
