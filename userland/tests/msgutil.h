/* SPDX-License-Identifier: MIT */
/* Hand-built messages for the IPC tests: a header plus one port, one integer or one region. */
#ifndef _MSGUTIL_H_
#define _MSGUTIL_H_

#include <mach.h>

struct port_msg {
    mach_msg_header_t head;
    mach_msg_type_t type;
    mach_port_t port;
};

struct int_msg {
    mach_msg_header_t head;
    mach_msg_type_t type;
    uint32_t value;
};

/*
 * One out-of-line region: the long type descriptor, then its address.  Items
 * are packed on 4 bytes, as MIG lays them out.
 */
#pragma pack(push, 4)
struct ool_msg {
    mach_msg_header_t head;
    mach_msg_type_long_t type;
    vm_offset_t data;
};
#pragma pack(pop)

/* Big enough for any message the tests receive. */
struct any_msg {
    mach_msg_header_t head;
    uint8_t body[8192];
};

/* Send `port` with disposition `disp` to `dest` (a send right). */
kern_return_t msg_send_port(mach_port_t dest, mach_port_t port, mach_msg_type_name_t disp,
                            mach_msg_id_t id);

/* Send an integer to `dest`; `option`/`timeout` as mach_msg. */
kern_return_t msg_send_int(mach_port_t dest, uint32_t value, mach_msg_id_t id,
                           mach_msg_option_t option, mach_msg_timeout_t timeout);

/* Receive one message on `port` into *m (timeout in ms, 0 = wait forever). */
kern_return_t msg_receive(mach_port_t port, struct any_msg *m, mach_msg_timeout_t timeout);

/* The port a received port_msg carries. */
mach_port_t msg_port_of(const struct any_msg *m);

/* A new receive right with a send right under the same name. */
mach_port_t msg_new_port(void);

#endif /* _MSGUTIL_H_ */
