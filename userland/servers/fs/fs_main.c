// SPDX-License-Identifier: MIT
/*
 * fs: the ext2 file server.  Arguments (all optional):
 *   disk=NAME   the blk disk to mount, by its registered name (default blk)
 *   name=NAME   the name to register the service as (default fs)
 *   ro          mount read-only
 *   force       mount read-write even if the file system was not clean
 *   cache=N     blocks in the ext2 block cache (default 2048)
 *   bcache=N    MiB of disk extents cached under it (default 32; 0: none)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mach.h>
#include <rvmach/name.h>
#include "fs_server.h"

struct args {
    const char *disk, *name;
    struct fs_server_opts opts;
};

static int parse(int argc, char **argv, struct args *a)
{
    *a = (struct args){ .disk = "blk", .name = "fs", .opts.bcache_bytes = 32u << 20 };
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strncmp(s, "disk=", 5) == 0)
            a->disk = s + 5;
        else if (strncmp(s, "name=", 5) == 0)
            a->name = s + 5;
        else if (strcmp(s, "ro") == 0)
            a->opts.read_only = true;
        else if (strcmp(s, "force") == 0)
            a->opts.force = true;
        else if (strncmp(s, "cache=", 6) == 0)
            a->opts.cache_blocks = (unsigned)strtoul(s + 6, NULL, 0);
        else if (strncmp(s, "bcache=", 7) == 0)
            a->opts.bcache_bytes = (size_t)strtoul(s + 7, NULL, 0) << 20;
        else {
            printf("fs: unknown argument '%s'\n", s);
            return -1;
        }
    }
    return 0;
}

/* The disk's port; waits a little for the blk server to register it. */
static mach_port_t find_disk(const char *name)
{
    mach_port_t port = MACH_PORT_NULL;
    kern_return_t kr = KERN_INVALID_NAME;
    for (int i = 0; i < 100 && kr == KERN_INVALID_NAME; i++) {
        kr = rvmach_lookup(name, &port);
        if (kr == KERN_INVALID_NAME)
            rvmach_sleep_ms(50);
    }
    if (kr != KERN_SUCCESS)
        printf("fs: no disk '%s': %s\n", name, mach_error_string(kr));
    return kr == KERN_SUCCESS ? port : MACH_PORT_NULL;
}

int main(int argc, char **argv)
{
    struct args a;
    if (parse(argc, argv, &a) != 0)
        return 1;
    mach_port_t disk = find_disk(a.disk);
    if (!MACH_PORT_VALID(disk) || fs_server_init(disk, &a.opts) != 0)
        return 1;
    mach_port_t port = fs_server_port();
    kern_return_t kr = mach_port_insert_right(mach_task_self(), port, port,
                                              MACH_MSG_TYPE_MAKE_SEND);
    if (kr == KERN_SUCCESS)
        kr = rvmach_register(a.name, port);
    if (kr != KERN_SUCCESS) {
        printf("fs: cannot register %s: %s\n", a.name, mach_error_string(kr));
        return 1;
    }
    fs_server_run();
}
