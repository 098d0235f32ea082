// SPDX-License-Identifier: MIT
/*
 * The shell's commands on the system: what runs (ps), what a task holds
 * (ports, vm), memory (mem), time (uptime), ending tasks (kill) and the
 * machine (poweroff).  They are RPCs to the kernel through MIG stubs:
 * Mach's task_info, thread_info, mach_port_names, vm_region ..., and
 * rvmach's own host_tasks, host_zone_info, mach_port_info, vm_region_info
 * (include/mach/rvmach_host.defs).  Listing every task needs the host
 * privileged port, which the boot script gives the shell (`priv sh`).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rvmach/console.h>
#include <rvmach/file.h>
#include "sh.h"

static int usage(const char *cmd)
{
    const struct sh_cmd *c = sh_find_cmd(cmd);
    return sh_error(cmd, "usage: %s %s", cmd, c != NULL ? c->args : "");
}

/* ---- finding tasks ---- */

/* Every task's port (send rights), from host_tasks.  NULL after an error line. */
static task_t *all_tasks(const char *cmd, mach_msg_type_number_t *n)
{
    if (!MACH_PORT_VALID(rvmach_host_priv)) {
        sh_error(cmd, "the shell has no host privileged port (start it with `priv sh` "
                      "in boot.conf)");
        return NULL;
    }
    task_array_t tasks = NULL;
    kern_return_t kr = host_tasks(rvmach_host_priv, &tasks, n);
    if (kr != KERN_SUCCESS) {
        sh_error(cmd, "host_tasks: %s", mach_error_string(kr));
        return NULL;
    }
    return tasks;
}

static void free_tasks(task_t *tasks, mach_msg_type_number_t n, task_t keep)
{
    for (mach_msg_type_number_t i = 0; i < n; i++)
        if (tasks[i] != keep)
            mach_port_deallocate(mach_task_self(), tasks[i]);
    if (n > 0)
        vm_deallocate(mach_task_self(), (vm_address_t)tasks, n * sizeof(*tasks));
}

static bool task_basic(task_t task, struct task_basic_info *info)
{
    mach_msg_type_number_t count = TASK_BASIC_INFO_COUNT;
    return task_info(task, TASK_BASIC_INFO, (task_info_t)info, &count) == KERN_SUCCESS;
}

static bool parse_number(const char *s, unsigned long *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    *out = strtoul(s, &end, 10);
    return *end == '\0' && errno == 0;
}

mach_port_t sh_find_task(const char *cmd, const char *spec)
{
    mach_msg_type_number_t n = 0;
    task_t *tasks = all_tasks(cmd, &n);
    if (tasks == NULL)
        return MACH_PORT_NULL;
    unsigned long id;
    bool by_id = parse_number(spec, &id);
    task_t found = MACH_PORT_NULL;
    unsigned matches = 0;
    for (mach_msg_type_number_t i = 0; i < n; i++) {
        bool match;
        if (by_id) {
            struct task_basic_info info;
            match = task_basic(tasks[i], &info) && (unsigned long)info.id == id;
        } else {
            kernel_name_t name;
            match = task_get_name(tasks[i], name) == KERN_SUCCESS && strcmp(name, spec) == 0;
        }
        if (match) {
            matches++;
            found = tasks[i];
        }
    }
    if (matches > 1) {
        sh_error(cmd, "%u tasks are called %s: give its id (see ps)", matches, spec);
        found = MACH_PORT_NULL;
    } else if (matches == 0) {
        sh_error(cmd, "no task %s (see ps)", spec);
    }
    free_tasks(tasks, n, found);
    return found;
}

/* ---- ps ---- */

static const char *thread_state(int state)
{
    switch (state) {
    case TH_STATE_RUNNING: return "running";
    case TH_STATE_STOPPED: return "suspended";
    case TH_STATE_WAITING: return "waiting";
    case TH_STATE_UNINTERRUPTIBLE: return "blocked";
    case TH_STATE_HALTED: return "halted";
    default: return "?";
    }
}

struct ps_row {
    task_t port;
    struct task_basic_info info;
    kernel_name_t name;
};

static int by_id(const void *a, const void *b)
{
    const struct ps_row *x = a, *y = b;
    return (x->info.id > y->info.id) - (x->info.id < y->info.id);
}

/* The threads of one task: one line each. */
static void ps_threads(struct sh *sh, task_t task)
{
    thread_array_t threads = NULL;
    mach_msg_type_number_t n = 0;
    if (task_threads(task, &threads, &n) != KERN_SUCCESS)
        return;                         /* it ended meanwhile */
    for (mach_msg_type_number_t i = 0; i < n; i++) {
        struct thread_basic_info ti;
        mach_msg_type_number_t count = THREAD_BASIC_INFO_COUNT;
        if (thread_info(threads[i], THREAD_BASIC_INFO, (thread_info_t)&ti, &count) == KERN_SUCCESS)
            sh_printf(sh, "      thread %-5d %-9s pri %2d/%-2d %6s %8llu %8llu\n", ti.tid,
                      thread_state(ti.run_state), ti.cur_priority, ti.base_priority, "",
                      (unsigned long long)(ti.user_time_us / 1000),
                      (unsigned long long)(ti.system_time_us / 1000));
        mach_port_deallocate(mach_task_self(), threads[i]);
    }
    if (n > 0)
        vm_deallocate(mach_task_self(), (vm_address_t)threads, n * sizeof(*threads));
}

static int cmd_ps(struct sh *sh, int argc, char **argv)
{
    bool threads = true;
    if (argc == 2 && strcmp(argv[1], "-q") == 0)
        threads = false;
    else if (argc != 1)
        return usage("ps");
    mach_msg_type_number_t n = 0;
    task_t *tasks = all_tasks("ps", &n);
    if (tasks == NULL)
        return 1;
    struct ps_row *rows = calloc(n ? n : 1, sizeof(*rows));
    if (rows == NULL) {
        free_tasks(tasks, n, MACH_PORT_NULL);
        return sh_error("ps", "out of memory");
    }
    unsigned live = 0;
    for (mach_msg_type_number_t i = 0; i < n; i++) {
        struct ps_row *r = &rows[live];
        if (!task_basic(tasks[i], &r->info))
            continue;                   /* it ended since host_tasks */
        if (task_get_name(tasks[i], r->name) != KERN_SUCCESS)
            strcpy(r->name, "?");
        r->port = tasks[i];
        live++;
    }
    qsort(rows, live, sizeof(*rows), by_id);
    sh_printf(sh, "%4s %-16s %3s %9s %9s %8s %8s\n", "TASK", "NAME", "THR", "VIRT-KiB",
              "RES-KiB", "USER-ms", "SYS-ms");
    for (unsigned i = 0; i < live; i++) {
        struct ps_row *r = &rows[i];
        sh_printf(sh, "%4d %-16s %3d %9llu %9llu %8llu %8llu%s\n", r->info.id, r->name,
                  r->info.thread_count, (unsigned long long)(r->info.virtual_size >> 10),
                  (unsigned long long)(r->info.resident_size >> 10),
                  (unsigned long long)(r->info.user_time_us / 1000),
                  (unsigned long long)(r->info.system_time_us / 1000),
                  r->info.suspend_count > 0 ? " (suspended)" : "");
        if (threads)
            ps_threads(sh, r->port);
    }
    free(rows);
    free_tasks(tasks, n, MACH_PORT_NULL);
    return 0;
}

/* ---- ports ---- */

static const char *kobject_kind(uint64_t kotype)
{
    switch (kotype) {
    case RVMACH_KOBJ_TASK: return "task";
    case RVMACH_KOBJ_THREAD: return "thread";
    case RVMACH_KOBJ_HOST: return "host";
    case RVMACH_KOBJ_HOST_PRIV: return "host-priv";
    case RVMACH_KOBJ_DEVICE: return "device";
    case RVMACH_KOBJ_PAGER: return "pager";
    default: return NULL;
    }
}

/* "send(3)", "receive", ... for the rights in `type`. */
static void rights_string(task_t task, mach_port_name_t name, mach_port_type_t type,
                          char *out, size_t size)
{
    static const struct { mach_port_type_t bit; mach_port_right_t right; const char *word; } kinds[] = {
        { MACH_PORT_TYPE_RECEIVE, MACH_PORT_RIGHT_RECEIVE, "receive" },
        { MACH_PORT_TYPE_SEND, MACH_PORT_RIGHT_SEND, "send" },
        { MACH_PORT_TYPE_SEND_ONCE, MACH_PORT_RIGHT_SEND_ONCE, "send-once" },
        { MACH_PORT_TYPE_PORT_SET, MACH_PORT_RIGHT_PORT_SET, "port-set" },
        { MACH_PORT_TYPE_DEAD_NAME, MACH_PORT_RIGHT_DEAD_NAME, "dead-name" },
    };
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        if (!(type & kinds[k].bit))
            continue;
        mach_port_urefs_t refs = 0;
        bool counted = kinds[k].bit == MACH_PORT_TYPE_SEND || kinds[k].bit == MACH_PORT_TYPE_DEAD_NAME;
        if (counted && mach_port_get_refs(task, name, kinds[k].right, &refs) == KERN_SUCCESS)
            len += (size_t)snprintf(out + len, size - len, "%s%s(%u)", len ? "+" : "",
                                    kinds[k].word, refs);
        else
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "+" : "", kinds[k].word);
        if (len >= size)
            break;
    }
}

static int cmd_ports(struct sh *sh, int argc, char **argv)
{
    if (argc != 2)
        return usage("ports");
    task_t task = sh_find_task("ports", argv[1]);
    if (!MACH_PORT_VALID(task))
        return 1;
    mach_port_name_array_t names = NULL;
    mach_port_type_array_t types = NULL;
    mach_msg_type_number_t nnames = 0, ntypes = 0;
    kern_return_t kr = mach_port_names(task, &names, &nnames, &types, &ntypes);
    if (kr != KERN_SUCCESS) {
        mach_port_deallocate(mach_task_self(), task);
        return sh_error("ports", "mach_port_names: %s", mach_error_string(kr));
    }
    sh_printf(sh, "%-10s %-22s %6s  %s\n", "NAME", "RIGHTS", "PORT", "WHAT");
    for (mach_msg_type_number_t i = 0; i < nnames && i < ntypes; i++) {
        char rights[64], what[96] = "";
        rights_string(task, names[i], types[i], rights, sizeof(rights));
        struct rvmach_port_info pi;
        mach_msg_type_number_t count = sizeof(pi) / sizeof(uint64_t);
        char port[16] = "-";
        if (!(types[i] & MACH_PORT_TYPE_PORT_SET) &&
            mach_port_info(task, names[i], (uint64_t *)&pi, &count) == KERN_SUCCESS && pi.id != 0) {
            snprintf(port, sizeof(port), "%llu", (unsigned long long)pi.id);
            const char *kind = kobject_kind(pi.kotype);
            if (!pi.active)
                snprintf(what, sizeof(what), "dead");
            else if (kind != NULL && (pi.kotype == RVMACH_KOBJ_TASK || pi.kotype == RVMACH_KOBJ_THREAD))
                snprintf(what, sizeof(what), "%s %llu", kind, (unsigned long long)pi.kobject_id);
            else if (kind != NULL)
                snprintf(what, sizeof(what), "%s", kind);
            else if (types[i] & MACH_PORT_TYPE_RECEIVE)
                snprintf(what, sizeof(what), "%llu queued (limit %llu), %llu send rights",
                         (unsigned long long)pi.msgcount, (unsigned long long)pi.qlimit,
                         (unsigned long long)pi.srights);
            else if (pi.receiver == RVMACH_NO_RECEIVER)
                snprintf(what, sizeof(what), "received by nobody (in a message)");
            else
                snprintf(what, sizeof(what), "received by task %llu",
                         (unsigned long long)pi.receiver);
        }
        sh_printf(sh, "%#-10x %-22s %6s  %s\n", names[i], rights, port, what);
    }
    sh_printf(sh, "%u names\n", nnames);
    if (nnames > 0)
        vm_deallocate(mach_task_self(), (vm_address_t)names, nnames * sizeof(*names));
    if (ntypes > 0)
        vm_deallocate(mach_task_self(), (vm_address_t)types, ntypes * sizeof(*types));
    mach_port_deallocate(mach_task_self(), task);
    return 0;
}

/* ---- vm ---- */

static void prot_string(uint64_t prot, char out[4])
{
    out[0] = (prot & VM_PROT_READ) ? 'r' : '-';
    out[1] = (prot & VM_PROT_WRITE) ? 'w' : '-';
    out[2] = (prot & VM_PROT_EXECUTE) ? 'x' : '-';
    out[3] = '\0';
}

static const char *inherit_string(uint64_t inh)
{
    switch (inh) {
    case VM_INHERIT_SHARE: return "share";
    case VM_INHERIT_COPY: return "copy";
    case VM_INHERIT_NONE: return "none";
    default: return "?";
    }
}

static int cmd_vm(struct sh *sh, int argc, char **argv)
{
    if (argc != 2)
        return usage("vm");
    task_t task = sh_find_task("vm", argv[1]);
    if (!MACH_PORT_VALID(task))
        return 1;
    sh_printf(sh, "%-12s %-12s %7s %-7s %-5s %6s %6s %5s %5s %6s %s\n", "START", "END", "KiB",
              "PROT", "INH", "OBJECT", "OFFSET", "REFS", "PAGES", "SHADOW", "FLAGS");
    vm_address_t addr = 0;
    unsigned entries = 0;
    uint64_t total = 0;
    for (;;) {
        struct rvmach_region_info ri;
        mach_msg_type_number_t count = sizeof(ri) / sizeof(uint64_t);
        kern_return_t kr = vm_region_info(task, &addr, (uint64_t *)&ri, &count);
        if (kr == KERN_NO_SPACE)
            break;
        if (kr != KERN_SUCCESS) {
            mach_port_deallocate(mach_task_self(), task);
            return sh_error("vm", "vm_region_info: %s", mach_error_string(kr));
        }
        char prot[4], maxprot[4], object[16] = "-", shadow[24] = "-";
        prot_string(ri.protection, prot);
        prot_string(ri.max_protection, maxprot);
        if (ri.object_kind != RVMACH_OBJECT_NONE)
            snprintf(object, sizeof(object), "%llu", (unsigned long long)ri.object_id);
        if (ri.shadow_depth > 0)
            snprintf(shadow, sizeof(shadow), "%llu(%llu)", (unsigned long long)ri.shadow_depth,
                     (unsigned long long)ri.shadow_resident);
        sh_printf(sh, "%#-12llx %#-12llx %7llu %s/%s %-5s %6s %6llx %5llu %5llu %6s %s%s%s\n",
                  (unsigned long long)ri.start, (unsigned long long)ri.end,
                  (unsigned long long)((ri.end - ri.start) >> 10), prot, maxprot,
                  inherit_string(ri.inheritance), object, (unsigned long long)ri.offset,
                  (unsigned long long)ri.object_refs, (unsigned long long)ri.object_resident,
                  shadow, ri.object_kind == RVMACH_OBJECT_NONE ? "untouched " : "",
                  (ri.flags & RVMACH_REGION_NEEDS_COPY) ? "cow " : "",
                  (ri.flags & RVMACH_REGION_SHARED) ? "shared" : "");
        entries++;
        total += ri.end - ri.start;
        if (ri.end <= addr)
            break;                      /* cannot happen; never loop forever */
        addr = ri.end;
    }
    sh_printf(sh, "%u entries, %llu KiB mapped\n", entries, (unsigned long long)(total >> 10));
    mach_port_deallocate(mach_task_self(), task);
    return 0;
}

/* ---- kill ---- */

static int cmd_kill(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    if (argc < 2)
        return usage("kill");
    int status = 0;
    for (int i = 1; i < argc; i++) {
        task_t task = sh_find_task("kill", argv[i]);
        if (!MACH_PORT_VALID(task)) {
            status = 1;
            continue;
        }
        kern_return_t kr = task_terminate(task);
        if (kr != KERN_SUCCESS)
            status = sh_error("kill", "%s: %s", argv[i], mach_error_string(kr));
        mach_port_deallocate(mach_task_self(), task);
    }
    return status;
}

/* ---- mem, uptime ---- */

static int cmd_mem(struct sh *sh, int argc, char **argv)
{
    bool zones = true;
    if (argc == 2 && strcmp(argv[1], "-q") == 0)
        zones = false;
    else if (argc != 1)
        return usage("mem");
    struct rvmach_kstats ks;
    mach_msg_type_number_t count = sizeof(ks) / sizeof(uint64_t);
    kern_return_t kr = host_kernel_stats(mach_host_self(), (uint64_t *)&ks, &count);
    if (kr != KERN_SUCCESS)
        return sh_error("mem", "host_kernel_stats: %s", mach_error_string(kr));
    uint64_t used = ks.total_pages - ks.free_pages;
    sh_printf(sh, "pages: %llu total, %llu used, %llu free (%llu KiB free), 4 KiB each\n",
              (unsigned long long)ks.total_pages, (unsigned long long)used,
              (unsigned long long)ks.free_pages, (unsigned long long)(ks.free_pages * 4));
    sh_printf(sh, "resident user pages %llu, vm objects %llu, ports %llu, port sets %llu\n",
              (unsigned long long)ks.resident_pages, (unsigned long long)ks.vm_objects,
              (unsigned long long)ks.ports, (unsigned long long)ks.port_sets);
    sh_printf(sh, "tasks %llu, threads %llu, kernel stacks %llu, kernel page-table pages %llu\n",
              (unsigned long long)ks.tasks, (unsigned long long)ks.threads,
              (unsigned long long)ks.kstacks, (unsigned long long)ks.kernel_pt_pages);
    if (!zones)
        return 0;
    sh_printf(sh, "%-20s %6s %8s %8s %6s %10s %s\n", "ZONE", "SIZE", "IN-USE", "PEAK", "PAGES",
              "ALLOCS", "FAILED");
    for (uint32_t i = 0;; i++) {
        kernel_name_t name;
        struct rvmach_zone_info zi;
        count = sizeof(zi) / sizeof(uint64_t);
        kr = host_zone_info(mach_host_self(), i, name, (uint64_t *)&zi, &count);
        if (kr == KERN_INVALID_ARGUMENT)
            break;
        if (kr != KERN_SUCCESS)
            return sh_error("mem", "host_zone_info: %s", mach_error_string(kr));
        sh_printf(sh, "%-20s %6llu %8llu %8llu %6llu %10llu %llu\n", name,
                  (unsigned long long)zi.elem_size, (unsigned long long)zi.in_use,
                  (unsigned long long)zi.peak, (unsigned long long)zi.pages,
                  (unsigned long long)zi.allocs, (unsigned long long)zi.failures);
    }
    return 0;
}

static int cmd_uptime(struct sh *sh, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage("uptime");
    struct rvmach_kstats ks;
    mach_msg_type_number_t count = sizeof(ks) / sizeof(uint64_t);
    kern_return_t kr = host_kernel_stats(mach_host_self(), (uint64_t *)&ks, &count);
    if (kr != KERN_SUCCESS)
        return sh_error("uptime", "host_kernel_stats: %s", mach_error_string(kr));
    uint64_t ms = ks.uptime_ns / 1000000, s = ms / 1000;
    sh_printf(sh, "up %llu:%02llu:%02llu.%03llu, %llu harts, %llu tasks, %llu threads\n",
              (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
              (unsigned long long)(s % 60), (unsigned long long)(ms % 1000),
              (unsigned long long)ks.ncpus, (unsigned long long)ks.tasks,
              (unsigned long long)ks.threads);
    return 0;
}

/* ---- poweroff ---- */

static int cmd_poweroff(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    (void)argv;
    if (argc != 1)
        return usage("poweroff");
    if (!MACH_PORT_VALID(rvmach_host_priv))
        return sh_error("poweroff", "the shell has no host privileged port (start it with "
                                    "`priv sh` in boot.conf)");
    /* The file system first: written back and marked clean. */
    if (MACH_PORT_VALID(rvmach_file_server())) {
        if (rvmach_fs_shutdown() < 0)
            sh_error("poweroff", "unmounting the file system: %s (powering off anyway)",
                     strerror(errno));
        else
            printf("file system unmounted\n");
    }
    printf("powering off\n");
    fflush(stdout);
    sh_console_cooked();
    rvmach_console_drain();             /* every byte out of the UART before the end */
    kern_return_t kr = host_reboot(rvmach_host_priv, 0);
    return sh_error("poweroff", "host_reboot: %s", mach_error_string(kr));
}

/* ---- help ---- */

static void help_table(struct sh *sh, const struct sh_cmd *table)
{
    for (const struct sh_cmd *c = table; c->name != NULL; c++) {
        char head[48];
        snprintf(head, sizeof(head), "%s %s", c->name, c->args);
        sh_printf(sh, "  %-28s %s\n", head, c->what);
    }
}

static int cmd_help(struct sh *sh, int argc, char **argv)
{
    if (argc == 2) {
        const struct sh_cmd *c = sh_find_cmd(argv[1]);
        if (c == NULL)
            return sh_error("help", "%s: no such command", argv[1]);
        sh_printf(sh, "%s %s\n  %s\n", c->name, c->args, c->what);
        return 0;
    }
    if (argc != 1)
        return usage("help");
    sh_printf(sh, "Files:\n");
    help_table(sh, sh_file_cmds);
    sh_printf(sh, "System:\n");
    help_table(sh, sh_sys_cmds);
    sh_printf(sh, "Programs: PATH [ARGS...] runs a program from the disk; a bare NAME runs /bin/NAME.\n"
                  "  Ctrl-C ends it.  TASK is a task id or name as ps shows it.\n"
                  "Editing: arrows move and recall history, ^A ^E ^U ^K ^W ^L, ^C drops the line.\n"
                  "Quoting: 'as is', \"with \\\" and \\\\\", \\x; # starts a comment.\n");
    return 0;
}

const struct sh_cmd sh_sys_cmds[] = {
    { "help", cmd_help, "[COMMAND]", "this list, or one command's" },
    { "ps", cmd_ps, "[-q]", "tasks and their threads: states, memory, CPU time (-q: no threads)" },
    { "ports", cmd_ports, "TASK", "a task's port names: rights, references, what each is" },
    { "vm", cmd_vm, "TASK", "a task's address space: map entries and the object behind each" },
    { "kill", cmd_kill, "TASK...", "terminate tasks" },
    { "mem", cmd_mem, "[-q]", "free and used pages, kernel zones (-q: no zones)" },
    { "uptime", cmd_uptime, "", "time since boot, harts, tasks" },
    { "poweroff", cmd_poweroff, "", "unmount the file system and turn the machine off" },
    { NULL, NULL, NULL, NULL },
};
