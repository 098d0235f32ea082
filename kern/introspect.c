// SPDX-License-Identifier: MIT
/*
 * Looking inside the kernel from user space, for the shell's `mem`,
 * `ports` and `vm` (rvmach_host.defs): kernel zones, the port behind a
 * name, and the objects behind a task's map entries.  Each call copies
 * counters out under the locks that guard them; none changes anything.
 */
#include <ipc/ipc_port.h>
#include <ipc/ipc_space.h>
#include <kern/kmem.h>
#include <kern/mig_servers.h>
#include <kern/string.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <kern/zalloc.h>
#include <mach/rvmach.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>

/* Copy `words` 64-bit words to a CountInOut array of room *count. */
static kern_return_t fill(stats_array_t out, mach_msg_type_number_t *count, const void *in,
                          size_t bytes)
{
    size_t words = bytes / sizeof(uint64_t);
    if (*count < words)
        return KERN_INVALID_ARGUMENT;
    memcpy(out, in, bytes);
    *count = (mach_msg_type_number_t)words;
    return KERN_SUCCESS;
}

/* ---- zones ---- */

/* Enough for every zone the kernel makes (kalloc sizes and object zones). */
#define ZONES_MAX 64

kern_return_t S_host_zone_info(host_t host, uint32_t index, kernel_name_t name,
                               stats_array_t info, mach_msg_type_number_t *count)
{
    if (host == NULL)
        return KERN_INVALID_HOST;
    /* ZONES_MAX zone_info records would not fit on a kernel stack: take one page. */
    struct zone_info *all = kmem_alloc(ZONES_MAX * sizeof(*all));
    if (all == NULL)
        return KERN_RESOURCE_SHORTAGE;
    size_t n = zone_info_all(all, ZONES_MAX);
    kern_return_t kr = KERN_INVALID_ARGUMENT;
    if (index < n && index < ZONES_MAX) {
        const struct zone_info *z = &all[index];
        struct rvmach_zone_info out = {
            .elem_size = z->elem_size, .in_use = z->in_use, .peak = z->peak,
            .pages = z->pages, .allocs = z->allocs, .frees = z->frees,
            .failures = z->failures,
        };
        strlcpy(name, z->name, sizeof(kernel_name_t));
        kr = fill(info, count, &out, sizeof(out));
    }
    kmem_free(all, ZONES_MAX * sizeof(*all));
    return kr;
}

/* ---- ports ---- */

struct find_space {
    struct ipc_space *space;
    uint64_t task_id;
};

static void match_space(struct task *task, void *arg)
{
    struct find_space *f = arg;
    if (task->space == f->space)
        f->task_id = task->id;
}

kern_return_t S_mach_port_info(ipc_space_t space, mach_port_name_t name, stats_array_t info,
                               mach_msg_type_number_t *count)
{
    if (space == NULL)
        return KERN_INVALID_TASK;
    struct ipc_port *port = NULL;
    kern_return_t kr = KERN_SUCCESS;
    spin_lock(&space->lock);
    struct ipc_entry *e = space->active ? ipc_entry_lookup(space, name) : NULL;
    if (e == NULL)
        kr = KERN_INVALID_NAME;
    else if (e->type & MACH_PORT_TYPE_PORT_SET)
        kr = KERN_INVALID_RIGHT;
    else if (e->object != NULL && (e->type & MACH_PORT_TYPE_PORT_RIGHTS)) {
        port = e->object;
        ipc_port_reference(port);
    }
    spin_unlock(&space->lock);
    if (kr != KERN_SUCCESS)
        return kr;

    struct rvmach_port_info out = { .receiver = RVMACH_NO_RECEIVER };
    if (port == NULL)                   /* a dead name: nothing behind it */
        return fill(info, count, &out, sizeof(out));

    struct ipc_space *receiver;
    spin_lock(&port->lock);
    out.id = port->id;
    out.active = port->active;
    out.srights = port->srights;
    out.sorights = port->sorights;
    out.msgcount = port->msgcount;
    out.qlimit = port->qlimit;
    receiver = port->active ? port->receiver : NULL;
    switch (port->kotype) {
    case IKOT_TASK:
        out.kotype = RVMACH_KOBJ_TASK;
        out.kobject_id = ((struct task *)port->kobject)->id;
        break;
    case IKOT_THREAD:
        out.kotype = RVMACH_KOBJ_THREAD;
        out.kobject_id = ((struct thread *)port->kobject)->tid;
        break;
    case IKOT_HOST: out.kotype = RVMACH_KOBJ_HOST; break;
    case IKOT_HOST_PRIV: out.kotype = RVMACH_KOBJ_HOST_PRIV; break;
    case IKOT_DEVICE: out.kotype = RVMACH_KOBJ_DEVICE; break;
    case IKOT_PAGER: out.kotype = RVMACH_KOBJ_PAGER; break;
    case IKOT_NONE: out.kotype = RVMACH_KOBJ_NONE; break;
    }
    spin_unlock(&port->lock);
    ipc_port_release(port);

    /* Which task holds the receive right: compare spaces, never touch them. */
    if (receiver == ipc_space_kernel) {
        out.receiver = 0;
    } else if (receiver != NULL) {
        struct find_space f = { .space = receiver, .task_id = RVMACH_NO_RECEIVER };
        task_foreach(match_space, &f);
        out.receiver = f.task_id;
    }
    return fill(info, count, &out, sizeof(out));
}

/* ---- map entries and their objects ---- */

kern_return_t S_vm_region_info(vm_map_t map, vm_address_t *address, stats_array_t info,
                               mach_msg_type_number_t *count)
{
    if (map == NULL)
        return KERN_INVALID_ARGUMENT;
    struct rvmach_region_info out = { 0 };
    mutex_lock(&map->lock);
    struct vm_map_entry *e = vm_map_first_entry_after(map, *address);
    if (e == NULL) {
        mutex_unlock(&map->lock);
        return KERN_NO_SPACE;
    }
    out.start = e->start;
    out.end = e->end;
    out.protection = (uint64_t)e->protection;
    out.max_protection = (uint64_t)e->max_protection;
    out.inheritance = (uint64_t)e->inheritance;
    out.flags = (e->needs_copy ? RVMACH_REGION_NEEDS_COPY : 0) |
                (e->is_shared ? RVMACH_REGION_SHARED : 0);
    out.offset = e->offset;
    struct vm_object *object = e->object;
    if (object != NULL) {
        /*
         * The map lock keeps the entry's reference on its object; each
         * object's lock keeps its shadow alive until the next lock is
         * taken (front to back, the order the fault path uses).
         */
        mutex_lock(&object->lock);
        out.object_id = object->id;
        out.object_kind = object->internal ? RVMACH_OBJECT_ANON : RVMACH_OBJECT_OTHER;
        out.object_size = object->size;
        out.object_refs = object->ref_count;
        out.object_resident = object->resident_count;
        struct vm_object *o = object;
        while (o->shadow != NULL) {
            struct vm_object *back = o->shadow;
            mutex_lock(&back->lock);
            mutex_unlock(&o->lock);
            out.shadow_depth++;
            out.shadow_resident += back->resident_count;
            o = back;
        }
        mutex_unlock(&o->lock);
    }
    mutex_unlock(&map->lock);
    *address = out.start;
    return fill(info, count, &out, sizeof(out));
}
