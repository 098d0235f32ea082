// SPDX-License-Identifier: MIT
/*
 * The programs bootstrap starts: found in the boot modules, checked,
 * started with rvmach_exec, and watched: a dead-name notification on each
 * child's task port tells when it dies.
 */
#include <stdio.h>
#include <string.h>
#include <rvmach/exec.h>
#include "bootstrap.h"

/* A started program; task == MACH_PORT_NULL: a free slot.  Holds one user
 * reference to the send right `task`. */
struct child {
    char name[64];                      /* argv[0], cut to fit: for messages only */
    task_t task;
    int id;                             /* the kernel's task id, for messages */
};

static struct child children[BS_MAX_CHILDREN];

const char *child_name(const struct child *c)
{
    return c->name;
}

bool children_use(mach_port_t port)
{
    for (unsigned i = 0; i < BS_MAX_CHILDREN; i++) {
        if (children[i].task == port)
            return true;
    }
    return false;
}

static struct child *free_child(void)
{
    for (unsigned i = 0; i < BS_MAX_CHILDREN; i++) {
        if (children[i].task == MACH_PORT_NULL)
            return &children[i];
    }
    return NULL;
}

static int task_id(task_t task)
{
    struct task_basic_info info;
    mach_msg_type_number_t count = TASK_BASIC_INFO_COUNT;
    if (task_info(task, TASK_BASIC_INFO, (task_info_t)&info, &count) != KERN_SUCCESS)
        return -1;
    return info.id;
}

/* The program's image, or NULL after saying why not. */
static const void *find_program(const struct boot_line *l, const char *conf, size_t *size)
{
    const void *image;
    char err[128];
    kern_return_t kr = rvmach_bootmod_find(l->argv[0], &image, size, err, sizeof(err));
    if (kr == KERN_INVALID_NAME) {
        printf("bootstrap: %s:%u: no boot module '%s', skipped\n", conf, l->lineno, l->argv[0]);
        return NULL;
    }
    if (kr == KERN_SUCCESS)
        kr = rvmach_elf_check(image, *size, err, sizeof(err));
    if (kr != KERN_SUCCESS) {
        printf("bootstrap: %s:%u: '%s' is not a program I can start: %s, skipped\n", conf,
               l->lineno, l->argv[0], err);
        return NULL;
    }
    return image;
}

/* Ask for a dead-name notification on the child's task port. */
static void watch_child(const struct child *c)
{
    mach_port_t previous = MACH_PORT_NULL;
    kern_return_t kr = mach_port_request_notification(mach_task_self(), c->task,
                                                      MACH_NOTIFY_DEAD_NAME, 0, bs_notify_port,
                                                      &previous);
    if (kr != KERN_SUCCESS)
        printf("bootstrap: cannot watch '%s' (task %d): %s\n", c->name, c->id,
               mach_error_string(kr));
    if (MACH_PORT_VALID(previous))
        mach_port_deallocate(mach_task_self(), previous);
}

/*
 * Make the task with its thread suspended, fill in c, watch it, then let it
 * run.  A failure after the task exists terminates it; its death notice
 * then frees the slot.
 */
static kern_return_t launch(struct child *c, const struct boot_line *l, const void *image,
                            size_t size, mach_port_t service)
{
    task_t task;
    thread_t thread;
    kern_return_t kr = rvmach_exec_suspended(image, size, (const char *const *)l->argv, service,
                                             l->priv ? rvmach_host_priv : MACH_PORT_NULL,
                                             &task, &thread);
    if (kr != KERN_SUCCESS)
        return kr;
    strlcpy(c->name, l->argv[0], sizeof(c->name));
    c->task = task;
    c->id = task_id(task);
    watch_child(c);                     /* before it runs: its death cannot be missed */
    kr = thread_resume(thread);
    mach_port_deallocate(mach_task_self(), thread);
    if (kr != KERN_SUCCESS)
        task_terminate(task);
    return kr;
}

struct child *children_start(const struct boot_line *l, const char *conf, mach_port_t service)
{
    size_t size;
    const void *image = find_program(l, conf, &size);
    if (image == NULL)
        return NULL;
    struct child *c = free_child();
    if (c == NULL) {
        printf("bootstrap: %s:%u: too many programs (%d), '%s' skipped\n", conf, l->lineno,
               BS_MAX_CHILDREN, l->argv[0]);
        return NULL;
    }
    kern_return_t kr = launch(c, l, image, size, service);
    if (kr != KERN_SUCCESS) {
        printf("bootstrap: %s:%u: cannot start '%s': %s, skipped\n", conf, l->lineno,
               l->argv[0], mach_error_string(kr));
        return NULL;
    }
    printf("bootstrap: started '%s' (task %d)%s\n", c->name, c->id,
           l->priv ? " with the host privileged port" : "");
    return c;
}

void children_port_died(mach_port_t port)
{
    for (unsigned i = 0; i < BS_MAX_CHILDREN; i++) {
        struct child *c = &children[i];
        if (c->task != port)
            continue;
        printf("bootstrap: '%s' (task %d) died\n", c->name, c->id);
        script_child_died(c);
        c->task = MACH_PORT_NULL;
        bs_release_right(port);
        return;
    }
}
