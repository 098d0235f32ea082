// SPDX-License-Identifier: MIT
/*
 * The kernel side of mach_port.defs: operations on a task's name space.
 * Each routine validates its arguments, then acts through ipc_right.
 */
#include <mach/notify.h>
#include <kern/copy.h>
#include <kern/ipc_kserver.h>
#include <kern/kmem.h>
#include <kern/string.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <ipc/ipc_notify.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_pset.h>
#include <ipc/ipc_right.h>
#include <ipc/ipc_space.h>
#include <machine/vm_param.h>
#include <vm/vm_map_copy.h>
#include <vm/vm_user.h>

/*
 * Turn `len` bytes of kernel data into out-of-line memory for a reply: put
 * them in fresh memory of the calling task and take that back as a copy.
 */
static kern_return_t data_to_copy(const void *buf, size_t len, vm_offset_t *out)
{
    *out = 0;
    if (len == 0)
        return KERN_SUCCESS;
    struct vm_map *map = current_thread()->task->map;
    vm_offset_t addr = 0;
    size_t size = ROUND_UP(len, PAGE_SIZE);
    kern_return_t kr = vm_allocate(map, &addr, size, true);
    if (kr != KERN_SUCCESS)
        return kr;
    if (copyout(buf, (void *)addr, len) != 0) {
        vm_deallocate(map, addr, size);
        return KERN_RESOURCE_SHORTAGE;
    }
    vm_map_copy_t copy;
    kr = vm_map_copyin(map, addr, len, true, &copy);
    if (kr != KERN_SUCCESS) {
        vm_deallocate(map, addr, size);
        return kr;
    }
    *out = (vm_offset_t)copy;
    return KERN_SUCCESS;
}

kern_return_t S_mach_port_names(ipc_space_t space, mach_port_name_array_t *names,
                                mach_msg_type_number_t *ncount, mach_port_type_array_t *types,
                                mach_msg_type_number_t *tcount)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    uint32_t max = ipc_space_count(space) + 16;
    mach_port_name_t *n = kmem_alloc(max * sizeof(*n));
    mach_port_type_t *t = kmem_alloc(max * sizeof(*t));
    uint32_t count = 0;
    kern_return_t kr = (n != NULL && t != NULL) ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
    if (kr == KERN_SUCCESS) {
        spin_lock(&space->lock);
        for (uint32_t i = 1; i < space->size && count < max; i++) {
            struct ipc_entry *e = &space->table[i];
            if (e->type == 0)
                continue;
            n[count] = MACH_PORT_MAKE(i, e->gen);
            t[count++] = e->type;
        }
        spin_unlock(&space->lock);
    }
    vm_offset_t nc = 0, tc = 0;
    if (kr == KERN_SUCCESS)
        kr = data_to_copy(n, count * sizeof(*n), &nc);
    if (kr == KERN_SUCCESS)
        kr = data_to_copy(t, count * sizeof(*t), &tc);
    if (kr != KERN_SUCCESS)
        vm_map_copy_discard((vm_map_copy_t)nc);
    kmem_free(n, max * sizeof(*n));
    kmem_free(t, max * sizeof(*t));
    *names = (mach_port_name_array_t)nc;
    *types = (mach_port_type_array_t)tc;
    *ncount = *tcount = count;
    return kr;
}

kern_return_t S_mach_port_type(ipc_space_t space, mach_port_name_t name, mach_port_type_t *type)
{
    return space != NULL ? ipc_right_type(space, name, type) : KERN_INVALID_TASK;
}

kern_return_t S_mach_port_allocate_name(ipc_space_t space, mach_port_right_t right,
                                        mach_port_name_t name)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    if (!MACH_PORT_VALID(name))
        return KERN_INVALID_VALUE;
    switch (right) {
    case MACH_PORT_RIGHT_RECEIVE: return ipc_right_alloc_receive_name(space, name);
    case MACH_PORT_RIGHT_PORT_SET: return ipc_right_alloc_pset_name(space, name);
    case MACH_PORT_RIGHT_DEAD_NAME: return ipc_right_alloc_dead_name(space, name);
    default: return KERN_INVALID_VALUE;
    }
}

kern_return_t S_mach_port_allocate(ipc_space_t space, mach_port_right_t right,
                                   mach_port_name_t *name)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    switch (right) {
    case MACH_PORT_RIGHT_RECEIVE: return ipc_right_alloc_receive(space, name);
    case MACH_PORT_RIGHT_PORT_SET: return ipc_right_alloc_pset(space, name);
    case MACH_PORT_RIGHT_DEAD_NAME: return ipc_right_alloc_dead(space, name);
    default: return KERN_INVALID_VALUE;
    }
}

kern_return_t S_mach_port_destroy(ipc_space_t space, mach_port_name_t name)
{
    return space != NULL ? ipc_right_destroy_all(space, name) : KERN_INVALID_TASK;
}

kern_return_t S_mach_port_deallocate(ipc_space_t space, mach_port_name_t name)
{
    return space != NULL ? ipc_right_dealloc(space, name) : KERN_INVALID_TASK;
}

kern_return_t S_mach_port_get_refs(ipc_space_t space, mach_port_name_t name,
                                   mach_port_right_t right, mach_port_urefs_t *refs)
{
    return space != NULL ? ipc_right_get_refs(space, name, right, refs) : KERN_INVALID_TASK;
}

kern_return_t S_mach_port_mod_refs(ipc_space_t space, mach_port_name_t name,
                                   mach_port_right_t right, mach_port_delta_t delta)
{
    return space != NULL ? ipc_right_delta(space, name, right, delta) : KERN_INVALID_TASK;
}

kern_return_t S_mach_port_get_receive_status(ipc_space_t space, mach_port_name_t name,
                                             mach_port_status_t *status)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    struct ipc_port *p;
    kern_return_t kr = ipc_right_lookup_receive(space, name, &p);
    if (kr != KERN_SUCCESS)
        return kr;
    spin_lock(&p->lock);
    *status = (mach_port_status_t){
        .mps_pset = MACH_PORT_NULL,     /* the set's name is not tracked per port */
        .mps_seqno = p->seqno, .mps_mscount = p->mscount, .mps_qlimit = p->qlimit,
        .mps_msgcount = p->msgcount, .mps_sorights = p->sorights,
        .mps_srights = p->srights > 0, .mps_pdrequest = p->pdrequest != NULL,
        .mps_nsrequest = p->nsrequest != NULL,
    };
    spin_unlock(&p->lock);
    ipc_port_release(p);
    return KERN_SUCCESS;
}

kern_return_t S_mach_port_set_qlimit(ipc_space_t space, mach_port_name_t name,
                                     mach_port_msgcount_t qlimit)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    if (qlimit > MACH_PORT_QLIMIT_MAX)
        return KERN_INVALID_VALUE;
    struct ipc_port *p;
    kern_return_t kr = ipc_right_lookup_receive(space, name, &p);
    if (kr != KERN_SUCCESS)
        return kr;
    spin_lock(&p->lock);
    p->qlimit = qlimit;
    spin_unlock(&p->lock);
    thread_wakeup((event_t)&p->msgcount);   /* senders may fit now */
    ipc_port_release(p);
    return KERN_SUCCESS;
}

/* The port set `name` denotes, referenced. */
static kern_return_t lookup_pset(ipc_space_t space, mach_port_name_t name, struct ipc_pset **out)
{
    spin_lock(&space->lock);
    struct ipc_entry *e = ipc_entry_lookup(space, name);
    kern_return_t kr = e == NULL ? KERN_INVALID_NAME
                     : (e->type & MACH_PORT_TYPE_PORT_SET) ? KERN_SUCCESS : KERN_INVALID_RIGHT;
    if (kr == KERN_SUCCESS) {
        *out = e->object;
        ipc_pset_reference(*out);
    }
    spin_unlock(&space->lock);
    return kr;
}

kern_return_t S_mach_port_get_set_status(ipc_space_t space, mach_port_name_t name,
                                         mach_port_name_array_t *members,
                                         mach_msg_type_number_t *count)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    struct ipc_pset *ps;
    kern_return_t kr = lookup_pset(space, name, &ps);
    if (kr != KERN_SUCCESS)
        return kr;
    spin_lock(&ps->lock);
    uint32_t max = ps->nmembers;
    spin_unlock(&ps->lock);
    mach_port_name_t *n = kmem_alloc((max + 1) * sizeof(*n));
    uint32_t k = 0;
    if (n != NULL) {
        spin_lock(&ps->lock);
        list_for_each(&ps->members, it) {
            struct ipc_port *p = list_entry(it, struct ipc_port, pset_link);
            if (k < max && p->receiver == space)
                n[k++] = p->receiver_name;
        }
        spin_unlock(&ps->lock);
    }
    vm_offset_t copy = 0;
    kr = n != NULL ? data_to_copy(n, k * sizeof(*n), &copy) : KERN_RESOURCE_SHORTAGE;
    kmem_free(n, (max + 1) * sizeof(*n));
    ipc_pset_release(ps);
    *members = (mach_port_name_array_t)copy;
    *count = k;
    return kr;
}

kern_return_t S_mach_port_move_member(ipc_space_t space, mach_port_name_t member,
                                      mach_port_name_t after)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    struct ipc_port *p;
    kern_return_t kr = ipc_right_lookup_receive(space, member, &p);
    if (kr != KERN_SUCCESS)
        return kr;
    struct ipc_pset *ps = NULL;
    if (after != MACH_PORT_NULL)
        kr = lookup_pset(space, after, &ps);
    if (kr == KERN_SUCCESS && ps != NULL)
        kr = ipc_pset_add_port(ps, p, space);
    else if (kr == KERN_SUCCESS)
        ipc_pset_remove_port(p);
    if (ps != NULL)
        ipc_pset_release(ps);
    ipc_port_release(p);
    return kr;
}

/* A no-senders or port-destroyed request on a receive right. */
static kern_return_t request_on_receive(ipc_space_t space, mach_port_name_t name,
                                        mach_msg_id_t id, mach_port_mscount_t sync,
                                        ipc_port_t notify, ipc_port_t *previous)
{
    struct ipc_port *p;
    kern_return_t kr = ipc_right_lookup_receive(space, name, &p);
    if (kr != KERN_SUCCESS)
        return kr;
    bool fire = false;
    spin_lock(&p->lock);
    if (id == MACH_NOTIFY_NO_SENDERS) {
        *previous = p->nsrequest;
        p->nsrequest = IP_VALID(notify) ? notify : NULL;
        p->nsrequest_mscount = sync;
        fire = p->nsrequest != NULL && p->srights == 0 && sync <= p->mscount;
        if (fire)
            p->nsrequest = NULL;
    } else {
        *previous = p->pdrequest;
        p->pdrequest = IP_VALID(notify) ? notify : NULL;
    }
    uint32_t mscount = p->mscount;
    spin_unlock(&p->lock);
    if (fire)
        ipc_notify_no_senders(notify, mscount);
    ipc_port_release(p);
    return KERN_SUCCESS;
}

kern_return_t S_mach_port_request_notification(ipc_space_t space, mach_port_name_t name,
                                               mach_msg_id_t id, mach_port_mscount_t sync,
                                               ipc_port_t notify, ipc_port_t *previous)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    *previous = NULL;
    switch (id) {
    case MACH_NOTIFY_NO_SENDERS:
    case MACH_NOTIFY_PORT_DESTROYED:
        return request_on_receive(space, name, id, sync, notify, previous);
    case MACH_NOTIFY_DEAD_NAME:
        if (!IP_VALID(notify))
            return KERN_INVALID_CAPABILITY;
        return ipc_dnrequest_register(space, name, notify, previous);
    default:
        return KERN_INVALID_VALUE;
    }
}

kern_return_t S_mach_port_insert_right(ipc_space_t space, mach_port_name_t name,
                                       ipc_port_t port, mach_msg_type_name_t type)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    if (!MACH_PORT_VALID(name) || !IP_VALID(port) || !MACH_MSG_TYPE_PORT_ANY_RIGHT(type))
        return KERN_INVALID_VALUE;
    /* Consumes the right on success; on failure the request is destroyed with it. */
    return ipc_right_copyout_name(space, port, type, name);
}

kern_return_t S_mach_port_extract_right(ipc_space_t space, mach_port_name_t name,
                                        mach_msg_type_name_t disp, ipc_port_t *port,
                                        mach_msg_type_name_t *type)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    if (!MACH_MSG_TYPE_PORT_ANY(disp))
        return KERN_INVALID_VALUE;
    bool dead;
    kern_return_t kr = ipc_right_copyin(space, name, disp, port, &dead);
    if (kr == KERN_SUCCESS && dead)
        *port = IP_DEAD;
    *type = ipc_right_transit_type(disp);
    return kr;
}
