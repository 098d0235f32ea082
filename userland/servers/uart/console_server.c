// SPDX-License-Identifier: MIT
/*
 * The console server: the console protocol (console.defs) over the UART
 * (uart_hw.c) and the line discipline (ldisc.c).  One thread serves a port
 * set holding the console port and the interrupt port.  Requests that must
 * wait (a read with nothing to read, a write that does not fit, a drain)
 * are kept with their reply rights and answered later (console_reply.defs).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rvmach/console_types.h>
#include "consoleServer.h"              /* MIG: the S_console_* prototypes */
#include "console_reply.h"              /* MIG: the late replies */
#include "console_server.h"
#include "ldisc.h"
#include "ring.h"
#include "task_timed.h"
#include "uart_hw.h"

#define TX_SIZE         16384   /* output queue, a power of two */
#define ECHO_ROOM       256     /* of it kept free for echo */
#define MAX_READERS     32
#define MAX_WRITERS     64
#define MAX_DRAINERS    16
#define IN_SIZE         8192    /* largest request received (bigger ones are refused) */
#define SERVICE_PASSES  16      /* rounds of IIR per interrupt message */
#define RX_PER_PASS     4096

_Static_assert(CONSOLE_DATA_MAX * 2 + ECHO_ROOM <= TX_SIZE, "a whole write always fits in time");
_Static_assert(MAX_READERS <= MAX_WRITERS && MAX_DRAINERS <= MAX_WRITERS, "struct waitq holds them");

/* A request kept until it can be answered: where the answer goes. */
struct waiter {
    mach_port_t reply;
    mach_msg_type_name_t reply_type;    /* as received: PORT_SEND_ONCE or PORT_SEND */
    uint32_t max;                       /* reads: the most bytes wanted */
    uint32_t len;                       /* writes: bytes in data */
    char *data;                         /* writes: a copy (malloc) */
};

/* Waiting requests, oldest first; room for the largest queue, cap says how many this one may hold. */
struct waitq {
    struct waiter w[MAX_WRITERS];
    unsigned n, cap;
};

/* The one console this server drives.  Only the serving thread touches it. */
static struct console {
    struct uart_hw hw;
    struct ldisc ld;
    struct ring tx;
    uint8_t tx_buf[TX_SIZE];
    mach_port_t host_priv;
    mach_port_t service;                /* receive right: the console port */
    mach_port_t intr;                   /* receive right: interrupt messages */
    mach_port_t set;                    /* both of them */
    task_t foreground;                  /* send right, or MACH_PORT_NULL */
    struct waitq readers, writers, drainers;
} con;

/* MIG's demultiplexer (consoleServer.c). */
boolean_t console_server(mach_msg_header_t *in, mach_msg_header_t *out);

void uart_log(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        rvmach_debug_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* ---- waiting requests ---- */

static bool waitq_full(const struct waitq *q)
{
    return q->n == q->cap;
}

static void waitq_push(struct waitq *q, struct waiter w)
{
    q->w[q->n++] = w;
}

static struct waiter waitq_pop(struct waitq *q)
{
    struct waiter w = q->w[0];
    q->n--;
    memmove(&q->w[0], &q->w[1], q->n * sizeof(q->w[0]));
    return w;
}

/* After a late reply: a reply right that could not be used is a dead name to drop. */
static void reply_sent(kern_return_t kr, mach_port_t reply)
{
    if (kr != MACH_MSG_SUCCESS && MACH_PORT_VALID(reply))
        mach_port_deallocate(mach_task_self(), reply);
}

/* Has the client that waits on `reply` gone (its reply port died)? */
static bool reply_gone(mach_port_t reply)
{
    mach_port_type_t type = 0;
    return mach_port_type(mach_task_self(), reply, &type) != KERN_SUCCESS ||
           (type & MACH_PORT_TYPE_DEAD_NAME) != 0;
}

/* Forget readers whose clients have died (to make room). */
static void drop_gone_readers(void)
{
    struct waitq *q = &con.readers;
    unsigned kept = 0;
    for (unsigned i = 0; i < q->n; i++) {
        if (reply_gone(q->w[i].reply))
            mach_port_deallocate(mach_task_self(), q->w[i].reply);
        else
            q->w[kept++] = q->w[i];
    }
    q->n = kept;
}

/* ---- output ---- */

/* Bytes `data` takes in the output queue: "\n" goes out as "\r\n". */
static uint32_t out_len(const char *data, uint32_t n)
{
    uint32_t len = n;
    for (uint32_t i = 0; i < n; i++)
        len += data[i] == '\n';
    return len;
}

/* Can a write of `n` bytes go into the output queue now (echo room kept)? */
static bool out_fits(const char *data, uint32_t n)
{
    return ring_free(&con.tx) >= out_len(data, n) + ECHO_ROOM;
}

static void out_put(const char *data, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (data[i] == '\n')
            ring_put(&con.tx, '\r');
        ring_put(&con.tx, (uint8_t)data[i]);
    }
}

/* The line discipline's echo: into the output queue, dropped if it is full. */
static void echo_out(void *arg, const char *s, size_t n)
{
    (void)arg;
    if (ring_free(&con.tx) < n)
        return;
    for (size_t i = 0; i < n; i++)
        ring_put(&con.tx, (uint8_t)s[i]);
}

/*
 * Feed the transmitter from the output queue, and keep its interrupt on
 * while bytes wait (or a drain waits for the last ones to leave).
 */
static void tx_pump(void)
{
    if (ring_used(&con.tx) > 0 && uart_hw_tx_empty(&con.hw))
        for (unsigned i = 0; i < con.hw.tx_burst && ring_used(&con.tx) > 0; i++)
            uart_hw_putc(&con.hw, ring_get(&con.tx));
    uart_hw_tx_interrupt(&con.hw, ring_used(&con.tx) > 0 || con.drainers.n > 0);
}

/* Move waiting writes into the output queue, in order, while they fit. */
static void admit_writers(void)
{
    while (con.writers.n > 0 && out_fits(con.writers.w[0].data, con.writers.w[0].len)) {
        struct waiter w = waitq_pop(&con.writers);
        out_put(w.data, w.len);
        free(w.data);
        if (MACH_PORT_VALID(w.reply))
            reply_sent(console_write_reply(w.reply, w.reply_type, KERN_SUCCESS, w.len), w.reply);
    }
}

/* Answer drains once nothing is queued and the transmitter has finished. */
static void serve_drainers(void)
{
    if (con.drainers.n == 0 || ring_used(&con.tx) > 0 || con.writers.n > 0 ||
        !uart_hw_tx_empty(&con.hw))
        return;
    for (int spin = 0; spin < 100000 && !uart_hw_tx_idle(&con.hw); spin++)
        ;                               /* the last byte is on the wire: a character time */
    while (con.drainers.n > 0) {
        struct waiter w = waitq_pop(&con.drainers);
        reply_sent(console_drain_reply(w.reply, w.reply_type, KERN_SUCCESS), w.reply);
    }
}

/* ---- input ---- */

/* Give waiting readers what the line discipline has for them, oldest first. */
static void serve_readers(void)
{
    static char buf[CONSOLE_DATA_MAX];
    while (con.readers.n > 0 && ldisc_readable(&con.ld)) {
        struct waiter w = waitq_pop(&con.readers);
        if (reply_gone(w.reply)) {      /* its client died: keep the input for others */
            mach_port_deallocate(mach_task_self(), w.reply);
            continue;
        }
        size_t n = ldisc_read(&con.ld, buf, w.max);
        reply_sent(console_read_reply(w.reply, w.reply_type, KERN_SUCCESS, buf, n), w.reply);
    }
}

/*
 * Ctrl-C in cooked mode (the line discipline has already thrown away what
 * was typed): terminate the foreground task, if any, and forget it; then
 * answer every waiting read with KERN_ABORTED.
 */
static void interrupt_foreground(void)
{
    if (MACH_PORT_VALID(con.foreground)) {
        kern_return_t kr = timed_task_terminate(con.foreground);
        if (kr != KERN_SUCCESS)
            uart_log("uart: ^C: the foreground task: %s\n", mach_error_string(kr));
        mach_port_deallocate(mach_task_self(), con.foreground);
        con.foreground = MACH_PORT_NULL;
    }
    while (con.readers.n > 0) {
        struct waiter w = waitq_pop(&con.readers);
        reply_sent(console_read_reply(w.reply, w.reply_type, KERN_ABORTED, NULL, 0), w.reply);
    }
}

static void receive(void)
{
    int c;
    for (int n = 0; n < RX_PER_PASS && (c = uart_hw_getc(&con.hw)) >= 0; n++)
        if (ldisc_input(&con.ld, (uint8_t)c) == LDISC_INTR)
            interrupt_foreground();
}

/* Whatever changed, move everything along that can move. */
static void progress(void)
{
    serve_readers();
    admit_writers();
    tx_pump();
    serve_drainers();
}

/* An interrupt message: service the UART, then let the line fire again. */
static void handle_interrupt(void)
{
    for (int pass = 0; pass < SERVICE_PASSES; pass++) {
        unsigned kind = uart_hw_pending(&con.hw);
        if (kind == UART_INT_NONE)
            break;
        if (kind == UART_INT_BUSY || kind == UART_INT_MODEM || kind == UART_INT_LINE)
            uart_hw_clear(&con.hw, kind);
        receive();
        tx_pump();
    }
    kern_return_t kr = device_intr_ack(con.host_priv, con.hw.irq);
    if (kr != KERN_SUCCESS)
        uart_log("uart: device_intr_ack: %s\n", mach_error_string(kr));
    progress();
}

/* ---- the protocol (console.defs) ---- */

kern_return_t S_console_write(mach_port_t server, mach_port_t reply, mach_msg_type_name_t reply_type,
                              const console_data_t data, mach_msg_type_number_t count,
                              uint32_t *written)
{
    (void)server;
    if (count > CONSOLE_DATA_MAX)
        return KERN_INVALID_ARGUMENT;   /* MIG lets up to 4095 through */
    if (con.writers.n == 0 && out_fits(data, count)) {
        out_put(data, count);
        tx_pump();
        *written = count;
        return KERN_SUCCESS;
    }
    if (waitq_full(&con.writers))
        return KERN_RESOURCE_SHORTAGE;  /* the client library waits and tries again */
    char *copy = malloc(count);
    if (copy == NULL)
        return KERN_RESOURCE_SHORTAGE;
    memcpy(copy, data, count);
    waitq_push(&con.writers, (struct waiter){ .reply = reply, .reply_type = reply_type,
                                              .len = count, .data = copy });
    return MIG_NO_REPLY;
}

kern_return_t S_console_read(mach_port_t server, mach_port_t reply, mach_msg_type_name_t reply_type,
                             uint32_t max, console_data_t data, mach_msg_type_number_t *count)
{
    (void)server;
    if (max == 0)
        return KERN_INVALID_ARGUMENT;
    if (max > CONSOLE_DATA_MAX)
        max = CONSOLE_DATA_MAX;
    if (con.readers.n == 0 && ldisc_readable(&con.ld)) {
        *count = ldisc_read(&con.ld, data, max);
        return KERN_SUCCESS;
    }
    if (!MACH_PORT_VALID(reply))
        return KERN_INVALID_ARGUMENT;   /* no one to answer later */
    if (waitq_full(&con.readers))
        drop_gone_readers();
    if (waitq_full(&con.readers))
        return KERN_RESOURCE_SHORTAGE;
    waitq_push(&con.readers, (struct waiter){ .reply = reply, .reply_type = reply_type,
                                              .max = max });
    return MIG_NO_REPLY;
}

kern_return_t S_console_set_mode(mach_port_t server, uint32_t mode)
{
    (void)server;
    if (mode != CONSOLE_MODE_COOKED && mode != CONSOLE_MODE_RAW)
        return KERN_INVALID_ARGUMENT;
    ldisc_set_mode(&con.ld, mode == CONSOLE_MODE_RAW ? LDISC_RAW : LDISC_COOKED);
    progress();
    return KERN_SUCCESS;
}

/* Is `port` a task port?  (Asked with a timeout: it may be anyone's port.) */
static bool is_task(mach_port_t port)
{
    struct task_basic_info info;
    mach_msg_type_number_t n = TASK_BASIC_INFO_COUNT;
    return timed_task_info(port, TASK_BASIC_INFO, (task_info_t)&info, &n) == KERN_SUCCESS;
}

kern_return_t S_console_set_foreground(mach_port_t server, mach_port_t task)
{
    (void)server;
    if (MACH_PORT_VALID(task) && !is_task(task))
        return KERN_INVALID_ARGUMENT;   /* the right is destroyed with the request */
    if (MACH_PORT_VALID(con.foreground))
        mach_port_deallocate(mach_task_self(), con.foreground);
    con.foreground = MACH_PORT_VALID(task) ? task : MACH_PORT_NULL;
    return KERN_SUCCESS;
}

kern_return_t S_console_drain(mach_port_t server, mach_port_t reply, mach_msg_type_name_t reply_type)
{
    (void)server;
    if (ring_used(&con.tx) == 0 && con.writers.n == 0 && uart_hw_tx_idle(&con.hw))
        return KERN_SUCCESS;
    if (!MACH_PORT_VALID(reply))
        return KERN_INVALID_ARGUMENT;
    if (waitq_full(&con.drainers))
        return KERN_RESOURCE_SHORTAGE;
    waitq_push(&con.drainers, (struct waiter){ .reply = reply, .reply_type = reply_type });
    tx_pump();                          /* the interrupt tells us when it is empty */
    return MIG_NO_REPLY;
}

/* ---- the loop ---- */

/* Send MIG's reply to a request (not when the routine keeps it for later). */
static void reply_now(mach_msg_header_t *in, mach_msg_header_t *out)
{
    kern_return_t rc = ((mig_reply_header_t *)out)->RetCode;
    if (rc == MIG_NO_REPLY)
        return;
    if (rc != KERN_SUCCESS) {
        in->msgh_remote_port = MACH_PORT_NULL;  /* the reply right goes with the reply */
        mach_msg_destroy(in);           /* rights and memory of a refused request */
    }
    if (!MACH_PORT_VALID(out->msgh_remote_port))
        return;
    kern_return_t kr = mach_msg(out, MACH_SEND_MSG | MACH_SEND_TIMEOUT, out->msgh_size, 0,
                                MACH_PORT_NULL, 0, MACH_PORT_NULL);
    reply_sent(kr, out->msgh_remote_port);
}

static void serve_one(mach_msg_header_t *in, mach_msg_header_t *out)
{
    if (in->msgh_local_port == con.intr) {
        if (in->msgh_id == RVMACH_DEVICE_INTR_ID)
            handle_interrupt();
        else
            mach_msg_destroy(in);       /* only the kernel holds a send right */
        return;
    }
    console_server(in, out);            /* sets MIG_BAD_ID for a foreign id */
    reply_now(in, out);
}

kern_return_t uart_server_run(void)
{
    static union {
        mach_msg_header_t head;
        uint8_t buf[IN_SIZE];
    } in;
    static union {
        mach_msg_header_t head;
        uint8_t buf[sizeof(mig_reply_header_t) + 8 + CONSOLE_DATA_MAX];
    } out;
    for (;;) {
        kern_return_t kr = mach_msg(&in.head, MACH_RCV_MSG, 0, sizeof(in), con.set, 0,
                                    MACH_PORT_NULL);
        if (kr == MACH_RCV_TOO_LARGE || kr == MACH_RCV_INVALID_DATA)
            continue;                   /* the kernel has thrown that message away */
        if (kr != MACH_MSG_SUCCESS) {
            uart_log("uart: receive: %s\n", mach_error_string(kr));
            return kr;
        }
        serve_one(&in.head, &out.head);
    }
}

/* ---- start ---- */

static kern_return_t make_ports(void)
{
    mach_port_t self = mach_task_self();
    kern_return_t kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &con.service);
    if (kr == KERN_SUCCESS)
        kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &con.intr);
    if (kr == KERN_SUCCESS)
        kr = mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &con.set);
    if (kr == KERN_SUCCESS)
        kr = mach_port_move_member(self, con.service, con.set);
    if (kr == KERN_SUCCESS)
        kr = mach_port_move_member(self, con.intr, con.set);
    if (kr == KERN_SUCCESS)
        kr = mach_port_insert_right(self, con.service, con.service, MACH_MSG_TYPE_MAKE_SEND);
    return kr;
}

static void drop_ports(void)
{
    mach_port_t *names[] = { &con.service, &con.intr, &con.set };
    for (unsigned i = 0; i < 3; i++) {
        if (MACH_PORT_VALID(*names[i]))
            mach_port_destroy(mach_task_self(), *names[i]);
        *names[i] = MACH_PORT_NULL;
    }
}

static void init_state(mach_port_t host_priv)
{
    memset(&con, 0, sizeof(con));
    con.host_priv = host_priv;
    ring_init(&con.tx, con.tx_buf, TX_SIZE);
    ldisc_init(&con.ld, echo_out, NULL);
    con.readers.cap = MAX_READERS;
    con.writers.cap = MAX_WRITERS;
    con.drainers.cap = MAX_DRAINERS;
}

kern_return_t uart_server_init(mach_port_t host_priv, mach_port_t *console)
{
    init_state(host_priv);
    device_info_t raw;
    struct rvmach_device_info info;
    kern_return_t kr = device_info(host_priv, &raw);
    if (kr != KERN_SUCCESS)
        return kr;
    memcpy(&info, &raw, sizeof(info));
    kr = uart_hw_open(&con.hw, host_priv, &info);
    if (kr != KERN_SUCCESS)
        return kr;
    kr = make_ports();
    if (kr == KERN_SUCCESS)
        kr = device_intr_attach(host_priv, mach_task_self(), con.hw.irq, con.intr);
    if (kr != KERN_SUCCESS) {
        drop_ports();
        uart_hw_close(&con.hw);
        return kr;
    }
    uart_hw_start(&con.hw);
    uart_log("uart: %s at %#lx, irq %u, reg-shift %u, reg-io-width %u, %s: serving the console\n",
             con.hw.dw ? "snps,dw-apb-uart" : "ns16550a", (unsigned long)con.hw.base,
             con.hw.irq, con.hw.shift, con.hw.width, con.hw.tx_burst > 1 ? "FIFO" : "no FIFO");
    *console = con.service;
    return KERN_SUCCESS;
}
