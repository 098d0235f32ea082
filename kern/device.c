// SPDX-License-Identifier: MIT
/*
 * Device privileges for user-level drivers (rvmach_device.defs): device
 * information from the device tree, register mappings, interrupts as
 * messages, DMA memory.  Everything is checked against the device tree: a
 * driver can map only device registers, never RAM, and take only the
 * interrupt lines of those devices.
 */
#include <mach/rvmach_device.h>
#include <kern/cpu.h>
#include <kern/devtree.h>
#include <kern/device.h>
#include <kern/intr.h>
#include <kern/ipc_kserver.h>
#include <kern/printf.h>
#include <kern/startup.h>
#include <kern/string.h>
#include <kern/task.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_port.h>
#include <machine/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>

#define MAX_DEVICE_IRQS 16

/*
 * An interrupt line given to a driver.  device_lock guards the table; the
 * interrupt handler reads a slot's port under it too.  Order: device_lock
 * before the PLIC's lock.
 */
struct device_irq {
    unsigned irq;                   /* 0: free slot */
    struct ipc_port *port;          /* send right for the messages */
    struct task *owner;             /* not referenced: cleared when it dies */
};
static struct spinlock device_lock = SPINLOCK_INITIALIZER("device");
static struct device_irq device_irqs[MAX_DEVICE_IRQS];

kern_return_t S_device_info(host_t host, device_info_t *out)
{
    if (host == NULL)
        return KERN_INVALID_HOST;
    const struct platform *p = kern_platform();
    struct rvmach_device_info info;
    memset(&info, 0, sizeof(info));
    info.uart_kind = p->uart.kind == DT_UART_DW_APB ? RVMACH_UART_DW_APB
                   : p->uart.kind == DT_UART_NS16550 ? RVMACH_UART_NS16550 : RVMACH_UART_NONE;
    info.uart_base = p->uart.base;
    info.uart_size = p->uart.size;
    info.uart_reg_shift = p->uart.reg_shift;
    info.uart_reg_io_width = p->uart.reg_io_width;
    info.uart_irq = p->uart.irq;
    info.uart_clock = p->uart.clock_frequency;
    for (unsigned i = 0; i < p->nvirtio && i < RVMACH_MAX_VIRTIO; i++) {
        info.virtio[i].base = p->virtio[i].base;
        info.virtio[i].size = p->virtio[i].size;
        info.virtio[i].irq = p->virtio[i].irq;
        info.nvirtio++;
    }
    _Static_assert(sizeof(info) <= sizeof(device_info_t), "device_info_t holds it");
    memset(out, 0, sizeof(*out));
    memcpy(out, &info, sizeof(info));
    return KERN_SUCCESS;
}

/* Is [start, end) inside the registers of a device drivers may map? */
static bool device_range(paddr_t start, paddr_t end)
{
    const struct platform *p = kern_platform();
    if (p->uart.kind != DT_UART_NONE && start >= p->uart.base &&
        end <= ROUND_UP(p->uart.base + MAX(p->uart.size, 1), PAGE_SIZE))
        return true;
    for (unsigned i = 0; i < p->nvirtio; i++)
        if (start >= p->virtio[i].base &&
            end <= ROUND_UP(p->virtio[i].base + p->virtio[i].size, PAGE_SIZE))
            return true;
    return false;
}

/* Does [start, end) touch RAM the kernel manages? */
static bool touches_ram(paddr_t start, paddr_t end)
{
    const struct platform *p = kern_platform();
    for (unsigned i = 0; i < p->nmem; i++)
        if (start < p->mem[i].base + p->mem[i].size && end > p->mem[i].base)
            return true;
    return false;
}

kern_return_t S_device_map(host_t host, vm_map_t map, vm_offset_t phys, vm_size_t size,
                           vm_address_t *addr)
{
    if (host == NULL)
        return KERN_INVALID_HOST;
    if (map == NULL || size == 0 || phys + size < phys)
        return KERN_INVALID_ARGUMENT;
    paddr_t start = ROUND_DOWN(phys, PAGE_SIZE), end = ROUND_UP(phys + size, PAGE_SIZE);
    if (!device_range(phys, phys + size) || touches_ram(start, end))
        return KERN_PROTECTION_FAILURE;
    vaddr_t va = 0;
    kern_return_t kr = vm_map_enter_phys(map, &va, start, end - start,
                                         VM_PROT_READ | VM_PROT_WRITE, -1);
    if (kr == KERN_SUCCESS)
        *addr = va + (phys - start);
    return kr;
}

/* Is `irq` the line of a device drivers may take? */
static bool device_irq_allowed(unsigned irq)
{
    const struct platform *p = kern_platform();
    if (irq == 0)
        return false;
    if (p->uart.kind != DT_UART_NONE && p->uart.irq == irq)
        return true;
    for (unsigned i = 0; i < p->nvirtio; i++)
        if (p->virtio[i].irq == irq)
            return true;
    return false;
}

static struct device_irq *find_irq(unsigned irq)
{
    for (unsigned i = 0; i < MAX_DEVICE_IRQS; i++)
        if (device_irqs[i].irq == irq)
            return &device_irqs[i];
    return NULL;
}

/* An interrupt: mask the line and tell the driver (interrupts off, any hart). */
static void device_interrupt(void *arg, unsigned irq)
{
    (void)arg;
    intr_mask(irq);
    spin_lock(&device_lock);
    struct device_irq *d = find_irq(irq);
    struct ipc_port *port = d != NULL ? ipc_port_copy_send(d->port) : NULL;
    spin_unlock(&device_lock);
    if (port == NULL)
        return;
    const mach_msg_size_t size = sizeof(mach_msg_header_t) + 8;
    struct ipc_kmsg *k = ipc_kmsg_alloc(size);
    if (k == NULL) {
        ipc_port_release_send(port);
        intr_unmask(irq);               /* no memory: let it fire again later */
        return;
    }
    memset(&k->hdr, 0, size);
    k->hdr.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, 0);
    k->hdr.msgh_size = size;
    k->hdr.msgh_remote_port = (mach_port_t)port;
    k->hdr.msgh_id = RVMACH_DEVICE_INTR_ID;
    mach_msg_type_t t = { .msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32,
                          .msgt_number = 1, .msgt_inline = 1 };
    uint32_t line = irq;
    memcpy((uint8_t *)&k->hdr + sizeof(mach_msg_header_t), &t, 4);
    memcpy((uint8_t *)&k->hdr + sizeof(mach_msg_header_t) + 4, &line, 4);
    k->user_size = size;
    ipc_mqueue_send(k, MACH_MSG_OPTION_NONE, 0, true, NULL);
}

kern_return_t S_device_intr_attach(host_t host, task_t task, uint32_t irq, ipc_port_t port)
{
    if (host == NULL)
        return KERN_INVALID_HOST;
    if (task == NULL || !IP_VALID(port) || !device_irq_allowed(irq))
        return KERN_INVALID_ARGUMENT;
    spin_lock(&device_lock);
    struct device_irq *d = find_irq(irq) != NULL ? NULL : find_irq(0);
    if (d != NULL)
        *d = (struct device_irq){ irq, port, task };
    spin_unlock(&device_lock);
    if (d == NULL)
        return KERN_NAME_EXISTS;        /* taken, or the table is full */
    kern_return_t kr = intr_register(irq, &cpus[0], device_interrupt, NULL);
    if (kr != KERN_SUCCESS) {
        spin_lock(&device_lock);
        d->irq = 0;
        d->port = NULL;
        spin_unlock(&device_lock);
        return kr;                      /* the request, with the right, is destroyed */
    }
    return KERN_SUCCESS;                /* keeps the send right */
}

kern_return_t S_device_intr_ack(host_t host, uint32_t irq)
{
    if (host == NULL)
        return KERN_INVALID_HOST;
    spin_lock(&device_lock);
    bool attached = irq != 0 && find_irq(irq) != NULL;
    spin_unlock(&device_lock);
    if (!attached)
        return KERN_INVALID_ARGUMENT;
    intr_unmask(irq);
    return KERN_SUCCESS;
}

/* Take line `d` from its driver (device_lock held on entry, released). */
static void detach_locked(struct device_irq *d)
{
    unsigned irq = d->irq;
    struct ipc_port *port = d->port;
    d->irq = 0;
    d->port = NULL;
    d->owner = NULL;
    spin_unlock(&device_lock);
    intr_unregister(irq);
    ipc_port_release_send(port);
}

kern_return_t S_device_intr_detach(host_t host, uint32_t irq)
{
    if (host == NULL)
        return KERN_INVALID_HOST;
    spin_lock(&device_lock);
    struct device_irq *d = irq != 0 ? find_irq(irq) : NULL;
    if (d == NULL) {
        spin_unlock(&device_lock);
        return KERN_INVALID_ARGUMENT;
    }
    detach_locked(d);
    return KERN_SUCCESS;
}

void device_task_terminated(struct task *task)
{
    for (unsigned i = 0; i < MAX_DEVICE_IRQS; i++) {
        spin_lock(&device_lock);
        if (device_irqs[i].irq != 0 && device_irqs[i].owner == task)
            detach_locked(&device_irqs[i]);
        else
            spin_unlock(&device_lock);
    }
}

#define DMA_MAX (4UL << 20)

kern_return_t S_device_dma_alloc(host_t host, vm_map_t map, vm_size_t size,
                                 vm_address_t *addr, vm_offset_t *phys)
{
    if (host == NULL)
        return KERN_INVALID_HOST;
    if (map == NULL || size == 0 || size > DMA_MAX)
        return KERN_INVALID_ARGUMENT;
    unsigned order = 0;
    while ((PAGE_SIZE << order) < size)
        order++;
    struct vm_page *pg = vm_page_alloc(order);
    if (pg == NULL)
        return KERN_RESOURCE_SHORTAGE;
    memset(phys_to_virt(pg->phys), 0, PAGE_SIZE << order);
    vaddr_t va = 0;
    kern_return_t kr = vm_map_enter_phys(map, &va, pg->phys, PAGE_SIZE << order,
                                         VM_PROT_READ | VM_PROT_WRITE, (int)order);
    if (kr != KERN_SUCCESS) {
        vm_page_free(pg, order);
        return kr;
    }
    *addr = va;
    *phys = pg->phys;
    return KERN_SUCCESS;
}
