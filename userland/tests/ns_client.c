// SPDX-License-Identifier: MIT
/*
 * System tests of the name service, started last by bootstrap from
 * test-names.conf (with `priv`, to power off at the end): a lookup and an
 * RPC through it, a dead server's name, bad names, bad requests and bad
 * ports (the server must answer each and keep serving), a full table,
 * and that the kernel gets every port and page back.
 */
#include <string.h>
#include <rvmach/name.h>
#include "msgutil.h"
#include "ping.h"
#include "testlib.h"

#define ECHO    "test.echo"
#define DIER    "test.dier"

static mach_port_t server;              /* our bootstrap port: the name service */

/* ---- hand-made requests, laid out as name.defs' MIG stubs lay them out ---- */

#pragma pack(push, 4)
struct name_request {
    mach_msg_header_t head;
    mach_msg_type_t name_type;
    char name[64];
    mach_msg_type_t port_type;          /* name_register only */
    mach_port_t port;
};

struct name_reply {
    mach_msg_header_t head;
    mach_msg_type_t ret_type;
    kern_return_t ret;
    uint8_t rest[256];
};
#pragma pack(pop)

static void make_request(struct name_request *r, mach_msg_id_t id, const char *name,
                         size_t name_len)
{
    memset(r, 0, sizeof(*r));
    r->head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    r->head.msgh_remote_port = server;
    r->head.msgh_id = id;
    r->name_type = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_STRING_C, .msgt_size = 8,
                                      .msgt_number = 64, .msgt_inline = 1 };
    memcpy(r->name, name, name_len);
}

/*
 * Send the message at msg (size bytes, a header first) with a fresh reply
 * port; the reply's id in *id.  Returns its RetCode, or the mach_msg error.
 */
static kern_return_t raw_rpc_id(const void *msg, mach_msg_size_t size, mach_msg_id_t *id)
{
    union {
        mach_msg_header_t head;
        struct name_reply rep;
        uint8_t bytes[4096];
    } buf;
    mach_port_t reply = mach_reply_port();
    memcpy(&buf, msg, size);
    buf.head.msgh_bits = (buf.head.msgh_bits & ~MACH_MSGH_BITS_LOCAL_MASK) |
                         MACH_MSGH_BITS(0, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    buf.head.msgh_local_port = reply;
    buf.head.msgh_size = size;
    mach_msg_return_t mr = mach_msg(&buf.head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
                                    size, sizeof(buf), reply, 5000, MACH_PORT_NULL);
    mach_port_destroy(mach_task_self(), reply);
    *id = buf.head.msgh_id;
    return mr != MACH_MSG_SUCCESS ? mr : buf.rep.ret;
}

static kern_return_t raw_rpc(const void *msg, mach_msg_size_t size)
{
    mach_msg_id_t id;
    return raw_rpc_id(msg, size, &id);
}

/* ---- the tests ---- */

static kern_return_t dier_gone;         /* what lookup said once the dier had died */

/* Before any test: the dier registers, then dies; wait until its name is gone. */
static void wait_for_dier(void)
{
    mach_port_t p = MACH_PORT_NULL;
    dier_gone = KERN_SUCCESS;
    for (int waited = 0; waited < 10000 && dier_gone == KERN_SUCCESS; waited += 10) {
        dier_gone = rvmach_lookup(DIER, &p);
        if (dier_gone == KERN_SUCCESS) {
            mach_port_deallocate(mach_task_self(), p);
            rvmach_sleep_ms(10);
        }
    }
    rvmach_sleep_ms(300);               /* let bootstrap's death message come out first */
}

static void test_lookup_rpc(void)
{
    mach_port_t echo;
    CHECK_KR(rvmach_lookup(ECHO, &echo));
    int32_t y = 0;
    for (int i = 0; i < 100; i++) {
        kern_return_t kr = ping_int(echo, i, &y);
        if (!CHECK(kr == KERN_SUCCESS && y == i + 1, "ping %d: %s, y = %d", i,
                   mach_error_string(kr), y))
            break;
    }
    mach_port_deallocate(mach_task_self(), echo);
}

static void test_dead_name(void)
{
    CHECK(dier_gone == KERN_INVALID_NAME, "lookup of a dead server's name: %s",
          mach_error_string(dier_gone));
    /* Its name is free again. */
    mach_port_t p = msg_new_port(), q;
    CHECK_KR(rvmach_register(DIER, p));
    CHECK_KR(rvmach_lookup(DIER, &q));
    CHECK(q == p, "looked up %#x, registered %#x", q, p);
    mach_port_deallocate(mach_task_self(), q);
    CHECK_KR(rvmach_unregister(DIER));
    /* A port that dies while registered: the name goes with it. */
    CHECK_KR(rvmach_register("test.short-lived", p));
    mach_port_destroy(mach_task_self(), p);
    CHECK(rvmach_lookup("test.short-lived", &q) == KERN_INVALID_NAME, "a dead port handed out");
}

static void test_unknown(void)
{
    mach_port_t p = 0x1234;
    CHECK(rvmach_lookup("no.such.name", &p) == KERN_INVALID_NAME, "unknown name found");
    CHECK(p == MACH_PORT_NULL, "port %#x after a failed lookup", p);
    CHECK(rvmach_unregister("no.such.name") == KERN_INVALID_NAME, "unknown name unregistered");
}

static void test_bad_names(void)
{
    char long_name[80];
    memset(long_name, 'a', sizeof(long_name));
    long_name[RVMACH_NAME_MAX + 1] = '\0';
    mach_port_t p = msg_new_port(), q;
    /* Refused by the helpers before anything is sent. */
    CHECK(rvmach_lookup("", &q) == KERN_INVALID_ARGUMENT, "empty name");
    CHECK(rvmach_lookup(long_name, &q) == KERN_INVALID_ARGUMENT, "64 characters");
    CHECK(rvmach_register("has space", p) == KERN_INVALID_ARGUMENT, "a space");
    /* Refused by the server. */
    CHECK(name_lookup(server, "", &q) == KERN_INVALID_ARGUMENT, "server: empty name");
    CHECK(name_lookup(server, "has space", &q) == KERN_INVALID_ARGUMENT, "server: a space");
    CHECK(name_register(server, "tab\there", p) == KERN_INVALID_ARGUMENT, "server: a tab");
    struct name_request r;
    make_request(&r, 8001, long_name, 64);          /* 64 bytes, no NUL */
    CHECK(raw_rpc(&r, 100) == KERN_INVALID_ARGUMENT, "server: unterminated name");
    /* 63 characters is the longest name. */
    long_name[RVMACH_NAME_MAX] = '\0';
    CHECK_KR(rvmach_register(long_name, p));
    CHECK_KR(rvmach_lookup(long_name, &q));
    mach_port_deallocate(mach_task_self(), q);
    CHECK_KR(rvmach_unregister(long_name));
    mach_port_destroy(mach_task_self(), p);
}

static void test_bad_requests(void)
{
    struct name_request r;
    make_request(&r, 8099, "x", 2);
    CHECK(raw_rpc(&r, 100) == MIG_BAD_ID, "message id 8099");
    make_request(&r, 8001, ECHO, sizeof(ECHO));
    CHECK(raw_rpc(&r, 40) == MIG_BAD_ARGUMENTS, "a lookup cut short");
    /* A register carrying a receive right: refused, and the right destroyed. */
    mach_port_t p = msg_new_port();
    make_request(&r, 8000, "test.receive", 13);
    r.head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
    r.port_type = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_MOVE_RECEIVE, .msgt_size = 32,
                                     .msgt_number = 1, .msgt_inline = 1 };
    r.port = p;
    CHECK(raw_rpc(&r, 108) == MIG_BAD_ARGUMENTS, "a receive right as the port");
    mach_port_type_t t = 0;
    mach_port_type(mach_task_self(), p, &t);
    CHECK(t & MACH_PORT_TYPE_DEAD_NAME, "the refused receive right lives on (type %#x)", t);
    mach_port_destroy(mach_task_self(), p);
    /* Out-of-line memory where the name should be: refused, the memory freed. */
    vm_address_t mem = 0;
    CHECK_KR(vm_allocate(mach_task_self(), &mem, 3 * 4096, TRUE));
    memset((void *)mem, 'm', 3 * 4096);
#pragma pack(push, 4)
    struct {
        mach_msg_header_t head;
        mach_msg_type_long_t type;
        vm_offset_t data;
    } ool = {
        .head = { .msgh_bits = MACH_MSGH_BITS_COMPLEX |
                               MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
                  .msgh_remote_port = server, .msgh_id = 8001 },
        .type = { .msgtl_header = { .msgt_longform = 1 }, .msgtl_name = MACH_MSG_TYPE_BYTE,
                  .msgtl_size = 8, .msgtl_number = 3 * 4096 },
        .data = mem,
    };
#pragma pack(pop)
    CHECK(raw_rpc(&ool, sizeof(ool)) == MIG_BAD_ARGUMENTS, "out-of-line data as the name");
    vm_deallocate(mach_task_self(), mem, 3 * 4096);
    /* Too large for the server's buffer: dropped; the reply right dies unused. */
    static uint8_t big[2048];
    memset(big, 0, sizeof(big));
    mach_msg_header_t *h = (mach_msg_header_t *)big;
    h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    h->msgh_remote_port = server;
    h->msgh_id = 8001;
    mach_msg_id_t id = 0;
    CHECK(raw_rpc_id(big, sizeof(big), &id) == MACH_MSG_SUCCESS && id == MACH_NOTIFY_SEND_ONCE,
          "a 2 KiB request: reply id %d", id);
    /* A register with no reply port: done, nothing answered. */
    p = msg_new_port();
    make_request(&r, 8000, "test.noreply", 13);
    r.head.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    r.head.msgh_size = 108;
    r.port_type = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_COPY_SEND, .msgt_size = 32,
                                     .msgt_number = 1, .msgt_inline = 1 };
    r.port = p;
    CHECK_KR(mach_msg(&r.head, MACH_SEND_MSG, 108, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
    mach_port_t q = MACH_PORT_NULL;
    CHECK_KR(rvmach_lookup("test.noreply", &q));
    CHECK(q == p, "test.noreply is %#x, not %#x", q, p);
    mach_port_deallocate(mach_task_self(), q);
    CHECK_KR(rvmach_unregister("test.noreply"));
    mach_port_destroy(mach_task_self(), p);
}

static void test_bad_ports(void)
{
    CHECK(name_register(server, "test.null", MACH_PORT_NULL) == KERN_INVALID_CAPABILITY,
          "a null port registered");
    mach_port_t p = msg_new_port();
    mach_port_mod_refs(mach_task_self(), p, MACH_PORT_RIGHT_RECEIVE, -1);   /* p: a dead name */
    CHECK(name_register(server, "test.dead", p) == KERN_INVALID_CAPABILITY,
          "a dead port registered");
    mach_port_destroy(mach_task_self(), p);
    mach_port_t q;
    CHECK(rvmach_lookup("test.dead", &q) == KERN_INVALID_NAME, "test.dead exists");
}

static void test_duplicate(void)
{
    mach_port_t p = msg_new_port();
    CHECK(rvmach_register(ECHO, p) == KERN_NAME_EXISTS, "a live name taken over");
    CHECK_KR(rvmach_register("test.twice", p));
    CHECK(rvmach_register("test.twice", p) == KERN_NAME_EXISTS, "registered twice");
    CHECK_KR(rvmach_unregister("test.twice"));
    CHECK(rvmach_unregister("test.twice") == KERN_INVALID_NAME, "unregistered twice");
    mach_port_destroy(mach_task_self(), p);
}

/* Is `name` among the NUL-separated names of `list`? */
static bool listed(const char *list, size_t size, const char *name)
{
    for (size_t i = 0; i < size; i += strlen(list + i) + 1) {
        if (strcmp(list + i, name) == 0)
            return true;
    }
    return false;
}

static void test_list(void)
{
    mach_port_t p = msg_new_port();
    CHECK_KR(rvmach_register("test.listed", p));
    vm_offset_t names = 0;
    mach_msg_type_number_t count = 0;
    CHECK_KR(name_list(server, &names, &count));
    const char *list = (const char *)names;
    CHECK(count > 0 && list[count - 1] == '\0', "%u bytes, not NUL-terminated", count);
    if (count > 0 && list[count - 1] == '\0') {
        CHECK(listed(list, count, ECHO), "test.echo not listed");
        CHECK(listed(list, count, "test.listed"), "test.listed not listed");
        CHECK(!listed(list, count, DIER), "the dead test.dier listed");
    }
    vm_deallocate(mach_task_self(), names, count);
    CHECK_KR(rvmach_unregister("test.listed"));
    mach_port_destroy(mach_task_self(), p);
}

/* Fill the table until the server says it is full, then empty it again. */
static void test_table_full(void)
{
    mach_port_t p = msg_new_port();
    char name[32];
    int n = 0;
    kern_return_t kr = KERN_SUCCESS;
    for (; n < 400 && kr == KERN_SUCCESS; n++) {
        snprintf(name, sizeof(name), "test.many.%d", n);
        kr = rvmach_register(name, p);
    }
    CHECK(kr == KERN_RESOURCE_SHORTAGE && n > 200, "after %d names: %s", n,
          mach_error_string(kr));
    for (int i = 0; i < n - 1; i++) {
        snprintf(name, sizeof(name), "test.many.%d", i);
        CHECK_KR(rvmach_unregister(name));
    }
    mach_port_destroy(mach_task_self(), p);
}

static struct rvmach_kstats start_stats;

static void test_no_leaks(void)
{
    CHECK(tl_wait_settled(&start_stats, 5000), "the kernel did not get everything back");
}

static void run_all(void)
{
    tl_run("ns.lookup_rpc", test_lookup_rpc);
    tl_run("ns.dead_name", test_dead_name);
    tl_run("ns.unknown", test_unknown);
    tl_run("ns.bad_names", test_bad_names);
    tl_run("ns.bad_requests", test_bad_requests);
    tl_run("ns.bad_ports", test_bad_ports);
    tl_run("ns.duplicate", test_duplicate);
    tl_run("ns.list", test_list);
    tl_run("ns.table_full", test_table_full);
    tl_run("ns.still_serving", test_lookup_rpc);
}

int main(void)
{
    server = tl_bootstrap_port();
    wait_for_dier();
    tl_quiet(true);
    run_all();
    tl_quiet(false);
    start_stats = tl_stats_quiet();
    run_all();
    tl_run("ns.no_leaks", test_no_leaks);
    return tl_finish();
}
