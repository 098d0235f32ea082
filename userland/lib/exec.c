// SPDX-License-Identifier: MIT
/*
 * rvmach_exec: a program started from user space.  The ELF image is checked
 * by the kernel's own parser (kern/elf.c, built into libmach); the new task
 * is then filled through its task port, as kern/bootstrap.c fills the first.
 */
#include <string.h>
#include <kern/elf.h>
#include <mach.h>
#include <rvmach/exec.h>

#define PAGE            4096UL
#define TRUNC(x)        ((x) & ~(PAGE - 1))
#define ROUND(x)        TRUNC((x) + PAGE - 1)
#define ALIGN16(x)      (((x) + 15) & ~15UL)

kern_return_t rvmach_elf_check(const void *elf, size_t size, char *err, size_t errlen)
{
    struct elf_info info;
    if (elf == NULL) {
        if (err != NULL && errlen > 0)
            strlcpy(err, "elf: no image", errlen);
        return KERN_INVALID_ARGUMENT;
    }
    return elf_parse(elf, size, &info, err, errlen);
}

/* ---- argv ---- */

struct args {
    const char *const *argv;
    int argc;
    size_t strings;             /* bytes of the strings, NULs included */
    size_t total;               /* strings and pointer array, as laid out */
};

/* Count and measure argv; KERN_INVALID_ARGUMENT if over the limits. */
static kern_return_t measure_args(const char *const argv[], struct args *a)
{
    *a = (struct args){ .argv = argv };
    for (; argv != NULL && argv[a->argc] != NULL; a->argc++) {
        if (a->argc >= (int)RVMACH_EXEC_ARGC_MAX)
            return KERN_INVALID_ARGUMENT;
        size_t len = strnlen(argv[a->argc], RVMACH_EXEC_ARGS_MAX + 1);
        a->strings += len + 1;
        if (a->strings > RVMACH_EXEC_ARGS_MAX)
            return KERN_INVALID_ARGUMENT;
    }
    a->total = ALIGN16(a->strings) + 16 + ALIGN16(((size_t)a->argc + 1) * sizeof(uintptr_t));
    return a->total <= RVMACH_EXEC_ARGS_MAX ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
}

/* A zeroed, page-aligned buffer of our own (vm_allocate: the memory vm_write wants). */
static kern_return_t scratch(vm_size_t size, char **out)
{
    vm_address_t addr = 0;
    kern_return_t kr = vm_allocate(mach_task_self(), &addr, size, TRUE);
    *out = (char *)addr;
    return kr;
}

static void scratch_free(char *buf, vm_size_t size)
{
    vm_deallocate(mach_task_self(), (vm_address_t)buf, size);
}

/*
 * The stack: allocated, then its top pages written with the strings (the
 * last argument highest) and below them the pointer array, as the kernel's
 * build_stack() does.  *sp = *argv_addr = the array.
 */
static kern_return_t build_stack(task_t task, const struct args *a, uintptr_t *sp,
                                 uintptr_t *argv_addr)
{
    vm_address_t base = RVMACH_EXEC_STACK_TOP - RVMACH_EXEC_STACK_SIZE;
    kern_return_t kr = vm_allocate(task, &base, RVMACH_EXEC_STACK_SIZE, FALSE);
    if (kr != KERN_SUCCESS)
        return kr;
    const uintptr_t top = RVMACH_EXEC_STACK_TOP;
    uintptr_t p = top - a->strings;
    uintptr_t array = (p & ~15UL) - ALIGN16(((size_t)a->argc + 1) * sizeof(uintptr_t));
    vm_address_t low = TRUNC(array);
    char *buf;
    kr = scratch(top - low, &buf);
    if (kr != KERN_SUCCESS)
        return kr;
    uintptr_t *ptrs = (uintptr_t *)(buf + (array - low));
    for (int i = 0; i < a->argc; i++) {
        size_t len = strlen(a->argv[i]) + 1;
        memcpy(buf + (p - low), a->argv[i], len);
        ptrs[i] = p;
        p += len;
    }
    ptrs[a->argc] = 0;
    kr = vm_write(task, low, (vm_offset_t)buf, top - low);
    scratch_free(buf, top - low);
    *sp = *argv_addr = array;
    return kr;
}

/* ---- segments ---- */

/* Allocate every segment's pages (neighbours may share one). */
static kern_return_t allocate_segments(task_t task, const struct elf_info *info)
{
    vm_address_t done = 0;              /* end of the pages already allocated */
    for (unsigned i = 0; i < info->nsegs; i++) {
        const struct elf_segment *s = &info->seg[i];
        vm_address_t start = TRUNC(s->vaddr) > done ? TRUNC(s->vaddr) : done;
        vm_address_t end = ROUND(s->vaddr + s->memsz);
        if (end > start) {
            kern_return_t kr = vm_allocate(task, &start, end - start, FALSE);
            if (kr != KERN_SUCCESS)
                return kr;
        }
        if (end > done)
            done = end;
    }
    return KERN_SUCCESS;
}

/*
 * Write the pages holding segment i's file data.  A page it shares with a
 * neighbour gets the neighbour's bytes too: every segment's file data
 * falling in [low, high) is copied, so writing a page twice is harmless.
 */
static kern_return_t write_segment(task_t task, const uint8_t *image,
                                   const struct elf_info *info, unsigned i)
{
    const struct elf_segment *s = &info->seg[i];
    if (s->filesz == 0)
        return KERN_SUCCESS;
    vm_address_t low = TRUNC(s->vaddr), high = ROUND(s->vaddr + s->filesz);
    char *buf;
    kern_return_t kr = scratch(high - low, &buf);
    if (kr != KERN_SUCCESS)
        return kr;
    for (unsigned j = 0; j < info->nsegs; j++) {
        const struct elf_segment *t = &info->seg[j];
        uint64_t from = t->vaddr > low ? t->vaddr : low;
        uint64_t to = t->vaddr + t->filesz < high ? t->vaddr + t->filesz : high;
        if (from < to)
            memcpy(buf + (from - low), image + t->offset + (from - t->vaddr), to - from);
    }
    kr = vm_write(task, low, (vm_offset_t)buf, high - low);
    scratch_free(buf, high - low);
    return kr;
}

/* Map, fill and protect the segments (text RX, rodata R, data RW, from p_flags). */
static kern_return_t load_segments(task_t task, const uint8_t *image,
                                   const struct elf_info *info)
{
    kern_return_t kr = allocate_segments(task, info);
    for (unsigned i = 0; i < info->nsegs && kr == KERN_SUCCESS; i++)
        kr = write_segment(task, image, info, i);
    for (unsigned i = 0; i < info->nsegs && kr == KERN_SUCCESS; i++) {
        const struct elf_segment *s = &info->seg[i];
        vm_address_t start = TRUNC(s->vaddr);
        kr = vm_protect(task, start, ROUND(s->vaddr + s->memsz) - start, FALSE, s->prot);
    }
    return kr;
}

/* ---- ports and the first thread ---- */

/*
 * A name for the host port in the new task: the lowest free one.  Its space
 * is empty but for what the kernel may put there, so this ends at once.
 */
static kern_return_t insert_host_priv(task_t task, mach_port_t host_priv, mach_port_t *name)
{
    kern_return_t kr = KERN_NAME_EXISTS;
    for (unsigned index = 1; index < 64; index++) {
        *name = MACH_PORT_MAKE(index, 0);
        kr = mach_port_insert_right(task, *name, host_priv, MACH_MSG_TYPE_COPY_SEND);
        if (kr != KERN_NAME_EXISTS && kr != KERN_RIGHT_EXISTS)
            break;
    }
    if (kr != KERN_SUCCESS)
        *name = MACH_PORT_NULL;
    return kr;
}

static kern_return_t give_ports(task_t task, mach_port_t bootstrap, mach_port_t host_priv,
                                mach_port_t *priv_name)
{
    kern_return_t kr = KERN_SUCCESS;
    *priv_name = MACH_PORT_NULL;
    if (MACH_PORT_VALID(bootstrap))
        kr = task_set_special_port(task, TASK_BOOTSTRAP_PORT, bootstrap);
    if (kr == KERN_SUCCESS && MACH_PORT_VALID(host_priv))
        kr = insert_host_priv(task, host_priv, priv_name);
    return kr;
}

/* The task's name for `ps`: argv[0]'s last component, cut to fit kernel_name_t. */
static void name_task(task_t task, const struct args *a)
{
    kernel_name_t name;
    const char *base = a->argc > 0 ? a->argv[0] : "?";
    const char *slash = strrchr(base, '/');
    if (slash != NULL && slash[1] != '\0')
        base = slash + 1;
    strlcpy(name, base, sizeof(name));
    task_set_name(task, name);          /* a label only: a failure changes nothing */
}

/* The first thread, its registers set, left suspended; *out gets its port. */
static kern_return_t make_thread(task_t task, uint64_t entry, uintptr_t sp, int argc,
                                 uintptr_t argv_addr, mach_port_t priv_name, thread_t *out)
{
    thread_t thread;
    kern_return_t kr = thread_create(task, &thread);
    if (kr != KERN_SUCCESS)
        return kr;
    struct riscv_thread_state ts;
    memset(&ts, 0, sizeof(ts));
    ts.pc = entry;
    ts.x[RISCV_REG_SP] = sp;
    ts.x[RISCV_REG_A0] = (uint64_t)argc;
    ts.x[RISCV_REG_A1] = argv_addr;
    ts.x[RISCV_REG_A2] = priv_name;
    kr = thread_set_state(thread, RISCV_THREAD_STATE, (thread_state_t)&ts,
                          RISCV_THREAD_STATE_COUNT);
    if (kr != KERN_SUCCESS) {
        mach_port_deallocate(mach_task_self(), thread);
        return kr;
    }
    *out = thread;
    return KERN_SUCCESS;
}

/* Fill the empty task and make its thread; on failure the caller terminates it. */
static kern_return_t build_task(task_t task, const uint8_t *image, const struct elf_info *info,
                                const struct args *a, mach_port_t bootstrap,
                                mach_port_t host_priv, thread_t *thread)
{
    uintptr_t sp = 0, argv_addr = 0;
    mach_port_t priv_name = MACH_PORT_NULL;
    kern_return_t kr = load_segments(task, image, info);
    if (kr == KERN_SUCCESS)
        kr = build_stack(task, a, &sp, &argv_addr);
    if (kr == KERN_SUCCESS)
        kr = give_ports(task, bootstrap, host_priv, &priv_name);
    if (kr == KERN_SUCCESS) {
        name_task(task, a);
        kr = make_thread(task, info->entry, sp, a->argc, argv_addr, priv_name, thread);
    }
    return kr;
}

static void discard_task(task_t task)
{
    task_terminate(task);
    mach_port_deallocate(mach_task_self(), task);
}

kern_return_t rvmach_exec_suspended(const void *elf, size_t size, const char *const argv[],
                                    mach_port_t bootstrap, mach_port_t host_priv,
                                    task_t *out_task, thread_t *out_thread)
{
    /* Decode: everything that can be checked before a task exists. */
    struct elf_info info;
    struct args a;
    if (elf == NULL || out_task == NULL || out_thread == NULL ||
        elf_parse(elf, size, &info, NULL, 0) != KERN_SUCCESS)
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = measure_args(argv, &a);
    if (kr != KERN_SUCCESS)
        return kr;
    /* Perform: a failure from here on terminates the half-built task. */
    task_t task;
    kr = task_create(mach_task_self(), FALSE, &task);
    if (kr != KERN_SUCCESS)
        return kr;
    kr = build_task(task, elf, &info, &a, bootstrap, host_priv, out_thread);
    if (kr != KERN_SUCCESS) {
        discard_task(task);
        return kr;
    }
    *out_task = task;
    return KERN_SUCCESS;
}

kern_return_t rvmach_exec(const void *elf, size_t size, const char *const argv[],
                          mach_port_t bootstrap, mach_port_t host_priv, task_t *out_task)
{
    task_t task;
    thread_t thread;
    kern_return_t kr = rvmach_exec_suspended(elf, size, argv, bootstrap, host_priv, &task,
                                             &thread);
    if (kr != KERN_SUCCESS)
        return kr;
    kr = thread_resume(thread);
    mach_port_deallocate(mach_task_self(), thread);
    if (kr != KERN_SUCCESS) {
        discard_task(task);
        return kr;
    }
    if (out_task != NULL)
        *out_task = task;
    else
        mach_port_deallocate(mach_task_self(), task);
    return KERN_SUCCESS;
}
