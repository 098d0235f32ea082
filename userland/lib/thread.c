// SPDX-License-Identifier: MIT
/*
 * Starting threads in this task: thread_create, a stack and a TLS block
 * from vm_allocate, the registers set with thread_set_state, then
 * thread_resume.  The thread ends itself when its function returns.
 */
#include <picolibc.h>
#include <picotls.h>
#include <stdbool.h>
#include <string.h>
#include <mach.h>

extern char __tls_size[], __tls_align[];

/*
 * Stacks of threads that have ended, to be given back once the thread is
 * surely gone (its port a dead name): a thread cannot free the stack it
 * runs on.  A small fixed table, lock-free: slots are claimed with atomics.
 */
#define DEAD_SLOTS 64
static struct dead_stack {
    vm_address_t base;          /* 0: free slot */
    vm_size_t size;
    mach_port_t thread;
} dead[DEAD_SLOTS];

static void remember_dead(vm_address_t base, vm_size_t size, mach_port_t thread)
{
    for (unsigned i = 0; i < DEAD_SLOTS; i++) {
        vm_address_t expected = 0;
        if (__atomic_compare_exchange_n(&dead[i].base, &expected, ~(vm_address_t)0, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            dead[i].size = size;
            dead[i].thread = thread;
            __atomic_store_n(&dead[i].base, base, __ATOMIC_RELEASE);
            return;
        }
    }
}

void rvmach_thread_reap_stacks(void)
{
    for (unsigned i = 0; i < DEAD_SLOTS; i++) {
        vm_address_t base = __atomic_load_n(&dead[i].base, __ATOMIC_ACQUIRE);
        if (base == 0 || base == ~(vm_address_t)0)
            continue;
        mach_port_type_t type;
        if (mach_port_type(mach_task_self(), dead[i].thread, &type) != KERN_SUCCESS ||
            !(type & MACH_PORT_TYPE_DEAD_NAME))
            continue;
        if (!__atomic_compare_exchange_n(&dead[i].base, &base, ~(vm_address_t)0, false,
                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            continue;
        vm_deallocate(mach_task_self(), base, dead[i].size);
        mach_port_deallocate(mach_task_self(), dead[i].thread);
        __atomic_store_n(&dead[i].base, 0, __ATOMIC_RELEASE);
    }
}

struct thread_start {
    void (*fn)(void *);
    void *arg;
    vm_address_t base;
    vm_size_t size;
};

__attribute__((noreturn)) static void trampoline(struct thread_start *st)
{
    st->fn(st->arg);
    remember_dead(st->base, st->size, mach_thread_self());
    rvmach_thread_exit();
}

static uintptr_t current_gp(void)
{
    uintptr_t gp;
    __asm__("mv %0, gp" : "=r"(gp));
    return gp;
}

kern_return_t rvmach_thread_spawn(void (*fn)(void *), void *arg, size_t stack_size,
                                  thread_t *out)
{
    rvmach_thread_reap_stacks();
    size_t tls = ((size_t)__tls_size + 63) & ~(size_t)63;
    size_t start = (sizeof(struct thread_start) + 15) & ~(size_t)15;
    size_t size = ((stack_size + tls + start + 4095) & ~(size_t)4095);
    vm_address_t base = 0;
    kern_return_t kr = vm_allocate(mach_task_self(), &base, size, TRUE);
    if (kr != KERN_SUCCESS)
        return kr;
    _init_tls((void *)base);            /* the TLS block sits at the bottom */
    struct thread_start *st = (struct thread_start *)(base + tls);
    *st = (struct thread_start){ fn, arg, base, size };
    thread_t t;
    kr = thread_create(mach_task_self(), &t);
    if (kr != KERN_SUCCESS) {
        vm_deallocate(mach_task_self(), base, size);
        return kr;
    }
    struct riscv_thread_state ts;
    memset(&ts, 0, sizeof(ts));
    ts.pc = (uintptr_t)trampoline;
    ts.x[RISCV_REG_SP] = (base + size) & ~(uintptr_t)15;
    ts.x[RISCV_REG_GP] = current_gp();
    ts.x[RISCV_REG_TP] = base;
    ts.x[RISCV_REG_A0] = (uintptr_t)st;
    kr = thread_set_state(t, RISCV_THREAD_STATE, (thread_state_t)&ts, RISCV_THREAD_STATE_COUNT);
    if (kr == KERN_SUCCESS)
        kr = thread_resume(t);
    if (kr != KERN_SUCCESS) {
        thread_terminate(t);
        mach_port_deallocate(mach_task_self(), t);
        vm_deallocate(mach_task_self(), base, size);
        return kr;
    }
    if (out != NULL)
        *out = t;
    else
        mach_port_deallocate(mach_task_self(), t);
    return KERN_SUCCESS;
}
