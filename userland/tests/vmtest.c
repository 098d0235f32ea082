// SPDX-License-Identifier: MIT
/*
 * System tests of tasks, threads, the scheduler and virtual memory, run as
 * the first user task (boot with init=vmtest).  Each prints TEST <name>
 * PASS|FAIL; the kernel must stay up throughout and every page, task,
 * thread and port must come back at the end.
 */
#include <string.h>
#include "testlib.h"

#define PAGE 4096UL

/* ---- 64 tasks x 4 threads computing and checking results ---- */

#define NTASKS 64
#define NTHREADS 4
#define WORK 20000

struct results {
    volatile uint64_t sum[NTASKS][NTHREADS];
    volatile uint32_t done[NTASKS];
};

static struct results *results;         /* shared with every child (VM_INHERIT_SHARE) */

static uint64_t work(unsigned task, unsigned thread)
{
    uint64_t acc = 0;
    for (uint64_t i = 1; i <= WORK; i++)
        acc += (i * (task + 1) + thread) % 1009;
    return acc;
}

struct worker_arg {
    unsigned task, thread;
};

static void worker(void *p)
{
    struct worker_arg *a = p;
    results->sum[a->task][a->thread] = work(a->task, a->thread);
    __atomic_fetch_add(&results->done[a->task], 1, __ATOMIC_RELEASE);
}

static void child_main(void *p)
{
    unsigned task = (unsigned)(uintptr_t)p;
    static struct worker_arg args[NTHREADS];
    thread_t threads[NTHREADS];
    for (unsigned t = 0; t < NTHREADS; t++) {
        args[t] = (struct worker_arg){ task, t };
        if (rvmach_thread_spawn(worker, &args[t], 16 * 1024, &threads[t]) != KERN_SUCCESS)
            return;
    }
    while (__atomic_load_n(&results->done[task], __ATOMIC_ACQUIRE) < NTHREADS)
        rvmach_sleep_ms(2);
}

static void test_many_tasks(void)
{
    struct rvmach_kstats base = tl_stats_quiet();   /* not while earlier tests' tasks still die */
    vm_address_t addr = 0;
    CHECK_KR(vm_allocate(mach_task_self(), &addr, sizeof(struct results), TRUE));
    CHECK_KR(vm_inherit(mach_task_self(), addr, (sizeof(struct results) + PAGE - 1) & ~(PAGE - 1),
                        VM_INHERIT_SHARE));
    results = (struct results *)addr;
    task_t tasks[NTASKS];
    unsigned started = 0;
    for (unsigned i = 0; i < NTASKS; i++) {
        kern_return_t kr = tl_spawn(child_main, (void *)(uintptr_t)i, MACH_PORT_NULL, &tasks[i]);
        if (!CHECK(kr == KERN_SUCCESS, "spawn %u: %s", i, mach_error_string(kr)))
            break;
        started++;
    }
    for (unsigned i = 0; i < started; i++) {
        CHECK(tl_wait_dead(tasks[i], 20000), "task %u did not finish", i);
        CHECK(results->done[i] == NTHREADS, "task %u: %u threads done", i, results->done[i]);
        for (unsigned t = 0; t < NTHREADS; t++)
            CHECK(results->sum[i][t] == work(i, t), "task %u thread %u: wrong result", i, t);
        mach_port_deallocate(mach_task_self(), tasks[i]);
    }
    vm_deallocate(mach_task_self(), addr, (sizeof(struct results) + PAGE - 1) & ~(PAGE - 1));
    CHECK(tl_wait_settled(&base, 5000), "resources not returned");
}

/* ---- preemption: a thread that never yields does not starve others ---- */

static volatile uint64_t spins;
static volatile int stop_spinning;

static void spinner(void *p)
{
    (void)p;
    while (!stop_spinning)
        spins++;
}

static void test_preempt(void)
{
    spins = 0;
    stop_spinning = 0;
    CHECK_KR(rvmach_thread_spawn(spinner, NULL, 16 * 1024, NULL));
    uint64_t t0 = rvmach_uptime_ns();
    uint64_t seen = 0;
    /* On one hart, this loop only runs if the spinner is preempted. */
    for (int i = 0; i < 20; i++) {
        rvmach_sleep_ms(10);
        seen = spins;
    }
    uint64_t elapsed = rvmach_uptime_ns() - t0;
    stop_spinning = 1;
    CHECK(seen > 0, "the spinner never ran");
    CHECK(elapsed < 2000000000ULL, "20 sleeps of 10 ms took %lu ms", (unsigned long)(elapsed / 1000000));
    rvmach_sleep_ms(20);                /* let the spinner end */
}

/* ---- floating-point registers survive switches between threads and tasks ---- */

#define FP_WORKERS_LOCAL 4      /* threads in this task */
#define FP_WORKERS_CHILD 2      /* tasks, one worker each */
#define FP_ROUNDS 150

struct fp_results {
    volatile uint32_t done[FP_WORKERS_LOCAL + FP_WORKERS_CHILD];
    volatile uint32_t bad[FP_WORKERS_LOCAL + FP_WORKERS_CHILD];
};
static struct fp_results *fp_results;   /* shared with the child tasks */

/*
 * Load all 32 FP registers and fcsr with values of our own, give the hart
 * away (swtch) a few times, and read them back, all in one asm block so the
 * compiler cannot touch them in between.  Returns how many differ.
 */
static unsigned fp_round(uint64_t seed)
{
    uint64_t in[33], out[33];
    for (unsigned i = 0; i < 32; i++)
        in[i] = seed * 0x9E3779B97F4A7C15ULL + i * 0x1000193ULL;
    in[32] = (seed % 5) << 5 | (seed & 0x1f);   /* frm (0-4) and fflags */
    uint64_t fcsr;
    __asm__ volatile(".option push\n.option arch, +d\n csrr %0, fcsr\n.option pop" : "=r"(fcsr));
    __asm__ volatile(
        ".option push\n.option arch, +d\n"
        "ld t0, 256(%0)\n csrw fcsr, t0\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "fld f\\n, (8 * \\n)(%0)\n"
        ".endr\n"
        "li t1, 3\n"
        "1: li a7, %2\n ecall\n addi t1, t1, -1\n bnez t1, 1b\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "fsd f\\n, (8 * \\n)(%1)\n"
        ".endr\n"
        "csrr t0, fcsr\n sd t0, 256(%1)\n"
        ".option pop\n"
        :: "r"(in), "r"(out), "i"(MACH_TRAP_swtch)
        : "t0", "t1", "a0", "a7", "memory",
          "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11",
          "f12", "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22",
          "f23", "f24", "f25", "f26", "f27", "f28", "f29", "f30", "f31");
    /* Our rounding mode must not leak into the arithmetic that follows. */
    __asm__ volatile(".option push\n.option arch, +d\n csrw fcsr, %0\n.option pop" :: "r"(fcsr));
    unsigned bad = 0;
    for (unsigned i = 0; i < 33; i++)
        bad += in[i] != out[i];
    return bad;
}

/* Arithmetic in double precision: the same sum whoever runs beside us. */
static double fp_series(unsigned n, double x)
{
    double acc = 0.0;
    for (unsigned i = 1; i <= n; i++)
        acc += x / (i * (i + x));
    return acc;
}

static void fp_worker(void *p)
{
    unsigned id = (unsigned)(uintptr_t)p;
    unsigned bad = 0;
    double expect = fp_series(500, id + 0.5);
    for (unsigned r = 0; r < FP_ROUNDS; r++) {
        bad += fp_round(id * 1000 + r + 1);
        if (fp_series(500, id + 0.5) != expect)
            bad++;
    }
    fp_results->bad[id] = bad;
    __atomic_store_n(&fp_results->done[id], 1, __ATOMIC_RELEASE);
}

static void fp_child(void *p)
{
    fp_worker(p);
}

static void test_fp_registers(void)
{
    const unsigned total = FP_WORKERS_LOCAL + FP_WORKERS_CHILD;
    vm_address_t addr = 0;
    CHECK_KR(vm_allocate(mach_task_self(), &addr, PAGE, TRUE));
    CHECK_KR(vm_inherit(mach_task_self(), addr, PAGE, VM_INHERIT_SHARE));
    fp_results = (struct fp_results *)addr;
    task_t tasks[FP_WORKERS_CHILD];
    unsigned children = 0;
    for (unsigned i = 0; i < FP_WORKERS_CHILD; i++) {
        kern_return_t kr = tl_spawn(fp_child, (void *)(uintptr_t)(FP_WORKERS_LOCAL + i),
                                    MACH_PORT_NULL, &tasks[children]);
        if (CHECK(kr == KERN_SUCCESS, "spawn: %s", mach_error_string(kr)))
            children++;
        else
            fp_results->done[FP_WORKERS_LOCAL + i] = 1, fp_results->bad[FP_WORKERS_LOCAL + i] = 0;
    }
    for (unsigned i = 0; i < FP_WORKERS_LOCAL; i++)
        CHECK_KR(rvmach_thread_spawn(fp_worker, (void *)(uintptr_t)i, 16 * 1024, NULL));
    /* This thread uses FP too, between the others. */
    unsigned mine = 0;
    for (unsigned r = 0; r < FP_ROUNDS; r++)
        mine += fp_round(0xabcdef00u + r);
    CHECK(mine == 0, "the main thread's FP registers changed %u times", mine);
    uint64_t deadline = rvmach_uptime_ns() + 20000000000ULL;
    for (unsigned i = 0; i < total; i++) {
        while (!__atomic_load_n(&fp_results->done[i], __ATOMIC_ACQUIRE) &&
               rvmach_uptime_ns() < deadline)
            rvmach_sleep_ms(2);
        if (CHECK(fp_results->done[i], "FP worker %u did not finish", i))
            CHECK(fp_results->bad[i] == 0, "FP worker %u: %u registers or results changed", i,
                  fp_results->bad[i]);
    }
    for (unsigned i = 0; i < children; i++) {
        CHECK(tl_wait_dead(tasks[i], 5000), "FP child %u did not end", i);
        mach_port_deallocate(mach_task_self(), tasks[i]);
    }
    vm_deallocate(mach_task_self(), addr, PAGE);
    rvmach_sleep_ms(10);                /* let the local workers end */
}

/* ---- ending tasks from outside while their threads run, sleep or start ---- */

static void term_spin(void *p)
{
    (void)p;
    for (;;)
        __asm__ volatile("" ::: "memory");
}

static void term_sleep(void *p)
{
    (void)p;
    for (;;)
        rvmach_sleep_ms(1);
}

static void term_many_threads(void *p)
{
    (void)p;
    for (int i = 0; i < 3; i++)
        rvmach_thread_spawn(i % 2 ? term_spin : term_sleep, NULL, 16 * 1024, NULL);
    term_sleep(NULL);
}

#define TERM_ROUNDS 90

static void test_terminate_running(void)
{
    struct rvmach_kstats base = tl_stats_quiet();
    static void (*const kinds[])(void *) = { term_spin, term_sleep, term_many_threads };
    for (unsigned i = 0; i < TERM_ROUNDS; i++) {
        task_t child;
        kern_return_t kr = tl_spawn(kinds[i % 3], NULL, MACH_PORT_NULL, &child);
        if (!CHECK(kr == KERN_SUCCESS, "spawn %u: %s", i, mach_error_string(kr)))
            break;
        if (i % 4 != 0)
            rvmach_sleep_ms(i % 3);     /* sometimes at once, while it still starts */
        CHECK_KR(task_terminate(child));
        CHECK(task_terminate(child) != KERN_SUCCESS, "a second terminate succeeded");
        mach_port_deallocate(mach_task_self(), child);
    }
    CHECK(tl_wait_settled(&base, 5000), "tasks, threads or pages not returned");
}

/* ---- copy-on-write isolation after task_create with copy inheritance ---- */

static uint8_t *cow_buf;
static volatile uint32_t *cow_report;   /* shared page: the child's verdict */

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

static void cow_child(void *p)
{
    (void)p;
    bool saw_parent = all_bytes(cow_buf, 8 * PAGE, 0xAA);
    memset(cow_buf, 0xBB, 8 * PAGE);
    cow_report[1] = 1;                  /* written: let the parent write */
    while (cow_report[2] == 0)
        rvmach_sleep_ms(1);
    cow_report[0] = saw_parent && all_bytes(cow_buf, 8 * PAGE, 0xBB) ? 1 : 2;
}

static void test_cow(void)
{
    vm_address_t buf = 0, rep = 0;
    CHECK_KR(vm_allocate(mach_task_self(), &buf, 8 * PAGE, TRUE));
    CHECK_KR(vm_allocate(mach_task_self(), &rep, PAGE, TRUE));
    CHECK_KR(vm_inherit(mach_task_self(), rep, PAGE, VM_INHERIT_SHARE));
    cow_buf = (uint8_t *)buf;
    cow_report = (volatile uint32_t *)rep;
    memset(cow_buf, 0xAA, 8 * PAGE);
    task_t child;
    CHECK_KR(tl_spawn(cow_child, NULL, MACH_PORT_NULL, &child));
    while (cow_report[1] == 0)
        rvmach_sleep_ms(1);
    CHECK(all_bytes(cow_buf, 8 * PAGE, 0xAA), "the child's writes showed in the parent");
    memset(cow_buf, 0xCC, 8 * PAGE);
    cow_report[2] = 1;
    CHECK(tl_wait_dead(child, 5000), "child did not end");
    CHECK(cow_report[0] == 1, "the child saw wrong data (report %u)", cow_report[0]);
    CHECK(all_bytes(cow_buf, 8 * PAGE, 0xCC), "the parent lost its own writes");
    mach_port_deallocate(mach_task_self(), child);
    vm_deallocate(mach_task_self(), buf, 8 * PAGE);
    vm_deallocate(mach_task_self(), rep, PAGE);
}

/* ---- 64 MiB touched lazily ---- */

static void test_lazy(void)
{
    const vm_size_t size = 64UL << 20;
    struct rvmach_kstats before = tl_stats_quiet();
    vm_address_t addr = 0;
    CHECK_KR(vm_allocate(mach_task_self(), &addr, size, TRUE));
    struct rvmach_kstats reserved = tl_stats();
    CHECK(before.free_pages - reserved.free_pages < 16,
          "allocating took %lu pages before any touch",
          (unsigned long)(before.free_pages - reserved.free_pages));
    volatile uint64_t *p = (volatile uint64_t *)addr;
    for (vm_size_t off = 0; off < size; off += PAGE)
        p[off / 8] = off;
    bool ok = true;
    for (vm_size_t off = 0; off < size; off += PAGE)
        ok = ok && p[off / 8] == off;
    CHECK(ok, "a page lost its contents");
    struct rvmach_kstats touched = tl_stats();
    CHECK(before.free_pages - touched.free_pages >= size / PAGE,
          "only %lu pages in use after touching 64 MiB",
          (unsigned long)(before.free_pages - touched.free_pages));
    CHECK_KR(vm_deallocate(mach_task_self(), addr, size));
    CHECK(tl_wait_settled(&before, 2000), "pages not returned");
}

/* ---- deliberate faults: each kills only its task ---- */

static void fault_null(void *p) { (void)p; printf("  child: %d\n", *(volatile int *)0); }
static void fault_kernel(void *p) { (void)p; printf("  child: %d\n", *(volatile int *)0xffffffff80000000UL); }
static void fault_readonly(void *p)
{
    (void)p;
    vm_address_t a = 0;
    vm_allocate(mach_task_self(), &a, PAGE, TRUE);
    vm_protect(mach_task_self(), a, PAGE, FALSE, VM_PROT_READ);
    *(volatile int *)a = 1;
}
static void fault_exec(void *p)
{
    (void)p;
    vm_address_t a = 0;
    vm_allocate(mach_task_self(), &a, PAGE, TRUE);
    *(volatile uint32_t *)a = 0x00008067;       /* ret, in memory that is not executable */
    ((void (*)(void))a)();
}
static void fault_illegal(void *p) { (void)p; __asm__ volatile(".word 0x00000000"); }
static void fault_privileged(void *p) { (void)p; __asm__ volatile("csrw sscratch, zero"); }
static unsigned recurse(unsigned n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    if (n > 1000000000)                 /* never: the stack runs out first */
        return 0;
    return recurse(n + 1) + pad[0];
}
static void fault_stack(void *p) { (void)p; printf("  child: %u\n", recurse(0)); }

static void test_faults(void)
{
    static void (*const faults[])(void *) = {
        fault_null, fault_kernel, fault_readonly, fault_exec, fault_illegal,
        fault_privileged, fault_stack,
    };
    struct rvmach_kstats base = tl_stats_quiet();
    for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        task_t child;
        if (!CHECK(tl_spawn(faults[i], NULL, MACH_PORT_NULL, &child) == KERN_SUCCESS, "spawn %u", i))
            continue;
        CHECK(tl_wait_dead(child, 5000), "fault %u: the task did not end", i);
        mach_port_deallocate(mach_task_self(), child);
    }
    CHECK(tl_wait_settled(&base, 5000), "resources not returned");
}

/* ---- argument checks ---- */

static void test_bad_arguments(void)
{
    vm_address_t a = 0x12345;
    CHECK(vm_allocate(mach_task_self(), &a, 100, FALSE) == KERN_SUCCESS && a == 0x12000,
          "unaligned: Mach rounds to whole pages (got %#lx)", (unsigned long)a);
    vm_deallocate(mach_task_self(), 0x12345, 100);
    a = 0;
    CHECK(vm_allocate(mach_task_self(), &a, 0, TRUE) != KERN_SUCCESS, "zero size");
    a = 0x3ffffff000UL;
    CHECK(vm_allocate(mach_task_self(), &a, 2 * PAGE, FALSE) != KERN_SUCCESS, "past the end");
    CHECK(vm_deallocate(mach_task_self(), ~0UL & ~(PAGE - 1), 2 * PAGE) != KERN_SUCCESS, "wrapping");
    CHECK(vm_protect(mach_task_self(), 0x100000, PAGE, FALSE, 99) != KERN_SUCCESS, "bad protection");
    CHECK(vm_inherit(mach_task_self(), 0x100000, PAGE, 7) == KERN_INVALID_ARGUMENT, "bad inheritance");
    CHECK(task_terminate(MACH_PORT_NULL) != KERN_SUCCESS, "null task");
    CHECK(thread_resume(0x4242) != KERN_SUCCESS, "bogus thread name");
    struct riscv_thread_state ts;
    mach_msg_type_number_t n = 3;
    thread_t self = mach_thread_self();
    CHECK(thread_get_state(self, RISCV_THREAD_STATE, (thread_state_t)&ts, &n) != KERN_SUCCESS,
          "state of a running thread");
    mach_port_deallocate(mach_task_self(), self);
}

static struct rvmach_kstats start_stats;

/* Free pages, tasks and ports are where they were before the first test. */
static void test_no_leaks(void)
{
    CHECK(tl_wait_settled(&start_stats, 5000), "the kernel did not get everything back");
}

static void run_all(void)
{
    tl_run("vm.bad_arguments", test_bad_arguments);
    tl_run("vm.lazy_64mib", test_lazy);
    tl_run("vm.cow_isolation", test_cow);
    tl_run("task.faults", test_faults);
    tl_run("task.many_tasks", test_many_tasks);
    tl_run("task.terminate_running", test_terminate_running);
    tl_run("sched.preempt", test_preempt);
    tl_run("sched.fp_registers", test_fp_registers);
}

int main(int argc, char **argv)
{
    /*
     * A first round warms up what may grow once and stay (this task's
     * name table, zone pages); the leak check compares the second.
     */
    (void)argc;
    (void)argv;
    tl_quiet(true);
    run_all();
    tl_quiet(false);
    rvmach_thread_reap_stacks();
    start_stats = tl_stats_quiet();
    run_all();
    rvmach_thread_reap_stacks();
    tl_run("vm.no_leaks", test_no_leaks);
    return tl_finish();
}
