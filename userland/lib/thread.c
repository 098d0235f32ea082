// SPDX-License-Identifier: MIT
/*
 * Starting threads in this task: thread_create, a stack and a TLS block
 * from vm_allocate, the registers set with thread_set_state, then
 * thread_resume.  The thread ends itself when its function returns.
 */
#include <picolibc.h>
#include <picotls.h>
#include <string.h>
#include <mach.h>

extern char __tls_size[], __tls_align[];

__attribute__((noreturn)) static void trampoline(void (*fn)(void *), void *arg)
{
    fn(arg);
    thread_terminate(mach_thread_self());
    for (;;)
        swtch();
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
    size_t tls = ((size_t)__tls_size + 63) & ~(size_t)63;
    size_t size = ((stack_size + tls + 4095) & ~(size_t)4095);
    vm_address_t base = 0;
    kern_return_t kr = vm_allocate(mach_task_self(), &base, size, TRUE);
    if (kr != KERN_SUCCESS)
        return kr;
    _init_tls((void *)base);            /* the TLS block sits at the bottom */
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
    ts.x[RISCV_REG_A0] = (uintptr_t)fn;
    ts.x[RISCV_REG_A1] = (uintptr_t)arg;
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
