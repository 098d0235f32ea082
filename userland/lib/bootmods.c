// SPDX-License-Identifier: MIT
/*
 * The first task's boot modules: a file looked up by name in the archive
 * the kernel mapped for it, with the kernel's own checked cpio reader
 * (kern/bootmod.c, built into libmach).
 */
#include <stdio.h>
#include <string.h>
#include <kern/bootmod.h>
#include <mach.h>
#include <rvmach/exec.h>

kern_return_t rvmach_bootmod_find(const char *name, const void **data, size_t *size,
                                  char *err, size_t errlen)
{
    struct bootmod_archive ar;
    struct bootmod_entry e;
    if (rvmach_bootmods == NULL || rvmach_bootmods_size == 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "bootmod: this task was given no boot modules");
        return KERN_FAILURE;
    }
    if (bootmod_open(&ar, rvmach_bootmods, rvmach_bootmods_size, err, errlen) != KERN_SUCCESS)
        return KERN_FAILURE;
    if (!bootmod_find(&ar, name, &e) || !bootmod_is_file(&e)) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "bootmod: no boot module named '%s'", name);
        return KERN_INVALID_NAME;
    }
    *data = e.data;
    *size = e.size;
    return KERN_SUCCESS;
}
