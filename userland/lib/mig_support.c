// SPDX-License-Identifier: MIT
/*
 * What MIG user stubs need: a reply port per thread (kept in TLS, made on
 * first use, replaced if an RPC fails midway), and mach_msg itself.
 */
#include <mach.h>

static __thread mach_port_t reply_port;

mach_port_t mig_get_reply_port(void)
{
    if (reply_port == MACH_PORT_NULL)
        reply_port = mach_reply_port();
    return reply_port;
}

/*
 * Requests sent without a reply port, for a thread on its way out: it
 * must not make itself a new reply port after destroying its last one.
 */
#define MACH_PORT_DESTROY_ID 3204
#define THREAD_TERMINATE_ID 2009

static void destroy_without_reply(mach_port_t name)
{
    struct {
        mach_msg_header_t head;
        mach_msg_type_t type;
        mach_port_t name;
    } m = {
        .head = {
            .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
            .msgh_size = sizeof(m),
            .msgh_remote_port = mach_task_self(),
            .msgh_id = MACH_PORT_DESTROY_ID,
        },
        .type = { .msgt_name = MACH_MSG_TYPE_PORT_NAME, .msgt_size = 32, .msgt_number = 1,
                  .msgt_inline = 1 },
        .name = name,
    };
    mach_msg(&m.head, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

void mig_dealloc_reply_port(mach_port_t port)
{
    (void)port;
    mach_port_t p = reply_port;
    reply_port = MACH_PORT_NULL;
    if (p != MACH_PORT_NULL)
        destroy_without_reply(p);
}

void mig_put_reply_port(mach_port_t port)
{
    (void)port;
}

void mig_allocate(vm_address_t *addr, vm_size_t size)
{
    if (vm_allocate(mach_task_self(), addr, size, TRUE) != KERN_SUCCESS)
        *addr = 0;
}

void mig_deallocate(vm_address_t addr, vm_size_t size)
{
    vm_deallocate(mach_task_self(), addr, size);
}

/*
 * A wait inside mach_msg ends early only when the thread is being
 * terminated, and then it never returns to user mode: no retry is needed.
 */
mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
                           mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                           mach_port_t rcv_name, mach_msg_timeout_t timeout,
                           mach_port_t notify)
{
    return mach_msg_trap(msg, option, send_size, rcv_size, rcv_name, timeout, notify);
}

vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len)
{
    vm_size_t i = 0;
    if (len == 0)
        return 0;
    for (; i + 1 < len && src[i] != '\0'; i++)
        dst[i] = src[i];
    dst[i] = '\0';
    return i;
}

void mig_forget_reply_port(void)
{
    reply_port = MACH_PORT_NULL;
}

void rvmach_thread_exit(void)
{
    mach_port_t self = mach_thread_self();
    mig_dealloc_reply_port(MACH_PORT_NULL);
    mach_msg_header_t m = {
        .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, 0),
        .msgh_size = sizeof(m),
        .msgh_remote_port = self,
        .msgh_id = THREAD_TERMINATE_ID,
    };
    mach_msg(&m, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    for (;;)
        swtch();                        /* the kernel ends the thread on its way out */
}
