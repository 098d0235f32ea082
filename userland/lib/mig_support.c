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

void mig_dealloc_reply_port(mach_port_t port)
{
    (void)port;
    mach_port_t p = reply_port;
    reply_port = MACH_PORT_NULL;
    if (p != MACH_PORT_NULL)
        mach_port_mod_refs(mach_task_self(), p, MACH_PORT_RIGHT_RECEIVE, -1);
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
