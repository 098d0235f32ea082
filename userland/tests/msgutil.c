// SPDX-License-Identifier: MIT
/* Hand-built messages for the IPC tests (see msgutil.h). */
#include <string.h>
#include "msgutil.h"

static mach_msg_type_t type_of(mach_msg_type_name_t name, unsigned size)
{
    mach_msg_type_t t = { .msgt_name = name, .msgt_size = size, .msgt_number = 1,
                          .msgt_inline = 1 };
    return t;
}

kern_return_t msg_send_port(mach_port_t dest, mach_port_t port, mach_msg_type_name_t disp,
                            mach_msg_id_t id)
{
    struct port_msg m;
    memset(&m, 0, sizeof(m));
    m.head.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    m.head.msgh_size = sizeof(m);
    m.head.msgh_remote_port = dest;
    m.head.msgh_id = id;
    m.type = type_of(disp, 32);
    m.port = port;
    return mach_msg(&m.head, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

kern_return_t msg_send_int(mach_port_t dest, uint32_t value, mach_msg_id_t id,
                           mach_msg_option_t option, mach_msg_timeout_t timeout)
{
    struct int_msg m;
    memset(&m, 0, sizeof(m));
    m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    m.head.msgh_size = sizeof(m);
    m.head.msgh_remote_port = dest;
    m.head.msgh_id = id;
    m.type = type_of(MACH_MSG_TYPE_INTEGER_32, 32);
    m.value = value;
    return mach_msg(&m.head, MACH_SEND_MSG | option, sizeof(m), 0, MACH_PORT_NULL, timeout,
                    MACH_PORT_NULL);
}

kern_return_t msg_receive(mach_port_t port, struct any_msg *m, mach_msg_timeout_t timeout)
{
    return mach_msg(&m->head, MACH_RCV_MSG | (timeout ? MACH_RCV_TIMEOUT : 0), 0,
                    sizeof(*m), port, timeout, MACH_PORT_NULL);
}

mach_port_t msg_port_of(const struct any_msg *m)
{
    const struct port_msg *pm = (const void *)m;
    return pm->port;
}

mach_port_t msg_new_port(void)
{
    mach_port_t p = MACH_PORT_NULL;
    if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p) != KERN_SUCCESS)
        return MACH_PORT_NULL;
    if (mach_port_insert_right(mach_task_self(), p, p, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS)
        return MACH_PORT_NULL;
    return p;
}
