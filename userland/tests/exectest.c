// SPDX-License-Identifier: MIT
/*
 * System tests of rvmach_exec, run as the first task (init=exectest): bad
 * arguments fail cleanly, and a program started from the boot modules (this
 * one, as `exectest child ...`) finds its arguments, ports and segment
 * protections as the kernel would have given them.  Nothing may leak.
 */
#include <string.h>
#include <rvmach/exec.h>
#include "msgutil.h"
#include "testlib.h"

#define RESULT_ID   4711

/* ---- the child: checks itself and reports a bit mask of failures ---- */

enum {
    BAD_ARGS = 1 << 0,          /* argc or a string differs */
    BAD_ARGV = 1 << 1,          /* the array: not NULL-ended, not aligned, not on the stack */
    BAD_TOP = 1 << 2,           /* the strings are not at the top of the stack */
    BAD_PRIV = 1 << 3,          /* the host port, given or not */
    BAD_MODS = 1 << 4,          /* boot modules given */
    BAD_TEXT = 1 << 5,          /* text not R+X */
    BAD_RODATA = 1 << 6,        /* rodata not R */
    BAD_DATA = 1 << 7,          /* data not R+W */
    BAD_BSS = 1 << 8,           /* bss not zero */
    BAD_NAME = 1 << 9,          /* the task's name */
};

static const char rodata_probe[] = "rodata: read only";
static int data_probe = 42;
static char bss_probe[10000];

static const char *const child_args[] = { "exectest", "child", "priv", "alpha", "beta gamma",
                                          NULL };

static vm_prot_t prot_of(const void *p)
{
    vm_address_t addr = (vm_address_t)p;
    vm_size_t size;
    vm_prot_t prot = 0, max;
    vm_inherit_t inh;
    boolean_t shared;
    vm_offset_t off;
    if (vm_region(mach_task_self(), &addr, &size, &prot, &max, &inh, &shared, &off) !=
        KERN_SUCCESS || addr > (vm_address_t)p)
        return 0;
    return prot;
}

static const char *const nopriv_args[] = { "exectest", "child", "nopriv", NULL };

static unsigned check_args(int argc, char **argv, bool priv)
{
    const char *const *want = priv ? child_args : nopriv_args;
    int n = 0;
    while (want[n] != NULL)
        n++;
    unsigned bad = argc != n ? BAD_ARGS : 0;
    for (int i = 0; i < argc && i < n; i++)
        bad |= strcmp(argv[i], want[i]) != 0 ? BAD_ARGS : 0;
    uintptr_t a = (uintptr_t)argv;
    if (argv[argc] != NULL || a % 16 != 0 ||
        a < RVMACH_EXEC_STACK_TOP - RVMACH_EXEC_STACK_SIZE || a >= RVMACH_EXEC_STACK_TOP)
        bad |= BAD_ARGV;
    if (argc > 0 && (uintptr_t)argv[argc - 1] + strlen(argv[argc - 1]) + 1 != RVMACH_EXEC_STACK_TOP)
        bad |= BAD_TOP;
    return bad;
}

static unsigned check_self(bool priv)
{
    unsigned bad = 0;
    mach_port_type_t t = 0;
    if (priv)
        bad |= mach_port_type(mach_task_self(), rvmach_host_priv, &t) != KERN_SUCCESS ||
               !(t & MACH_PORT_TYPE_SEND) ? BAD_PRIV : 0;
    else
        bad |= rvmach_host_priv != MACH_PORT_NULL ? BAD_PRIV : 0;
    bad |= rvmach_bootmods != NULL || rvmach_bootmods_size != 0 ? BAD_MODS : 0;
    bad |= prot_of((const void *)check_self) != (VM_PROT_READ | VM_PROT_EXECUTE) ? BAD_TEXT : 0;
    bad |= prot_of(rodata_probe) != VM_PROT_READ ? BAD_RODATA : 0;
    bad |= prot_of(&data_probe) != (VM_PROT_READ | VM_PROT_WRITE) || data_probe != 42
               ? BAD_DATA : 0;
    for (size_t i = 0; i < sizeof(bss_probe); i++)
        bad |= bss_probe[i] != 0 ? BAD_BSS : 0;
    kernel_name_t name = "";
    bad |= task_get_name(mach_task_self(), name) != KERN_SUCCESS ||
           strcmp(name, "exectest") != 0 ? BAD_NAME : 0;
    return bad;
}

static int child_main(int argc, char **argv)
{
    bool quick = argc > 2 && strcmp(argv[2], "quick") == 0;
    if (quick)
        return 0;
    bool priv = argc > 2 && strcmp(argv[2], "priv") == 0;
    unsigned bad = check_args(argc, argv, priv) | check_self(priv);
    msg_send_int(tl_bootstrap_port(), bad, RESULT_ID, 0, 0);
    return 0;
}

/* ---- the parent ---- */

static const void *self_image;
static size_t self_size;

/* Start `exectest child ...` and return the bit mask it reports (or ~0u). */
static unsigned run_child(const void *image, const char *const argv[], mach_port_t priv)
{
    mach_port_t back = msg_new_port();
    task_t task = MACH_PORT_NULL;
    struct any_msg m;
    unsigned result = ~0u;
    kern_return_t kr = rvmach_exec(image, self_size, argv, back, priv, &task);
    CHECK(kr == KERN_SUCCESS, "rvmach_exec: %s", mach_error_string(kr));
    if (kr == KERN_SUCCESS) {
        kern_return_t rk = msg_receive(back, &m, 10000);
        CHECK(rk == KERN_SUCCESS, "no report from the child: %s", mach_error_string(rk));
        if (rk == KERN_SUCCESS && m.head.msgh_id == RESULT_ID)
            result = ((struct int_msg *)&m)->value;
        CHECK(tl_wait_dead(task, 5000), "the child did not end");
        mach_port_deallocate(mach_task_self(), task);
    }
    mach_port_destroy(mach_task_self(), back);
    return result;
}

static void test_child_priv(void)
{
    unsigned bad = run_child(self_image, child_args, rvmach_host_priv);
    CHECK(bad == 0, "the child reports %#x", bad);
}

static void test_child_nopriv(void)
{
    unsigned bad = run_child(self_image, nopriv_args, MACH_PORT_NULL);
    CHECK(bad == 0, "the child reports %#x", bad);
}

/* The image at an odd address: the parser reads it byte by byte. */
static void test_unaligned_image(void)
{
    vm_address_t copy = 0;
    if (!CHECK(vm_allocate(mach_task_self(), &copy, self_size + 1, TRUE) == KERN_SUCCESS,
               "no memory"))
        return;
    memcpy((char *)copy + 1, self_image, self_size);
    unsigned bad = run_child((char *)copy + 1, child_args, rvmach_host_priv);
    CHECK(bad == 0, "the child reports %#x", bad);
    vm_deallocate(mach_task_self(), copy, self_size + 1);
}

/* Each of these fails, and leaves no task behind. */
static void test_bad_arguments(void)
{
    static char junk[8192];
    memset(junk, 0x5a, sizeof(junk));
    const char *const argv[] = { "exectest", "child", "quick", NULL };
    task_t task = MACH_PORT_NULL;
    uint64_t tasks = tl_stats().tasks;
    CHECK(rvmach_exec(NULL, 100, argv, 0, 0, &task) == KERN_INVALID_ARGUMENT, "NULL image");
    CHECK(rvmach_exec(self_image, 0, argv, 0, 0, &task) == KERN_INVALID_ARGUMENT, "size 0");
    CHECK(rvmach_exec(junk, sizeof(junk), argv, 0, 0, &task) == KERN_INVALID_ARGUMENT, "junk");
    CHECK(rvmach_exec(self_image, 1000, argv, 0, 0, &task) == KERN_INVALID_ARGUMENT,
          "a truncated image");
    char err[128] = "";
    CHECK(rvmach_elf_check(junk, sizeof(junk), err, sizeof(err)) == KERN_INVALID_ARGUMENT &&
          strncmp(err, "elf: ", 5) == 0, "rvmach_elf_check said '%s'", err);
    /* argv over the limits. */
    static const char *many[RVMACH_EXEC_ARGC_MAX + 2];
    for (unsigned i = 0; i <= RVMACH_EXEC_ARGC_MAX; i++)
        many[i] = "x";
    CHECK(rvmach_exec(self_image, self_size, many, 0, 0, &task) == KERN_INVALID_ARGUMENT,
          "%u arguments", RVMACH_EXEC_ARGC_MAX + 1);
    static char big[RVMACH_EXEC_ARGS_MAX];
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    const char *const bigv[] = { "exectest", big, NULL };
    CHECK(rvmach_exec(self_image, self_size, bigv, 0, 0, &task) == KERN_INVALID_ARGUMENT,
          "a 64 KiB argument");
    /* Ports that are not send rights of ours: the half-built task goes. */
    CHECK(rvmach_exec(self_image, self_size, argv, 0x12345, 0, &task) != KERN_SUCCESS,
          "a bogus bootstrap port");
    CHECK(rvmach_exec(self_image, self_size, argv, 0, 0x12345, &task) != KERN_SUCCESS,
          "a bogus host port");
    CHECK(task == MACH_PORT_NULL, "a failed exec gave a task port %#x", task);
    struct rvmach_kstats now = tl_stats();
    for (int waited = 0; now.tasks != tasks && waited < 2000; waited += 10) {
        rvmach_sleep_ms(10);
        now = tl_stats();
    }
    CHECK(now.tasks == tasks, "%lu tasks, %lu before", (unsigned long)now.tasks,
          (unsigned long)tasks);
}

/* Left suspended, the program does nothing until its thread is resumed. */
static void test_suspended(void)
{
    task_t task;
    thread_t thread;
    CHECK(rvmach_exec_suspended(self_image, self_size, child_args, 0, 0, &task, NULL) ==
          KERN_INVALID_ARGUMENT, "no thread pointer");
    mach_port_t back = msg_new_port();
    kern_return_t kr = rvmach_exec_suspended(self_image, self_size, child_args, back,
                                             rvmach_host_priv, &task, &thread);
    if (!CHECK(kr == KERN_SUCCESS, "rvmach_exec_suspended: %s", mach_error_string(kr))) {
        mach_port_destroy(mach_task_self(), back);
        return;
    }
    struct any_msg m;
    CHECK(msg_receive(back, &m, 100) == MACH_RCV_TIMED_OUT, "the suspended program ran");
    CHECK_KR(thread_resume(thread));
    CHECK_KR(msg_receive(back, &m, 10000));
    CHECK(m.head.msgh_id == RESULT_ID && ((struct int_msg *)&m)->value == 0,
          "the child reports %#x", ((struct int_msg *)&m)->value);
    CHECK(tl_wait_dead(task, 5000), "the child did not end");
    mach_port_deallocate(mach_task_self(), thread);
    mach_port_deallocate(mach_task_self(), task);
    mach_port_destroy(mach_task_self(), back);
}

/* Many programs in a row, each ending at once. */
static void test_many(void)
{
    const char *const argv[] = { "exectest", "child", "quick", NULL };
    task_t tasks[20];
    for (int i = 0; i < 20; i++)
        CHECK_KR(rvmach_exec(self_image, self_size, argv, 0, 0, &tasks[i]));
    for (int i = 0; i < 20; i++) {
        CHECK(tl_wait_dead(tasks[i], 5000), "child %d did not end", i);
        mach_port_deallocate(mach_task_self(), tasks[i]);
    }
}

static struct rvmach_kstats start_stats;

static void test_no_leaks(void)
{
    CHECK(tl_wait_settled(&start_stats, 5000), "the kernel did not get everything back");
}

static void run_all(void)
{
    tl_run("exec.bad_arguments", test_bad_arguments);
    tl_run("exec.child_priv", test_child_priv);
    tl_run("exec.child_nopriv", test_child_nopriv);
    tl_run("exec.unaligned_image", test_unaligned_image);
    tl_run("exec.suspended", test_suspended);
    tl_run("exec.many", test_many);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child_main(argc, argv);
    char err[128];
    if (rvmach_bootmod_find("exectest", &self_image, &self_size, err, sizeof(err)) !=
        KERN_SUCCESS) {
        printf("exectest: %s\n", err);
        return tl_finish() + 1;
    }
    tl_quiet(true);
    run_all();
    tl_quiet(false);
    start_stats = tl_stats_quiet();
    run_all();
    tl_run("exec.no_leaks", test_no_leaks);
    return tl_finish();
}
