// SPDX-License-Identifier: MIT
/* From _start to main(): TLS, constructors, the task's own port, exit. */
#include <picolibc.h>
#include <picotls.h>
#include <stdlib.h>
#include <mach.h>
#include <rvmach/console.h>
#include <rvmach/file.h>

extern char __tls_base[];
extern void __libc_init_array(void);
int main(int argc, char **argv);
void __rvmach_start(int argc, char **argv, mach_port_t host_priv, uintptr_t mods,
                    size_t mods_size);

mach_port_t __mach_task_self_;
mach_port_t rvmach_host_priv;
const void *rvmach_bootmods;
size_t rvmach_bootmods_size;

void __rvmach_start(int argc, char **argv, mach_port_t host_priv, uintptr_t mods,
                    size_t mods_size)
{
    _set_tls(__tls_base);               /* the main thread uses .tdata/.tbss in place */
    __mach_task_self_ = mach_task_self_trap();
    rvmach_host_priv = host_priv;
    rvmach_bootmods = (const void *)mods;
    rvmach_bootmods_size = mods_size;
    __libc_init_array();
    exit(main(argc, argv));
}

/*
 * In a task made by task_create with inherited memory, the first thread
 * starts with a copy of its parent's memory: per-task values copied from the
 * parent (the task's own port name, the reply port) are wrong there.
 */
void rvmach_child_init(void)
{
    __mach_task_self_ = mach_task_self_trap();
    mig_forget_reply_port();
    rvmach_host_priv = MACH_PORT_NULL;
    rvmach_bootmods = NULL;
    rvmach_bootmods_size = 0;
    rvmach_console_child_init();        /* the parent's console port name means nothing here */
    rvmach_file_child_init();           /* nor its open files' ports */
}
