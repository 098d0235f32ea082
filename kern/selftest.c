// SPDX-License-Identifier: MIT
/*
 * Machine-independent kernel self-tests and the runner (kern/selftest.h).
 * Each test checks something a later stage relies on and would fail if it
 * broke; none prints PASS without checking.
 */
#include <stdarg.h>
#include <kern/backtrace.h>
#include <kern/clock.h>
#include <kern/cpu.h>
#include <kern/devtree.h>
#include <kern/intr.h>
#include <kern/kstack.h>
#include <kern/mutex.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/panic.h>
#include <kern/printf.h>
#include <kern/selftest.h>
#include <kern/smp.h>
#include <kern/spinlock.h>
#include <kern/startup.h>
#include <kern/string.h>
#include <kern/uart8250.h>
#include <kern/zalloc.h>
#include <machine/pmap.h>
#include <machine/vm_param.h>
#include <vm/vm_page.h>

bool selftest_fail(const char *fmt, ...)
{
    va_list ap;
    kprintf("  failed: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    return false;
}

/* ---- timer: every hart takes timer interrupts ---- */

static bool test_timer(void)
{
    /*
     * 5 ticks take 50 ms at HZ=100; allow far more, since QEMU's harts are
     * host threads that a busy host may not run for a while.  The test is
     * that every hart keeps taking them, not how fast.
     */
    enum { WANT = 5, STEP_MS = 10, LIMIT_MS = 3000 };
    uint64_t before[MAX_CPUS];
    for (unsigned i = 0; i < ncpus; i++)
        before[i] = cpus[i].ticks;
    bool all = false;
    for (unsigned waited = 0; !all && waited < LIMIT_MS; waited += STEP_MS) {
        clock_delay_us(STEP_MS * 1000);
        all = true;
        for (unsigned i = 0; i < ncpus; i++)
            if (cpus[i].online && cpus[i].ticks - before[i] < WANT)
                all = false;
    }
    bool ok = true;
    for (unsigned i = 0; i < ncpus; i++) {
        uint64_t n = cpus[i].ticks - before[i];
        if (!cpus[i].online)
            ok = selftest_fail("hart %lu is not online", cpus[i].hartid);
        else if (n < WANT)
            ok = selftest_fail("hart %lu took %lu timer interrupts in %u ms (want >= %u)",
                               cpus[i].hartid, (unsigned long)n, (unsigned)LIMIT_MS,
                               (unsigned)WANT);
    }
    return ok;
}

/* ---- ipi: every other hart takes an inter-processor interrupt ---- */

static bool test_ipi(void)
{
    bool ok = true;
    for (unsigned i = 0; i < ncpus; i++) {
        struct cpu *c = &cpus[i];
        if (c == cpu_this())
            continue;
        uint64_t before = c->ipis;
        cpu_send_ipi(c, IPI_PING);
        uint64_t deadline = cpu_time() + timebase_hz / 10;
        while (c->ipis == before && cpu_time() < deadline)
            cpu_relax();
        if (c->ipis == before)
            ok = selftest_fail("hart %lu did not take an IPI within 100 ms", c->hartid);
    }
    return ok;
}

/* ---- spinlock: mutual exclusion under contention from every hart ---- */

static struct spinlock counter_lock = SPINLOCK_INITIALIZER("selftest_counter");
static volatile uint64_t shared_counter;
#define LOCK_ROUNDS 20000

static void lock_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < LOCK_ROUNDS; i++) {
        spin_lock(&counter_lock);
        uint64_t v = shared_counter;    /* read-modify-write: breaks without the lock */
        shared_counter = v + 1;
        spin_unlock(&counter_lock);
    }
}

static unsigned online_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ncpus; i++)
        n += cpus[i].online;
    return n;
}

static bool test_spinlock(void)
{
    shared_counter = 0;
    smp_run_on_all(lock_worker, NULL);
    uint64_t want = (uint64_t)LOCK_ROUNDS * online_count();
    if (shared_counter != want)
        return selftest_fail("counter %lu, want %lu", (unsigned long)shared_counter,
                             (unsigned long)want);
    return true;
}

/* ---- mutex: sleeping lock under contention from threads on every hart ---- */

static struct mutex test_mutex = MUTEX_INITIALIZER("selftest_mutex");
static volatile uint64_t mutex_counter;
static unsigned mutex_done;
#define MUTEX_THREADS_PER_HART 3
#define MUTEX_ROUNDS 2000

static void mutex_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < MUTEX_ROUNDS; i++) {
        mutex_lock(&test_mutex);
        uint64_t v = mutex_counter;
        if (i % 64 == 0)
            thread_yield();             /* sleep holding it: the others must wait, not spin */
        mutex_counter = v + 1;
        mutex_unlock(&test_mutex);
    }
    __atomic_fetch_add(&mutex_done, 1, __ATOMIC_RELEASE);
}

static bool test_mutex_contended(void)
{
    unsigned n = MUTEX_THREADS_PER_HART * online_count();
    size_t threads_before = thread_count();
    mutex_counter = 0;
    mutex_done = 0;
    unsigned started = 0;
    for (unsigned i = 0; i < n; i++) {
        struct thread *t = kernel_thread_start("selftest_mutex", mutex_worker, NULL,
                                               BASEPRI_KERNEL + 2);
        if (t == NULL)
            break;
        thread_deallocate(t);
        started++;
    }
    uint64_t deadline = clock_uptime_us() + 20 * 1000 * 1000;
    while (__atomic_load_n(&mutex_done, __ATOMIC_ACQUIRE) < started &&
           clock_uptime_us() < deadline)
        thread_sleep_ns(1000 * 1000);
    if (mutex_done < started)
        return selftest_fail("%u of %u threads finished in 20 s (a lost wake-up?)",
                             mutex_done, started);
    /* Wait for the reaper, so the tests after this one see a quiet kernel. */
    while (thread_count() != threads_before && clock_uptime_us() < deadline)
        thread_sleep_ns(1000 * 1000);
    uint64_t want = (uint64_t)MUTEX_ROUNDS * started;
    if (started == 0 || mutex_counter != want)
        return selftest_fail("counter %lu, want %lu (%u threads)", (unsigned long)mutex_counter,
                             (unsigned long)want, started);
    return true;
}

/* ---- alloc: page allocator and zones used from every hart at once ---- */

#define ALLOC_HELD 24
#define ALLOC_ROUNDS 3000
static struct zone test_zone;
static volatile unsigned alloc_errors;

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

struct held {
    void *ptr;
    size_t len;         /* bytes filled with the pattern */
    unsigned kind;      /* 0 page block, 1 zone element, 2 kalloc */
    unsigned order;
    uint8_t pattern;
};

static void fill(struct held *h)
{
    memset(h->ptr, h->pattern, h->len);
}

static bool check(const struct held *h)
{
    const uint8_t *p = h->ptr;
    for (size_t i = 0; i < h->len; i++)
        if (p[i] != h->pattern)
            return false;
    return true;
}

static bool grab(struct held *h, uint64_t *seed)
{
    uint64_t r = rng_next(seed);
    h->kind = r % 3;
    h->pattern = (uint8_t)(r >> 8) | 1;
    if (h->kind == 0) {
        h->order = (r >> 16) % 4;
        struct vm_page *pg = vm_page_alloc(h->order);
        h->ptr = pg != NULL ? phys_to_virt(pg->phys) : NULL;
        h->len = PAGE_SIZE << h->order;
    } else if (h->kind == 1) {
        h->ptr = zalloc(&test_zone);
        h->len = 200;
    } else {
        h->len = 1 + (r >> 16) % KALLOC_MAX;
        h->ptr = kalloc(h->len);
    }
    if (h->ptr == NULL)
        return false;
    fill(h);
    return true;
}

static void release(struct held *h)
{
    if (!check(h))
        __atomic_fetch_add(&alloc_errors, 1, __ATOMIC_RELAXED);
    if (h->kind == 0)
        vm_page_free(vm_page_lookup(virt_to_phys(h->ptr)), h->order);
    else if (h->kind == 1)
        zfree(&test_zone, h->ptr);
    else
        kfree(h->ptr);
    h->ptr = NULL;
}

static void alloc_worker(void *arg)
{
    (void)arg;
    struct held held[ALLOC_HELD] = { 0 };
    uint64_t seed = 0x9e3779b97f4a7c15ULL ^ (cpu_this()->hartid + 1) * 0x100000001b3ULL;
    for (int round = 0; round < ALLOC_ROUNDS; round++) {
        struct held *h = &held[rng_next(&seed) % ALLOC_HELD];
        if (h->ptr != NULL)
            release(h);
        else if (!grab(h, &seed))
            __atomic_fetch_add(&alloc_errors, 1, __ATOMIC_RELAXED);
    }
    for (int i = 0; i < ALLOC_HELD; i++)
        if (held[i].ptr != NULL)
            release(&held[i]);
}

static bool test_alloc(void)
{
    static bool zone_ready;
    if (!zone_ready) {
        zone_init(&test_zone, "selftest.200", 200);
        zone_ready = true;
    }
    static struct zone_info before[64], after[64];
    size_t nb = zone_info_all(before, ARRAY_SIZE(before));
    size_t free_before = vm_page_available_count();
    alloc_errors = 0;
    smp_run_on_all(alloc_worker, NULL);
    size_t na = zone_info_all(after, ARRAY_SIZE(after));
    bool ok = true;
    if (alloc_errors != 0)
        ok = selftest_fail("%u allocations failed or came back corrupted", alloc_errors);
    for (size_t i = 0; i < na && i < ARRAY_SIZE(after); i++) {
        size_t was = 0;
        for (size_t j = 0; j < nb && j < ARRAY_SIZE(before); j++)
            if (strcmp(before[j].name, after[i].name) == 0)
                was = before[j].in_use;
        if (after[i].in_use != was)
            ok = selftest_fail("zone %s has %zu elements in use, %zu before", after[i].name,
                               after[i].in_use, was);
    }
    if (vm_page_available_count() != free_before)
        ok = selftest_fail("free pages %zu after, %zu before",
                           vm_page_available_count(), free_before);
    return ok;
}

/* ---- plic: a device interrupt reaches each hart's context ---- */

static struct uart8250 plic_uart;
static volatile struct cpu *plic_seen_on;

static void uart_thre_handler(void *arg, unsigned irq)
{
    (void)irq;
    uart8250_write(arg, UART_IER, 0);   /* stop the transmitter-empty interrupt */
    plic_seen_on = cpu_this();
}

static bool plic_on_hart(const struct dt_uart *u, struct cpu *c)
{
    plic_seen_on = NULL;
    kern_return_t kr = intr_register(u->irq, c, uart_thre_handler, &plic_uart);
    if (kr != KERN_SUCCESS)
        return selftest_fail("intr_register(%u) on hart %lu: error %d", u->irq, c->hartid, kr);
    uart8250_write(&plic_uart, UART_IER, UART_IER_THRI);
    uint64_t deadline = cpu_time() + timebase_hz / 10;
    while (plic_seen_on == NULL && cpu_time() < deadline)
        cpu_relax();
    uart8250_write(&plic_uart, UART_IER, 0);
    intr_unregister(u->irq);
    if (plic_seen_on != c)
        return selftest_fail("UART interrupt %u routed to hart %lu (context %u) was %s",
                             u->irq, c->hartid, c->plic_ctx,
                             plic_seen_on == NULL ? "never handled" : "handled elsewhere");
    return true;
}

static bool test_plic(void)
{
    const struct dt_uart *u = &kern_platform()->uart;
    if (u->irq == 0)
        return selftest_fail("the console UART has no interrupt in the device tree");
    plic_uart.base = pmap_map_device(u->base, u->size ? u->size : PAGE_SIZE);
    plic_uart.shift = u->reg_shift;
    plic_uart.width = u->reg_io_width == 4 ? 4 : 1;
    if (plic_uart.base == NULL)
        return selftest_fail("cannot map the UART");
    bool ok = true;
    for (unsigned i = 0; i < ncpus; i++)
        if (cpus[i].online && cpus[i].has_plic_ctx)
            ok = plic_on_hart(u, &cpus[i]) && ok;
    return ok;
}

/* ---- backtrace: the symbol table finds the kernel's functions ---- */

static bool test_symbols(void)
{
    uintptr_t off;
    const char *name = ksym_lookup((uintptr_t)test_symbols + 4, &off);
    if (name == NULL || strcmp(name, "test_symbols") != 0 || off != 4)
        return selftest_fail("ksym_lookup(test_symbols+4) = %s+%lu", name ? name : "NULL",
                             (unsigned long)off);
    name = ksym_lookup((uintptr_t)kern_main, &off);
    if (name == NULL || strcmp(name, "kern_main") != 0 || off != 0)
        return selftest_fail("ksym_lookup(kern_main) = %s", name ? name : "NULL");
    if (ksym_lookup(0x1000, &off) != NULL)
        return selftest_fail("ksym_lookup(0x1000) found a symbol");
    return true;
}

/* ---- deliberate crashes (by name only): the reports they print ---- */

static bool crash_null(void)
{
    uintptr_t addr = 8;
    __asm__("" : "+r"(addr));           /* hide the constant from the compiler */
    kprintf("  reading address 8 in kernel mode...\n");
    return *(volatile uint64_t *)addr == 0;
}

static unsigned recurse(volatile unsigned depth)
{
    volatile char pad[256];
    pad[0] = (char)depth;
    if (depth > 1000000000)             /* never: the guard page comes first */
        return 0;
    return recurse(depth + 1) + pad[0];
}

static bool crash_stack_overflow(void)
{
    kprintf("  recursing without end...\n");
    return recurse(0) == 0;
}

static struct spinlock crash_lock = SPINLOCK_INITIALIZER("selftest_crash");

static bool crash_lock_recursion(void)
{
    spin_lock(&crash_lock);
    spin_lock(&crash_lock);
    return false;
}

static void unlock_elsewhere(void *arg)
{
    if (cpu_this() != arg)
        spin_unlock(&crash_lock);
}

static bool crash_lock_wrong_hart(void)
{
    if (online_count() < 2)
        return selftest_fail("needs two harts");
    spin_lock(&crash_lock);
    struct cpu *self = cpu_this();
    intr_pop();                         /* let the IPI in while we hold it */
    smp_run_on_all(unlock_elsewhere, self);
    return false;
}

static const struct selftest mi_selftests[] = {
    { "timer", "every hart takes timer interrupts", test_timer, false },
    { "ipi", "every hart takes an inter-processor interrupt", test_ipi, false },
    { "spinlock", "a lock keeps a counter exact under all harts", test_spinlock, false },
    { "mutex", "a sleeping lock keeps a counter exact among threads on all harts",
      test_mutex_contended, false },
    { "alloc", "pages, zones and kalloc from all harts at once, nothing lost", test_alloc, false },
    { "plic", "a UART interrupt reaches every hart's PLIC context", test_plic, false },
    { "symbols", "the kernel symbol table resolves addresses", test_symbols, false },
    { "crash_null", "a kernel NULL dereference panics with a report", crash_null, true },
    { "crash_stack_overflow", "a runaway recursion hits the guard page", crash_stack_overflow, true },
    { "crash_lock_recursion", "taking a held lock again panics", crash_lock_recursion, true },
    { "crash_lock_wrong_hart", "releasing another hart's lock panics", crash_lock_wrong_hart, true },
};

/* ---- the runner ---- */

const char *selftest_requested(const char *bootargs)
{
    for (const char *p = bootargs; p != NULL && *p != '\0'; ) {
        if (strncmp(p, "test=", 5) == 0)
            return p + 5;
        p = strchr(p, ' ');
        if (p != NULL)
            p++;
    }
    return NULL;
}

/* Does the word at `list` (up to ',' or ' ' or end) equal `name`? */
static bool word_is(const char *list, const char *name)
{
    size_t n = strlen(name);
    return strncmp(list, name, n) == 0 &&
           (list[n] == '\0' || list[n] == ',' || list[n] == ' ');
}

static bool wanted(const struct selftest *t, const char *list)
{
    for (const char *p = list; *p != '\0' && *p != ' '; ) {
        if ((!t->crash && word_is(p, "all")) || word_is(p, t->name))
            return true;
        while (*p != '\0' && *p != ',' && *p != ' ')
            p++;
        if (*p == ',')
            p++;
    }
    return false;
}

static void run_one(const struct selftest *t, unsigned *pass, unsigned *fail)
{
    kprintf("test %s: %s\n", t->name, t->purpose);
    bool ok = t->run();
    kprintf("TEST %s %s\n", t->name, ok ? "PASS" : "FAIL");
    *(ok ? pass : fail) += 1;
}

static bool known(const char *word)
{
    if (word_is(word, "all"))
        return true;
    for (unsigned i = 0; i < ARRAY_SIZE(mi_selftests); i++)
        if (word_is(word, mi_selftests[i].name))
            return true;
    for (unsigned i = 0; i < arch_selftest_count; i++)
        if (word_is(word, arch_selftests[i].name))
            return true;
    return false;
}

/* Report names in the list that match no test, so a typo cannot pass silently. */
static unsigned report_unknown(const char *list)
{
    unsigned bad = 0;
    for (const char *p = list; *p != '\0' && *p != ' '; ) {
        if (!known(p)) {
            const char *end = p;
            while (*end != '\0' && *end != ',' && *end != ' ')
                end++;
            kprintf("TEST %.*s FAIL (no such test)\n", (int)(end - p), p);
            bad++;
        }
        while (*p != '\0' && *p != ',' && *p != ' ')
            p++;
        if (*p == ',')
            p++;
    }
    return bad;
}

void selftest_run(const char *list)
{
    unsigned pass = 0, fail = report_unknown(list);
    for (unsigned i = 0; i < ARRAY_SIZE(mi_selftests); i++)
        if (wanted(&mi_selftests[i], list))
            run_one(&mi_selftests[i], &pass, &fail);
    for (unsigned i = 0; i < arch_selftest_count; i++)
        if (wanted(&arch_selftests[i], list))
            run_one(&arch_selftests[i], &pass, &fail);
    kprintf("SELFTEST SUMMARY pass=%u fail=%u\n", pass, fail);
}
