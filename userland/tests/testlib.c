// SPDX-License-Identifier: MIT
/* Helpers for the system-test programs (see testlib.h). */
#include <stdarg.h>
#include <string.h>
#include "testlib.h"

static int failures, current_failed, tests_run;
static bool quiet;

void tl_quiet(bool on)
{
    quiet = on;
}

bool tl_check(bool cond, const char *file, int line, const char *expr, const char *fmt, ...)
{
    if (cond)
        return true;
    va_list ap;
    printf("  check failed at %s:%d: %s: ", file, line, expr);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    current_failed = 1;
    return false;
}

void tl_run(const char *name, void (*fn)(void))
{
    current_failed = 0;
    fn();
    if (quiet) {
        if (current_failed)
            printf("  (warm-up of %s failed)\n", name);
        return;
    }
    tests_run++;
    printf("TEST %s %s\n", name, current_failed ? "FAIL" : "PASS");
    failures += current_failed;
}

int tl_finish(void)
{
    printf("SELFTEST SUMMARY pass=%d fail=%d\n", tests_run - failures, failures);
    fflush(stdout);
    if (rvmach_host_priv != MACH_PORT_NULL)
        host_reboot(rvmach_host_priv, 0);
    return failures;
}

/* ---- children ---- */

struct spawn_args {
    void (*fn)(void *);
    void *arg;
};

static struct spawn_args child_args;     /* the child sees its copy of this */

__attribute__((noreturn)) static void child_start(void)
{
    rvmach_child_init();
    child_args.fn(child_args.arg);
    fflush(stdout);
    task_terminate(mach_task_self());
    for (;;)
        swtch();
}

static uintptr_t read_gp(void)
{
    uintptr_t v;
    __asm__("mv %0, gp" : "=r"(v));
    return v;
}

static uintptr_t read_tp(void)
{
    uintptr_t v;
    __asm__("mv %0, tp" : "=r"(v));
    return v;
}

kern_return_t tl_spawn(void (*fn)(void *), void *arg, mach_port_t bootstrap, task_t *out)
{
    child_args = (struct spawn_args){ fn, arg };
    task_t child;
    kern_return_t kr = task_create(mach_task_self(), TRUE, &child);
    if (kr != KERN_SUCCESS)
        return kr;
    if (MACH_PORT_VALID(bootstrap))
        kr = task_set_special_port(child, TASK_BOOTSTRAP_PORT, bootstrap);
    vm_address_t stack = 0;
    const vm_size_t stack_size = 64 * 1024;
    if (kr == KERN_SUCCESS)
        kr = vm_allocate(child, &stack, stack_size, TRUE);
    thread_t thread = MACH_PORT_NULL;
    if (kr == KERN_SUCCESS)
        kr = thread_create(child, &thread);
    if (kr == KERN_SUCCESS) {
        struct riscv_thread_state ts;
        memset(&ts, 0, sizeof(ts));
        ts.pc = (uintptr_t)child_start;
        ts.x[RISCV_REG_SP] = stack + stack_size;
        ts.x[RISCV_REG_GP] = read_gp();
        ts.x[RISCV_REG_TP] = read_tp();     /* the child's copy of our TLS block */
        kr = thread_set_state(thread, RISCV_THREAD_STATE, (thread_state_t)&ts,
                              RISCV_THREAD_STATE_COUNT);
    }
    if (kr == KERN_SUCCESS)
        kr = thread_resume(thread);
    if (MACH_PORT_VALID(thread))
        mach_port_deallocate(mach_task_self(), thread);
    if (kr != KERN_SUCCESS) {
        task_terminate(child);
        mach_port_deallocate(mach_task_self(), child);
        return kr;
    }
    *out = child;
    return KERN_SUCCESS;
}

bool tl_wait_dead(task_t task, unsigned ms)
{
    for (unsigned waited = 0;; waited += 5) {
        mach_port_type_t type;
        if (mach_port_type(mach_task_self(), task, &type) != KERN_SUCCESS)
            return false;
        if (type & MACH_PORT_TYPE_DEAD_NAME)
            return true;
        if (waited >= ms)
            return false;
        rvmach_sleep_ms(5);
    }
}

struct rvmach_kstats tl_stats(void)
{
    struct rvmach_kstats s;
    memset(&s, 0, sizeof(s));
    rvmach_kernel_stats(&s);
    return s;
}

/*
 * The same as far as leaks go: the same tasks, threads, ports, zone
 * elements, and pages (free ones plus those zones hold: how elements are
 * spread over zone pages may differ without anything being lost).
 */
static bool same_usage(const struct rvmach_kstats *a, const struct rvmach_kstats *b)
{
    return a->free_pages + a->zone_pages + a->kernel_pt_pages ==
               b->free_pages + b->zone_pages + b->kernel_pt_pages &&
           a->zone_elements == b->zone_elements && a->tasks == b->tasks &&
           a->threads == b->threads && a->ports == b->ports;
}

struct rvmach_kstats tl_stats_quiet(void)
{
    struct rvmach_kstats prev = tl_stats(), now;
    for (int same = 0, tries = 0; same < 5 && tries < 500; tries++) {
        rvmach_sleep_ms(20);
        rvmach_thread_reap_stacks();
        now = tl_stats();
        same = same_usage(&now, &prev) ? same + 1 : 0;
        prev = now;
    }
    return prev;
}

bool tl_wait_settled(const struct rvmach_kstats *base, unsigned ms)
{
    struct rvmach_kstats now;
    for (unsigned waited = 0;; waited += 10) {
        rvmach_thread_reap_stacks();
        now = tl_stats();
        if (same_usage(&now, base))
            return true;
        if (waited >= ms)
            break;
        rvmach_sleep_ms(10);
    }
    mach_port_name_array_t names;
    mach_port_type_array_t types;
    mach_msg_type_number_t nn, nt;
    if (mach_port_names(mach_task_self(), &names, &nn, &types, &nt) == KERN_SUCCESS) {
        printf("  this task's names:");
        for (mach_msg_type_number_t i = 0; i < nn; i++)
            printf(" %#x:%#x", names[i], types[i]);
        printf("\n");
        vm_deallocate(mach_task_self(), (vm_address_t)names, nn * sizeof(*names));
        vm_deallocate(mach_task_self(), (vm_address_t)types, nt * sizeof(*types));
    }
    printf("  not settled: free pages %lu + zone pages %lu + kernel tables %lu (was %lu + %lu + %lu),"
           " zone elements %lu"
           " (%lu), tasks %lu (%lu), threads %lu (%lu), ports %lu (%lu)\n",
           (unsigned long)now.free_pages, (unsigned long)now.zone_pages,
           (unsigned long)now.kernel_pt_pages, (unsigned long)base->free_pages,
           (unsigned long)base->zone_pages, (unsigned long)base->kernel_pt_pages,
           (unsigned long)now.zone_elements, (unsigned long)base->zone_elements,
           (unsigned long)now.tasks, (unsigned long)base->tasks,
           (unsigned long)now.threads, (unsigned long)base->threads,
           (unsigned long)now.ports, (unsigned long)base->ports);
    return false;
}

mach_port_t tl_bootstrap_port(void)
{
    mach_port_t port = MACH_PORT_NULL;
    task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &port);
    return port;
}
