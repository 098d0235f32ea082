/* SPDX-License-Identifier: MIT */
/* Device privileges (kern/device.c). */
#ifndef _KERN_DEVICE_H_
#define _KERN_DEVICE_H_

struct task;

/* A task died: take back the interrupt lines it had. */
void device_task_terminated(struct task *task);

#endif /* _KERN_DEVICE_H_ */
