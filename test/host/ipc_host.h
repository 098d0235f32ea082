/* SPDX-License-Identifier: MIT */
/*
 * Host stand-ins for what the IPC core (ipc/) calls outside ipc/, and
 * helpers for its tests (test/host/ipc_host.c).
 *
 * - kmem: malloc with a size check on free, a live count and failure
 *   injection; zones (kern/zalloc.c) over aligned_alloc'd pages.
 * - The scheduler: each host thread is a kernel thread that never really
 *   waits.  thread_block() returns how the wait would end: cleared,
 *   woken (an event was posted in between), timed out (a timeout was set),
 *   otherwise THREAD_INTERRUPTED, counted as a stuck wait.  Tests send and
 *   receive with timeouts of 0, which never wait.
 * - User memory: an arena of pages that fake maps own.  A user address
 *   inside the arena is valid only while the current task's map has its
 *   page; one below 64 KiB never is; anything else (a test's own buffer)
 *   always is.  copyin/copyout can be made to fail.
 * - Maps: vm_allocate/vm_deallocate, vm_map_copyin/copyout/discard over
 *   the arena, recording every page and every copy, with failure injection.
 */
#ifndef _TEST_IPC_HOST_H_
#define _TEST_IPC_HOST_H_

#include <kern/types.h>
#include <mach/message.h>
#include <ipc/ipc_item.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_space.h>
#include "host_zones.h"

struct vm_map;

/* A task as IPC sees it: a name space and an address space. */
struct ipc_host_task {
    struct ipc_space *space;
    struct vm_map *map;
};

/* Set up the IPC zones (ipc_*_bootstrap) and warm the port id table.  Idempotent. */
void ipc_host_init(void);

/* ---- tasks ---- */

struct ipc_host_task *ipc_host_task_create(void);
/* Destroy the space (every right in it) and the map; free the task. */
void ipc_host_task_destroy(struct ipc_host_task *task);
/* The task current_thread() belongs to (copyin/copyout check its map). */
void ipc_host_set_current(struct ipc_host_task *task);

/* ---- failure injection: let n more succeed, then fail all; n < 0: never fail ---- */

void ipc_host_kmem_fail_after(long n);
void ipc_host_zone_fail_after(long n);      /* pages for zones */
void ipc_host_copy_fail_after(long n);      /* copyin/copyout */
void ipc_host_vm_fail_after(long n);        /* vm_allocate, vm_map_copyin/copyout */

/* ---- counters ---- */

size_t ipc_host_kmem_live(void);            /* kmem blocks not freed */
size_t ipc_host_copies_live(void);          /* vm_map_copy objects not consumed */
unsigned ipc_host_stuck_waits(void);        /* waits that would never have ended */
size_t ipc_host_map_pages(struct vm_map *map);

/*
 * Fail (cmocka) unless IPC holds nothing: no port, port set, space or
 * dead-name request, no copy object, and kmem back to its level at init.
 */
void ipc_host_check_clean(void);

/* ---- user memory ---- */

/* Map `size` bytes (rounded up to pages, zero-filled) in `map`; 0 if no room. */
vaddr_t ipc_host_map_alloc(struct vm_map *map, size_t size);
/* True when every page of [addr, addr + size) is mapped in `map`. */
bool ipc_host_map_has(struct vm_map *map, vaddr_t addr, size_t size);
/* An arena address no map will ever own (an unmapped user address). */
vaddr_t ipc_host_unmapped_addr(void);

/* ---- messages ---- */

/* A user-form message under construction (items packed on 4 bytes). */
struct ipc_host_msg {
    union {
        mach_msg_user_header_t hdr;
        uint32_t w[MACH_MSG_SIZE_MAX / 4 + 16];
    };
    uint32_t size;                  /* bytes so far */
};

void ipc_host_msg_init(struct ipc_host_msg *m, mach_msg_bits_t bits,
                       mach_port_name_t remote, mach_port_name_t local, mach_msg_id_t id);
/*
 * Append an item: the short form unless `longform`; `data` (may be NULL:
 * zeroes) is `dlen` bytes, padded to 4.  Out-of-line items pass the
 * address as data (8 bytes).  Returns the item's offset.
 */
uint32_t ipc_host_msg_item(struct ipc_host_msg *m, mach_msg_type_name_t name, unsigned size,
                           unsigned number, bool is_inline, bool longform, bool dealloc,
                           const void *data, size_t dlen);
/* Helpers for the common items. */
uint32_t ipc_host_msg_port(struct ipc_host_msg *m, mach_msg_type_name_t disp,
                           mach_port_name_t name);
uint32_t ipc_host_msg_ool(struct ipc_host_msg *m, mach_msg_type_name_t name, unsigned size,
                          unsigned number, bool dealloc, vaddr_t addr);

/* Copy in from `task` and queue on the destination (timeout 0). */
mach_msg_return_t ipc_host_send(struct ipc_host_task *task, struct ipc_host_msg *m);

/*
 * Receive (timeout 0, `option` added) from `name` in `task` into `out`,
 * which has room for `room` bytes.  Copyout errors are returned as is.
 */
mach_msg_return_t ipc_host_receive(struct ipc_host_task *task, mach_port_name_t name,
                                   struct ipc_host_msg *out, mach_msg_size_t room,
                                   mach_msg_option_t option);

/* The port a name denotes (no reference; the test knows it lives). */
struct ipc_port *ipc_host_port(struct ipc_host_task *task, mach_port_name_t name);

/* Item i of a received user-form message (decoded), or false. */
bool ipc_host_msg_get_item(const struct ipc_host_msg *m, unsigned i, struct ipc_item *it);

#endif /* _TEST_IPC_HOST_H_ */
