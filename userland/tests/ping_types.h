/* SPDX-License-Identifier: MIT */
/* C types for ping.defs. */
#ifndef _PING_TYPES_H_
#define _PING_TYPES_H_

typedef char inline_data_t[4096];
typedef const char *const_inline_data_t;

#endif /* _PING_TYPES_H_ */
