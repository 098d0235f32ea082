// SPDX-License-Identifier: MIT
/* Task, thread and host ports; conversions for the MIG servers. */
#include <kern/ipc_kserver.h>
#include <kern/ipc_tt.h>
#include <kern/panic.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>
#include <vm/vm_map.h>

/* The host: one machine.  Its two ports never die. */
struct host {
    int unused;
};
static struct host the_host;
static struct ipc_port *host_port, *host_priv_port;

void ipc_host_init(void)
{
    host_port = ipc_port_alloc_kernel(IKOT_HOST, &the_host);
    host_priv_port = ipc_port_alloc_kernel(IKOT_HOST_PRIV, &the_host);
    if (host_port == NULL || host_priv_port == NULL)
        panic("ipc: no memory for the host ports");
}

struct ipc_port *ipc_host_port(void)
{
    return host_port;
}

struct ipc_port *ipc_host_priv_port(void)
{
    return host_priv_port;
}

mach_port_name_t ipc_port_copyout_send(struct ipc_port *port, struct ipc_space *space)
{
    if (port == NULL)
        return MACH_PORT_NULL;
    mach_port_name_t name;
    ipc_port_copy_send(port);
    if (ipc_right_copyout(space, port, MACH_MSG_TYPE_PORT_SEND, &name) != KERN_SUCCESS)
        return MACH_PORT_NULL;
    return name;
}

/* ---- tasks ---- */

kern_return_t ipc_task_init(struct task *task, struct task *parent)
{
    task->space = ipc_space_create();
    task->self_port = ipc_port_alloc_kernel(IKOT_TASK, task);
    if (task->space == NULL || task->self_port == NULL) {
        if (task->space != NULL) {
            ipc_space_destroy(task->space);
            ipc_space_release(task->space);
        }
        if (task->self_port != NULL)
            ipc_port_dealloc_kernel(task->self_port);
        task->space = NULL;
        task->self_port = NULL;
        return KERN_RESOURCE_SHORTAGE;
    }
    if (parent != NULL) {
        /* A child inherits its parent's bootstrap and exception ports. */
        mutex_lock(&parent->lock);
        task->bootstrap_port = ipc_port_copy_send(parent->bootstrap_port);
        task->exception_port = ipc_port_copy_send(parent->exception_port);
        mutex_unlock(&parent->lock);
    }
    return KERN_SUCCESS;
}

void ipc_task_disable(struct task *task)
{
    struct ipc_port *port = task->self_port;
    if (port == NULL)
        return;
    spin_lock(&port->lock);
    port->kobject = NULL;               /* no new conversions to this task */
    spin_unlock(&port->lock);
}

void ipc_task_terminate(struct task *task)
{
    if (task->space != NULL) {
        ipc_space_destroy(task->space);
        ipc_space_release(task->space);
        task->space = NULL;
    }
    ipc_port_release_send(task->bootstrap_port);
    ipc_port_release_send(task->exception_port);
    task->bootstrap_port = task->exception_port = NULL;
    if (task->self_port != NULL)
        ipc_port_dealloc_kernel(task->self_port);
    task->self_port = NULL;
}

/* ---- threads ---- */

kern_return_t ipc_thread_init(struct thread *thread)
{
    thread->self_port = ipc_port_alloc_kernel(IKOT_THREAD, thread);
    return thread->self_port != NULL ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
}

void ipc_thread_terminate(struct thread *thread)
{
    ipc_port_release_send(thread->exception_port);
    thread->exception_port = NULL;
    if (thread->self_port != NULL)
        ipc_port_dealloc_kernel(thread->self_port);
    thread->self_port = NULL;
    if (thread->reply_port != NULL) {
        spin_lock(&thread->reply_port->lock);
        ipc_port_destroy(thread->reply_port);
        thread->reply_port = NULL;
    }
}

/* ---- conversions ---- */

/* The object of a live kernel port of `type`, or NULL (port lock taken briefly). */
static void *port_object(ipc_port_t port, enum ipc_kotype type)
{
    if (!IP_VALID(port))
        return NULL;
    spin_lock(&port->lock);
    void *obj = port->active && port->kotype == type ? port->kobject : NULL;
    if (obj != NULL && type == IKOT_TASK)
        task_reference(obj);
    else if (obj != NULL && type == IKOT_THREAD && !thread_reference_live(obj))
        obj = NULL;                     /* already on its way to the reaper */
    spin_unlock(&port->lock);
    return obj;
}

task_t convert_port_to_task(ipc_port_t port)
{
    return port_object(port, IKOT_TASK);
}

vm_map_t convert_port_to_map(ipc_port_t port)
{
    struct task *task = port_object(port, IKOT_TASK);
    if (task == NULL)
        return NULL;
    mutex_lock(&task->lock);
    vm_map_t map = task->active ? task->map : NULL;
    if (map != NULL)
        vm_map_reference(map);
    mutex_unlock(&task->lock);
    task_deallocate(task);
    return map;
}

ipc_space_t convert_port_to_space(ipc_port_t port)
{
    struct task *task = port_object(port, IKOT_TASK);
    if (task == NULL)
        return NULL;
    mutex_lock(&task->lock);
    ipc_space_t space = task->active ? task->space : NULL;
    if (space != NULL)
        ipc_space_reference(space);
    mutex_unlock(&task->lock);
    task_deallocate(task);
    return space;
}

thread_t convert_port_to_thread(ipc_port_t port)
{
    return port_object(port, IKOT_THREAD);
}

host_t convert_port_to_host(ipc_port_t port)
{
    if (port_object(port, IKOT_HOST) != NULL || port_object(port, IKOT_HOST_PRIV) != NULL)
        return &the_host;
    return NULL;
}

host_t convert_port_to_host_priv(ipc_port_t port)
{
    return port_object(port, IKOT_HOST_PRIV);
}

ipc_port_t convert_task_to_port(task_t task)
{
    if (task == NULL)
        return NULL;
    ipc_port_t port = ipc_port_make_send(task->self_port);
    task_deallocate(task);
    return port;
}

ipc_port_t convert_thread_to_port(thread_t thread)
{
    if (thread == NULL)
        return NULL;
    ipc_port_t port = ipc_port_make_send(thread->self_port);
    thread_deallocate(thread);
    return port;
}
