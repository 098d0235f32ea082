/* SPDX-License-Identifier: MIT */
/* For host tests that link kern/zalloc.c: how many elements a zone has out. */
#ifndef _HOST_ZONES_H_
#define _HOST_ZONES_H_

#include <string.h>
#include <kern/zalloc.h>

/* Elements in use in the zone called `name` (0 if there is none). */
static inline size_t host_zone_in_use(const char *name)
{
    struct zone_info info[64];
    size_t n = zone_info_all(info, 64);
    for (size_t i = 0; i < n && i < 64; i++)
        if (strcmp(info[i].name, name) == 0)
            return info[i].in_use;
    return 0;
}

#endif
