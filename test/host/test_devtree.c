// SPDX-License-Identifier: MIT
/*
 * The device-tree reader (kern/fdt.c, kern/devtree.c) on QEMU's own DTBs, on
 * the dts/ trees, on trees built here, and on corrupted and randomly mutated blobs.
 * Usage: test_devtree DTB_DIR (the build's dts/ directory).
 */
#define _GNU_SOURCE                     /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kern/devtree.h>
#include <kern/fdt.h>

static const char *dtb_dir = ".";

/* Header fields, by byte offset. */
enum {
    H_MAGIC = 0, H_TOTALSIZE = 4, H_OFF_STRUCT = 8, H_OFF_STRINGS = 12,
    H_OFF_RSVMAP = 16, H_VERSION = 20, H_LAST_COMP = 24, H_BOOT_CPU = 28,
    H_SIZE_STRINGS = 32, H_SIZE_STRUCT = 36,
};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* ---- blobs: loaded, copied to exact-size buffers --------------------------- */

struct blob {
    uint8_t *p;
    size_t n;
};

/* A copy of n bytes in a buffer of exactly n bytes: ASan catches over-reads. */
static struct blob blob_copy(const void *src, size_t n)
{
    struct blob b = { malloc(n ? n : 1), n };
    assert_non_null(b.p);
    memcpy(b.p, src, n);
    return b;
}

/* Load DTB_DIR/name, cut to the DTB's totalsize (QEMU pads its dumps). */
static struct blob load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dtb_dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    static uint8_t buf[2 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    size_t total = devtree_total_size(buf, n);
    assert_true(total > 0 && total <= n);
    return blob_copy(buf, total);
}

static struct platform pf;          /* big: kept out of the test's stack */

static kern_return_t parse(struct blob b, struct dt_error *err)
{
    return devtree_parse(b.p, b.n, &pf, err);
}

static void expect_ok(struct blob b)
{
    struct dt_error err;
    kern_return_t kr = parse(b, &err);
    if (kr != KERN_SUCCESS)
        fail_msg("parse failed: %s", err.msg);
}

/* The blob must be refused with a one-line "dtb: " message containing `what`. */
static void expect_error_in(struct blob b, const char *what, const char *test)
{
    struct dt_error err;
    kern_return_t kr = parse(b, &err);
    if (kr != KERN_INVALID_ARGUMENT)
        fail_msg("%s: expected KERN_INVALID_ARGUMENT, got %d", test, kr);
    if (strncmp(err.msg, "dtb: ", 5) != 0 || strchr(err.msg, '\n') != NULL)
        fail_msg("%s: badly formed message \"%s\"", test, err.msg);
    if (strstr(err.msg, what) == NULL)
        fail_msg("%s: message \"%s\" does not mention \"%s\"", test, err.msg,
                 what);
}

static void expect_error_free(struct blob b, const char *what,
                              const char *test)
{
    expect_error_in(b, what, test);
    free(b.p);
}

/* Refuse a blob built by the test, then free it. */
#define expect_error(b, what) expect_error_free((b), (what), __func__)

/* ---- a tiny DTB writer, for trees dtc is not asked to make ------------------ */

struct fdtb {
    uint8_t st[32768];
    size_t st_len;
    char strs[4096];
    size_t strs_len;
    uint64_t rsv[40][2];
    unsigned nrsv;
};

static struct fdtb *fdtb_new(void)
{
    struct fdtb *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    return b;
}

static void put32(struct fdtb *b, uint32_t v)
{
    assert_true(b->st_len + 4 <= sizeof(b->st));
    wr32(b->st + b->st_len, v);
    b->st_len += 4;
}

static void put_bytes(struct fdtb *b, const void *v, size_t len)
{
    assert_true(b->st_len + len + 3 <= sizeof(b->st));
    memcpy(b->st + b->st_len, v, len);
    b->st_len += len;
    while (b->st_len % 4 != 0)
        b->st[b->st_len++] = 0;
}

static uint32_t str_off(struct fdtb *b, const char *s)
{
    for (size_t off = 0; off < b->strs_len; off += strlen(b->strs + off) + 1)
        if (strcmp(b->strs + off, s) == 0)
            return (uint32_t)off;
    size_t off = b->strs_len;
    assert_true(off + strlen(s) + 1 <= sizeof(b->strs));
    memcpy(b->strs + off, s, strlen(s) + 1);
    b->strs_len += strlen(s) + 1;
    return (uint32_t)off;
}

static void node(struct fdtb *b, const char *fmt, ...)
{
    char name[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    put32(b, FDT_BEGIN_NODE);
    put_bytes(b, name, strlen(name) + 1);
}

static void end(struct fdtb *b)
{
    put32(b, FDT_END_NODE);
}

static void prop(struct fdtb *b, const char *name, const void *v, size_t len)
{
    put32(b, FDT_PROP);
    put32(b, (uint32_t)len);
    put32(b, str_off(b, name));
    put_bytes(b, v, len);
}

/* A property of n 32-bit cells. */
static void cells(struct fdtb *b, const char *name, int n, ...)
{
    uint8_t v[256];
    va_list ap;
    assert_true(n * 4 <= (int)sizeof(v));
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        wr32(v + 4 * i, va_arg(ap, uint32_t));
    va_end(ap);
    prop(b, name, v, 4 * (size_t)n);
}

static void str(struct fdtb *b, const char *name, const char *s)
{
    prop(b, name, s, strlen(s) + 1);
}

static void flag(struct fdtb *b, const char *name)
{
    prop(b, name, "", 0);
}

static void reg64(struct fdtb *b, uint64_t base, uint64_t size)
{
    cells(b, "reg", 4, (uint32_t)(base >> 32), (uint32_t)base,
          (uint32_t)(size >> 32), (uint32_t)size);
}

/* Lay out header, reservation block, structure block, strings; free b. */
static struct blob finish(struct fdtb *b)
{
    put32(b, FDT_END);
    size_t rsv = 40, st = rsv + 16 * (b->nrsv + 1);
    size_t strs = st + b->st_len, total = strs + b->strs_len;
    uint8_t *out = calloc(1, total);
    assert_non_null(out);
    uint32_t hdr[10] = { FDT_MAGIC, (uint32_t)total, (uint32_t)st,
                         (uint32_t)strs, (uint32_t)rsv, 17, 16, 0,
                         (uint32_t)b->strs_len, (uint32_t)b->st_len };
    for (int i = 0; i < 10; i++)
        wr32(out + 4 * i, hdr[i]);
    for (unsigned i = 0; i < b->nrsv; i++) {
        wr32(out + rsv + 16 * i, (uint32_t)(b->rsv[i][0] >> 32));
        wr32(out + rsv + 16 * i + 4, (uint32_t)b->rsv[i][0]);
        wr32(out + rsv + 16 * i + 8, (uint32_t)(b->rsv[i][1] >> 32));
        wr32(out + rsv + 16 * i + 12, (uint32_t)b->rsv[i][1]);
    }
    memcpy(out + st, b->st, b->st_len);
    memcpy(out + strs, b->strs, b->strs_len);
    free(b);
    return (struct blob){ out, total };
}

/* ---- standard pieces of a small, good tree ------------------------------ */

#define PH_PLIC     1u
#define PH_INTC(h)  (100u + (h))

static void std_root(struct fdtb *b)
{
    node(b, "");
    cells(b, "#address-cells", 1, 2);
    cells(b, "#size-cells", 1, 2);
    str(b, "model", "test board");
}

static void std_memory(struct fdtb *b, uint64_t base, uint64_t size)
{
    node(b, "memory@%llx", (unsigned long long)base);
    str(b, "device_type", "memory");
    reg64(b, base, size);
    end(b);
}

/* A cpu node; NULL strings are left out. */
static void std_cpu(struct fdtb *b, uint32_t id, const char *isa,
                    const char *mmu, const char *status)
{
    node(b, "cpu@%u", id);
    str(b, "device_type", "cpu");
    cells(b, "reg", 1, id);
    if (isa != NULL)
        str(b, "riscv,isa", isa);
    if (mmu != NULL)
        str(b, "mmu-type", mmu);
    if (status != NULL)
        str(b, "status", status);
    node(b, "interrupt-controller");
    str(b, "compatible", "riscv,cpu-intc");
    flag(b, "interrupt-controller");
    cells(b, "#interrupt-cells", 1, 1);
    cells(b, "phandle", 1, PH_INTC(id));
    end(b);
    end(b);
}

static void std_cpus(struct fdtb *b, unsigned n)
{
    node(b, "cpus");
    cells(b, "#address-cells", 1, 1);
    cells(b, "#size-cells", 1, 0);
    cells(b, "timebase-frequency", 1, 1000000);
    for (unsigned i = 0; i < n; i++)
        std_cpu(b, i, "rv64gc", "riscv,sv39", NULL);
    end(b);
}

static void soc_begin(struct fdtb *b)
{
    node(b, "soc");
    cells(b, "#address-cells", 1, 2);
    cells(b, "#size-cells", 1, 2);
    str(b, "compatible", "simple-bus");
    flag(b, "ranges");
}

/* A PLIC with contexts M, S per hart (S context of hart h = 2h + 1). */
static void std_plic(struct fdtb *b, unsigned nharts)
{
    uint8_t v[256];
    node(b, "plic@c000000");
    str(b, "compatible", "riscv,plic0");
    reg64(b, 0xc000000, 0x4000000);
    flag(b, "interrupt-controller");
    cells(b, "#interrupt-cells", 1, 1);
    cells(b, "riscv,ndev", 1, 53);
    cells(b, "phandle", 1, PH_PLIC);
    for (unsigned h = 0; h < nharts; h++) {
        wr32(v + 16 * h, PH_INTC(h));
        wr32(v + 16 * h + 4, 11);
        wr32(v + 16 * h + 8, PH_INTC(h));
        wr32(v + 16 * h + 12, 9);
    }
    prop(b, "interrupts-extended", v, 16 * nharts);
    end(b);
}

static void std_uart(struct fdtb *b, uint64_t base, uint32_t irq,
                     const char *status)
{
    node(b, "serial@%llx", (unsigned long long)base);
    str(b, "compatible", "ns16550a");
    reg64(b, base, 0x100);
    cells(b, "interrupt-parent", 1, PH_PLIC);
    cells(b, "interrupts", 1, irq);
    if (status != NULL)
        str(b, "status", status);
    end(b);
}

/* Root, memory, two harts, soc with PLIC and UART: open, so tests add more. */
static struct fdtb *std_begin(void)
{
    struct fdtb *b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    std_cpus(b, 2);
    soc_begin(b);
    std_plic(b, 2);
    std_uart(b, 0x10000000, 10, NULL);
    end(b);
    return b;
}

static struct blob std_finish(struct fdtb *b)
{
    end(b);                                 /* the root */
    return finish(b);
}

/* ---- a test-side walk over a real blob, to find what to corrupt -------------- */

/* Blob offset of the n-th (0-based) token `tag`; for FDT_PROP, named `name`. */
static size_t find_token(const struct blob *b, uint32_t tag, const char *name,
                         int nth)
{
    size_t st = rd32(b->p + H_OFF_STRUCT), strs = rd32(b->p + H_OFF_STRINGS);
    size_t off = st;
    for (;;) {
        uint32_t t = rd32(b->p + off);
        bool hit = t == tag;
        size_t next = off + 4;
        if (t == FDT_BEGIN_NODE) {
            next = off + 4 + strlen((char *)b->p + off + 4) + 1;
        } else if (t == FDT_PROP) {
            hit = hit && (name == NULL ||
                          strcmp((char *)b->p + strs + rd32(b->p + off + 8),
                                 name) == 0);
            next = off + 12 + rd32(b->p + off + 4);
        }
        if (hit && nth-- == 0)
            return off;
        if (t == FDT_END)
            fail_msg("token %u '%s' not found", tag, name ? name : "");
        off = (next + 3) & ~(size_t)3;
    }
}

/* ---- the real trees ------------------------------------------------------- */

static void check_qemu(unsigned smp, uint64_t mem)
{
    assert_int_equal(pf.nmem, 1);
    assert_int_equal(pf.mem[0].base, 0x80000000);
    assert_int_equal(pf.mem[0].size, mem);
    assert_int_equal(pf.timebase_frequency, 10000000);
    assert_string_equal(pf.model, "riscv-virtio,qemu");
    assert_int_equal(pf.nharts, smp);
    for (unsigned h = 0; h < smp; h++) {
        assert_int_equal(pf.harts[h].hartid, h);
        assert_true(pf.harts[h].usable);
        assert_null(pf.harts[h].why_unusable);
        assert_int_not_equal(pf.harts[h].intc_phandle, 0);
    }
    assert_true(pf.plic.present);
    assert_int_equal(pf.plic.base, 0xc000000);
    assert_int_equal(pf.plic.ndev, 96);
    assert_int_equal(pf.plic.nctx, smp);
    for (unsigned i = 0; i < smp; i++) {
        assert_int_equal(pf.plic.ctx[i].hartid, i);
        assert_int_equal(pf.plic.ctx[i].context, 2 * i + 1);
    }
    assert_int_equal(pf.uart.kind, DT_UART_NS16550);
    assert_string_equal(pf.uart.compatible, "ns16550a");
    assert_string_equal(pf.uart.path, "/soc/serial@10000000");
    assert_int_equal(pf.uart.base, 0x10000000);
    assert_int_equal(pf.uart.size, 0x100);
    assert_int_equal(pf.uart.irq, 10);
    assert_int_equal(pf.uart.clock_frequency, 3686400);
    assert_int_equal(pf.uart.reg_shift, 0);
    assert_int_equal(pf.uart.reg_io_width, 1);
    assert_int_equal(pf.nvirtio, 8);
    for (unsigned n = 0; n < 8; n++) {
        assert_int_equal(pf.virtio[n].base, 0x10001000 + n * 0x1000);
        assert_int_equal(pf.virtio[n].size, 0x1000);
        assert_int_equal(pf.virtio[n].irq, n + 1);
    }
    assert_string_equal(pf.chosen.stdout_path, "/soc/serial@10000000");
    assert_false(pf.chosen.has_initrd);
}

/* QEMU's own trees for several -smp/-m (dumped by dts/CMakeLists.txt). */
static void test_qemu_dumps(void **state)
{
    static const struct { const char *file; unsigned smp; uint64_t mem; } d[] = {
        { "qemu-dump-smp1-128M.dtb", 1, 128ull << 20 },
        { "qemu-dump-smp4-128M.dtb", 4, 128ull << 20 },
        { "qemu-dump-smp4-2G.dtb", 4, 2ull << 30 },
        { "qemu-dump-smp8-1G.dtb", 8, 1ull << 30 },
        { "qemu-dump-smp2-512M.dtb", 2, 512ull << 20 },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
        struct blob b = load(d[i].file);
        expect_ok(b);
        check_qemu(d[i].smp, d[i].mem);
        assert_int_equal(pf.nresv, 0);
        free(b.p);
    }
}

/* dts/qemu-virt.dts says what QEMU says for -smp 4 -m 256M. */
static void test_qemu_virt_dts(void **state)
{
    (void)state;
    struct blob b = load("qemu-virt.dtb");
    expect_ok(b);
    check_qemu(4, 256ull << 20);
    free(b.p);
}

/* dts/visionfive2.dts: every fact the kernel needs from the board. */
static void test_visionfive2_dts(void **state)
{
    (void)state;
    struct blob b = load("visionfive2.dtb");
    expect_ok(b);
    assert_string_equal(pf.model, "StarFive VisionFive 2");
    assert_int_equal(pf.timebase_frequency, 4000000);
    assert_int_equal(pf.nmem, 1);
    assert_int_equal(pf.mem[0].base, 0x40000000);
    assert_int_equal(pf.mem[0].size, 4ull << 30);
    assert_int_equal(pf.nresv, 1);
    assert_int_equal(pf.resv[0].base, 0x40000000);
    assert_int_equal(pf.resv[0].size, 512 << 10);
    assert_true(pf.resv[0].no_map);
    assert_int_equal(pf.resv[0].source, DT_RESV_NODE);
    assert_string_equal(pf.resv[0].name, "opensbi@40000000");
    assert_int_equal(pf.nharts, 5);
    assert_int_equal(pf.harts[0].hartid, 0);
    assert_false(pf.harts[0].usable);
    assert_non_null(pf.harts[0].why_unusable);
    assert_string_equal(pf.harts[0].status, "disabled");
    assert_string_equal(pf.harts[0].isa, "rv64imac");
    assert_string_equal(pf.harts[0].mmu_type, "");
    for (unsigned h = 1; h <= 4; h++) {
        assert_int_equal(pf.harts[h].hartid, h);
        assert_true(pf.harts[h].usable);
        assert_string_equal(pf.harts[h].isa, "rv64imafdc_zba_zbb");
        assert_string_equal(pf.harts[h].mmu_type, "riscv,sv39");
        assert_string_equal(pf.harts[h].status, "okay");
    }
    assert_true(pf.plic.present);
    assert_string_equal(pf.plic.compatible, "starfive,jh7110-plic");
    assert_int_equal(pf.plic.base, 0xc000000);
    assert_int_equal(pf.plic.size, 0x4000000);
    assert_int_equal(pf.plic.ndev, 136);
    assert_int_equal(pf.plic.nctx, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(pf.plic.ctx[i].hartid, i + 1);
        assert_int_equal(pf.plic.ctx[i].context, 2 * (i + 1));
    }
    assert_int_equal(pf.uart.kind, DT_UART_DW_APB);
    assert_string_equal(pf.uart.compatible, "starfive,jh7110-uart");
    assert_string_equal(pf.uart.path, "/soc/serial@10000000");
    assert_int_equal(pf.uart.base, 0x10000000);
    assert_int_equal(pf.uart.size, 0x10000);
    assert_int_equal(pf.uart.reg_shift, 2);
    assert_int_equal(pf.uart.reg_io_width, 4);
    assert_int_equal(pf.uart.irq, 32);          /* interrupt-parent from /soc */
    assert_int_equal(pf.uart.clock_frequency, 0);
    assert_string_equal(pf.chosen.stdout_path, "serial0:115200n8");
    assert_string_equal(pf.chosen.bootargs, "");
    assert_false(pf.chosen.has_initrd);
    assert_int_equal(pf.nvirtio, 0);
    free(b.p);
}

/* The walker's own lookups, on the VisionFive 2 blob. */
static void test_fdt_lookups(void **state)
{
    (void)state;
    struct blob b = load("visionfive2.dtb");
    struct fdt f;
    struct dt_error err;
    struct fdt_path path;
    char buf[DT_NAME_MAX];
    uint32_t len;

    assert_int_equal(fdt_init(&f, b.p, b.n, &err), KERN_SUCCESS);
    uint32_t uart = fdt_find_path(&f, "/soc/serial@10000000", 20);
    assert_int_not_equal(uart, FDT_NO_NODE);
    assert_string_equal(fdt_node_name(&f, uart), "serial@10000000");
    assert_int_equal(fdt_find_path(&f, "/soc/serial", 11), uart);   /* no unit address */
    assert_int_equal(fdt_find_path(&f, "//soc//serial@10000000/", 23), uart);
    assert_int_equal(fdt_find_path(&f, "/soc/serial@1000000", 19), FDT_NO_NODE);
    assert_int_equal(fdt_find_path(&f, "/soc/serial@10000000/x", 22), FDT_NO_NODE);
    assert_int_equal(fdt_find_path(&f, "soc", 3), FDT_NO_NODE);
    assert_int_equal(fdt_find_path(&f, "/", 1), f.root);
    assert_int_equal(fdt_find_path(&f, "/soc/serial@10000000", 4),
                     fdt_subnode(&f, f.root, "soc", 3));          /* len counts */

    assert_true(fdt_node_path(&f, uart, &path));
    assert_int_equal(path.depth, 3);
    assert_string_equal(fdt_path_string(&f, &path, buf, sizeof(buf)),
                        "/soc/serial@10000000");
    assert_string_equal(fdt_path_string(&f, &path, buf, 8), "/soc/se");
    assert_false(fdt_node_path(&f, uart + 4, &path));

    const uint8_t *v = fdt_getprop(&f, uart, "compatible", &len);
    assert_non_null(v);
    assert_true(fdt_stringlist_contains(v, len, "snps,dw-apb-uart"));
    assert_false(fdt_stringlist_contains(v, len, "snps,dw-apb"));
    assert_false(fdt_stringlist_contains(v, len - 1, "snps,dw-apb-uart"));
    assert_null(fdt_getprop(&f, uart, "compat", NULL));

    v = fdt_getprop(&f, fdt_find_path(&f, "/soc/interrupt-controller", 25),
                    "phandle", &len);
    assert_non_null(v);
    assert_int_equal(len, 4);
    uint32_t plic = fdt_find_phandle(&f, fdt_be32(v));
    assert_string_equal(fdt_node_name(&f, plic), "interrupt-controller@c000000");
    assert_int_equal(fdt_find_phandle(&f, 0), FDT_NO_NODE);
    assert_int_equal(fdt_find_phandle(&f, 0x7777), FDT_NO_NODE);

    unsigned n = 0;
    uint32_t c = fdt_first_child(&f, fdt_find_path(&f, "/cpus", 5));
    for (; c != FDT_NO_NODE; c = fdt_next_sibling(&f, c))
        n++;
    assert_int_equal(n, 5);
    struct fdt_walk w;
    fdt_walk_start(&f, &w);
    for (n = 0; fdt_walk_next(&f, &w); n++)
        assert_true(w.path.depth >= 1 && w.path.depth <= 4);
    assert_int_equal(n, 24);
    free(b.p);
}

/* devtree_total_size(): the header field, or 0. */
static void test_total_size(void **state)
{
    (void)state;
    struct blob b = load("visionfive2.dtb");
    assert_int_equal(devtree_total_size(b.p, b.n), b.n);
    assert_int_equal(devtree_total_size(b.p, 8), b.n);
    assert_int_equal(devtree_total_size(b.p, 7), 0);
    assert_int_equal(devtree_total_size(NULL, 100), 0);
    b.p[0] ^= 1;
    assert_int_equal(devtree_total_size(b.p, b.n), 0);
    free(b.p);
}

/* ---- trees built here: features ----------------------------------------- */

/* The builder's standard tree parses, and extra bytes after it do no harm. */
static void test_built_tree(void **state)
{
    (void)state;
    struct blob b = std_finish(std_begin());
    expect_ok(b);
    assert_int_equal(pf.nharts, 2);
    assert_int_equal(pf.plic.nctx, 2);
    assert_int_equal(pf.plic.ctx[1].context, 3);
    assert_int_equal(pf.uart.irq, 10);
    struct blob big = { malloc(b.n + 100), b.n + 100 };
    memcpy(big.p, b.p, b.n);
    expect_ok(big);
    free(big.p);
    free(b.p);
}

/* The header's reservation block and a dynamic /reserved-memory child. */
static void test_memreserve_and_dynamic(void **state)
{
    (void)state;
    struct fdtb *b = std_begin();
    b->rsv[0][0] = 0x87000000;
    b->rsv[0][1] = 0x10000;
    b->rsv[1][0] = 0x88000000;
    b->rsv[1][1] = 0x2000;
    b->nrsv = 2;
    node(b, "reserved-memory");
    cells(b, "#address-cells", 1, 2);
    cells(b, "#size-cells", 1, 2);
    flag(b, "ranges");
    node(b, "pool");                        /* size only: placed at run time */
    cells(b, "size", 2, 0, 0x100000);
    flag(b, "reusable");
    end(b);
    node(b, "fw@80000000");
    reg64(b, 0x80000000, 0x40000);
    end(b);
    end(b);
    struct blob blob = std_finish(b);
    expect_ok(blob);
    assert_int_equal(pf.nresv, 3);
    assert_int_equal(pf.resv[0].base, 0x87000000);
    assert_int_equal(pf.resv[0].size, 0x10000);
    assert_int_equal(pf.resv[0].source, DT_RESV_MEMRESERVE);
    assert_string_equal(pf.resv[0].name, "memreserve");
    assert_int_equal(pf.resv[1].base, 0x88000000);
    assert_int_equal(pf.resv[2].base, 0x80000000);
    assert_int_equal(pf.resv[2].source, DT_RESV_NODE);
    assert_false(pf.resv[2].no_map);
    free(blob.p);
}

/* ISA forms: riscv,isa letters, 'g', isa-base + isa-extensions; mmu-type none. */
static void test_isa_forms(void **state)
{
    (void)state;
    struct fdtb *b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    node(b, "cpus");
    cells(b, "#address-cells", 1, 1);
    cells(b, "#size-cells", 1, 0);
    cells(b, "timebase-frequency", 1, 1000000);
    std_cpu(b, 0, "rv64imafdc", "riscv,sv39", "okay");
    std_cpu(b, 1, "rv64imac_zfa_zdinx", "riscv,sv39", NULL);    /* f, d after '_' */
    std_cpu(b, 2, "rv64gc", "riscv,none", NULL);
    std_cpu(b, 3, "rv32imafdc", "riscv,sv32", NULL);
    std_cpu(b, 4, "rv64imafdc", "riscv,sv57", "ok");
    node(b, "cpu@5");
    str(b, "device_type", "cpu");
    cells(b, "reg", 1, 5);
    str(b, "riscv,isa-base", "rv64i");
    static const char ext[] = "i\0m\0a\0f\0d\0c\0zicsr";
    prop(b, "riscv,isa-extensions", ext, sizeof(ext));
    str(b, "mmu-type", "riscv,sv48");
    end(b);
    node(b, "cpu@6");
    str(b, "device_type", "cpu");
    cells(b, "reg", 1, 6);
    str(b, "riscv,isa-base", "rv64i");
    static const char ext2[] = "i\0m\0a\0f\0c";
    prop(b, "riscv,isa-extensions", ext2, sizeof(ext2));
    str(b, "mmu-type", "riscv,sv48");
    end(b);
    std_cpu(b, 7, "rv64gc", NULL, NULL);
    std_cpu(b, 8, "rv64imaczfinxzdinx", "riscv,sv39", NULL); /* no FP regs */
    std_cpu(b, 9, "rv64imafdcsu", "riscv,sv39", NULL);       /* old style */
    end(b);
    struct blob blob = std_finish(b);
    expect_ok(blob);
    assert_int_equal(pf.nharts, 10);
    static const bool usable[] = { true, false, false, false, true, true,
                                   false, false, false, true };
    for (unsigned i = 0; i < 10; i++) {
        assert_int_equal(pf.harts[i].hartid, i);
        assert_int_equal(pf.harts[i].usable, usable[i]);
        assert_true(usable[i] == (pf.harts[i].why_unusable == NULL));
    }
    assert_string_equal(pf.harts[2].why_unusable, "no MMU: mmu-type riscv,none");
    assert_string_equal(pf.harts[7].why_unusable, "no MMU: no mmu-type");
    assert_string_equal(pf.harts[1].why_unusable, "no F and D in its ISA");
    assert_string_equal(pf.harts[6].why_unusable, "no F and D in its ISA");
    assert_string_equal(pf.harts[3].why_unusable, "not an RV64 hart");
    assert_string_equal(pf.harts[5].isa, "rv64imafdc_zicsr");
    assert_string_equal(pf.harts[4].status, "ok");
    free(blob.p);
}

/* /chosen: bootargs and a 32-bit and a 64-bit initrd. */
static void test_chosen(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++) {
        struct fdtb *b = std_begin();
        node(b, "chosen");
        str(b, "bootargs", "console=ttyS0 init=/bin/sh");
        if (wide) {
            cells(b, "linux,initrd-start", 2, 0x1, 0x84000000);
            cells(b, "linux,initrd-end", 2, 0x1, 0x84100000);
        } else {
            cells(b, "linux,initrd-start", 1, 0x84000000);
            cells(b, "linux,initrd-end", 1, 0x84100000);
        }
        end(b);
        struct blob blob = std_finish(b);
        expect_ok(blob);
        assert_string_equal(pf.chosen.bootargs, "console=ttyS0 init=/bin/sh");
        assert_true(pf.chosen.has_initrd);
        assert_int_equal(pf.chosen.initrd_start, (wide ? 1ull << 32 : 0) + 0x84000000);
        assert_int_equal(pf.chosen.initrd_end, (wide ? 1ull << 32 : 0) + 0x84100000);
        free(blob.p);
    }
}

/* A bus with real ranges and 1-cell addresses; interrupt-parent inherited. */
static void test_ranges_translation(void **state)
{
    (void)state;
    struct fdtb *b = std_begin();
    node(b, "bus@20000000");
    str(b, "compatible", "simple-bus");
    cells(b, "#address-cells", 1, 1);
    cells(b, "#size-cells", 1, 1);
    cells(b, "interrupt-parent", 1, PH_PLIC);
    /* child 0x0-0xffff -> 0x2000_0000, child 0x100000 -> 0x3_0000_0000 */
    cells(b, "ranges", 8, 0x0, 0x0, 0x20000000, 0x10000,
          0x100000, 0x3, 0x0, 0x10000);
    node(b, "inner");
    cells(b, "#address-cells", 1, 1);
    cells(b, "#size-cells", 1, 1);
    flag(b, "ranges");
    node(b, "virtio@100200");
    str(b, "compatible", "virtio,mmio");
    cells(b, "reg", 2, 0x100200, 0x200);
    cells(b, "interrupts", 1, 7);
    end(b);
    end(b);
    node(b, "virtio@8000");
    str(b, "compatible", "virtio,mmio");
    cells(b, "reg", 2, 0x8000, 0x200);
    cells(b, "interrupts", 1, 6);
    end(b);
    node(b, "virtio@900000");               /* outside every range: skipped */
    str(b, "compatible", "virtio,mmio");
    cells(b, "reg", 2, 0x900000, 0x200);
    end(b);
    end(b);
    node(b, "gpio");                        /* another interrupt controller */
    flag(b, "interrupt-controller");
    cells(b, "#interrupt-cells", 1, 2);
    cells(b, "phandle", 1, 60);
    end(b);
    node(b, "virtio@40000000");             /* its irq is not the PLIC's */
    str(b, "compatible", "virtio,mmio");
    reg64(b, 0x40000000, 0x200);
    cells(b, "interrupt-parent", 1, 60);
    cells(b, "interrupts", 2, 5, 0);
    end(b);
    node(b, "virtio@40001000");             /* no interrupt parent at all */
    str(b, "compatible", "virtio,mmio");
    reg64(b, 0x40001000, 0x200);
    cells(b, "interrupts", 1, 5);
    end(b);
    node(b, "virtio@40002000");             /* interrupts-extended to the PLIC */
    str(b, "compatible", "virtio,mmio");
    reg64(b, 0x40002000, 0x200);
    cells(b, "interrupts-extended", 2, PH_PLIC, 17);
    end(b);
    node(b, "nobus");                       /* no ranges: not translatable */
    cells(b, "#address-cells", 1, 1);
    cells(b, "#size-cells", 1, 1);
    node(b, "virtio@0");
    str(b, "compatible", "virtio,mmio");
    cells(b, "reg", 2, 0x0, 0x200);
    end(b);
    end(b);
    struct blob blob = std_finish(b);
    expect_ok(blob);
    assert_int_equal(pf.nvirtio, 5);
    assert_int_equal(pf.virtio[0].base, 0x20008000);
    assert_int_equal(pf.virtio[0].size, 0x200);
    assert_int_equal(pf.virtio[0].irq, 6);
    assert_int_equal(pf.virtio[1].base, 0x40000000);
    assert_int_equal(pf.virtio[1].irq, 0);
    assert_int_equal(pf.virtio[2].base, 0x40001000);
    assert_int_equal(pf.virtio[2].irq, 0);
    assert_int_equal(pf.virtio[3].base, 0x40002000);
    assert_int_equal(pf.virtio[3].irq, 17);
    assert_int_equal(pf.virtio[4].base, 0x300000200ull);
    assert_int_equal(pf.virtio[4].irq, 7);
    free(blob.p);
}

/* Console choice: stdout-path alias first, else the first enabled UART. */
static void test_console_choice(void **state)
{
    (void)state;
    struct fdtb *b = fdtb_new();
    std_root(b);
    node(b, "aliases");
    str(b, "serial0", "/soc/serial@10000000");
    str(b, "serial2", "/soc/serial@10002000");
    end(b);
    node(b, "chosen");
    str(b, "stdout-path", "serial2:115200n8");
    end(b);
    std_memory(b, 0x80000000, 0x8000000);
    std_cpus(b, 1);
    soc_begin(b);
    std_plic(b, 1);
    std_uart(b, 0x10000000, 10, "disabled");
    std_uart(b, 0x10001000, 11, NULL);
    std_uart(b, 0x10002000, 12, "okay");
    end(b);
    struct blob blob = std_finish(b);
    expect_ok(blob);
    assert_int_equal(pf.uart.base, 0x10002000);
    assert_int_equal(pf.uart.irq, 12);
    assert_string_equal(pf.chosen.stdout_path, "serial2:115200n8");

    /* An alias that names nothing: fall back to the first enabled UART. */
    uint8_t *p = memmem(blob.p, blob.n, "serial2:115200n8", 16);
    assert_non_null(p);
    p[6] = '7';
    expect_ok(blob);
    assert_int_equal(pf.uart.base, 0x10001000);
    assert_int_equal(pf.uart.irq, 11);
    /* A path that is only a prefix of a node name names nothing either. */
    p = memmem(blob.p, blob.n, "/soc/serial@10002000", 20);
    assert_non_null(p);
    p[19] = '\0';
    memcpy(memmem(blob.p, blob.n, "serial7", 7), "serial2", 7);
    expect_ok(blob);
    assert_int_equal(pf.uart.base, 0x10001000);
    free(blob.p);
}

/* No UART at all is not an error: the caller decides. */
static void test_no_uart(void **state)
{
    (void)state;
    struct fdtb *b = fdtb_new();
    std_root(b);
    str(b, "compatible", "virtio,mmio");    /* but has no reg: skipped */
    std_memory(b, 0x80000000, 0x8000000);
    std_cpus(b, 1);
    end(b);                                 /* the root: no soc at all */
    struct blob blob = finish(b);
    expect_ok(blob);
    assert_int_equal(pf.uart.kind, DT_UART_NONE);
    assert_false(pf.plic.present);
    assert_int_equal(pf.nvirtio, 0);
    free(blob.p);
}

/* Several banks in one reg and in several /memory nodes, 1-cell root. */
static void test_memory_banks(void **state)
{
    (void)state;
    struct fdtb *b = fdtb_new();
    node(b, "");
    cells(b, "#address-cells", 1, 1);
    cells(b, "#size-cells", 1, 1);
    node(b, "memory@80000000");
    str(b, "device_type", "memory");
    cells(b, "reg", 4, 0x80000000, 0x1000000, 0x90000000, 0x2000000);
    end(b);
    node(b, "memory@a0000000");
    str(b, "device_type", "memory");
    cells(b, "reg", 2, 0xa0000000, 0x4000000);
    end(b);
    node(b, "memory@b0000000");
    str(b, "device_type", "memory");
    str(b, "status", "disabled");
    cells(b, "reg", 2, 0xb0000000, 0x4000000);
    end(b);
    std_cpus(b, 1);
    end(b);
    struct blob blob = finish(b);
    expect_ok(blob);
    assert_int_equal(pf.nmem, 3);
    assert_int_equal(pf.mem[1].base, 0x90000000);
    assert_int_equal(pf.mem[1].size, 0x2000000);
    assert_int_equal(pf.mem[2].base, 0xa0000000);
    free(blob.p);
}

/* ---- corrupted real blobs ------------------------------------------------ */

/* Every prefix of a good blob is refused at the header. */
static void test_every_truncation(void **state)
{
    (void)state;
    struct blob good = load("visionfive2.dtb");
    for (size_t len = 0; len < good.n; len++) {
        struct blob b = blob_copy(good.p, len);
        expect_error_in(b, len < 40 ? "shorter than the 40-byte header"
                                    : "exceeds the", "truncation");
        free(b.p);
    }
    free(good.p);
}

/* Load the VisionFive 2 blob, let `patch` change it, expect `what`. */
static void corrupt(void (*patch)(struct blob *), const char *what,
                    const char *test)
{
    struct blob b = load("visionfive2.dtb");
    patch(&b);
    expect_error_in(b, what, test);
    free(b.p);
}

static void p_magic(struct blob *b) { b->p[3] ^= 0x40; }
static void p_version(struct blob *b) { wr32(b->p + H_VERSION, 16); }
static void p_last_comp(struct blob *b) { wr32(b->p + H_LAST_COMP, 18); }
static void p_totalsize(struct blob *b) { wr32(b->p + H_TOTALSIZE, (uint32_t)b->n + 1); }
static void p_tiny_total(struct blob *b) { wr32(b->p + H_TOTALSIZE, 39); }

static void test_bad_header(void **state)
{
    (void)state;
    corrupt(p_magic, "bad magic 0xd00dfead", "magic");
    corrupt(p_version, "version 16 is older than 17", "version");
    corrupt(p_last_comp, "needs a reader of version 18", "last_comp_version");
    corrupt(p_totalsize, "exceeds the", "totalsize");
    corrupt(p_tiny_total, "smaller than the header", "tiny totalsize");
}

/* Each offset/size field pointing outside the blob. */
static void test_offsets_outside(void **state)
{
    static const struct { int field; uint32_t value; const char *what; } c[] = {
        { H_OFF_STRUCT, 0xfffffff0, "structure block (offset 0xfffffff0" },
        { H_OFF_STRUCT, 8, "structure block (offset 0x8" },
        { H_SIZE_STRUCT, 0x100000, "structure block" },
        { H_SIZE_STRUCT, 0xffffffff, "structure block" },
        { H_OFF_STRINGS, 0x7fffffff, "strings block (offset 0x7fffffff" },
        { H_OFF_STRINGS, 0, "strings block (offset 0x0" },
        { H_SIZE_STRINGS, 0xfffffffc, "strings block" },
        { H_OFF_RSVMAP, 0x80000000, "memory reservation block offset" },
        { H_OFF_RSVMAP, 4, "memory reservation block offset 0x4" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct blob b = load("visionfive2.dtb");
        wr32(b.p + c[i].field, c[i].value);
        expect_error_in(b, c[i].what, "offset field");
        free(b.p);
    }
}

/* The structure block ends inside a node name. */
static void p_node_name(struct blob *b)
{
    size_t st = rd32(b->p + H_OFF_STRUCT);
    size_t child = find_token(b, FDT_BEGIN_NODE, NULL, 1);  /* /aliases */
    wr32(b->p + H_SIZE_STRUCT, (uint32_t)(child - st + 4 + 3));
}

/* The strings block loses its last NUL. */
static void p_prop_name(struct blob *b)
{
    size_t stop = rd32(b->p + H_OFF_STRINGS) + rd32(b->p + H_SIZE_STRINGS);
    assert_int_equal(b->p[stop - 1], 0);
    b->p[stop - 1] = 'x';
}

static void p_nameoff(struct blob *b)
{
    size_t t = find_token(b, FDT_PROP, "model", 0);
    wr32(b->p + t + 8, rd32(b->p + H_SIZE_STRINGS) + 5);
}

static void p_prop_len(struct blob *b)
{
    size_t t = find_token(b, FDT_PROP, "reg", 0);           /* /memory's */
    wr32(b->p + t + 4, 0xfffffff0);
}

static void p_bad_token(struct blob *b)
{
    wr32(b->p + find_token(b, FDT_PROP, "riscv,isa", 2), 7);
}

/* Three END_NODEs in place of no-map: the root closes early. */
static void p_extra_end(struct blob *b)
{
    size_t t = find_token(b, FDT_PROP, "no-map", 0);
    for (int i = 0; i < 3; i++)
        wr32(b->p + t + 4 * i, FDT_END_NODE);
}

/* The root's END_NODE becomes FDT_END. */
static void p_missing_end_node(struct blob *b)
{
    size_t stop = find_token(b, FDT_END, NULL, 0);
    wr32(b->p + stop - 4, FDT_END);
}

/* FDT_END becomes a NOP: the walk runs off the block. */
static void p_missing_end(struct blob *b)
{
    wr32(b->p + find_token(b, FDT_END, NULL, 0), FDT_NOP);
}

static void p_rsvmap(struct blob *b)
{
    size_t r = rd32(b->p + H_OFF_RSVMAP);
    b->p[r + 7] = 1;                        /* the terminator is no longer zero */
}

static void test_bad_structure(void **state)
{
    (void)state;
    corrupt(p_node_name, "name of the node at structure offset", "node name");
    corrupt(p_prop_name, "is not terminated in the strings block", "prop name");
    corrupt(p_nameoff, "outside the strings block", "nameoff");
    corrupt(p_prop_len, "property 'reg' of /memory@40000000 runs past the "
            "structure block", "prop len");
    corrupt(p_bad_token, "bad token 0x7 at structure offset", "bad token");
    corrupt(p_extra_end, "closes no node", "extra END_NODE");
    corrupt(p_missing_end_node, "inside / (a node is not closed)", "no END_NODE");
    corrupt(p_missing_end, "without FDT_END", "no FDT_END");
    corrupt(p_rsvmap, "has no terminating zero entry", "memreserve");
}

/* ---- bad trees built here ------------------------------------------------ */

static void test_too_deep(void **state)
{
    (void)state;
    struct fdtb *b = std_begin();
    for (int i = 0; i < 16; i++)
        node(b, "n%d", i);
    for (int i = 0; i < 16; i++)
        end(b);
    expect_error(std_finish(b), "nested deeper than 16");
    /* 15 levels below the root (16 in all) are fine. */
    b = std_begin();
    for (int i = 0; i < 15; i++)
        node(b, "n%d", i);
    for (int i = 0; i < 15; i++)
        end(b);
    struct blob ok = std_finish(b);
    expect_ok(ok);
    free(ok.p);
}

static void test_prop_after_subnode(void **state)
{
    (void)state;
    struct fdtb *b = std_begin();
    str(b, "late", "x");
    expect_error(std_finish(b), "property 'late' of / comes after a subnode");
}

static void test_second_root(void **state)
{
    (void)state;
    struct fdtb *b = std_begin();
    end(b);
    node(b, "");
    expect_error(std_finish(b), "a second root node");
}

/* The UART's interrupt parent is a node whose parent is the UART's parent... */
static void test_irq_parent_cycle(void **state)
{
    (void)state;
    struct fdtb *b = std_begin();
    node(b, "a");
    cells(b, "phandle", 1, 50);
    cells(b, "interrupt-parent", 1, 51);
    end(b);
    node(b, "b");
    cells(b, "phandle", 1, 51);
    cells(b, "interrupt-parent", 1, 50);
    end(b);
    node(b, "serial@20000000");
    str(b, "compatible", "ns16550a");
    reg64(b, 0x20000000, 0x100);
    cells(b, "interrupt-parent", 1, 50);
    cells(b, "interrupts", 1, 4);
    end(b);
    node(b, "chosen");
    str(b, "stdout-path", "/serial@20000000");
    end(b);
    expect_error(std_finish(b), "interrupt-parent steps (a cycle?)");
}

static void test_missing_memory(void **state)
{
    (void)state;
    struct fdtb *b = fdtb_new();
    std_root(b);
    std_cpus(b, 1);
    expect_error(std_finish(b), "no /memory node");
    b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0);           /* a bank of size 0 is no bank */
    std_cpus(b, 1);
    expect_error(std_finish(b), "no /memory node");
}

static void test_no_usable_hart(void **state)
{
    (void)state;
    struct fdtb *b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    node(b, "cpus");
    cells(b, "#address-cells", 1, 1);
    cells(b, "#size-cells", 1, 0);
    cells(b, "timebase-frequency", 1, 1000000);
    std_cpu(b, 0, "rv64imac", NULL, "disabled");
    std_cpu(b, 1, "rv64imac", "riscv,sv39", NULL);
    end(b);
    expect_error(std_finish(b), "no usable hart among 2");
}

static void test_tables_full(void **state)
{
    (void)state;
    struct fdtb *b = fdtb_new();
    std_root(b);
    for (int i = 0; i <= DT_MAX_MEM; i++)
        std_memory(b, 0x80000000ull + ((uint64_t)i << 28), 0x1000000);
    std_cpus(b, 1);
    expect_error(std_finish(b), "more than 16 memory banks (DT_MAX_MEM)");

    b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    std_cpus(b, DT_MAX_HARTS + 1);
    expect_error(std_finish(b), "(DT_MAX_HARTS)");

    b = std_begin();
    for (int i = 0; i <= DT_MAX_VIRTIO; i++) {
        node(b, "virtio@%x", 0x30000000 + i * 0x1000);
        str(b, "compatible", "virtio,mmio");
        reg64(b, 0x30000000 + i * 0x1000, 0x1000);
        end(b);
    }
    expect_error(std_finish(b), "(DT_MAX_VIRTIO)");

    b = std_begin();
    for (int i = 0; i <= DT_MAX_RESERVED; i++) {
        b->rsv[i][0] = 0x80000000 + i * 0x1000;
        b->rsv[i][1] = 0x1000;
    }
    b->nrsv = DT_MAX_RESERVED + 1;
    expect_error(std_finish(b), "(DT_MAX_RESERVED)");
}

/* Smaller semantic errors, each with its message. */
static void test_bad_values(void **state)
{
    (void)state;
    struct fdtb *b = fdtb_new();
    node(b, "");
    cells(b, "#address-cells", 1, 3);
    cells(b, "#size-cells", 1, 2);
    std_memory(b, 0x80000000, 0x8000000);
    expect_error(std_finish(b), "#address-cells of / is 3; only 1 or 2");

    b = fdtb_new();
    std_root(b);
    node(b, "memory@0");
    str(b, "device_type", "memory");
    cells(b, "reg", 3, 0, 0x80000000, 0);
    end(b);
    expect_error(std_finish(b), "'reg' of /memory@0 is 12 bytes, not a multiple of 16");

    b = fdtb_new();
    node(b, "");
    cells(b, "#address-cells", 1, 2);
    cells(b, "#size-cells", 1, 2);
    prop(b, "model", "unterminated", 12);
    std_memory(b, 0x80000000, 0x8000000);
    expect_error(std_finish(b), "property 'model' of / is not a terminated string");

    b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    node(b, "cpus");
    cells(b, "#address-cells", 1, 1);
    cells(b, "#size-cells", 1, 0);
    std_cpu(b, 0, "rv64gc", "riscv,sv39", NULL);
    end(b);
    expect_error(std_finish(b), "no timebase-frequency");

    b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    expect_error(std_finish(b), "no /cpus node");

    b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    node(b, "cpus");
    cells(b, "#address-cells", 1, 1);
    cells(b, "#size-cells", 1, 0);
    cells(b, "timebase-frequency", 1, 1000000);
    std_cpu(b, 3, "rv64gc", "riscv,sv39", NULL);
    std_cpu(b, 3, "rv64gc", "riscv,sv39", NULL);
    end(b);
    expect_error(std_finish(b), "hart id 3 of /cpus/cpu@3 appears twice");

    b = std_begin();
    node(b, "memory@ffffffffffff0000");
    str(b, "device_type", "memory");
    reg64(b, 0xffffffffffff0000ull, 0x20000);
    end(b);
    expect_error(std_finish(b), "wraps around the address space");
}

static void test_bad_chosen(void **state)
{
    (void)state;
    struct fdtb *b = std_begin();
    node(b, "chosen");
    cells(b, "linux,initrd-start", 1, 0x84000000);
    end(b);
    expect_error(std_finish(b), "linux,initrd-start but no linux,initrd-end");

    b = std_begin();
    node(b, "chosen");
    cells(b, "linux,initrd-start", 1, 0x84000000);
    cells(b, "linux,initrd-end", 1, 0x83000000);
    end(b);
    expect_error(std_finish(b), "initrd ends (0x83000000) before it starts");

    b = std_begin();
    node(b, "chosen");
    cells(b, "linux,initrd-start", 3, 0, 0, 0);
    cells(b, "linux,initrd-end", 1, 0x83000000);
    end(b);
    expect_error(std_finish(b), "'linux,initrd-start' of /chosen is 12 bytes");

    char args[DT_BOOTARGS_MAX + 1];
    memset(args, 'a', sizeof(args) - 1);
    args[sizeof(args) - 1] = '\0';
    b = std_begin();
    node(b, "chosen");
    str(b, "bootargs", args);
    end(b);
    expect_error(std_finish(b), "(DT_BOOTARGS_MAX)");
}

static void test_bad_devices(void **state)
{
    (void)state;
    /* The console UART sits behind a bus without ranges. */
    struct fdtb *b = std_begin();
    node(b, "bus");
    cells(b, "#address-cells", 1, 1);
    cells(b, "#size-cells", 1, 1);
    node(b, "serial@0");
    str(b, "compatible", "snps,dw-apb-uart");
    cells(b, "reg", 2, 0, 0x100);
    end(b);
    end(b);
    node(b, "chosen");
    str(b, "stdout-path", "/bus/serial@0");
    end(b);
    expect_error(std_finish(b), "console UART /bus/serial@0 has no 'reg' that translates");

    /* The root claims to be a UART: it has no reg. */
    b = fdtb_new();
    std_root(b);
    str(b, "compatible", "ns16550a");
    std_memory(b, 0x80000000, 0x8000000);
    std_cpus(b, 1);
    expect_error(std_finish(b), "console UART / has no 'reg'");

    /* A PLIC S-mode context names something that is not a hart's intc. */
    b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    std_cpus(b, 1);
    soc_begin(b);
    node(b, "plic@c000000");
    str(b, "compatible", "sifive,plic-1.0.0");
    reg64(b, 0xc000000, 0x4000000);
    flag(b, "interrupt-controller");
    cells(b, "#interrupt-cells", 1, 1);
    cells(b, "riscv,ndev", 1, 53);
    cells(b, "phandle", 1, PH_PLIC);
    cells(b, "interrupts-extended", 4, PH_INTC(0), 11, PH_PLIC, 9);
    end(b);
    end(b);
    expect_error(std_finish(b), "S-mode entry 1 names phandle 0x1, which is no hart's");

    /* ... or no node at all. */
    b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    std_cpus(b, 1);
    soc_begin(b);
    node(b, "plic@c000000");
    str(b, "compatible", "thead,c900-plic");
    reg64(b, 0xc000000, 0x4000000);
    cells(b, "riscv,ndev", 1, 53);
    cells(b, "interrupts-extended", 4, PH_INTC(0), 11, 77, 9);
    end(b);
    end(b);
    expect_error(std_finish(b), "entry 1 names phandle 0x4d, which is no interrupt controller");

    /* An entry without its interrupt cell. */
    b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    std_cpus(b, 1);
    soc_begin(b);
    node(b, "plic@c000000");
    str(b, "compatible", "riscv,plic0");
    reg64(b, 0xc000000, 0x4000000);
    cells(b, "riscv,ndev", 1, 53);
    cells(b, "interrupts-extended", 3, PH_INTC(0), 11, PH_INTC(0));
    end(b);
    end(b);
    expect_error(std_finish(b), "interrupts-extended of /soc/plic@c000000 is cut off in entry 1");

    /* A device's interrupts-extended with a phandle and nothing else. */
    b = std_begin();
    node(b, "virtio@30000000");
    str(b, "compatible", "virtio,mmio");
    reg64(b, 0x30000000, 0x1000);
    cells(b, "interrupts-extended", 1, PH_PLIC);
    end(b);
    expect_error(std_finish(b), "interrupts-extended of /virtio@30000000 is 4 bytes, too short");

    /* riscv,ndev missing. */
    b = fdtb_new();
    std_root(b);
    std_memory(b, 0x80000000, 0x8000000);
    std_cpus(b, 1);
    soc_begin(b);
    node(b, "plic@c000000");
    str(b, "compatible", "riscv,plic0");
    reg64(b, 0xc000000, 0x4000000);
    end(b);
    end(b);
    expect_error(std_finish(b), "PLIC /soc/plic@c000000 has riscv,ndev 0");

    /* reg-io-width 3. */
    b = std_begin();
    node(b, "serial@20000000");
    str(b, "compatible", "ns16550");
    reg64(b, 0x20000000, 0x100);
    cells(b, "reg-io-width", 1, 3);
    end(b);
    node(b, "chosen");
    str(b, "stdout-path", "/serial@20000000");
    end(b);
    expect_error(std_finish(b), "reg-io-width 3 of /serial@20000000");
}

/* ---- random mutations ----------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32) % n;
}

static void mutate(uint8_t *p, size_t *n)
{
    static const uint32_t words[] = { 0, 1, 2, 3, 4, 9, 0x28, 0xff,
                                      0x7fffffff, 0xfffffffc, 0xffffffff };
    unsigned edits = 1 + rnd(4);
    for (unsigned e = 0; e < edits && *n > 4; e++) {
        switch (rnd(5)) {
        case 0: p[rnd((uint32_t)*n)] ^= (uint8_t)(1u << rnd(8)); break;
        case 1: p[rnd((uint32_t)*n)] = (uint8_t)rnd(256); break;
        case 2: wr32(p + (rnd((uint32_t)*n - 3) & ~3u),
                     words[rnd(sizeof(words) / sizeof(words[0]))]); break;
        case 3: wr32(p + (rnd((uint32_t)*n - 3) & ~3u), rnd(0x2000)); break;
        default: *n = rnd((uint32_t)*n + 1); break;
        }
    }
}

/* Whatever the parser accepts must be self-consistent. */
static void check_sane(void)
{
    assert_true(pf.nmem >= 1 && pf.nmem <= DT_MAX_MEM);
    assert_true(pf.nresv <= DT_MAX_RESERVED);
    assert_true(pf.nharts >= 1 && pf.nharts <= DT_MAX_HARTS);
    assert_true(pf.nvirtio <= DT_MAX_VIRTIO);
    assert_true(pf.plic.nctx <= DT_MAX_PLIC_CTX);
    assert_true(pf.timebase_frequency != 0);
    assert_true(strlen(pf.model) < DT_NAME_MAX);
    assert_true(strlen(pf.chosen.bootargs) < DT_BOOTARGS_MAX);
    assert_true(strlen(pf.uart.path) < DT_NAME_MAX);
    for (unsigned i = 0; i < pf.nharts; i++)
        assert_true(pf.harts[i].usable == (pf.harts[i].why_unusable == NULL));
}

/* 20,000 random edits of good blobs (fixed seed): never a crash or a hang. */
static void test_random_mutations(void **state)
{
    (void)state;
    static const char *const files[] = { "visionfive2.dtb", "qemu-virt.dtb",
                                         "qemu-dump-smp2-512M.dtb" };
    struct blob good[3];
    unsigned accepted = 0, refused = 0;
    for (int i = 0; i < 3; i++)
        good[i] = load(files[i]);
    for (int iter = 0; iter < 20000; iter++) {
        const struct blob *g = &good[iter % 3];
        uint8_t *tmp = malloc(g->n);
        size_t n = g->n;
        memcpy(tmp, g->p, n);
        mutate(tmp, &n);
        struct blob b = blob_copy(tmp, n);
        free(tmp);
        struct dt_error err;
        if (parse(b, &err) == KERN_SUCCESS) {
            check_sane();
            accepted++;
        } else {
            assert_memory_equal(err.msg, "dtb: ", 5);
            assert_null(strchr(err.msg, '\n'));
            refused++;
        }
        free(b.p);
    }
    printf("mutations: %u accepted, %u refused\n", accepted, refused);
    assert_true(accepted > 100 && refused > 100);
    for (int i = 0; i < 3; i++)
        free(good[i].p);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        dtb_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_dumps),
        cmocka_unit_test(test_qemu_virt_dts),
        cmocka_unit_test(test_visionfive2_dts),
        cmocka_unit_test(test_total_size),
        cmocka_unit_test(test_fdt_lookups),
        cmocka_unit_test(test_built_tree),
        cmocka_unit_test(test_memreserve_and_dynamic),
        cmocka_unit_test(test_isa_forms),
        cmocka_unit_test(test_chosen),
        cmocka_unit_test(test_ranges_translation),
        cmocka_unit_test(test_console_choice),
        cmocka_unit_test(test_no_uart),
        cmocka_unit_test(test_memory_banks),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_offsets_outside),
        cmocka_unit_test(test_bad_structure),
        cmocka_unit_test(test_too_deep),
        cmocka_unit_test(test_prop_after_subnode),
        cmocka_unit_test(test_second_root),
        cmocka_unit_test(test_irq_parent_cycle),
        cmocka_unit_test(test_missing_memory),
        cmocka_unit_test(test_no_usable_hart),
        cmocka_unit_test(test_tables_full),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_bad_chosen),
        cmocka_unit_test(test_bad_devices),
        cmocka_unit_test(test_random_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
