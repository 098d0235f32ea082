// SPDX-License-Identifier: MIT
/*
 * The kernel side of mach.defs: each S_ routine checks what the request
 * says (decode), then calls the task, thread or VM operation (perform).
 * On KERN_SUCCESS a routine owns what the request carried: port rights it
 * keeps or releases, out-of-line memory it consumes.
 */
#include <mach/machine/thread_status.h>
#include <kern/clock.h>
#include <kern/ipc_kserver.h>
#include <kern/ipc_tt.h>
#include <kern/kmem.h>
#include <kern/sched.h>
#include <kern/string.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <ipc/ipc_port.h>
#include <vm/vm_map.h>
#include <vm/vm_map_copy.h>
#include <vm/vm_user.h>
#include <machine/vm_param.h>

/* ---- tasks ---- */

kern_return_t S_task_create(task_t parent, boolean_t inherit, task_t *child)
{
    if (parent == NULL)
        return KERN_INVALID_ARGUMENT;
    return task_create(parent, inherit != 0, child);
}

kern_return_t S_task_terminate(task_t task)
{
    if (task == NULL)
        return KERN_INVALID_ARGUMENT;
    /* Ending one's own task: the caller ends on its way back to user mode. */
    return task_terminate(task);
}

kern_return_t S_task_threads(task_t task, thread_array_t *list, mach_msg_type_number_t *count)
{
    if (task == NULL)
        return KERN_INVALID_ARGUMENT;
    return task_threads_ports(task, (struct ipc_port ***)list, count);
}

static uint64_t ticks_to_us(uint64_t ticks)
{
    return ticks * (1000000 / HZ);
}

kern_return_t S_task_info(task_t task, int32_t flavor, task_info_t info,
                          mach_msg_type_number_t *count)
{
    if (task == NULL)
        return KERN_INVALID_ARGUMENT;
    if (flavor != TASK_BASIC_INFO || *count < TASK_BASIC_INFO_COUNT)
        return KERN_INVALID_ARGUMENT;
    struct task_basic_info bi = { 0 };
    uint64_t user, sys;
    task_times(task, &user, &sys, &bi.thread_count);
    bi.suspend_count = task->suspend_count;
    bi.id = (integer_t)task->id;
    bi.user_time_us = ticks_to_us(user);
    bi.system_time_us = ticks_to_us(sys);
    if (task->map != NULL) {
        struct vm_map_info mi;
        vm_map_info(task->map, &mi);
        bi.virtual_size = mi.virtual_size;
        bi.resident_size = mi.resident_pages * PAGE_SIZE;
    }
    memcpy(info, &bi, sizeof(bi));
    *count = TASK_BASIC_INFO_COUNT;
    return KERN_SUCCESS;
}

kern_return_t S_task_suspend(task_t task)
{
    return task != NULL ? task_suspend(task) : KERN_INVALID_ARGUMENT;
}

kern_return_t S_task_resume(task_t task)
{
    return task != NULL ? task_resume(task) : KERN_INVALID_ARGUMENT;
}

/* The address of the special port `which` of a task, or NULL. */
static struct ipc_port **task_special(task_t task, int32_t which)
{
    switch (which) {
    case TASK_BOOTSTRAP_PORT: return &task->bootstrap_port;
    case TASK_EXCEPTION_PORT: return &task->exception_port;
    case TASK_KERNEL_PORT: return &task->self_port;
    default: return NULL;
    }
}

kern_return_t S_task_get_special_port(task_t task, int32_t which, ipc_port_t *port)
{
    if (task == NULL)
        return KERN_INVALID_ARGUMENT;
    struct ipc_port **slot = task_special(task, which);
    if (slot == NULL)
        return KERN_INVALID_ARGUMENT;
    mutex_lock(&task->lock);
    *port = which == TASK_KERNEL_PORT ? ipc_port_make_send(*slot) : ipc_port_copy_send(*slot);
    mutex_unlock(&task->lock);
    return KERN_SUCCESS;
}

kern_return_t S_task_set_special_port(task_t task, int32_t which, ipc_port_t port)
{
    if (task == NULL)
        return KERN_INVALID_ARGUMENT;
    struct ipc_port **slot = task_special(task, which);
    if (slot == NULL || which == TASK_KERNEL_PORT)
        return KERN_INVALID_ARGUMENT;
    mutex_lock(&task->lock);
    struct ipc_port *old = *slot;
    *slot = IP_VALID(port) ? port : NULL;   /* keeps the right the request carried */
    mutex_unlock(&task->lock);
    ipc_port_release_send(old);
    return KERN_SUCCESS;
}

/* ---- threads ---- */

kern_return_t S_thread_create(task_t task, thread_t *thread)
{
    if (task == NULL)
        return KERN_INVALID_ARGUMENT;
    if (task == kernel_task)
        return KERN_INVALID_ARGUMENT;
    return thread_create(task, thread);
}

kern_return_t S_thread_terminate(thread_t thread)
{
    if (thread == NULL)
        return KERN_INVALID_ARGUMENT;
    if (thread->task == kernel_task)
        return KERN_INVALID_ARGUMENT;
    return thread_terminate(thread);
}

kern_return_t S_thread_get_state(thread_t thread, int32_t flavor, thread_state_t state,
                                 mach_msg_type_number_t *count)
{
    if (thread == NULL || thread->task == kernel_task)
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = thread_wait_stopped(thread);
    if (kr != KERN_SUCCESS)
        return kr;
    unsigned n = *count;
    kr = pcb_get_state(&thread->pcb, flavor, state, &n);
    *count = n;
    return kr;
}

kern_return_t S_thread_set_state(thread_t thread, int32_t flavor, const thread_state_t state,
                                 mach_msg_type_number_t count)
{
    if (thread == NULL || thread->task == kernel_task)
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = thread_wait_stopped(thread);
    if (kr != KERN_SUCCESS)
        return kr;
    return pcb_set_state(&thread->pcb, flavor, state, count);
}

kern_return_t S_thread_suspend(thread_t thread)
{
    if (thread == NULL || thread->task == kernel_task)
        return KERN_INVALID_ARGUMENT;
    return thread_suspend(thread);
}

kern_return_t S_thread_resume(thread_t thread)
{
    if (thread == NULL || thread->task == kernel_task)
        return KERN_INVALID_ARGUMENT;
    return thread_resume(thread);
}

kern_return_t S_thread_info(thread_t thread, int32_t flavor, thread_info_t info,
                            mach_msg_type_number_t *count)
{
    if (thread == NULL)
        return KERN_INVALID_ARGUMENT;
    if (flavor != THREAD_BASIC_INFO || *count < THREAD_BASIC_INFO_COUNT)
        return KERN_INVALID_ARGUMENT;
    struct thread_basic_info bi = { 0 };
    thread_basic_info(thread, &bi);
    memcpy(info, &bi, sizeof(bi));
    *count = THREAD_BASIC_INFO_COUNT;
    return KERN_SUCCESS;
}

kern_return_t S_thread_get_special_port(thread_t thread, int32_t which, ipc_port_t *port)
{
    if (thread == NULL)
        return KERN_INVALID_ARGUMENT;
    if (which == THREAD_KERNEL_PORT)
        *port = ipc_port_make_send(thread->self_port);
    else if (which == THREAD_EXCEPTION_PORT)
        *port = ipc_port_copy_send(thread->exception_port);
    else
        return KERN_INVALID_ARGUMENT;
    return KERN_SUCCESS;
}

kern_return_t S_thread_set_special_port(thread_t thread, int32_t which, ipc_port_t port)
{
    if (thread == NULL || which != THREAD_EXCEPTION_PORT)
        return KERN_INVALID_ARGUMENT;
    struct ipc_port *old = __atomic_exchange_n(&thread->exception_port,
                                               IP_VALID(port) ? port : NULL, __ATOMIC_ACQ_REL);
    ipc_port_release_send(old);
    return KERN_SUCCESS;
}

/* ---- virtual memory ---- */

/*
 * Mach rounds the range of vm_allocate, vm_deallocate, vm_protect and
 * vm_inherit out to whole pages; the VM layer itself takes only aligned
 * ranges.  False if the range wraps.
 */
static bool round_range(vm_address_t *addr, vm_size_t *size)
{
    vm_address_t start = ROUND_DOWN(*addr, PAGE_SIZE);
    vm_address_t end = *addr + *size;
    if (end < *addr || end > UINTPTR_MAX - PAGE_SIZE)
        return false;
    *size = ROUND_UP(end, PAGE_SIZE) - start;
    *addr = start;
    return true;
}

kern_return_t S_vm_allocate(vm_map_t map, vm_address_t *addr, vm_size_t size, boolean_t anywhere)
{
    if (map == NULL)
        return KERN_INVALID_ARGUMENT;
    vm_address_t start = anywhere ? 0 : *addr;
    if (size == 0 || !round_range(&start, &size))
        return KERN_INVALID_ARGUMENT;
    if (!anywhere)
        *addr = start;
    return vm_allocate(map, addr, size, anywhere != 0);
}

kern_return_t S_vm_deallocate(vm_map_t map, vm_address_t addr, vm_size_t size)
{
    if (map == NULL || !round_range(&addr, &size))
        return KERN_INVALID_ARGUMENT;
    return size == 0 ? KERN_SUCCESS : vm_deallocate(map, addr, size);
}

kern_return_t S_vm_protect(vm_map_t map, vm_address_t addr, vm_size_t size,
                           boolean_t set_max, vm_prot_t prot)
{
    if (map == NULL || !round_range(&addr, &size))
        return KERN_INVALID_ARGUMENT;
    return vm_protect(map, addr, size, set_max != 0, prot);
}

kern_return_t S_vm_inherit(vm_map_t map, vm_address_t addr, vm_size_t size, vm_inherit_t inh)
{
    if (map == NULL || !round_range(&addr, &size))
        return KERN_INVALID_ARGUMENT;
    return vm_inherit(map, addr, size, inh);
}

kern_return_t S_vm_read(vm_map_t map, vm_address_t addr, vm_size_t size, vm_offset_t *data,
                        mach_msg_type_number_t *count)
{
    if (map == NULL)
        return KERN_INVALID_ARGUMENT;
    if (size > UINT32_MAX)
        return KERN_INVALID_ARGUMENT;   /* a message counts bytes in 32 bits */
    vm_map_copy_t copy;
    kern_return_t kr = vm_map_copyin(map, addr, size, false, &copy);
    if (kr != KERN_SUCCESS)
        return kr;
    *data = (vm_offset_t)copy;
    *count = (mach_msg_type_number_t)size;
    return KERN_SUCCESS;
}

kern_return_t S_vm_write(vm_map_t map, vm_address_t addr, vm_offset_t data,
                         mach_msg_type_number_t count)
{
    if (map == NULL)
        return KERN_INVALID_ARGUMENT;
    vm_map_copy_t copy = (vm_map_copy_t)data;
    if (copy == NULL)
        return count == 0 ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
    /* Consumed on success; on failure the request (and the copy) is destroyed. */
    return vm_map_copy_overwrite(map, addr, copy);
}

kern_return_t S_vm_copy(vm_map_t map, vm_address_t src, vm_size_t size, vm_address_t dst)
{
    return map != NULL ? vm_copy(map, src, size, dst) : KERN_INVALID_ARGUMENT;
}

kern_return_t S_vm_region(vm_map_t map, vm_address_t *addr, vm_size_t *size, vm_prot_t *prot,
                          vm_prot_t *max_prot, vm_inherit_t *inh, boolean_t *shared,
                          vm_offset_t *offset)
{
    if (map == NULL)
        return KERN_INVALID_ARGUMENT;
    bool is_shared;
    kern_return_t kr = vm_region(map, addr, size, prot, max_prot, inh, &is_shared, offset);
    *shared = is_shared;
    return kr;
}
