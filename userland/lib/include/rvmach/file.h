/* SPDX-License-Identifier: MIT */
/*
 * Files for C programs: picolibc's POSIX calls (open, read, write, lseek,
 * close, fstat, stat, unlink, rename, mkdir, rmdir, ftruncate, truncate,
 * fsync, sync, chdir, getcwd, isatty, access) and <dirent.h> (opendir,
 * readdir, closedir ...) implemented in libmach over the file protocol
 * (userland/defs/fs.defs).  stdio's fopen, fread, fprintf ... work on top
 * of them (picolibc's fdopen).  File descriptors 0, 1 and 2 are the
 * console (through stdin/stdout/stderr) until closed.
 *
 * The file server is found on first use as "fs" through the name service;
 * errors come back in errno (rvmach_errno tells how).  Paths are resolved
 * against a current directory kept here ("/" at start).
 * docs/storage.md tells the whole story.
 */
#ifndef _RVMACH_FILE_H_
#define _RVMACH_FILE_H_

#include <mach/kern_return.h>
#include <mach/port.h>
#include <rvmach/fs_types.h>
#include <rvmach/fs_user.h>             /* the MIG user stubs (generated) */

/* The most descriptors a task has open at once. */
#define RVMACH_FD_MAX 64

/*
 * Use the file server at `fs` (a send right the library keeps, replacing
 * any earlier one); MACH_PORT_NULL: forget it and look "fs" up again on
 * the next call.
 */
void rvmach_file_connect(mach_port_t fs);

/* The file server in use, looked up if need be; MACH_PORT_NULL if there is none. */
mach_port_t rvmach_file_server(void);

/* The errno value for a file-protocol, blk, MIG or mach_msg error code. */
int rvmach_errno(kern_return_t kr);

/* The port of open file descriptor fd (not the console), or MACH_PORT_NULL. */
mach_port_t rvmach_file_port(int fd);

/* statfs of the file server: 0, or -1 with errno. */
int rvmach_statfs(fs_statfs_t *st);

/*
 * Unmount the file system (fs_shutdown): everything written back and the
 * file system marked clean; the server refuses all requests afterwards.
 * For a clean power-off.  0, or -1 with errno.
 */
int rvmach_fs_shutdown(void);

/*
 * For rvmach_child_init: a child made with inherited memory has none of
 * its parent's ports; its descriptors beyond the console are closed and
 * the server is looked up again (through the child's bootstrap port).
 */
void rvmach_file_child_init(void);

#endif /* _RVMACH_FILE_H_ */
