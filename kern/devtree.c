// SPDX-License-Identifier: MIT
/*
 * The device-tree reader: fills struct platform (RAM, reserved ranges,
 * harts, console UART, PLIC, virtio-mmio slots) from a DTB checked by
 * kern/fdt.c.  Guide: docs/devicetree.md.
 */
#include <kern/devtree.h>
#include <kern/fdt.h>
#include <kern/printf.h>
#include <kern/string.h>

/*
 * Two constraints shape this file.  Early boot may call it before the
 * kernel runs at its link address, so no static data holds a pointer
 * (tables are arrays of char arrays).  And its stack stays under 1 KiB,
 * the formatter of error messages included: functions marked noinline hold
 * a path or a walk (about 70 bytes each) and are kept out of line so their
 * frames are not all live at once; bus_cells and device_reg are inlined so
 * that an error deep in address translation costs one frame fewer.  Check
 * with riscv64-unknown-elf-gcc -fcallgraph-info=su after changing either.
 */

/* Steps through interrupt-parent links before we call it a cycle. */
#define IRQ_PARENT_STEPS    32u
#define IRQ_CELLS_MAX       4u      /* #interrupt-cells we accept */
#define PLIC_NDEV_MAX       1023u   /* sources 1..1023 */
#define COMPAT_MAX          24u     /* room for one name in the tables below */

/* Compatible strings, upstream and vendor, most common first. */
static const char plic_names[][COMPAT_MAX] = {
    "riscv,plic0", "sifive,plic-1.0.0", "starfive,jh7110-plic",
    "thead,c900-plic",
};

static const char uart_names[][COMPAT_MAX] = {
    "ns16550a", "ns16550", "ns8250", "snps,dw-apb-uart",
    "starfive,jh7110-uart",
};

static const enum dt_uart_kind uart_kinds[] = {
    DT_UART_NS16550, DT_UART_NS16550, DT_UART_NS16550, DT_UART_DW_APB,
    DT_UART_DW_APB,
};

/* Parser state: the checked blob, where results and errors go. */
struct dtp {
    struct fdt f;
    struct platform *out;
    struct dt_error *err;
    uint32_t plic_node;         /* the PLIC we use, or FDT_NO_NODE */
};

/* ---- errors -------------------------------------------------------------- */

static kern_return_t fail(struct dtp *p, const char *fmt, ...)
    __printflike(2, 3);

static kern_return_t fail(struct dtp *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
    va_end(ap);
    return KERN_INVALID_ARGUMENT;
}

/* The node's path, for a message (one per message: the buffer is shared). */
static const char *at(struct dtp *p, const struct fdt_path *path)
{
    return fdt_path_string(&p->f, path, p->err->where, sizeof(p->err->where));
}

/* The path of the ancestor at depth `depth` (1 = the root). */
static __attribute__((noinline)) const char *
at_depth(struct dtp *p, const struct fdt_path *path, unsigned depth)
{
    struct fdt_path up = *path;
    up.depth = depth;
    return at(p, &up);
}

/* ---- properties ------------------------------------------------------------ */

static const uint8_t *prop(struct dtp *p, const struct fdt_path *path,
                           const char *name, uint32_t *len)
{
    return fdt_getprop(&p->f, fdt_path_leaf(path), name, len);
}

/* A string property; *s is NULL when it is absent. */
static kern_return_t get_string(struct dtp *p, const struct fdt_path *path,
                                const char *name, const char **s)
{
    uint32_t len;
    const uint8_t *v = prop(p, path, name, &len);

    *s = NULL;
    if (v == NULL)
        return KERN_SUCCESS;
    if (len == 0 || strnlen((const char *)v, len) == len)
        return fail(p, "dtb: property '%s' of %s is not a terminated string",
                    name, at(p, path));
    *s = (const char *)v;
    return KERN_SUCCESS;
}

/* A one-cell property; `dflt` when it is absent. */
static kern_return_t get_u32(struct dtp *p, const struct fdt_path *path,
                             const char *name, uint32_t dflt, uint32_t *val)
{
    uint32_t len;
    const uint8_t *v = prop(p, path, name, &len);

    *val = dflt;
    if (v == NULL)
        return KERN_SUCCESS;
    if (len != 4)
        return fail(p, "dtb: property '%s' of %s is %u bytes, not one cell",
                    name, at(p, path), len);
    *val = fdt_be32(v);
    return KERN_SUCCESS;
}

/* A one- or two-cell property; *present is false when it is absent. */
static kern_return_t get_u64(struct dtp *p, const struct fdt_path *path,
                             const char *name, bool *present, uint64_t *val)
{
    uint32_t len;
    const uint8_t *v = prop(p, path, name, &len);

    *present = v != NULL;
    *val = 0;
    if (v == NULL)
        return KERN_SUCCESS;
    if (len != 4 && len != 8)
        return fail(p, "dtb: property '%s' of %s is %u bytes, not 4 or 8",
                    name, at(p, path), len);
    *val = fdt_cells(v, len / 4);
    return KERN_SUCCESS;
}

static bool status_okay(const char *status)
{
    return status == NULL || strcmp(status, "okay") == 0 ||
           strcmp(status, "ok") == 0;
}

/* Is the node enabled (status absent, "okay" or "ok")? */
static kern_return_t node_enabled(struct dtp *p, const struct fdt_path *path,
                                  bool *on)
{
    const char *status;
    kern_return_t kr = get_string(p, path, "status", &status);
    *on = kr == KERN_SUCCESS && status_okay(status);
    return kr;
}

/* Index of the node's first compatible string found in names[], or -1. */
static int compat_index(struct dtp *p, const struct fdt_path *path,
                        const char (*names)[COMPAT_MAX], size_t n)
{
    uint32_t len, pos = 0;
    const uint8_t *v = prop(p, path, "compatible", &len);
    const char *c;

    while ((c = fdt_stringlist_next(v, len, &pos)) != NULL)
        for (size_t i = 0; i < n; i++)
            if (strcmp(c, names[i]) == 0)
                return (int)i;
    return -1;
}

static bool is_compatible(struct dtp *p, const struct fdt_path *path,
                          const char *name)
{
    uint32_t len;
    const uint8_t *v = prop(p, path, "compatible", &len);
    return v != NULL && fdt_stringlist_contains(v, len, name);
}

/* ---- addresses ------------------------------------------------------------- */

/* #address-cells (1 or 2) and #size-cells (0 to 2) of path->node[level]. */
static inline __attribute__((always_inline)) kern_return_t
bus_cells(struct dtp *p, const struct fdt_path *path,
                               unsigned level, unsigned *ac, unsigned *sc)
{
    uint32_t node = path->node[level], alen = 4, slen = 4;
    const uint8_t *a = fdt_getprop(&p->f, node, "#address-cells", &alen);
    const uint8_t *s = fdt_getprop(&p->f, node, "#size-cells", &slen);

    *ac = a != NULL && alen == 4 ? fdt_be32(a) : 2;    /* the spec's defaults */
    *sc = s != NULL && slen == 4 ? fdt_be32(s) : 1;
    if (alen != 4 || slen != 4)
        return fail(p, "dtb: #%s-cells of %s is not one cell",
                    alen != 4 ? "address" : "size",
                    at_depth(p, path, level + 1));
    if (*ac < 1 || *ac > 2)
        return fail(p, "dtb: #address-cells of %s is %u; only 1 or 2 are "
                    "supported", at_depth(p, path, level + 1), *ac);
    if (*sc > 2)
        return fail(p, "dtb: #size-cells of %s is %u; only 0, 1 or 2 are "
                    "supported", at_depth(p, path, level + 1), *sc);
    return KERN_SUCCESS;
}

/*
 * Entry `i` of the node's reg, in its parent's address space; *found is
 * false past the last entry (or when there is no reg).
 */
static kern_return_t read_reg(struct dtp *p, const struct fdt_path *path,
                              unsigned i, struct dt_range *r, bool *found)
{
    unsigned ac, sc;
    uint32_t len;

    *found = false;
    if (path->depth < 2)
        return KERN_SUCCESS;                /* the root has no reg */
    kern_return_t kr = bus_cells(p, path, path->depth - 2, &ac, &sc);
    const uint8_t *v = prop(p, path, "reg", &len);
    if (kr != KERN_SUCCESS || v == NULL)
        return kr;
    uint32_t stride = (ac + sc) * 4;
    if (len % stride != 0)
        return fail(p, "dtb: 'reg' of %s is %u bytes, not a multiple of %u "
                    "(#address-cells %u, #size-cells %u)", at(p, path), len,
                    stride, ac, sc);
    if ((uint64_t)i * stride >= len)
        return KERN_SUCCESS;
    v += i * stride;
    r->base = fdt_cells(v, ac);
    r->size = sc == 0 ? 0 : fdt_cells(v + ac * 4, sc);
    if (r->size > UINT64_MAX - r->base)
        return fail(p, "dtb: 'reg' entry %u of %s wraps around the address "
                    "space", i, at(p, path));
    *found = true;
    return KERN_SUCCESS;
}

/* Look `addr` up in one ranges entry of the bus at `level`. */
static bool range_maps(const uint8_t *e, unsigned cac, unsigned pac,
                       unsigned csc, uint64_t *addr)
{
    uint64_t child = fdt_cells(e, cac);
    uint64_t parent = fdt_cells(e + cac * 4, pac);
    uint64_t size = fdt_cells(e + (cac + pac) * 4, csc);

    if (*addr < child || *addr - child >= size)
        return false;
    *addr = parent + (*addr - child);
    return true;
}

/*
 * Move `addr` from the bus at path->node[level] into its parent's address
 * space.  *ok is false when the bus has no ranges or none covers addr.
 */
static kern_return_t translate_step(struct dtp *p, const struct fdt_path *path,
                                    unsigned level, uint64_t *addr, bool *ok)
{
    unsigned cac, csc, pac, psc;
    uint32_t len;
    const uint8_t *v = fdt_getprop(&p->f, path->node[level], "ranges", &len);

    *ok = v != NULL;
    if (v == NULL || len == 0)
        return KERN_SUCCESS;                /* none: untranslatable; empty: 1:1 */
    kern_return_t kr = bus_cells(p, path, level, &cac, &csc);
    if (kr == KERN_SUCCESS)
        kr = bus_cells(p, path, level - 1, &pac, &psc);
    if (kr != KERN_SUCCESS)
        return kr;
    uint32_t stride = (cac + pac + csc) * 4;
    if (csc == 0 || len % stride != 0)
        return fail(p, "dtb: 'ranges' of %s is %u bytes, not a multiple of %u",
                    at_depth(p, path, level + 1), len, stride);
    for (uint32_t off = 0; off < len; off += stride)
        if (range_maps(v + off, cac, pac, csc, addr))
            return KERN_SUCCESS;
    *ok = false;
    return KERN_SUCCESS;
}

/* Translate an address of the node's reg up to the root's address space. */
static kern_return_t translate(struct dtp *p, const struct fdt_path *path,
                               uint64_t *addr, bool *ok)
{
    kern_return_t kr = KERN_SUCCESS;
    *ok = path->depth >= 2;
    for (unsigned level = path->depth - 2; *ok && level > 0; level--) {
        kr = translate_step(p, path, level, addr, ok);
        if (kr != KERN_SUCCESS)
            break;
    }
    return kr;
}

/* The node's first reg entry as a physical range; *ok false if none. */
static inline __attribute__((always_inline)) kern_return_t
device_reg(struct dtp *p, const struct fdt_path *path,
                                struct dt_range *r, bool *ok)
{
    kern_return_t kr = read_reg(p, path, 0, r, ok);
    if (kr != KERN_SUCCESS || !*ok)
        return kr;
    return translate(p, path, &r->base, ok);
}

/* ---- interrupts ------------------------------------------------------------ */

/*
 * Move *cur to its interrupt parent: the node its interrupt-parent names,
 * else its parent in the tree (depth 0: there is none).
 */
static kern_return_t irq_parent_step(struct dtp *p, struct fdt_path *cur)
{
    uint32_t len;
    const uint8_t *v = prop(p, cur, "interrupt-parent", &len);

    if (v == NULL) {
        cur->depth--;
        return KERN_SUCCESS;
    }
    if (len != 4)
        return fail(p, "dtb: interrupt-parent of %s is %u bytes, not one "
                    "cell", at(p, cur), len);
    uint32_t node = fdt_find_phandle(&p->f, fdt_be32(v));
    if (node == FDT_NO_NODE || !fdt_node_path(&p->f, node, cur))
        return fail(p, "dtb: interrupt-parent of %s names phandle 0x%x, "
                    "which no node has", at(p, cur), fdt_be32(v));
    return KERN_SUCCESS;
}

/* The interrupt controller a device's `interrupts` go to, or FDT_NO_NODE. */
static kern_return_t irq_parent(struct dtp *p, const struct fdt_path *dev,
                                uint32_t *ctrl)
{
    struct fdt_path cur = *dev;

    for (unsigned step = 0; step < IRQ_PARENT_STEPS; step++) {
        kern_return_t kr = irq_parent_step(p, &cur);
        if (kr != KERN_SUCCESS)
            return kr;
        *ctrl = cur.depth == 0 ? FDT_NO_NODE : fdt_path_leaf(&cur);
        if (cur.depth == 0 || prop(p, &cur, "#interrupt-cells", NULL) != NULL)
            return KERN_SUCCESS;
    }
    return fail(p, "dtb: no interrupt controller for %s after %u "
                "interrupt-parent steps (a cycle?)", at(p, dev),
                IRQ_PARENT_STEPS);
}

/*
 * A device's first interrupt, if it goes to the PLIC we use (else 0):
 * from interrupts-extended, or from interrupts and the interrupt parent.
 */
static kern_return_t device_irq(struct dtp *p, const struct fdt_path *path,
                                uint32_t *irq)
{
    uint32_t len, ctrl;
    const uint8_t *ext = prop(p, path, "interrupts-extended", &len);
    const uint8_t *v;

    *irq = 0;
    if (ext != NULL) {
        if (len < 8)
            return fail(p, "dtb: interrupts-extended of %s is %u bytes, too "
                        "short for one entry", at(p, path), len);
        ctrl = fdt_find_phandle(&p->f, fdt_be32(ext));
        v = ext + 4;
    } else {
        v = prop(p, path, "interrupts", &len);
        if (v == NULL)
            return KERN_SUCCESS;
        if (len < 4)
            return fail(p, "dtb: 'interrupts' of %s is empty", at(p, path));
        kern_return_t kr = irq_parent(p, path, &ctrl);
        if (kr != KERN_SUCCESS)
            return kr;
    }
    if (ctrl != FDT_NO_NODE && ctrl == p->plic_node)
        *irq = fdt_be32(v);
    return KERN_SUCCESS;
}

/* ---- model, reserved memory, RAM ---------------------------------------- */

static __attribute__((noinline)) kern_return_t
read_model(struct dtp *p)
{
    struct fdt_path root = { .node = { p->f.root }, .depth = 1 };
    const char *model;
    kern_return_t kr = get_string(p, &root, "model", &model);

    if (kr == KERN_SUCCESS && model != NULL)
        strlcpy(p->out->model, model, sizeof(p->out->model));
    return kr;
}

static kern_return_t add_resv(struct dtp *p, const struct dt_range *r,
                              enum dt_resv_source source, bool no_map,
                              const char *name)
{
    struct platform *out = p->out;

    if (r->size == 0)
        return KERN_SUCCESS;
    if (r->size > UINT64_MAX - r->base)
        return fail(p, "dtb: reserved range %s at 0x%llx wraps around the "
                    "address space", name, (unsigned long long)r->base);
    if (out->nresv == DT_MAX_RESERVED)
        return fail(p, "dtb: more than %u reserved ranges (DT_MAX_RESERVED); "
                    "%s is one too many", DT_MAX_RESERVED, name);
    struct dt_reserved *d = &out->resv[out->nresv++];
    d->base = r->base;
    d->size = r->size;
    d->source = source;
    d->no_map = no_map;
    strlcpy(d->name, name, sizeof(d->name));
    return KERN_SUCCESS;
}

static __attribute__((noinline)) kern_return_t
read_memreserve(struct dtp *p)
{
    struct dt_range r;
    kern_return_t kr = KERN_SUCCESS;

    for (unsigned i = 0; kr == KERN_SUCCESS &&
                         fdt_rsvmap_entry(&p->f, i, &r.base, &r.size); i++)
        kr = add_resv(p, &r, DT_RESV_MEMRESERVE, false, "memreserve");
    return kr;
}

/* One child of /reserved-memory: every reg entry, or nothing if it has none. */
static kern_return_t read_reserved_node(struct dtp *p,
                                        const struct fdt_path *path)
{
    bool on, found = true, ok;
    struct dt_range r;
    const char *name = fdt_node_name(&p->f, fdt_path_leaf(path));
    bool no_map = prop(p, path, "no-map", NULL) != NULL;
    kern_return_t kr = node_enabled(p, path, &on);

    for (unsigned i = 0; kr == KERN_SUCCESS && on && found; i++) {
        kr = read_reg(p, path, i, &r, &found);
        if (kr != KERN_SUCCESS || !found)
            break;
        kr = translate(p, path, &r.base, &ok);
        if (kr == KERN_SUCCESS && !ok)
            return fail(p, "dtb: %s cannot be translated to a physical "
                        "address (no 'ranges' above it covers it)",
                        at(p, path));
        if (kr == KERN_SUCCESS)
            kr = add_resv(p, &r, DT_RESV_NODE, no_map, name);
    }
    return kr;
}

static __attribute__((noinline)) kern_return_t
read_reserved(struct dtp *p)
{
    struct fdt_path path = { .node = { p->f.root }, .depth = 3 };
    kern_return_t kr = KERN_SUCCESS;

    path.node[1] = fdt_subnode(&p->f, p->f.root, "reserved-memory", 15);
    if (path.node[1] == FDT_NO_NODE)
        return KERN_SUCCESS;
    path.node[2] = fdt_first_child(&p->f, path.node[1]);
    for (; path.node[2] != FDT_NO_NODE && kr == KERN_SUCCESS;
         path.node[2] = fdt_next_sibling(&p->f, path.node[2]))
        kr = read_reserved_node(p, &path);
    return kr;
}

static bool is_type(struct dtp *p, const struct fdt_path *path,
                    const char *type)
{
    uint32_t len;
    size_t n = strlen(type);
    const uint8_t *v = prop(p, path, "device_type", &len);
    const char *name = fdt_node_name(&p->f, fdt_path_leaf(path));

    if (v != NULL)
        return len == n + 1 && memcmp(v, type, n + 1) == 0;
    return strncmp(name, type, n) == 0 && (name[n] == '\0' || name[n] == '@');
}

static kern_return_t read_memory_node(struct dtp *p,
                                      const struct fdt_path *path)
{
    struct platform *out = p->out;
    struct dt_range r;
    bool on, found = true;
    kern_return_t kr = node_enabled(p, path, &on);

    for (unsigned i = 0; kr == KERN_SUCCESS && on && found; i++) {
        kr = read_reg(p, path, i, &r, &found);
        if (kr != KERN_SUCCESS || !found || r.size == 0)
            continue;
        if (out->nmem == DT_MAX_MEM)
            return fail(p, "dtb: more than %u memory banks (DT_MAX_MEM); "
                        "%s has one too many", DT_MAX_MEM, at(p, path));
        out->mem[out->nmem++] = r;
    }
    return kr;
}

static __attribute__((noinline)) kern_return_t
read_memory(struct dtp *p)
{
    struct fdt_path path = { .node = { p->f.root }, .depth = 2 };
    kern_return_t kr = KERN_SUCCESS;

    path.node[1] = fdt_first_child(&p->f, p->f.root);
    for (; path.node[1] != FDT_NO_NODE && kr == KERN_SUCCESS;
         path.node[1] = fdt_next_sibling(&p->f, path.node[1]))
        if (is_type(p, &path, "memory"))
            kr = read_memory_node(p, &path);
    if (kr == KERN_SUCCESS && p->out->nmem == 0)
        return fail(p, "dtb: no /memory node with a non-empty 'reg' (where "
                    "is the RAM?)");
    return kr;
}

/* ---- harts --------------------------------------------------------------- */

struct isa_bits {
    bool rv64, f, d;
};

/* "rv64imafdc_zba": the single letters between "rv64" and the first '_'. */
static void isa_from_string(const char *isa, struct isa_bits *b)
{
    b->rv64 = strncmp(isa, "rv64", 4) == 0;
    if (!b->rv64)
        return;
    for (const char *c = isa + 4; *c != '\0' && *c != '_'; c++) {
        if (*c == 's' || *c == 'x' || *c == 'z')
            break;                      /* multi-letter extensions start */
        b->f |= *c == 'f' || *c == 'g';
        b->d |= *c == 'd' || *c == 'g';
    }
}

static void isa_from_list(const char *base, const uint8_t *ext, uint32_t len,
                          struct isa_bits *b)
{
    b->rv64 = strncmp(base, "rv64", 4) == 0;
    b->f = fdt_stringlist_contains(ext, len, "f");
    b->d = fdt_stringlist_contains(ext, len, "d");
}

/* For display: "rv64i" + {"m","a","zicsr"} -> "rv64ima_zicsr". */
static void isa_compose(char *buf, size_t size, const char *base,
                        const uint8_t *ext, uint32_t len)
{
    uint32_t pos = 0;
    const char *e;
    const char *letters = strlen(base) >= 4 ? base + 4 : "";
    size_t n = strlcpy(buf, base, size);

    while ((e = fdt_stringlist_next(ext, len, &pos)) != NULL && n + 1 < size) {
        if (e[0] == '\0' || (e[1] == '\0' && strchr(letters, e[0]) != NULL))
            continue;
        if (e[1] != '\0')
            buf[n++] = '_';
        buf[n] = '\0';
        n += strlcpy(buf + n, e, size - n);
    }
}

/* Fill h->isa; says whether the hart is RV64 with F and D. */
static kern_return_t hart_isa(struct dtp *p, const struct fdt_path *path,
                              struct dt_hart *h, struct isa_bits *b)
{
    const char *isa, *base;
    uint32_t len;
    const uint8_t *ext = prop(p, path, "riscv,isa-extensions", &len);
    kern_return_t kr = get_string(p, path, "riscv,isa", &isa);

    if (kr == KERN_SUCCESS)
        kr = get_string(p, path, "riscv,isa-base", &base);
    if (kr != KERN_SUCCESS)
        return kr;
    memset(b, 0, sizeof(*b));
    if (isa != NULL)
        strlcpy(h->isa, isa, sizeof(h->isa));
    if (base != NULL && ext != NULL) {          /* the newer form wins */
        isa_from_list(base, ext, len, b);
        if (isa == NULL)
            isa_compose(h->isa, sizeof(h->isa), base, ext, len);
    } else if (isa != NULL) {
        isa_from_string(isa, b);
    }
    return KERN_SUCCESS;
}

/* Why the hart cannot run the kernel, or NULL if it can. */
static const char *hart_problem(const struct dt_hart *h,
                                const struct isa_bits *b)
{
    if (!status_okay(h->status))
        return "status is not \"okay\"";
    if (h->isa[0] == '\0')
        return "no riscv,isa";
    if (!b->rv64)
        return "not an RV64 hart";
    if (!b->f || !b->d)
        return "no F and D in its ISA";
    if (h->mmu_type[0] == '\0')
        return "no MMU: no mmu-type";
    if (strcmp(h->mmu_type, "riscv,none") == 0)
        return "no MMU: mmu-type riscv,none";
    if (strcmp(h->mmu_type, "riscv,sv39") != 0 &&
        strcmp(h->mmu_type, "riscv,sv48") != 0 &&
        strcmp(h->mmu_type, "riscv,sv57") != 0)
        return "unknown mmu-type";
    return NULL;
}

/* The phandle of the cpu node's interrupt-controller child (0: none). */
static uint32_t hart_intc(struct dtp *p, uint32_t cpu)
{
    uint32_t len;
    uint32_t c = fdt_first_child(&p->f, cpu);

    for (; c != FDT_NO_NODE; c = fdt_next_sibling(&p->f, c)) {
        if (fdt_getprop(&p->f, c, "interrupt-controller", NULL) == NULL)
            continue;
        const uint8_t *v = fdt_getprop(&p->f, c, "phandle", &len);
        if (v == NULL)
            v = fdt_getprop(&p->f, c, "linux,phandle", &len);
        return v != NULL && len == 4 ? fdt_be32(v) : 0;
    }
    return 0;
}

static kern_return_t hart_strings(struct dtp *p, const struct fdt_path *path,
                                  struct dt_hart *h)
{
    const char *mmu, *status;
    kern_return_t kr = get_string(p, path, "mmu-type", &mmu);

    if (kr == KERN_SUCCESS)
        kr = get_string(p, path, "status", &status);
    if (kr != KERN_SUCCESS)
        return kr;
    strlcpy(h->mmu_type, mmu != NULL ? mmu : "", sizeof(h->mmu_type));
    strlcpy(h->status, status != NULL ? status : "okay", sizeof(h->status));
    return KERN_SUCCESS;
}

static kern_return_t hart_id(struct dtp *p, const struct fdt_path *path,
                             uint64_t *id)
{
    struct dt_range r;
    bool found;
    kern_return_t kr = read_reg(p, path, 0, &r, &found);

    if (kr != KERN_SUCCESS)
        return kr;
    if (!found)
        return fail(p, "dtb: %s has no 'reg' (its hart id)", at(p, path));
    *id = r.base;
    for (unsigned i = 0; i < p->out->nharts; i++)
        if (p->out->harts[i].hartid == *id)
            return fail(p, "dtb: hart id %llu of %s appears twice",
                        (unsigned long long)*id, at(p, path));
    return kr;
}

/* A timebase-frequency property, if the node has one and we have none yet. */
static kern_return_t read_timebase(struct dtp *p, const struct fdt_path *path)
{
    bool present;
    uint64_t hz;
    kern_return_t kr;

    if (p->out->timebase_frequency != 0)
        return KERN_SUCCESS;
    kr = get_u64(p, path, "timebase-frequency", &present, &hz);
    if (kr != KERN_SUCCESS || !present)
        return kr;
    if (hz == 0 || hz > UINT32_MAX)
        return fail(p, "dtb: timebase-frequency %llu of %s is out of range",
                    (unsigned long long)hz, at(p, path));
    p->out->timebase_frequency = (uint32_t)hz;
    return KERN_SUCCESS;
}

static kern_return_t read_hart(struct dtp *p, const struct fdt_path *path)
{
    struct platform *out = p->out;
    struct isa_bits b;

    if (out->nharts == DT_MAX_HARTS)
        return fail(p, "dtb: more than %u cpu nodes (DT_MAX_HARTS); %s is one "
                    "too many", DT_MAX_HARTS, at(p, path));
    struct dt_hart *h = &out->harts[out->nharts];
    memset(h, 0, sizeof(*h));
    kern_return_t kr = hart_id(p, path, &h->hartid);
    if (kr == KERN_SUCCESS)
        kr = hart_strings(p, path, h);
    if (kr == KERN_SUCCESS)
        kr = hart_isa(p, path, h, &b);
    if (kr == KERN_SUCCESS)
        kr = read_timebase(p, path);
    if (kr != KERN_SUCCESS)
        return kr;
    h->intc_phandle = hart_intc(p, fdt_path_leaf(path));
    h->why_unusable = hart_problem(h, &b);
    h->usable = h->why_unusable == NULL;
    out->nharts++;
    return KERN_SUCCESS;
}

static kern_return_t check_harts(struct dtp *p)
{
    for (unsigned i = 0; i < p->out->nharts; i++)
        if (p->out->harts[i].usable)
            return KERN_SUCCESS;
    if (p->out->nharts == 0)
        return fail(p, "dtb: /cpus has no cpu nodes");
    return fail(p, "dtb: no usable hart among %u (each needs status okay, an "
                "mmu-type, and F and D in its ISA; hart %llu: %s)",
                p->out->nharts, (unsigned long long)p->out->harts[0].hartid,
                p->out->harts[0].why_unusable);
}

static __attribute__((noinline)) kern_return_t
read_cpus(struct dtp *p)
{
    struct fdt_path path = { .node = { p->f.root }, .depth = 2 };
    kern_return_t kr;

    path.node[1] = fdt_subnode(&p->f, p->f.root, "cpus", 4);
    if (path.node[1] == FDT_NO_NODE)
        return fail(p, "dtb: no /cpus node");
    kr = read_timebase(p, &path);
    path.depth = 3;
    path.node[2] = fdt_first_child(&p->f, path.node[1]);
    for (; path.node[2] != FDT_NO_NODE && kr == KERN_SUCCESS;
         path.node[2] = fdt_next_sibling(&p->f, path.node[2]))
        if (is_type(p, &path, "cpu"))
            kr = read_hart(p, &path);
    if (kr == KERN_SUCCESS)
        kr = check_harts(p);
    if (kr == KERN_SUCCESS && p->out->timebase_frequency == 0)
        return fail(p, "dtb: no timebase-frequency in /cpus or a cpu node");
    return kr;
}

static struct dt_hart *hart_by_intc(struct dtp *p, uint32_t phandle)
{
    for (unsigned i = 0; i < p->out->nharts; i++)
        if (phandle != 0 && p->out->harts[i].intc_phandle == phandle)
            return &p->out->harts[i];
    return NULL;
}

/* ---- /chosen --------------------------------------------------------------- */

static kern_return_t read_initrd(struct dtp *p, const struct fdt_path *path)
{
    struct dt_chosen *c = &p->out->chosen;
    bool has_start, has_end;
    kern_return_t kr = get_u64(p, path, "linux,initrd-start", &has_start,
                               &c->initrd_start);
    if (kr == KERN_SUCCESS)
        kr = get_u64(p, path, "linux,initrd-end", &has_end, &c->initrd_end);
    if (kr != KERN_SUCCESS)
        return kr;
    if (has_start != has_end)
        return fail(p, "dtb: /chosen has linux,initrd-%s but no "
                    "linux,initrd-%s", has_start ? "start" : "end",
                    has_start ? "end" : "start");
    if (has_start && c->initrd_end < c->initrd_start)
        return fail(p, "dtb: /chosen initrd ends (0x%llx) before it starts "
                    "(0x%llx)", (unsigned long long)c->initrd_end,
                    (unsigned long long)c->initrd_start);
    c->has_initrd = has_start;
    return KERN_SUCCESS;
}

/* The stdout-path property (or the older linux,stdout-path); NULL if none. */
static kern_return_t stdout_path(struct dtp *p, const struct fdt_path *chosen,
                                 const char **s)
{
    kern_return_t kr = get_string(p, chosen, "stdout-path", s);
    if (kr == KERN_SUCCESS && *s == NULL)
        kr = get_string(p, chosen, "linux,stdout-path", s);
    return kr;
}

static __attribute__((noinline)) kern_return_t
read_chosen(struct dtp *p)
{
    struct dt_chosen *c = &p->out->chosen;
    struct fdt_path path = { .node = { p->f.root }, .depth = 2 };
    const char *args, *out;

    path.node[1] = fdt_subnode(&p->f, p->f.root, "chosen", 6);
    if (path.node[1] == FDT_NO_NODE)
        return KERN_SUCCESS;
    kern_return_t kr = get_string(p, &path, "bootargs", &args);
    if (kr == KERN_SUCCESS)
        kr = stdout_path(p, &path, &out);
    if (kr != KERN_SUCCESS)
        return kr;
    if (args != NULL && strlcpy(c->bootargs, args, sizeof(c->bootargs)) >=
                        sizeof(c->bootargs))
        return fail(p, "dtb: /chosen bootargs is %zu bytes, more than the %u "
                    "the kernel keeps (DT_BOOTARGS_MAX)", strlen(args),
                    DT_BOOTARGS_MAX - 1);
    if (out != NULL)
        strlcpy(c->stdout_path, out, sizeof(c->stdout_path));
    return read_initrd(p, &path);
}

/*
 * The node /chosen's stdout-path names: "/path[:options]" or
 * "alias[:options]" through /aliases.  FDT_NO_NODE if none resolves.
 * (read_chosen has already checked that the string is terminated.)
 */
static __attribute__((noinline)) uint32_t
stdout_node(struct dtp *p)
{
    uint32_t chosen = fdt_subnode(&p->f, p->f.root, "chosen", 6);
    uint32_t aliases = fdt_subnode(&p->f, p->f.root, "aliases", 7);
    uint32_t len = 0;
    const char *s = (const char *)fdt_getprop(&p->f, chosen, "stdout-path",
                                              &len);
    if (s == NULL)
        s = (const char *)fdt_getprop(&p->f, chosen, "linux,stdout-path",
                                      &len);
    if (s == NULL || strnlen(s, len) == len)
        return FDT_NO_NODE;
    const char *colon = strchr(s, ':');
    size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);
    if (n > 0 && s[0] == '/')
        return fdt_find_path(&p->f, s, n);
    if (n == 0 || aliases == FDT_NO_NODE || strchr(s, '/') != NULL)
        return FDT_NO_NODE;
    const uint8_t *v = fdt_getprop_namelen(&p->f, aliases, s, n, &len);
    if (v == NULL || strnlen((const char *)v, len) == len)
        return FDT_NO_NODE;
    return fdt_find_path(&p->f, (const char *)v, strlen((const char *)v));
}

/* ---- devices ----------------------------------------------------------------- */

/* Who owns each PLIC context: one interrupts-extended entry per context. */
static kern_return_t plic_entry(struct dtp *p, const struct fdt_path *path,
                                const uint8_t *v, uint32_t len,
                                uint32_t ctx, uint32_t *pos)
{
    struct dt_plic *plic = &p->out->plic;
    uint32_t ncells = 0;

    uint32_t ph = len - *pos >= 4 ? fdt_be32(v + *pos) : 0;
    uint32_t intc = fdt_find_phandle(&p->f, ph);
    uint32_t clen = 0;
    const uint8_t *c = intc == FDT_NO_NODE ? NULL :
                       fdt_getprop(&p->f, intc, "#interrupt-cells", &clen);
    if (c != NULL && clen == 4)
        ncells = fdt_be32(c);
    if (ncells == 0 || ncells > IRQ_CELLS_MAX)
        return fail(p, "dtb: interrupts-extended of %s: entry %u names "
                    "phandle 0x%x, which is no interrupt controller",
                    at(p, path), ctx, ph);
    if ((len - *pos) / 4 < 1 + ncells)
        return fail(p, "dtb: interrupts-extended of %s is cut off in entry %u",
                    at(p, path), ctx);
    uint32_t irq = fdt_be32(v + *pos + 4);
    *pos += 4 + 4 * ncells;
    if (irq != 9)
        return KERN_SUCCESS;                /* not supervisor external */
    struct dt_hart *h = hart_by_intc(p, ph);
    if (h == NULL)
        return fail(p, "dtb: interrupts-extended of %s: S-mode entry %u names "
                    "phandle 0x%x, which is no hart's interrupt controller",
                    at(p, path), ctx, ph);
    if (plic->nctx == DT_MAX_PLIC_CTX)
        return fail(p, "dtb: more than %u S-mode PLIC contexts "
                    "(DT_MAX_PLIC_CTX) in %s", DT_MAX_PLIC_CTX, at(p, path));
    plic->ctx[plic->nctx].hartid = h->hartid;
    plic->ctx[plic->nctx++].context = ctx;
    return KERN_SUCCESS;
}

static kern_return_t plic_contexts(struct dtp *p, const struct fdt_path *path)
{
    uint32_t len, pos = 0;
    const uint8_t *v = prop(p, path, "interrupts-extended", &len);
    kern_return_t kr = KERN_SUCCESS;

    if (v == NULL)
        return fail(p, "dtb: PLIC %s has no interrupts-extended (which hart "
                    "owns which context?)", at(p, path));
    for (uint32_t ctx = 0; pos < len && kr == KERN_SUCCESS; ctx++)
        kr = plic_entry(p, path, v, len, ctx, &pos);
    return kr;
}

static kern_return_t plic_from(struct dtp *p, const struct fdt_path *path,
                               int idx)
{
    struct dt_plic *plic = &p->out->plic;
    struct dt_range r;
    bool ok;

    p->plic_node = fdt_path_leaf(path);
    plic->present = true;
    strlcpy(plic->compatible, plic_names[idx], sizeof(plic->compatible));
    kern_return_t kr = device_reg(p, path, &r, &ok);
    if (kr == KERN_SUCCESS && !ok)
        return fail(p, "dtb: PLIC %s has no 'reg' that translates to a "
                    "physical address", at(p, path));
    if (kr == KERN_SUCCESS)
        kr = get_u32(p, path, "riscv,ndev", 0, &plic->ndev);
    if (kr != KERN_SUCCESS)
        return kr;
    if (plic->ndev == 0 || plic->ndev > PLIC_NDEV_MAX)
        return fail(p, "dtb: PLIC %s has riscv,ndev %u (need 1..%u)",
                    at(p, path), plic->ndev, PLIC_NDEV_MAX);
    plic->base = r.base;
    plic->size = r.size;
    return plic_contexts(p, path);
}

/* The first enabled PLIC in tree order. */
static __attribute__((noinline)) kern_return_t
read_plic(struct dtp *p)
{
    struct fdt_walk w;
    bool on;

    fdt_walk_start(&p->f, &w);
    while (fdt_walk_next(&p->f, &w)) {
        int idx = compat_index(p, &w.path, plic_names, ARRAY_SIZE(plic_names));
        if (idx < 0)
            continue;
        kern_return_t kr = node_enabled(p, &w.path, &on);
        if (kr != KERN_SUCCESS || on)
            return kr == KERN_SUCCESS ? plic_from(p, &w.path, idx) : kr;
    }
    return KERN_SUCCESS;
}

static kern_return_t uart_props(struct dtp *p, const struct fdt_path *path,
                                struct dt_uart *u)
{
    kern_return_t kr = get_u32(p, path, "reg-shift", 0, &u->reg_shift);
    if (kr == KERN_SUCCESS)
        kr = get_u32(p, path, "reg-io-width", 1, &u->reg_io_width);
    if (kr == KERN_SUCCESS)
        kr = get_u32(p, path, "clock-frequency", 0, &u->clock_frequency);
    if (kr != KERN_SUCCESS)
        return kr;
    if (u->reg_shift > 4)
        return fail(p, "dtb: reg-shift %u of %s is out of range (0-4)",
                    u->reg_shift, at(p, path));
    if (u->reg_io_width != 1 && u->reg_io_width != 2 && u->reg_io_width != 4)
        return fail(p, "dtb: reg-io-width %u of %s is not 1, 2 or 4",
                    u->reg_io_width, at(p, path));
    return device_irq(p, path, &u->irq);
}

static __attribute__((noinline)) kern_return_t
uart_from(struct dtp *p, const struct fdt_path *path, int idx)
{
    struct dt_uart *u = &p->out->uart;
    struct dt_range r;
    bool ok;

    u->kind = uart_kinds[idx];
    strlcpy(u->compatible, uart_names[idx], sizeof(u->compatible));
    fdt_path_string(&p->f, path, u->path, sizeof(u->path));
    kern_return_t kr = device_reg(p, path, &r, &ok);
    if (kr == KERN_SUCCESS && !ok)
        return fail(p, "dtb: console UART %s has no 'reg' that translates to "
                    "a physical address", at(p, path));
    u->base = r.base;
    u->size = r.size;
    return kr == KERN_SUCCESS ? uart_props(p, path, u) : kr;
}

/* An enabled UART we can drive: its index in uart_names[], else -1. */
static int usable_uart(struct dtp *p, const struct fdt_path *path,
                       kern_return_t *kr)
{
    bool on;
    int idx = compat_index(p, path, uart_names, ARRAY_SIZE(uart_names));
    if (idx < 0)
        return -1;
    *kr = node_enabled(p, path, &on);
    return *kr == KERN_SUCCESS && on ? idx : -1;
}

/*
 * The console UART: the one stdout-path names, else the first enabled one
 * in tree order.  FDT_NO_NODE if there is none.
 */
static __attribute__((noinline)) uint32_t
console_node(struct dtp *p, int *idx, kern_return_t *kr)
{
    struct fdt_walk w;
    uint32_t node = stdout_node(p);

    if (node != FDT_NO_NODE && fdt_node_path(&p->f, node, &w.path)) {
        *idx = usable_uart(p, &w.path, kr);
        if (*idx >= 0 || *kr != KERN_SUCCESS)
            return node;
    }
    fdt_walk_start(&p->f, &w);
    while (fdt_walk_next(&p->f, &w)) {
        *idx = usable_uart(p, &w.path, kr);
        if (*idx >= 0 || *kr != KERN_SUCCESS)
            return fdt_path_leaf(&w.path);
    }
    return FDT_NO_NODE;
}

/* Read the console UART at `node` (kept apart: its path is a large local). */
static __attribute__((noinline)) kern_return_t
console_from(struct dtp *p, uint32_t node, int idx)
{
    struct fdt_path path;
    if (!fdt_node_path(&p->f, node, &path))
        return KERN_SUCCESS;
    return uart_from(p, &path, idx);
}

static __attribute__((noinline)) kern_return_t
read_console(struct dtp *p)
{
    kern_return_t kr = KERN_SUCCESS;
    int idx = -1;
    uint32_t node = console_node(p, &idx, &kr);

    if (kr != KERN_SUCCESS || node == FDT_NO_NODE)
        return kr;
    return console_from(p, node, idx);
}

/* Keep the slots sorted by address: slot n of QEMU virt is virtio[n]. */
static void add_virtio(struct platform *out, const struct dt_virtio *v)
{
    unsigned i = out->nvirtio++;
    for (; i > 0 && out->virtio[i - 1].base > v->base; i--)
        out->virtio[i] = out->virtio[i - 1];
    out->virtio[i] = *v;
}

static kern_return_t virtio_from(struct dtp *p, const struct fdt_path *path)
{
    struct dt_virtio v;
    struct dt_range r;
    bool on, ok;
    kern_return_t kr = node_enabled(p, path, &on);

    if (kr == KERN_SUCCESS && on)
        kr = device_reg(p, path, &r, &ok);
    if (kr != KERN_SUCCESS || !on || !ok)
        return kr;                          /* untranslatable: skipped */
    if (p->out->nvirtio == DT_MAX_VIRTIO)
        return fail(p, "dtb: more than %u virtio,mmio slots (DT_MAX_VIRTIO); "
                    "%s is one too many", DT_MAX_VIRTIO, at(p, path));
    v.base = r.base;
    v.size = r.size;
    kr = device_irq(p, path, &v.irq);
    if (kr == KERN_SUCCESS)
        add_virtio(p->out, &v);
    return kr;
}

static __attribute__((noinline)) kern_return_t
read_virtio(struct dtp *p)
{
    struct fdt_walk w;
    kern_return_t kr = KERN_SUCCESS;

    fdt_walk_start(&p->f, &w);
    while (kr == KERN_SUCCESS && fdt_walk_next(&p->f, &w))
        if (is_compatible(p, &w.path, "virtio,mmio"))
            kr = virtio_from(p, &w.path);
    return kr;
}

/* ---- entry points -------------------------------------------------------- */

kern_return_t devtree_parse(const void *blob, size_t avail,
                            struct platform *out, struct dt_error *err)
{
    struct dtp p;

    memset(out, 0, sizeof(*out));
    kern_return_t kr = fdt_init(&p.f, blob, avail, err);
    if (kr != KERN_SUCCESS)
        return kr;
    p.out = out;
    p.err = err;
    p.plic_node = FDT_NO_NODE;
    kr = read_model(&p);
    if (kr == KERN_SUCCESS)
        kr = read_memreserve(&p);
    if (kr == KERN_SUCCESS)
        kr = read_memory(&p);
    if (kr == KERN_SUCCESS)
        kr = read_reserved(&p);
    if (kr == KERN_SUCCESS)
        kr = read_cpus(&p);
    if (kr == KERN_SUCCESS)
        kr = read_chosen(&p);
    if (kr == KERN_SUCCESS)
        kr = read_plic(&p);                 /* before devices: their irqs */
    if (kr == KERN_SUCCESS)
        kr = read_console(&p);
    if (kr == KERN_SUCCESS)
        kr = read_virtio(&p);
    return kr;
}

size_t devtree_total_size(const void *blob, size_t avail)
{
    const uint8_t *b = blob;
    if (b == NULL || avail < 8 || fdt_be32(b) != FDT_MAGIC)
        return 0;
    return fdt_be32(b + 4);
}
