// SPDX-License-Identifier: MIT
/* Helpers the MIG-generated kernel servers call. */
#include <mach/mig_support.h>

vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len)
{
    vm_size_t i = 0;
    if (len == 0)
        return 0;
    for (; i + 1 < len && src[i] != '\0'; i++)
        dst[i] = src[i];
    dst[i] = '\0';
    return i;
}
