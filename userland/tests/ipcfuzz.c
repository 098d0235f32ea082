// SPDX-License-Identifier: MIT
/*
 * A randomized IPC fuzzer: several tasks on several harts throw random
 * messages (headers, dispositions, item descriptors, out-of-line ranges,
 * names) and random port operations at the kernel and at each other.
 * Afterwards the kernel must be up and its counts of tasks, threads, ports
 * and free pages back where they started.
 *
 *   init=ipcfuzz [ITERATIONS] [SEED]     (defaults 20000 per task, seed 1)
 */
#include <stdlib.h>
#include <string.h>
#include "msgutil.h"
#include "testlib.h"

#define PAGE 4096UL
#define TASKS 4
#define SHARED_PORTS 4
#define SHARED_NAME(j) (0x70000 + ((j) << 8))
#define MAX_NAMES 64
#define NREGIONS 4

static unsigned iterations = 20000;
static uint64_t base_seed = 1;

/* Per-task state (each child has its own copy). */
static uint64_t rng;
static mach_port_t names[MAX_NAMES];    /* names this task has made or received */
static unsigned nnames;
static vm_address_t regions[NREGIONS];  /* memory used as out-of-line sources */
static bool writable[NREGIONS];         /* the region's first page may be written */
static union {
    uint32_t w[2100];
    struct any_msg m;
} ubuf;
#define buf ubuf.w

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned pick(unsigned n)
{
    return n ? (unsigned)(rnd() % n) : 0;
}

/* A name: one we know, a shared one, or garbage. */
static mach_port_t random_name(void)
{
    switch (pick(8)) {
    case 0: return MACH_PORT_NULL;
    case 1: return MACH_PORT_DEAD;
    case 2: return (mach_port_t)rnd();
    case 3: case 4: return SHARED_NAME(pick(SHARED_PORTS));
    default: return nnames ? names[pick(nnames)] : (mach_port_t)rnd();
    }
}

static void remember(mach_port_t name)
{
    if (MACH_PORT_VALID(name))
        names[nnames < MAX_NAMES ? nnames++ : pick(MAX_NAMES)] = name;
}

static mach_msg_type_name_t random_disposition(void)
{
    return pick(10) == 0 ? pick(32) : MACH_MSG_TYPE_MOVE_RECEIVE + pick(6);
}

/* An address for out-of-line data: one of our regions (maybe read-only), or junk. */
static uint64_t random_address(void)
{
    switch (pick(6)) {
    case 0: return rnd();
    case 1: return rnd() & 0xffffff;
    case 2: return 0;
    default: {
        unsigned r = pick(NREGIONS);
        writable[r] = false;            /* a deallocate bit may unmap it */
        return regions[r] + pick(3 * PAGE);
    }
    }
}

/* Append one item at word `w` of buf; returns the next word. */
static unsigned random_item(unsigned w, unsigned max_words)
{
    if (w + 4 > max_words || w + 4 > 1024)
        return w;
    mach_msg_type_t t = { 0 };
    bool port = pick(3) == 0;
    t.msgt_name = port ? random_disposition() : (pick(2) ? MACH_MSG_TYPE_INTEGER_32 : MACH_MSG_TYPE_BYTE);
    t.msgt_size = port ? (pick(8) ? 32 : pick(256)) : (t.msgt_name == MACH_MSG_TYPE_BYTE ? 8 : 32);
    t.msgt_number = pick(4) ? 1 + pick(3) : pick(4096);
    t.msgt_inline = pick(4) != 0;
    t.msgt_deallocate = pick(8) == 0;
    t.msgt_unused = pick(50) == 0;
    memcpy(&buf[w++], &t, 4);
    if (!t.msgt_inline) {
        uint64_t a = random_address();
        memcpy(&buf[w], &a, 8);
        return w + 2;
    }
    unsigned words = port ? t.msgt_number : (t.msgt_number * t.msgt_size / 8 + 3) / 4;
    for (unsigned i = 0; i < words && w < max_words && w < 1024; i++)
        buf[w++] = port ? random_name() : (uint32_t)rnd();
    return w;
}

static void random_send(void)
{
    mach_msg_header_t *h = (mach_msg_header_t *)buf;
    unsigned max_words = 8 + pick(120);
    memset(buf, 0, sizeof(mach_msg_header_t));
    h->msgh_bits = MACH_MSGH_BITS(random_disposition(), pick(3) ? random_disposition() : 0);
    if (pick(2))
        h->msgh_bits |= MACH_MSGH_BITS_COMPLEX;
    if (pick(40) == 0)
        h->msgh_bits |= (uint32_t)rnd();
    h->msgh_remote_port = random_name();
    h->msgh_local_port = pick(2) ? random_name() : MACH_PORT_NULL;
    h->msgh_id = (mach_msg_id_t)rnd();
    unsigned w = sizeof(mach_msg_header_t) / 4;
    for (unsigned items = pick(5); items > 0; items--)
        w = random_item(w, max_words);
    mach_msg_size_t size = w * 4;
    if (pick(10) == 0)
        size = (mach_msg_size_t)pick(w * 4 + 64);
    mach_msg(h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static void random_receive(void)
{
    struct any_msg *m = &ubuf.m;
    mach_port_t from = nnames ? names[pick(nnames)] : random_name();
    mach_msg_size_t room = pick(2) ? 16 : sizeof(ubuf.m);     /* too small: destroyed */
    mach_msg_option_t opt = MACH_RCV_MSG | MACH_RCV_TIMEOUT | (pick(4) == 0 ? MACH_RCV_LARGE : 0);
    if (mach_msg(&m->head, opt, 0, room, from, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS) {
        remember(m->head.msgh_remote_port);
    }
}

static void random_port_op(void)
{
    mach_port_t n = random_name(), other = random_name(), prev;
    mach_port_type_t type;
    mach_port_urefs_t refs;
    switch (pick(10)) {
    case 0: if (mach_port_allocate(mach_task_self(), pick(6), &n) == KERN_SUCCESS) remember(n); break;
    case 1: mach_port_destroy(mach_task_self(), n); break;
    case 2: mach_port_deallocate(mach_task_self(), n); break;
    case 3: mach_port_mod_refs(mach_task_self(), n, pick(6), (int)pick(5) - 2); break;
    case 4: mach_port_move_member(mach_task_self(), n, other); break;
    case 5: mach_port_insert_right(mach_task_self(), random_name(), n, random_disposition()); break;
    case 6: mach_port_request_notification(mach_task_self(), n, MACH_NOTIFY_FIRST + pick(10),
                                           pick(3), other, &prev);
            remember(prev);
            break;
    case 7: mach_port_type(mach_task_self(), n, &type); break;
    case 8: mach_port_get_refs(mach_task_self(), n, pick(6), &refs); break;
    default: mach_port_set_qlimit(mach_task_self(), n, pick(20)); break;
    }
}

static void random_vm_op(void)
{
    unsigned r = pick(NREGIONS);
    switch (pick(3)) {
    case 0:
        vm_deallocate(mach_task_self(), regions[r], 4 * PAGE);
        writable[r] = vm_allocate(mach_task_self(), &regions[r], 4 * PAGE, TRUE) == KERN_SUCCESS;
        break;
    case 1: {
        vm_prot_t prot = pick(2) ? VM_PROT_READ : VM_PROT_DEFAULT;
        if (vm_protect(mach_task_self(), regions[r], PAGE * (1 + pick(4)), FALSE, prot) ==
            KERN_SUCCESS)
            writable[r] = prot == VM_PROT_DEFAULT;
        break;
    }
    default:
        if (pick(2) && writable[r])
            ((volatile char *)regions[r])[pick(PAGE)] = 1;
        break;
    }
}

static void fuzz_task(void *arg)
{
    rng = base_seed * 0x9e3779b97f4a7c15ULL + (uintptr_t)arg * 0x100000001b3ULL + 1;
    nnames = 0;
    for (unsigned i = 0; i < NREGIONS; i++)
        writable[i] = vm_allocate(mach_task_self(), &regions[i], 4 * PAGE, TRUE) == KERN_SUCCESS;
    mach_port_type_t t;
    while (mach_port_type(mach_task_self(), SHARED_NAME(SHARED_PORTS - 1), &t) != KERN_SUCCESS)
        rvmach_sleep_ms(1);             /* the parent hands us the shared ports */
    for (unsigned i = 0; i < iterations; i++) {
        unsigned op = pick(10);
        if (op < 5)
            random_send();
        else if (op < 7)
            random_receive();
        else if (op < 9)
            random_port_op();
        else
            random_vm_op();
    }
}


/* The parent drains the shared ports: messages too big for 16 bytes are destroyed. */
static volatile int draining;
static mach_port_t shared[SHARED_PORTS];

static void drainer(void *arg)
{
    (void)arg;
    struct any_msg m;
    while (draining)
        for (unsigned j = 0; j < SHARED_PORTS; j++)
            mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 16, shared[j], 1, MACH_PORT_NULL);
}

static void test_fuzz(void)
{
    (void)mig_get_reply_port();         /* our RPCs' reply port exists before the baseline */
    struct rvmach_kstats base = tl_stats_quiet();
    for (unsigned j = 0; j < SHARED_PORTS; j++)
        shared[j] = msg_new_port();
    draining = 1;
    CHECK_KR(rvmach_thread_spawn(drainer, NULL, 32 * 1024, NULL));
    task_t tasks[TASKS];
    for (unsigned i = 0; i < TASKS; i++) {
        CHECK_KR(tl_spawn(fuzz_task, (void *)(uintptr_t)i, MACH_PORT_NULL, &tasks[i]));
        for (unsigned j = 0; j < SHARED_PORTS; j++)
            mach_port_insert_right(tasks[i], SHARED_NAME(j), shared[j], MACH_MSG_TYPE_MAKE_SEND);
    }
    for (unsigned i = 0; i < TASKS; i++) {
        CHECK(tl_wait_dead(tasks[i], 600000), "fuzz task %u did not finish", i);
        mach_port_deallocate(mach_task_self(), tasks[i]);
    }
    draining = 0;
    for (unsigned j = 0; j < SHARED_PORTS; j++)
        mach_port_destroy(mach_task_self(), shared[j]);
    CHECK(tl_wait_settled(&base, 10000), "ports, rights or pages were not returned");
}

int main(int argc, char **argv)
{
    if (argc > 1)
        iterations = (unsigned)strtoul(argv[1], NULL, 0);
    if (argc > 2)
        base_seed = strtoull(argv[2], NULL, 0);
    printf("ipcfuzz: %u tasks x %u operations, seed %lu\n", TASKS, iterations,
           (unsigned long)base_seed);
    /*
     * A short warm-up round first, as ipctest does: what this task keeps for
     * itself (its reply port, stacks, page tables) is then part of the
     * baseline of the round that counts.
     */
    unsigned counted = iterations;
    iterations = counted < 200 ? counted : 200;
    tl_quiet(true);
    tl_run("ipc.fuzz", test_fuzz);
    tl_quiet(false);
    iterations = counted;
    tl_run("ipc.fuzz", test_fuzz);
    return tl_finish();
}
