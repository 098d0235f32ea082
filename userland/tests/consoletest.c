// SPDX-License-Identifier: MIT
/*
 * System tests of the console (init=consoletest): the uart server runs in
 * a thread of this task (it needs the host privileged port the first task
 * gets); its clients are this task's main thread and children made with
 * tl_spawn, whose bootstrap port is the console.  TEST lines go through
 * the server; the harness types on the serial line after "READY ..." lines
 * (test/qemu/CMakeLists.txt says what it types and what it expects back).
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <rvmach/console.h>
#include "console_server.h"
#include "msgutil.h"
#include "testlib.h"

static mach_port_t console;     /* send right to the server (same task) */

static void serve(void *arg)
{
    (void)arg;
    uart_server_run();
}

/* A child's start: use the console it was given as its bootstrap port. */
static void child_connect(void)
{
    rvmach_console_connect(tl_bootstrap_port());
}

/* Say so where the harness sees it even when the console is broken. */
static void child_fail(const char *what)
{
    char line[160];
    int n = snprintf(line, sizeof(line), "TEST %s FAIL (in a child)\n", what);
    rvmach_debug_write(line, (size_t)n);
}

/* ---- output ---- */

/*
 * One 40000-byte write: split by the library into 2048-byte requests, more
 * than the server's output queue holds (so writers wait), arriving intact.
 */
static void test_write_long(void)
{
    static char buf[40000];
    memcpy(buf, "LONG:", 5);
    for (int i = 0; i < 3999; i++)
        memcpy(buf + 5 + 10 * i, "0123456789", 10);
    memcpy(buf + sizeof(buf) - 5, ":END\n", 5);
    fflush(stdout);
    CHECK(rvmach_console_write(buf, sizeof(buf)) == (ssize_t)sizeof(buf), "short write");
}

enum { WRITERS = 6, WRITES = 25, PAYLOAD = 1000 };

/* Writer k: WRITES lines "MW k i <PAYLOAD letters> END", one console_write each. */
static void writer_child(void *arg)
{
    int k = (int)(uintptr_t)arg;
    child_connect();
    static char line[PAYLOAD + 32];
    for (int i = 0; i < WRITES; i++) {
        int n = snprintf(line, sizeof(line), "MW %d %d ", k, i);
        memset(line + n, 'a' + k, PAYLOAD);
        n += PAYLOAD;
        memcpy(line + n, " END\n", 5);
        uint32_t written = 0;
        kern_return_t kr = console_write(rvmach_console_port(), line, (uint32_t)n + 5, &written);
        if (kr != KERN_SUCCESS || written != (uint32_t)n + 5) {
            child_fail("console.many_writers");
            return;
        }
    }
}

/* Many clients writing at once: every write comes out whole (the harness counts the lines). */
static void test_many_writers(void)
{
    task_t tasks[WRITERS];
    int started = 0;
    for (int k = 0; k < WRITERS; k++)
        if (CHECK(tl_spawn(writer_child, (void *)(uintptr_t)k, console, &tasks[k]) == KERN_SUCCESS,
                  "spawn %d", k))
            started++;
    for (int k = 0; k < started; k++) {
        CHECK(tl_wait_dead(tasks[k], 30000), "writer %d did not finish", k);
        mach_port_deallocate(mach_task_self(), tasks[k]);
    }
}

/* ---- input ---- */

static bool read_line(char *buf, size_t size)
{
    fflush(stdout);
    if (fgets(buf, (int)size, stdin) != NULL)
        return true;
    buf[0] = '\0';
    clearerr(stdin);
    return false;
}

/*
 * Cooked mode, through stdin: echo, DEL, Ctrl-U, erasing a UTF-8
 * character, "\r\n" as one Enter (no empty line after "cafe"); a line per read.
 */
static void test_cooked(void)
{
    static const char *const want[] = { "hello world\n", "ok\n", "cafe\n", "end\n" };
    char line[128];
    printf("READY cooked\n");
    for (unsigned i = 0; i < 4; i++) {
        bool got = read_line(line, sizeof(line));
        CHECK(got && strcmp(line, want[i]) == 0, "line %u: got \"%s\"", i, line);
        printf("GOT cooked %u\n", i + 1);
    }
}

/* Read exactly n bytes (several reads in raw mode). */
static kern_return_t read_exactly(char *buf, size_t n)
{
    for (size_t have = 0; have < n;) {
        size_t got = 0;
        kern_return_t kr = rvmach_console_read(buf + have, n - have, &got);
        if (kr != KERN_SUCCESS)
            return kr;
        if (got == 0)
            return KERN_FAILURE;
        have += got;
    }
    return KERN_SUCCESS;
}

/* A child that only waits (for the foreground tests). */
static void idle_child(void *arg)
{
    (void)arg;
    child_connect();
    mach_port_t p = msg_new_port();
    struct any_msg m;
    msg_receive(p, &m, 30000);
}

/* Raw mode: every byte, unechoed; ^C and ^D are bytes and the foreground lives on. */
static void test_raw(void)
{
    task_t child;
    if (!CHECK(tl_spawn(idle_child, NULL, console, &child) == KERN_SUCCESS, "spawn"))
        return;
    CHECK_KR(rvmach_console_set_foreground(child));
    CHECK_KR(rvmach_console_set_mode(CONSOLE_MODE_RAW));
    printf("READY raw\n");
    char buf[6];
    CHECK_KR(read_exactly(buf, sizeof(buf)));
    printf("RAWGOT");
    for (unsigned i = 0; i < sizeof(buf); i++)
        printf(" %02x", (uint8_t)buf[i]);
    printf("\n");
    CHECK(memcmp(buf, "a\x03\x04\x7f\rb", 6) == 0, "wrong bytes");
    CHECK(!tl_wait_dead(child, 100), "^C in raw mode ended the foreground task");
    CHECK_KR(rvmach_console_set_mode(CONSOLE_MODE_COOKED));
    CHECK_KR(rvmach_console_set_foreground(MACH_PORT_NULL));
    task_terminate(child);
    tl_wait_dead(child, 5000);
    mach_port_deallocate(mach_task_self(), child);
}

/* Ctrl-D: a half line is delivered as it is; on an empty line, end of input. */
static void test_eof(void)
{
    char buf[64];
    size_t got = 99;
    fflush(stdout);
    printf("READY eof\n");
    CHECK_KR(rvmach_console_read(buf, sizeof(buf), &got));
    CHECK(got == 3 && memcmp(buf, "abc", 3) == 0, "got %u bytes", (unsigned)got);
    CHECK_KR(rvmach_console_read(buf, sizeof(buf), &got));
    CHECK(got == 0, "no end of input: %u bytes", (unsigned)got);
    CHECK(getchar() == EOF && feof(stdin), "stdin did not see the end of input");
    clearerr(stdin);
    printf("\n");                       /* the echo "abc" has no newline of its own */
}

/* The foreground child: reads from stdin until Ctrl-C ends it. */
static void reading_child(void *arg)
{
    (void)arg;
    child_connect();
    char line[64];
    fgets(line, sizeof(line), stdin);   /* never returns: ^C ends this task */
    child_fail("console.intr (the foreground read returned)");
}

static _Atomic int reader_done;
static kern_return_t reader_kr;

/* A second reader, in this task: Ctrl-C must answer it with KERN_ABORTED. */
static void reader_thread(void *arg)
{
    (void)arg;
    char buf[64];
    mach_msg_type_number_t n = sizeof(buf);
    reader_kr = console_read(console, sizeof(buf), buf, &n);
    atomic_store(&reader_done, 1);
}

/* Ctrl-C in cooked mode: the foreground task ends, waiting readers hear KERN_ABORTED. */
static void test_intr(void)
{
    task_t child;
    thread_t thread;
    if (!CHECK(tl_spawn(reading_child, NULL, console, &child) == KERN_SUCCESS, "spawn"))
        return;
    CHECK_KR(rvmach_console_set_foreground(child));
    atomic_store(&reader_done, 0);
    CHECK_KR(rvmach_thread_spawn(reader_thread, NULL, 64 * 1024, &thread));
    rvmach_sleep_ms(300);               /* both reads reach the server */
    printf("READY intr\n");
    fflush(stdout);
    for (int i = 0; i < 2000 && !atomic_load(&reader_done); i++)
        rvmach_sleep_ms(10);
    CHECK(atomic_load(&reader_done) && reader_kr == KERN_ABORTED, "the second reader got %s",
          atomic_load(&reader_done) ? mach_error_string(reader_kr) : "nothing");
    CHECK(tl_wait_dead(child, 5000), "Ctrl-C did not end the foreground task");
    mach_port_deallocate(mach_task_self(), child);
    mach_port_deallocate(mach_task_self(), thread);
    char line[64];
    printf("READY after-intr\n");
    bool got = read_line(line, sizeof(line));
    CHECK(got && strcmp(line, "after\n") == 0, "after ^C: \"%s\" (typed input was not flushed?)",
          line);
}

/* ---- bad requests ---- */

#pragma pack(push, 4)
struct write_req {
    mach_msg_header_t head;
    mach_msg_type_t type;
    char data[4000];
};
#pragma pack(pop)

/* Send `m` (size bytes) with a reply port; the reply's RetCode, or the send/receive error. */
static kern_return_t rpc(mach_msg_header_t *m, mach_msg_size_t size, mach_msg_bits_t extra)
{
    mach_port_t reply = mach_reply_port();
    m->msgh_bits = extra | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    m->msgh_size = size;
    m->msgh_remote_port = console;
    m->msgh_local_port = reply;
    struct any_msg in;
    kern_return_t kr = mach_msg(m, MACH_SEND_MSG, size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    if (kr == MACH_MSG_SUCCESS)
        kr = msg_receive(reply, &in, 3000);
    mach_port_destroy(mach_task_self(), reply);
    return kr == MACH_MSG_SUCCESS ? ((mig_reply_header_t *)&in)->RetCode : kr;
}

static kern_return_t write_with(uint32_t number, mach_msg_size_t size)
{
    static struct write_req m;
    memset(&m, 'x', sizeof(m));
    m.head.msgh_id = 8200;
    m.type = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_CHAR, .msgt_size = 8,
                                .msgt_number = number, .msgt_inline = 1 };
    return rpc(&m.head, size, 0);
}

/* After the server dropped its copy of `p`'s send right, does no-senders come? */
static bool right_given_back(mach_port_t p, mach_port_t notify)
{
    struct any_msg m;
    mach_port_deallocate(mach_task_self(), p);  /* our send right: the last but the server's */
    bool ok = msg_receive(notify, &m, 2000) == MACH_MSG_SUCCESS &&
              m.head.msgh_id == MACH_NOTIFY_NO_SENDERS;
    mach_port_destroy(mach_task_self(), p);
    mach_port_destroy(mach_task_self(), notify);
    return ok;
}

static mach_port_t watched_port(mach_port_t *notify)
{
    mach_port_t p = msg_new_port(), previous;
    *notify = msg_new_port();
    mach_port_request_notification(mach_task_self(), p, MACH_NOTIFY_NO_SENDERS, 0, *notify,
                                   &previous);
    return p;
}

/* A foreground that is not a task: refused, its right given back, no hang. */
static void bad_foreground(void)
{
    mach_port_t notify, p = watched_port(&notify);
    CHECK(console_set_foreground(console, p) == KERN_INVALID_ARGUMENT, "a plain port accepted");
    struct any_msg m;
    if (msg_receive(p, &m, 100) == MACH_MSG_SUCCESS)
        mach_msg_destroy(&m.head);      /* the server's task_info probe, timed out */
    CHECK(right_given_back(p, notify), "the server kept the right");
}

/* A message with an unknown id, carrying a right: MIG_BAD_ID, the right given back. */
static void bad_id_with_right(void)
{
    mach_port_t notify, p = watched_port(&notify);
    struct port_msg m;
    memset(&m, 0, sizeof(m));
    m.head.msgh_id = 8250;
    m.type = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_COPY_SEND, .msgt_size = 32,
                                .msgt_number = 1, .msgt_inline = 1 };
    m.port = p;
    CHECK(rpc(&m.head, sizeof(m), MACH_MSGH_BITS_COMPLEX) == MIG_BAD_ID, "not MIG_BAD_ID");
    CHECK(right_given_back(p, notify), "the server kept the right");
}

/* A message bigger than the server receives: the kernel throws it away, the server goes on. */
static void too_large(void)
{
#pragma pack(push, 4)
    static struct {
        mach_msg_header_t head;
        mach_msg_type_long_t type;
        char data[12000];
    } m;
#pragma pack(pop)
    m.head = (mach_msg_header_t){ .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
                                  .msgh_size = sizeof(m), .msgh_remote_port = console,
                                  .msgh_id = 8200 };
    m.type = (mach_msg_type_long_t){ .msgtl_header = { .msgt_inline = 1, .msgt_longform = 1 },
                                     .msgtl_name = MACH_MSG_TYPE_CHAR, .msgtl_size = 8,
                                     .msgtl_number = sizeof(m.data) };
    CHECK_KR(mach_msg(&m.head, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
}

static void test_bad_requests(void)
{
    char buf[16];
    mach_msg_type_number_t n = sizeof(buf);
    CHECK(console_read(console, 0, buf, &n) == KERN_INVALID_ARGUMENT, "read of 0 bytes");
    CHECK(console_set_mode(console, 7) == KERN_INVALID_ARGUMENT, "mode 7");
    CHECK(write_with(3000, sizeof(mach_msg_header_t) + 4 + 3000) == KERN_INVALID_ARGUMENT,
          "a 3000-byte write");
    CHECK(write_with(100, sizeof(mach_msg_header_t) + 4 + 200) == MIG_BAD_ARGUMENTS,
          "a size that disagrees with the count");
    CHECK(write_with(100, sizeof(mach_msg_header_t)) == MIG_BAD_ARGUMENTS, "a truncated write");
    bad_foreground();
    bad_id_with_right();
    too_large();
    /* A read nobody can be answered for (no reply port): ignored. */
    struct int_msg r = { .head = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
                                   .msgh_size = sizeof(r), .msgh_remote_port = console,
                                   .msgh_id = 8201 },
                         .type = { .msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32,
                                   .msgt_number = 1, .msgt_inline = 1 },
                         .value = 10 };
    CHECK_KR(mach_msg(&r.head, MACH_SEND_MSG, sizeof(r), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
    uint32_t written = 0;
    CHECK_KR(console_write(console, "", 0, &written));
    CHECK(console_write(console, "still serving\n", 14, &written) == KERN_SUCCESS && written == 14,
          "the server stopped serving");
}

/* ---- the whole run ---- */

static struct rvmach_kstats base;

static void test_no_leaks(void)
{
    for (int i = 0; i < 200; i++) {
        rvmach_thread_reap_stacks();
        struct rvmach_kstats now = tl_stats();
        if (now.tasks == base.tasks && now.threads == base.threads && now.ports == base.ports)
            return;
        rvmach_sleep_ms(20);
    }
    struct rvmach_kstats now = tl_stats();
    CHECK(false, "tasks %lu (were %lu), threads %lu (%lu), ports %lu (%lu)",
          (unsigned long)now.tasks, (unsigned long)base.tasks, (unsigned long)now.threads,
          (unsigned long)base.threads, (unsigned long)now.ports, (unsigned long)base.ports);
}

int main(void)
{
    thread_t server;
    kern_return_t kr = uart_server_init(rvmach_host_priv, &console);
    if (kr == KERN_SUCCESS)
        kr = rvmach_thread_spawn(serve, NULL, 64 * 1024, &server);
    if (kr != KERN_SUCCESS) {
        printf("TEST console.start FAIL (%s)\n", mach_error_string(kr));
        return tl_finish();
    }
    rvmach_console_connect(console);
    printf("consoletest: output through the uart server\n");
    base = tl_stats_quiet();
    tl_run("console.write_long", test_write_long);
    tl_run("console.many_writers", test_many_writers);
    tl_run("console.cooked", test_cooked);
    tl_run("console.raw", test_raw);
    tl_run("console.eof", test_eof);
    tl_run("console.intr", test_intr);
    tl_run("console.bad_requests", test_bad_requests);
    tl_run("console.no_leaks", test_no_leaks);
    fflush(stdout);
    kr = rvmach_console_drain();        /* then the summary, by the debug trap, comes last */
    rvmach_console_connect(MACH_PORT_NULL);
    if (kr != KERN_SUCCESS)
        printf("consoletest: console_drain: %s\n", mach_error_string(kr));
    return tl_finish();
}
