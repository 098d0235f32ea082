// SPDX-License-Identifier: MIT
/*
 * The host interfaces (mach_host.defs, rvmach_host.defs): information about
 * the machine, kernel statistics, task names, power off.
 */
#include <mach/rvmach.h>
#include <kern/clock.h>
#include <kern/cpu.h>
#include <kern/ipc_kserver.h>
#include <kern/kmem.h>
#include <kern/host.h>
#include <kern/zalloc.h>
#include <machine/pmap.h>
#include <kern/kstack.h>
#include <kern/printf.h>
#include <kern/string.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_port.h>
#include <ipc/ipc_pset.h>
#include <machine/sbi.h>
#include <machine/vm_param.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_resident.h>

kern_return_t S_host_info(host_t host, int32_t flavor, host_info_t info,
                          mach_msg_type_number_t *count)
{
    if (host == NULL)
        return KERN_INVALID_HOST;
    if (flavor != HOST_BASIC_INFO || *count < HOST_BASIC_INFO_COUNT)
        return KERN_INVALID_ARGUMENT;
    unsigned online = 0;
    for (unsigned i = 0; i < ncpus; i++)
        online += cpus[i].online;
    struct host_basic_info bi = {
        .max_cpus = (integer_t)ncpus,
        .avail_cpus = (integer_t)online,
        .page_size = (integer_t)PAGE_SIZE,
        .memory_size = (uint64_t)vm_page_total_count() * PAGE_SIZE,
        .timebase_hz = timebase_hz,
    };
    memcpy(info, &bi, sizeof(bi));
    *count = HOST_BASIC_INFO_COUNT;
    return KERN_SUCCESS;
}

kern_return_t S_host_reboot(host_t host_priv, int32_t options)
{
    if (host_priv == NULL)
        return KERN_INVALID_HOST;
    if (options != 0)
        return KERN_INVALID_ARGUMENT;   /* only power off is supported */
    kprintf("rvmach: powering off\n");
    sbi_shutdown();
}

kern_return_t S_task_set_name(task_t task, const_kernel_name_t name)
{
    if (task == NULL)
        return KERN_INVALID_ARGUMENT;
    char buf[TASK_NAME_MAX];
    strlcpy(buf, name, sizeof(buf));    /* MIG checked it is NUL-terminated in 32 bytes */
    task_set_name(task, buf);
    return KERN_SUCCESS;
}

kern_return_t S_task_get_name(task_t task, kernel_name_t name)
{
    if (task == NULL)
        return KERN_INVALID_ARGUMENT;
    mutex_lock(&task->lock);
    strlcpy(name, task->name, sizeof(kernel_name_t));
    mutex_unlock(&task->lock);
    return KERN_SUCCESS;
}

void kernel_stats_fill(struct rvmach_kstats *s)
{
    *s = (struct rvmach_kstats){
        .free_pages = vm_page_available_count(),
        .total_pages = vm_page_total_count(),
        .tasks = task_count(),
        .threads = thread_count(),
        .kstacks = kstack_count(),
        .uptime_ns = clock_uptime_us() * 1000,
        .ncpus = ncpus,
        .ports = ipc_port_count(),
        .vm_objects = vm_object_total_count(),
        .resident_pages = vm_page_resident_total(),
        .port_sets = ipc_pset_count(),
    };
    size_t zpages, zelems;
    zone_totals(&zpages, &zelems);
    s->zone_pages = zpages;
    s->zone_elements = zelems - ipc_kmsg_cached();     /* kept for reuse: free */
    s->kernel_pt_pages = pmap_kernel_table_pages();
}

kern_return_t S_host_kernel_stats(host_t host, stats_array_t stats,
                                  mach_msg_type_number_t *count)
{
    if (host == NULL)
        return KERN_INVALID_HOST;
    struct rvmach_kstats s;
    kernel_stats_fill(&s);
    size_t words = sizeof(s) / sizeof(uint64_t);
    if (*count < words)
        return KERN_INVALID_ARGUMENT;
    memcpy(stats, &s, sizeof(s));
    *count = (mach_msg_type_number_t)words;
    return KERN_SUCCESS;
}

struct collect {
    struct ipc_port **ports;
    unsigned n, max;
};

static void collect_task(struct task *task, void *arg)
{
    struct collect *c = arg;
    if (c->n < c->max && task != kernel_task && task->active && task->self_port != NULL)
        c->ports[c->n++] = ipc_port_make_send(task->self_port);
}

kern_return_t S_host_tasks(host_t host_priv, task_array_t *tasks, mach_msg_type_number_t *count)
{
    if (host_priv == NULL)
        return KERN_INVALID_HOST;
    struct collect c = { .max = (unsigned)task_count() + 8 };
    c.ports = kmem_zalloc(c.max * sizeof(*c.ports));
    if (c.ports == NULL)
        return KERN_RESOURCE_SHORTAGE;
    task_foreach(collect_task, &c);
    if (c.n == 0) {
        kmem_free(c.ports, c.max * sizeof(*c.ports));
        c.ports = NULL;
    } else if (c.n != c.max) {
        /* The array travels with its exact size: move it to one of that size. */
        struct ipc_port **exact = kmem_alloc(c.n * sizeof(*exact));
        if (exact == NULL) {
            for (unsigned i = 0; i < c.n; i++)
                ipc_port_release_send(c.ports[i]);
            kmem_free(c.ports, c.max * sizeof(*c.ports));
            return KERN_RESOURCE_SHORTAGE;
        }
        memcpy(exact, c.ports, c.n * sizeof(*exact));
        kmem_free(c.ports, c.max * sizeof(*c.ports));
        c.ports = exact;
    }
    *tasks = (task_array_t)c.ports;
    *count = c.n;
    return KERN_SUCCESS;
}
