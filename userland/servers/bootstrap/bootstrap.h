/* SPDX-License-Identifier: MIT */
/*
 * The bootstrap server's parts: the name table (names.c), the programs it
 * started (children.c), the boot script (script.c), message clean-up
 * (msg.c), all driven by one thread's receive loop (main.c).  Single-
 * threaded: nothing here needs a lock.
 */
#ifndef _BOOTSTRAP_H_
#define _BOOTSTRAP_H_

#include <stdbool.h>
#include <stdint.h>
#include <mach.h>
#include <rvmach/name.h>

#define BS_MAX_NAMES        256     /* registered names at once */
#define BS_MAX_CHILDREN     64      /* started programs alive at once */
#define BS_WAIT_MS          15000   /* how long `wait=NAME` waits */
#define BS_LINE_MAX         256     /* bytes in a boot-script line */
#define BS_ARGS_MAX         32      /* words of a program's command line */

/* Where kernel notifications (dead names) arrive: our receive right. */
extern mach_port_t bs_notify_port;

/* ---- names.c: the name table, served through name.defs ---- */

/* The MIG demultiplexer of name.defs (nameServer.c). */
boolean_t name_server(mach_msg_header_t *in, mach_msg_header_t *out);

/* True if `name` is registered to a live port. */
bool names_registered(const char *name);

/* The port `port` died: forget the names registered with it (says so). */
void names_port_died(mach_port_t port);

/* True if some entry holds a right named `port`. */
bool names_use(mach_port_t port);

/* ---- children.c: the programs bootstrap started ---- */

struct boot_line;
struct child;

/*
 * Start the program of line `l` from the boot modules, its bootstrap port
 * a send right to `service`, and watch for its death.  Returns the child,
 * or NULL after printing why it was skipped.
 */
struct child *children_start(const struct boot_line *l, const char *conf,
                             mach_port_t service);

/* `port` died: if it was a child's task port, say so and forget the child. */
void children_port_died(mach_port_t port);

bool children_use(mach_port_t port);

/* The child's program name, for messages. */
const char *child_name(const struct child *c);

/* ---- script.c: the boot script ---- */

/* One parsed line: `[priv] [wait=SERVICE] PROGRAM [args...]`. */
struct boot_line {
    unsigned lineno;
    bool priv;                          /* gets the host privileged port */
    char wait[RVMACH_NAME_MAX + 1];     /* "" or the name to wait for */
    int argc;
    char *argv[BS_ARGS_MAX + 1];        /* into buf; argv[0] the program */
    char buf[BS_LINE_MAX];
};

/* Read and parse the boot script `conf` from the boot modules (says what is wrong). */
void script_load(const char *conf);

/* Start programs until the script ends or waits for a name. */
void script_continue(mach_port_t service);

/* How long the receive loop may wait (ms), 0 = no limit; and when it timed out. */
mach_msg_timeout_t script_wait_ms(void);
void script_wait_check(void);

/* Events the wait cares about. */
void script_name_registered(const char *name);
void script_child_died(const struct child *c);

/* ---- msg.c ---- */

/* Release the rights and memory a received message carries in its body. */
void msg_destroy_received(mach_msg_header_t *m);

/* Release what an unsent message of ours would have moved (MOVE_*, dealloc memory). */
void msg_destroy_unsent(mach_msg_header_t *m);

/* ---- main.c ---- */

/*
 * Let go of one user reference to the right `port` an entry or child held:
 * a live right loses one reference; a dead name, once nothing here uses
 * it any more, goes entirely (with the reference its notification added).
 */
void bs_release_right(mach_port_t port);

#endif /* _BOOTSTRAP_H_ */
