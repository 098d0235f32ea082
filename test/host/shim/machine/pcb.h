/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for machine/pcb.h: host tests never switch threads, so a
 * thread's machine state is empty.  Lets kern/thread.h compile on the host.
 */
#ifndef _MACHINE_PCB_H_
#define _MACHINE_PCB_H_

struct pcb {
    int unused;
};

#endif /* _MACHINE_PCB_H_ */
