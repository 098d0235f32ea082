// SPDX-License-Identifier: MIT
/*
 * Running a program from the disk: read the whole ELF file from the file
 * server into memory, let libmach's rvmach_exec build a new task from it
 * (task_create, vm_allocate, vm_write, vm_protect, thread_create ... all
 * RPCs to the kernel), make it the console's foreground task so Ctrl-C
 * ends it, and wait for its task port to die: the kernel turns our send
 * right into a dead name when the task ends, and a dead-name notification
 * we asked for tells us so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <rvmach/console.h>
#include <rvmach/exec.h>
#include "sh.h"

/* Programs bigger than this are refused rather than read into memory. */
#define PROGRAM_MAX (64u << 20)

/* Where a bare command name is looked for. */
#define BIN_DIR "/bin/"

/*
 * Read the file at `path` into memory from vm_allocate (page aligned, so
 * the ELF headers are aligned).  Returns 0, -1 if there is no such file
 * (errno ENOENT or ENOTDIR), or -2 after printing why it cannot be read.
 */
static int read_program(const char *cmd, const char *path, void **data, size_t *size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? -1 : (sh_error(cmd, "%s", strerror(errno)), -2);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        sh_error(cmd, "%s", strerror(errno));
        close(fd);
        return -2;
    }
    if (S_ISDIR(st.st_mode)) {
        sh_error(cmd, "is a directory");
        close(fd);
        return -2;
    }
    if (st.st_size <= 0 || (uint64_t)st.st_size > PROGRAM_MAX) {
        sh_error(cmd, "%lld bytes: not a program (at most %u MiB)", (long long)st.st_size,
                 PROGRAM_MAX >> 20);
        close(fd);
        return -2;
    }
    vm_address_t addr = 0;
    kern_return_t kr = vm_allocate(mach_task_self(), &addr, (vm_size_t)st.st_size, TRUE);
    if (kr != KERN_SUCCESS) {
        sh_error(cmd, "no memory for %lld bytes: %s", (long long)st.st_size, mach_error_string(kr));
        close(fd);
        return -2;
    }
    size_t done = 0, want = (size_t)st.st_size;
    while (done < want) {
        ssize_t n = read(fd, (char *)addr + done, want - done);
        if (n <= 0) {
            sh_error(cmd, "reading it: %s", n == 0 ? "the file ended early" : strerror(errno));
            vm_deallocate(mach_task_self(), addr, (vm_size_t)st.st_size);
            close(fd);
            return -2;
        }
        done += (size_t)n;
    }
    close(fd);
    *data = (void *)addr;
    *size = want;
    return 0;
}

/*
 * Wait until the task behind our send right `task` has ended.  Returns
 * after the right has become a dead name (which we then destroy).
 */
static void wait_for_task(const char *cmd, mach_port_t task)
{
    mach_port_t self = mach_task_self(), notify = MACH_PORT_NULL, previous = MACH_PORT_NULL;
    kern_return_t kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &notify);
    if (kr == KERN_SUCCESS)
        kr = mach_port_request_notification(self, task, MACH_NOTIFY_DEAD_NAME, 0, notify,
                                            &previous);     /* notify: make-send-once */
    if (kr == KERN_SUCCESS) {
        struct {
            mach_dead_name_notification_t n;
            char spare[64];
        } msg;
        for (;;) {
            kr = mach_msg(&msg.n.not_header, MACH_RCV_MSG, 0, sizeof(msg), notify, 0,
                          MACH_PORT_NULL);
            if (kr != KERN_SUCCESS) {
                sh_error(cmd, "waiting for it: %s", mach_error_string(kr));
                break;
            }
            if (msg.n.not_header.msgh_id == MACH_NOTIFY_DEAD_NAME && msg.n.not_port == task)
                break;
            mach_msg_destroy(&msg.n.not_header);    /* not ours: drop it */
        }
    } else {
        /* Already a dead name (the task ended at once) is the only expected failure. */
        mach_port_type_t type = 0;
        if (mach_port_type(self, task, &type) != KERN_SUCCESS || !(type & MACH_PORT_TYPE_DEAD_NAME))
            sh_error(cmd, "cannot wait for it: %s", mach_error_string(kr));
    }
    if (MACH_PORT_VALID(previous))
        mach_port_deallocate(self, previous);
    /* The right and the notification's extra reference on the dead name. */
    mach_port_destroy(self, task);
    if (MACH_PORT_VALID(notify))
        mach_port_destroy(self, notify);
}

int sh_run_program(struct sh *sh, int argc, char **argv)
{
    (void)sh;
    (void)argc;
    const char *name = argv[0];
    char path[256];
    if (strchr(name, '/') != NULL) {
        if (snprintf(path, sizeof(path), "%s", name) >= (int)sizeof(path))
            return sh_error(name, "the path is too long");
    } else if (snprintf(path, sizeof(path), BIN_DIR "%s", name) >= (int)sizeof(path)) {
        return 127;
    }
    void *elf;
    size_t size;
    int r = read_program(name, path, &elf, &size);
    if (r == -1)
        return 127;
    if (r < 0)
        return 1;

    char why[128];
    if (rvmach_elf_check(elf, size, why, sizeof(why)) != KERN_SUCCESS) {
        vm_deallocate(mach_task_self(), (vm_address_t)elf, size);
        return sh_error(name, "%s", why);
    }
    /*
     * The program gets our bootstrap port (so it finds the console and the
     * file server by name) and no host privilege.
     */
    mach_port_t bootstrap = MACH_PORT_NULL;
    task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &bootstrap);
    sh_console_cooked();                /* the program reads lines, echoed */
    fflush(stdout);
    task_t task = MACH_PORT_NULL;
    kern_return_t kr = rvmach_exec(elf, size, (const char *const *)argv, bootstrap,
                                   MACH_PORT_NULL, &task);
    vm_deallocate(mach_task_self(), (vm_address_t)elf, size);
    if (MACH_PORT_VALID(bootstrap))
        mach_port_deallocate(mach_task_self(), bootstrap);
    if (kr != KERN_SUCCESS)
        return sh_error(name, "cannot start it: %s", mach_error_string(kr));

    /* Ctrl-C now ends the program (the console server holds a copy of the right). */
    kr = rvmach_console_set_foreground(task);
    if (kr != KERN_SUCCESS && kr != MACH_SEND_INVALID_DEST)
        sh_error(name, "cannot make it the foreground task: %s", mach_error_string(kr));
    wait_for_task(name, task);
    rvmach_console_set_foreground(MACH_PORT_NULL);
    return 0;
}
