/* SPDX-License-Identifier: MIT */
/* C types of the name service's MIG interface (userland/defs/name.defs). */
#ifndef _RVMACH_NAME_TYPES_H_
#define _RVMACH_NAME_TYPES_H_

/* Characters in a name: the message field is 64 bytes, NUL included. */
#define RVMACH_NAME_MAX     63

typedef char name_string_t[RVMACH_NAME_MAX + 1];
typedef const char *const_name_string_t;

#endif /* _RVMACH_NAME_TYPES_H_ */
