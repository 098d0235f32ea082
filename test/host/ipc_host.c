// SPDX-License-Identifier: MIT
/*
 * Host stand-ins for the IPC core's outside calls (kmem, zone pages, the
 * scheduler, copyin/copyout, maps and copy objects) and helpers for the
 * IPC host tests.  See ipc_host.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <kern/copy.h>
#include <ipc/ipc_kmsg.h>
#include <kern/kmem.h>
#include <kern/sched.h>
#include <kern/task.h>
#include <kern/thread.h>
#include <kern/zalloc.h>
#include <machine/vm_param.h>
#include <vm/vm_map_copy.h>
#include <vm/vm_user.h>
#include <ipc/ipc_item.h>
#include <ipc/ipc_mqueue.h>
#include <ipc/ipc_notify.h>
#include <ipc/ipc_pset.h>
#include "ipc_host.h"

/* One failure counter: n more successes, then failures; < 0 never fails. */
static bool fail_now(long *left)
{
    if (*left == 0)
        return true;
    if (*left > 0)
        (*left)--;
    return false;
}

/* ---- kmem: malloc with the size kept for a check on free ---- */

struct kmem_head {
    size_t size;
    size_t magic;
};
#define KMEM_MAGIC 0x6b6d656d6b6d656dUL

static long kmem_fail = -1;
static size_t kmem_live, kmem_base;

void *kmem_alloc(size_t size)
{
    if (size == 0 || fail_now(&kmem_fail))
        return NULL;
    struct kmem_head *h = malloc(sizeof(*h) + size);
    if (h == NULL)
        return NULL;
    h->size = size;
    h->magic = KMEM_MAGIC;
    memset(h + 1, 0xa5, size);          /* garbage, as kalloc'd memory holds */
    __atomic_add_fetch(&kmem_live, 1, __ATOMIC_RELAXED);
    return h + 1;
}

void *kmem_zalloc(size_t size)
{
    void *p = kmem_alloc(size);
    if (p != NULL)
        memset(p, 0, size);
    return p;
}

void kmem_free(void *ptr, size_t size)
{
    if (ptr == NULL)
        return;
    struct kmem_head *h = (struct kmem_head *)ptr - 1;
    if (h->magic != KMEM_MAGIC || h->size != size)
        fail_msg("kmem_free(%p, %zu): allocated with size %zu", ptr, size, h->size);
    h->magic = 0;
    memset(ptr, 0x5a, size);
    __atomic_sub_fetch(&kmem_live, 1, __ATOMIC_RELAXED);
    free(h);
}

void ipc_host_kmem_fail_after(long n)
{
    kmem_fail = n;
}

size_t ipc_host_kmem_live(void)
{
    return kmem_live;
}

/* ---- zone pages ---- */

static long zone_fail = -1;

void *zone_page_alloc(void)
{
    if (fail_now(&zone_fail))
        return NULL;
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    if (p != NULL)
        memset(p, 0xa5, PAGE_SIZE);
    return p;
}

void zone_page_free(void *page)
{
    memset(page, 0x5a, PAGE_SIZE);
    free(page);
}

void ipc_host_zone_fail_after(long n)
{
    zone_fail = n;
}


/* ---- the scheduler: one thread that never waits for real ---- */

/* Each host thread is a kernel thread of its own (tests may run several). */
static __thread struct task host_task;
static __thread struct thread host_thread;
static __thread bool waiting, woken, cleared, timeout_set;
static __thread event_t wait_event;
static __thread wait_result_t cleared_result;
static unsigned stuck_waits;

struct thread *current_thread(void)
{
    host_thread.task = &host_task;
    return &host_thread;
}

void assert_wait(event_t event, bool interruptible)
{
    (void)interruptible;
    waiting = true;
    wait_event = event;
    woken = cleared = timeout_set = false;
}

void thread_set_timeout(uint64_t ns)
{
    (void)ns;
    timeout_set = true;
}

wait_result_t thread_block(void)
{
    if (!waiting)
        return THREAD_AWAKENED;         /* a yield */
    waiting = false;
    if (cleared)
        return cleared_result;
    if (woken)
        return THREAD_AWAKENED;
    if (timeout_set)
        return THREAD_TIMED_OUT;
    __atomic_add_fetch(&stuck_waits, 1, __ATOMIC_RELAXED);     /* nobody could wake us */
    return THREAD_INTERRUPTED;
}

void thread_wakeup(event_t event)
{
    if (waiting && event == wait_event)
        woken = true;
}

void thread_wakeup_one(event_t event)
{
    thread_wakeup(event);
}

void clear_wait(struct thread *thread, wait_result_t result, bool interrupt_only)
{
    (void)interrupt_only;
    if (thread == current_thread() && waiting) {
        cleared = true;
        cleared_result = result;
    }
}

/* No per-hart cache of kmsgs here: every one goes back to its zone. */
struct ipc_kmsg *ipc_kmsg_cache_get(void)
{
    return NULL;
}

bool ipc_kmsg_cache_put(struct ipc_kmsg *kmsg)
{
    (void)kmsg;
    return false;
}

size_t ipc_kmsg_cached(void)
{
    return 0;
}

/* No thread here is ever fully off its hart: never a hand-off, only the wake-up. */
struct thread *thread_wakeup_handoff(event_t event, bool (*accept)(struct thread *, void *),
                                     void *arg)
{
    (void)accept;
    (void)arg;
    thread_wakeup_one(event);
    return NULL;
}

wait_result_t thread_block_handoff(struct thread *next)
{
    (void)next;
    return thread_block();
}

void thread_handoff_release(struct thread *thread)
{
    (void)thread;
}

unsigned ipc_host_stuck_waits(void)
{
    return stuck_waits;
}

/* ---- user memory: an arena of pages owned by fake maps ---- */

#define ARENA_PAGES 4096
#define USER_MIN    0x10000UL
#define MAP_MAGIC   0x6d61703fU

struct host_map {
    unsigned magic;
    size_t pages;                       /* pages it owns */
};

static uint8_t *arena;
static struct host_map *owner[ARENA_PAGES];     /* arena_lock */
static pthread_mutex_t arena_lock;     /* recursive: the helpers below nest */
static long vm_fail = -1, copy_fail = -1;
static size_t copies_live;

static struct host_map *host_map(struct vm_map *map)
{
    struct host_map *m = (struct host_map *)map;
    if (m == NULL || m->magic != MAP_MAGIC)
        fail_msg("not a host map: %p", (void *)map);
    return m;
}

static bool in_arena(uintptr_t addr)
{
    return addr >= (uintptr_t)arena && addr < (uintptr_t)arena + ARENA_PAGES * PAGE_SIZE;
}

static size_t page_index(uintptr_t addr)
{
    return (addr - (uintptr_t)arena) / PAGE_SIZE;
}

void ipc_host_vm_fail_after(long n)
{
    vm_fail = n;
}

void ipc_host_copy_fail_after(long n)
{
    copy_fail = n;
}

size_t ipc_host_copies_live(void)
{
    return copies_live;
}

size_t ipc_host_map_pages(struct vm_map *map)
{
    return host_map(map)->pages;
}

vaddr_t ipc_host_unmapped_addr(void)
{
    return (vaddr_t)arena + (ARENA_PAGES - 1) * PAGE_SIZE;   /* never handed out */
}

/* First fit of `n` free pages (the last page is never used); 0 if none. */
static vaddr_t arena_find(size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i + 1 < ARENA_PAGES; i++) {
        run = owner[i] == NULL ? run + 1 : 0;
        if (run == n)
            return (vaddr_t)arena + (i + 1 - n) * PAGE_SIZE;
    }
    return 0;
}

vaddr_t ipc_host_map_alloc(struct vm_map *map, size_t size)
{
    struct host_map *m = host_map(map);
    size_t n = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    pthread_mutex_lock(&arena_lock);
    vaddr_t addr = n != 0 ? arena_find(n) : 0;
    for (size_t i = 0; addr != 0 && i < n; i++)
        owner[page_index(addr) + i] = m;
    if (addr != 0)
        m->pages += n;
    pthread_mutex_unlock(&arena_lock);
    if (addr != 0)
        memset((void *)addr, 0, n * PAGE_SIZE);
    return addr;
}

bool ipc_host_map_has(struct vm_map *map, vaddr_t addr, size_t size)
{
    struct host_map *m = host_map(map);
    if (size == 0 || addr + size < addr || !in_arena(addr) || !in_arena(addr + size - 1))
        return false;
    bool has = true;
    pthread_mutex_lock(&arena_lock);
    for (size_t i = page_index(addr); has && i <= page_index(addr + size - 1); i++)
        has = owner[i] == m;
    pthread_mutex_unlock(&arena_lock);
    return has;
}

static void map_unmap(struct host_map *m, vaddr_t addr, size_t size)
{
    vaddr_t start = ROUND_DOWN(addr, PAGE_SIZE), end = ROUND_UP(addr + size, PAGE_SIZE);
    pthread_mutex_lock(&arena_lock);
    for (vaddr_t a = start; a < end; a += PAGE_SIZE) {
        if (!in_arena(a) || owner[page_index(a)] != m)
            continue;
        owner[page_index(a)] = NULL;
        m->pages--;
        memset((void *)a, 0x5a, PAGE_SIZE);     /* a use after deallocation shows */
    }
    pthread_mutex_unlock(&arena_lock);
}

kern_return_t vm_allocate(vm_map_t map, vaddr_t *addr, vm_size_t size, bool anywhere)
{
    if (!anywhere || size == 0)
        return KERN_INVALID_ARGUMENT;
    if (fail_now(&vm_fail))
        return KERN_NO_SPACE;
    *addr = ipc_host_map_alloc(map, size);
    return *addr != 0 ? KERN_SUCCESS : KERN_NO_SPACE;
}

kern_return_t vm_deallocate(vm_map_t map, vaddr_t addr, vm_size_t size)
{
    if (size != 0)
        map_unmap(host_map(map), addr, size);
    return KERN_SUCCESS;
}

/* A copy object: the bytes, taken when it was made. */
struct host_copy {
    struct vm_map_copy base;
    uint8_t *data;
};

kern_return_t vm_map_copyin(vm_map_t map, vaddr_t addr, vm_size_t size, bool src_destroy,
                            vm_map_copy_t *copy)
{
    if (size == 0 || addr + size < addr)
        return KERN_INVALID_ARGUMENT;
    if (!ipc_host_map_has(map, addr, size))
        return KERN_INVALID_ADDRESS;
    if (fail_now(&vm_fail))
        return KERN_RESOURCE_SHORTAGE;
    struct host_copy *c = calloc(1, sizeof(*c));
    c->data = malloc(size);
    memcpy(c->data, (void *)addr, size);
    list_init(&c->base.entries);
    c->base.offset = addr & PAGE_MASK;
    c->base.size = size;
    if (src_destroy)
        map_unmap(host_map(map), addr, size);
    __atomic_add_fetch(&copies_live, 1, __ATOMIC_RELAXED);
    *copy = &c->base;
    return KERN_SUCCESS;
}

void vm_map_copy_discard(vm_map_copy_t copy)
{
    if (copy == NULL)
        return;
    struct host_copy *c = container_of(copy, struct host_copy, base);
    __atomic_sub_fetch(&copies_live, 1, __ATOMIC_RELAXED);
    free(c->data);
    free(c);
}

kern_return_t vm_map_copyout(vm_map_t map, vaddr_t *addr, vm_map_copy_t copy)
{
    if (fail_now(&vm_fail))
        return KERN_NO_SPACE;
    vaddr_t base = ipc_host_map_alloc(map, copy->offset + copy->size);
    if (base == 0)
        return KERN_NO_SPACE;
    struct host_copy *c = container_of(copy, struct host_copy, base);
    memcpy((void *)(base + copy->offset), c->data, copy->size);
    *addr = base + copy->offset;
    vm_map_copy_discard(copy);
    return KERN_SUCCESS;
}

/* Is [addr, addr + len) user memory the current task may touch? */
static bool user_ok(uintptr_t addr, size_t len)
{
    if (len == 0)
        return true;
    if (addr < USER_MIN || addr + len < addr)
        return false;
    if (!in_arena(addr) && !in_arena(addr + len - 1))
        return true;                    /* a test's own buffer */
    return host_task.map != NULL && ipc_host_map_has(host_task.map, addr, len);
}

long copyin(const void *user_src, void *kernel_dst, size_t len)
{
    if (fail_now(&copy_fail) || !user_ok((uintptr_t)user_src, len))
        return -1;
    memcpy(kernel_dst, user_src, len);
    return 0;
}

long copyout(const void *kernel_src, void *user_dst, size_t len)
{
    if (fail_now(&copy_fail) || !user_ok((uintptr_t)user_dst, len))
        return -1;
    memcpy(user_dst, kernel_src, len);
    return 0;
}

/* ---- set-up, tasks, leak checks ---- */

void ipc_host_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&arena_lock, &attr);
    arena = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
    assert_non_null(arena);
    ipc_port_bootstrap();
    ipc_space_bootstrap();
    ipc_pset_bootstrap();
    ipc_notify_bootstrap();
    /* The port id table grows in chunks it keeps: grow it now, out of the counts. */
    enum { WARM = 20000 };
    struct ipc_port **ports = calloc(WARM, sizeof(*ports));
    for (unsigned i = 0; i < WARM; i++)
        assert_non_null(ports[i] = ipc_port_alloc());
    for (unsigned i = 0; i < WARM; i++) {
        spin_lock(&ports[i]->lock);
        ipc_port_destroy(ports[i]);
    }
    free(ports);
    kmem_base = kmem_live;
}

struct ipc_host_task *ipc_host_task_create(void)
{
    struct ipc_host_task *t = calloc(1, sizeof(*t));
    struct host_map *m = calloc(1, sizeof(*m));
    m->magic = MAP_MAGIC;
    t->map = (struct vm_map *)m;
    t->space = ipc_space_create();
    assert_non_null(t->space);
    return t;
}

void ipc_host_task_destroy(struct ipc_host_task *t)
{
    if (host_task.space == t->space)
        ipc_host_set_current(NULL);
    ipc_space_destroy(t->space);
    ipc_space_release(t->space);
    struct host_map *m = host_map(t->map);
    map_unmap(m, (vaddr_t)arena, ARENA_PAGES * PAGE_SIZE);
    m->magic = 0;
    free(m);
    free(t);
}

void ipc_host_set_current(struct ipc_host_task *t)
{
    host_task.space = t != NULL ? t->space : NULL;
    host_task.map = t != NULL ? t->map : NULL;
}

void ipc_host_check_clean(void)
{
    assert_int_equal(ipc_port_count(), 0);
    assert_int_equal(ipc_pset_count(), 0);
    assert_int_equal(host_zone_in_use("ipc_port"), 0);
    assert_int_equal(host_zone_in_use("ipc_space"), 0);
    assert_int_equal(host_zone_in_use("ipc_pset"), 0);
    assert_int_equal(host_zone_in_use("ipc_dnrequest"), 0);
    assert_int_equal(copies_live, 0);
    assert_int_equal(kmem_live, kmem_base);
    assert_int_equal(stuck_waits, 0);
}

/* ---- messages ---- */

void ipc_host_msg_init(struct ipc_host_msg *m, mach_msg_bits_t bits, mach_port_name_t remote,
                       mach_port_name_t local, mach_msg_id_t id)
{
    memset(m->w, 0, sizeof(mach_msg_user_header_t));
    m->hdr.msgh_bits = bits;
    m->hdr.msgh_remote_port = remote;
    m->hdr.msgh_local_port = local;
    m->hdr.msgh_id = id;
    m->size = sizeof(mach_msg_user_header_t);
}

static void put(struct ipc_host_msg *m, const void *data, size_t len)
{
    assert_true(m->size + ROUND_UP(len, 4) <= sizeof(m->w));
    uint8_t *p = (uint8_t *)m->w + m->size;
    if (data != NULL)
        memcpy(p, data, len);
    else
        memset(p, 0, len);
    memset(p + len, 0, ROUND_UP(len, 4) - len);
    m->size += ROUND_UP(len, 4);
}

uint32_t ipc_host_msg_item(struct ipc_host_msg *m, mach_msg_type_name_t name, unsigned size,
                           unsigned number, bool is_inline, bool longform, bool dealloc,
                           const void *data, size_t dlen)
{
    uint32_t off = m->size;
    assert_true(longform || (number < 4096 && name < 256 && size < 256));
    mach_msg_type_t t = { .msgt_inline = is_inline, .msgt_longform = longform,
                          .msgt_deallocate = dealloc };
    if (!longform) {
        t.msgt_name = name;
        t.msgt_size = size;
        t.msgt_number = number;
        put(m, &t, 4);
    } else {
        mach_msg_type_long_t l = { .msgtl_header = t, .msgtl_name = (unsigned short)name,
                                   .msgtl_size = (unsigned short)size, .msgtl_number = number };
        put(m, &l, 12);
    }
    put(m, data, dlen);
    return off;
}

uint32_t ipc_host_msg_port(struct ipc_host_msg *m, mach_msg_type_name_t disp,
                           mach_port_name_t name)
{
    return ipc_host_msg_item(m, disp, 32, 1, true, false, false, &name, 4);
}

uint32_t ipc_host_msg_ool(struct ipc_host_msg *m, mach_msg_type_name_t name, unsigned size,
                          unsigned number, bool dealloc, vaddr_t addr)
{
    uint64_t a = addr;
    return ipc_host_msg_item(m, name, size, number, false, false, dealloc, &a, 8);
}

mach_msg_return_t ipc_host_send(struct ipc_host_task *t, struct ipc_host_msg *m)
{
    struct ipc_kmsg *k;
    ipc_host_set_current(t);
    mach_msg_return_t mr = ipc_kmsg_copyin(m->w, m->size, t->space, t->map, &k);
    if (mr != MACH_MSG_SUCCESS)
        return mr;
    return ipc_mqueue_send(k, MACH_SEND_TIMEOUT, 0, false, NULL);
}

mach_msg_return_t ipc_host_receive(struct ipc_host_task *t, mach_port_name_t name,
                                   struct ipc_host_msg *out, mach_msg_size_t room,
                                   mach_msg_option_t option)
{
    struct ipc_kmsg *k;
    mach_msg_size_t needed = 0;
    assert_true(room <= sizeof(out->w));
    ipc_host_set_current(t);
    mach_msg_return_t mr = ipc_mqueue_receive(t->space, name, option | MACH_RCV_TIMEOUT, room,
                                              0, &k, &needed, NULL);
    if (mr == MACH_RCV_TOO_LARGE && (option & MACH_RCV_LARGE))
        out->hdr.msgh_size = needed;
    if (mr != MACH_MSG_SUCCESS)
        return mr;
    mr = ipc_kmsg_copyout(k, t->space, t->map, out->w);
    out->size = out->hdr.msgh_size;
    return mr;
}

struct ipc_port *ipc_host_port(struct ipc_host_task *t, mach_port_name_t name)
{
    spin_lock(&t->space->lock);
    struct ipc_entry *e = ipc_entry_lookup(t->space, name);
    struct ipc_port *p = e != NULL && !(e->type & MACH_PORT_TYPE_PORT_SET) ? e->object : NULL;
    spin_unlock(&t->space->lock);
    return p;
}

bool ipc_host_msg_get_item(const struct ipc_host_msg *m, unsigned i, struct ipc_item *it)
{
    const uint8_t *base = (const uint8_t *)m->w;
    uint32_t end = m->hdr.msgh_size;
    for (uint32_t off = sizeof(mach_msg_user_header_t); off < end; off = it->data + it->dlen) {
        if (ipc_item_decode(base, off, end, false, it) != MACH_MSG_SUCCESS)
            return false;
        if (i-- == 0)
            return true;
    }
    return false;
}
