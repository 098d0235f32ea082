// SPDX-License-Identifier: MIT
/* The smallest user program: prints, asks the kernel something, exits. */
#include <stdio.h>
#include <mach.h>

int main(int argc, char **argv)
{
    printf("hello from user mode: %s, %d argument(s)\n", argv[0], argc);
    struct host_basic_info info;
    mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
    kern_return_t kr = host_info(mach_host_self(), HOST_BASIC_INFO, (host_info_t)&info, &count);
    printf("host_info: %s, %d harts, %lu MiB\n", mach_error_string(kr), info.avail_cpus,
           (unsigned long)(info.memory_size >> 20));
    if (rvmach_host_priv != MACH_PORT_NULL)
        host_reboot(rvmach_host_priv, 0);
    return 0;
}
