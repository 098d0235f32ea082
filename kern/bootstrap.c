// SPDX-License-Identifier: MIT
/*
 * The first user task: find the program in the boot modules, load its ELF
 * segments into a new address space, give it a stack with its arguments,
 * and start it.  Everything after that happens in user space.
 */
#include <kern/bootmod.h>
#include <kern/bootstrap.h>
#include <kern/devtree.h>
#include <kern/elf.h>
#include <kern/ipc_tt.h>
#include <kern/printf.h>
#include <kern/startup.h>
#include <kern/string.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <ipc/ipc_port.h>
#include <machine/vm_param.h>
#include <vm/vm_map.h>
#include <vm/vm_user.h>

#define USER_STACK_TOP      0x0000003fff000000UL
#define USER_STACK_SIZE     (1UL << 20)
#define BOOT_ARCHIVE_ADDR   0x0000003f00000000UL
#define MAX_ARGS            32

/* The archive built into the kernel image (arch/riscv/bootmods.S). */
extern const uint8_t bootmods_start[], bootmods_end[];

const void *bootstrap_archive(size_t *size)
{
    const struct platform *p = kern_platform();
    if (p->chosen.has_initrd && p->chosen.initrd_end > p->chosen.initrd_start) {
        *size = p->chosen.initrd_end - p->chosen.initrd_start;
        return phys_to_virt(p->chosen.initrd_start);
    }
    *size = (size_t)(bootmods_end - bootmods_start);
    return bootmods_start;
}

/* Map [start, end) of the file image's segments with their protections. */
static kern_return_t load_segments(struct vm_map *map, const uint8_t *image,
                                   const struct elf_info *info)
{
    vaddr_t done = 0;                   /* end of the pages already allocated */
    for (unsigned i = 0; i < info->nsegs; i++) {
        const struct elf_segment *s = &info->seg[i];
        vaddr_t start = MAX(ROUND_DOWN(s->vaddr, PAGE_SIZE), done);
        vaddr_t end = ROUND_UP(s->vaddr + s->memsz, PAGE_SIZE);
        kern_return_t kr = KERN_SUCCESS;
        if (end > start)
            kr = vm_allocate(map, &start, end - start, false);
        if (kr == KERN_SUCCESS && s->filesz > 0)
            kr = vm_map_write_bytes(map, s->vaddr, image + s->offset, s->filesz);
        if (kr != KERN_SUCCESS)
            return kr;
        done = MAX(done, end);
    }
    for (unsigned i = 0; i < info->nsegs; i++) {
        const struct elf_segment *s = &info->seg[i];
        vaddr_t start = ROUND_DOWN(s->vaddr, PAGE_SIZE);
        kern_return_t kr = vm_protect(map, start, ROUND_UP(s->vaddr + s->memsz, PAGE_SIZE) - start,
                                      false, s->prot);
        if (kr != KERN_SUCCESS)
            return kr;
    }
    return KERN_SUCCESS;
}

/* The stack with argc/argv at its top; returns the initial sp and argv address. */
static kern_return_t build_stack(struct vm_map *map, int argc, const char *const *argv,
                                 uintptr_t *sp_out, uintptr_t *argv_out)
{
    vaddr_t base = USER_STACK_TOP - USER_STACK_SIZE;
    kern_return_t kr = vm_allocate(map, &base, USER_STACK_SIZE, false);
    uintptr_t sp = USER_STACK_TOP, ptrs[MAX_ARGS + 1];
    for (int i = argc - 1; i >= 0 && kr == KERN_SUCCESS; i--) {
        size_t len = strlen(argv[i]) + 1;
        sp -= len;
        ptrs[i] = sp;
        kr = vm_map_write_bytes(map, sp, argv[i], len);
    }
    ptrs[argc] = 0;
    sp = ROUND_DOWN(sp, 16) - ROUND_UP((argc + 1) * sizeof(uintptr_t), 16);
    if (kr == KERN_SUCCESS)
        kr = vm_map_write_bytes(map, sp, ptrs, (argc + 1) * sizeof(uintptr_t));
    *sp_out = sp;
    *argv_out = sp;
    return kr;
}

/* Give the first task its privileges: the host privileged port and the archive. */
static void first_task_extras(struct task *task, struct trapframe *tf)
{
    size_t size;
    const void *archive = bootstrap_archive(&size);
    vaddr_t addr = BOOT_ARCHIVE_ADDR;
    tf->a2 = ipc_port_copyout_send(ipc_host_priv_port(), task->space);
    if (size > 0 && vm_allocate(task->map, &addr, ROUND_UP(size, PAGE_SIZE), false) == KERN_SUCCESS &&
        vm_map_write_bytes(task->map, addr, archive, size) == KERN_SUCCESS &&
        vm_protect(task->map, addr, ROUND_UP(size, PAGE_SIZE), true, VM_PROT_READ) == KERN_SUCCESS) {
        tf->a3 = addr;
        tf->a4 = size;
    }
}

static kern_return_t start_program(const char *name, const uint8_t *image, size_t size,
                                   int argc, const char *const *argv, bool first,
                                   struct task **out)
{
    struct elf_info info;
    char err[96];
    if (elf_parse(image, size, &info, err, sizeof(err)) != KERN_SUCCESS) {
        kprintf("bootstrap: %s: %s\n", name, err);
        return KERN_INVALID_ARGUMENT;
    }
    struct task *task;
    kern_return_t kr = task_create(NULL, false, &task);
    if (kr != KERN_SUCCESS)
        return kr;
    task_set_name(task, name);
    uintptr_t sp = 0, argv_addr = 0;
    struct thread *t = NULL;
    kr = load_segments(task->map, image, &info);
    if (kr == KERN_SUCCESS)
        kr = build_stack(task->map, argc, argv, &sp, &argv_addr);
    if (kr == KERN_SUCCESS)
        kr = thread_create(task, &t);
    if (kr == KERN_SUCCESS) {
        struct trapframe *tf = t->pcb.utf;
        tf->sepc = info.entry;
        tf->sp = sp;
        tf->a0 = (uint64_t)argc;
        tf->a1 = argv_addr;
        if (first)
            first_task_extras(task, tf);
        thread_resume(t);
        thread_deallocate(t);
    } else {
        task_terminate(task);
    }
    if (kr == KERN_SUCCESS && out != NULL)
        *out = task;
    else
        task_deallocate(task);
    return kr;
}

kern_return_t bootstrap_load(const char *name, int argc, const char *const *argv,
                             bool first, struct task **out)
{
    size_t size;
    const void *archive = bootstrap_archive(&size);
    struct bootmod_archive ar;
    struct bootmod_entry e;
    char err[96];
    if (bootmod_open(&ar, archive, size, err, sizeof(err)) != KERN_SUCCESS) {
        kprintf("bootstrap: the boot modules are unreadable: %s\n", err);
        return KERN_INVALID_ARGUMENT;
    }
    if (!bootmod_find(&ar, name, &e) || !bootmod_is_file(&e)) {
        kprintf("bootstrap: no boot module named '%s'\n", name);
        return KERN_INVALID_NAME;
    }
    return start_program(name, e.data, e.size, argc, argv, first, out);
}

/* Split the boot arguments into words; `init=NAME` picks the program. */
/* Does the word at `p` (up to a space or the end) equal `word`? */
static bool word_at(const char *p, const char *word)
{
    size_t n = strlen(word);
    return strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0');
}

bool bootarg_present(const char *bootargs, const char *word)
{
    for (const char *p = bootargs; p != NULL && *p != '\0';) {
        while (*p == ' ')
            p++;
        if (*p != '\0' && word_at(p, word))
            return true;
        p = strchr(p, ' ');
    }
    return false;
}

void bootstrap_start(const char *bootargs)
{
    static char buf[DT_BOOTARGS_MAX];
    const char *argv[MAX_ARGS + 1];
    int argc = 1;
    argv[0] = "bootstrap";
    strlcpy(buf, bootargs, sizeof(buf));
    for (char *p = buf; *p != '\0' && argc < MAX_ARGS;) {
        while (*p == ' ')
            *p++ = '\0';
        if (*p == '\0')
            break;
        if (strncmp(p, "init=", 5) == 0)
            argv[0] = p + 5;
        else if (!word_at(p, BOOTARG_NO_HANDOFF))
            argv[argc++] = p;
        while (*p != '\0' && *p != ' ')
            p++;
    }
    argv[argc] = NULL;
    if (bootstrap_load(argv[0], argc, argv, true, NULL) != KERN_SUCCESS)
        kprintf("bootstrap: could not start '%s'\n", argv[0]);
}
