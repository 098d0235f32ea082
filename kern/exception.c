// SPDX-License-Identifier: MIT
/*
 * User exceptions.  A faulting thread sends exception_raise (exc.defs) to
 * its thread's exception port, then its task's, and waits for the reply:
 * KERN_SUCCESS means the handler dealt with it (possibly changing the
 * thread's registers) and the thread goes on.  With no handler, or none
 * that succeeds, the task is ended with a one-line report.
 */
#include <mach/exception.h>
#include <mach/mig_errors.h>
#include <kern/backtrace.h>
#include <kern/ipc_tt.h>
#include <kern/printf.h>
#include <kern/string.h>
#include <kern/syscall.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <ipc/ipc_item.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_port.h>
#include <machine/vm_param.h>

#define EXC_RAISE_ID        2400
#define EXC_REQUEST_SIZE    (32 + 12 + 12 + 8 + 8 + 12)     /* kernel form */

/* exception_raise in the kernel form, written field by field. */
struct exc_writer {
    uint8_t *p;
};

static void put_type(struct exc_writer *w, mach_msg_type_name_t name, unsigned size)
{
    mach_msg_type_t t = { .msgt_name = name, .msgt_size = size, .msgt_number = 1,
                          .msgt_inline = 1 };
    memcpy(w->p, &t, 4);
    w->p += 4;
}

static void put(struct exc_writer *w, const void *v, size_t n)
{
    memcpy(w->p, v, n);
    w->p += n;
}

static struct ipc_kmsg *build_request(struct ipc_port *handler, struct ipc_port *reply,
                                      struct thread *t, int exc, long code, uint64_t subcode)
{
    struct ipc_kmsg *k = ipc_kmsg_alloc(EXC_REQUEST_SIZE);
    if (k == NULL)
        return NULL;
    k->hdr = (mach_msg_header_t){
        .msgh_bits = MACH_MSGH_BITS_COMPLEX |
                     MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE),
        .msgh_size = EXC_REQUEST_SIZE,
        .msgh_remote_port = (mach_port_t)ipc_port_copy_send(handler),
        .msgh_local_port = (mach_port_t)ipc_port_make_send_once(reply),
        .msgh_id = EXC_RAISE_ID,
    };
    struct exc_writer w = { (uint8_t *)&k->hdr + sizeof(mach_msg_header_t) };
    struct ipc_port *tp = ipc_port_make_send(t->self_port);
    struct ipc_port *kp = ipc_port_make_send(t->task->self_port);
    int32_t e = exc, c = (int32_t)code;
    put_type(&w, MACH_MSG_TYPE_PORT_SEND, 64);
    put(&w, &tp, 8);
    put_type(&w, MACH_MSG_TYPE_PORT_SEND, 64);
    put(&w, &kp, 8);
    put_type(&w, MACH_MSG_TYPE_INTEGER_32, 32);
    put(&w, &e, 4);
    put_type(&w, MACH_MSG_TYPE_INTEGER_32, 32);
    put(&w, &c, 4);
    put_type(&w, MACH_MSG_TYPE_INTEGER_64, 64);
    put(&w, &subcode, 8);
    ipc_kmsg_set_user_size(k);
    return k;
}

/* The RetCode of a reply to exception_raise, or KERN_FAILURE if it is not one. */
static kern_return_t reply_code(struct ipc_kmsg *reply)
{
    kern_return_t kr = KERN_FAILURE;
    if (reply->hdr.msgh_id == EXC_RAISE_ID + 100 &&
        reply->hdr.msgh_size >= sizeof(mig_reply_header_t))
        kr = ((mig_reply_header_t *)&reply->hdr)->RetCode;
    ipc_kmsg_destroy(reply);
    return kr;
}

/* Send the exception to one handler and wait; true if it handled it. */
static bool raise_to(struct ipc_port *handler, struct thread *t, int exc, long code,
                     uint64_t subcode)
{
    if (!IP_VALID(handler))
        return false;
    if (t->reply_port == NULL && (t->reply_port = ipc_port_alloc()) == NULL)
        return false;
    struct ipc_kmsg *req = build_request(handler, t->reply_port, t, exc, code, subcode);
    if (req == NULL)
        return false;
    if (ipc_mqueue_send(req, MACH_MSG_OPTION_NONE, 0, false, NULL) != MACH_MSG_SUCCESS)
        return false;
    t->exception_wait = true;
    struct ipc_kmsg *reply;
    mach_msg_return_t mr = ipc_mqueue_receive_port(t->reply_port, &reply);
    t->exception_wait = false;
    return mr == MACH_MSG_SUCCESS && reply_code(reply) == KERN_SUCCESS;
}

static const char *exc_name(int exc)
{
    switch (exc) {
    case EXC_BAD_ACCESS: return "bad access";
    case EXC_BAD_INSTRUCTION: return "bad instruction";
    case EXC_ARITHMETIC: return "arithmetic";
    case EXC_BREAKPOINT: return "breakpoint";
    default: return "exception";
    }
}

void exception_user(int exc, long code, uintptr_t pc, uintptr_t addr, uintptr_t sp,
                    const char *what)
{
    struct thread *t = current_thread();
    struct task *task = t->task;
    if (raise_to(t->exception_port, t, exc, code, addr))
        return;
    mutex_lock(&task->lock);
    struct ipc_port *task_handler = ipc_port_copy_send(task->exception_port);
    mutex_unlock(&task->lock);
    bool handled = raise_to(task_handler, t, exc, code, addr);
    ipc_port_release_send(task_handler);
    if (handled || t->halt_requested)
        return;                         /* handled, or the task is ending anyway */
    bool near_stack = addr < USER_VA_END && (addr + 65536 > sp && addr < sp + 65536);
    kprintf("rvmach: task %s[%u] thread %u: %s (%s) at pc %#lx, address %#lx%s"
            " -- task ended\n",
            task->name, task->id, t->tid, what, exc_name(exc), (unsigned long)pc,
            (unsigned long)addr,
            exc == EXC_BAD_ACCESS && code == KERN_INVALID_ADDRESS && near_stack
                ? " (beyond the stack: stack overflow?)" : "");
    task_terminate(task);
}
