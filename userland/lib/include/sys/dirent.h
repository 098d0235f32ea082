/* SPDX-License-Identifier: MIT */
/*
 * Directory entries for <dirent.h>: picolibc leaves this header to the
 * system (its own refuses to compile).  rvmach's DIR reads listings from
 * the file server (userland/lib/dir.c).
 */
#ifndef _SYS_DIRENT_H
#define _SYS_DIRENT_H

#include <sys/types.h>

#define DT_UNKNOWN  0
#define DT_DIR      4
#define DT_REG      8
#define DT_LNK      10

struct dirent {
    ino_t d_ino;
    unsigned char d_type;       /* DT_* */
    char d_name[256];           /* NUL-terminated */
};

typedef struct rvmach_dir DIR;

#endif /* _SYS_DIRENT_H */
