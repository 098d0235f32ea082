/* SPDX-License-Identifier: MIT */
/*
 * The name service (userland/defs/name.defs), as clients use it: the MIG
 * stubs name_register / name_lookup / name_unregister / name_list, and
 * helpers that reach the service through the task's bootstrap port.
 * docs/servers.md tells the whole story.
 */
#ifndef _RVMACH_NAME_H_
#define _RVMACH_NAME_H_

#include <stdbool.h>
#include <mach/kern_return.h>
#include <mach/port.h>
#include <rvmach/name_types.h>
#include <rvmach/name_user.h>           /* the MIG user stubs (generated) */

/*
 * What the service answers (every routine may also fail with a MIG or
 * mach_msg error, e.g. MACH_SEND_INVALID_DEST when there is no service):
 *
 *   KERN_SUCCESS
 *   KERN_INVALID_ARGUMENT    the name is not a valid name (rvmach_name_ok),
 *                            or not NUL-terminated inside its 64 bytes
 *   KERN_INVALID_NAME        lookup, unregister: no such name (never
 *                            registered, unregistered, or its port died)
 *   KERN_NAME_EXISTS         register: the name is held by a live port
 *   KERN_INVALID_CAPABILITY  register: the port is null or dead
 *   KERN_RESOURCE_SHORTAGE   register: the table is full; list: no memory
 *
 * A name whose port dies is forgotten: it is never handed out again and
 * may be registered anew.  Anyone may unregister any name (there is no
 * owner: the service is for cooperating servers, not a security boundary).
 */

/*
 * A valid name: 1 to RVMACH_NAME_MAX characters, each a printable ASCII
 * character other than space ('!' to '~').
 */
bool rvmach_name_ok(const char *name);

/*
 * A send right to the port registered as `name`, asked of the name
 * service on this task's bootstrap port.  Checks the name first (no silent
 * truncation): KERN_INVALID_ARGUMENT.  MACH_SEND_INVALID_DEST: this task
 * has no bootstrap port.  Otherwise the codes above.
 */
kern_return_t rvmach_lookup(const char *name, mach_port_t *port);

/* Register `port` (a send right of ours, copied) as `name`; codes as above. */
kern_return_t rvmach_register(const char *name, mach_port_t port);

/* Forget `name`; codes as above. */
kern_return_t rvmach_unregister(const char *name);

#endif /* _RVMACH_NAME_H_ */
