/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the storage tests (fstest, fsstress, fsdamage, fsbench):
 * whole-file reads and writes, deterministic data, CRC-32, FILECHECK lines
 * for the test script, and hand-made bad requests to the fs server.
 */
#ifndef _STORETEST_H_
#define _STORETEST_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* Write n bytes to path (created or truncated): 0, or -1 with errno. */
int st_write_file(const char *path, const char *data, size_t n);

/* Read at most size bytes of path: the count, or -1 with errno. */
long st_read_file(const char *path, char *buf, size_t size);

/* n bytes of pseudo-random data for `seed` (the same every time). */
void st_pattern(uint8_t *buf, size_t n, uint32_t seed);

/* The CRC-32 of [buf, buf + n) continued from crc (start with 0), as zlib's. */
uint32_t st_crc32(uint32_t crc, const void *buf, size_t n);

/* Print "FILECHECK path size crc32" for the test script (reads the whole file). */
void st_filecheck(const char *path);

/* A test: requests the stubs would never send, each refused with its error. */
void st_bad_requests(void);

/* A test: unmount the file system (fs_shutdown) so the image is clean. */
void st_unmount(void);

/* A place for stat results nobody reads. */
extern struct stat st_dummy;

#endif /* _STORETEST_H_ */
