// SPDX-License-Identifier: MIT
/*
 * The flattened-device-tree walker: header and structure checks, token
 * decoding, node and property lookup.  Every read is checked against the
 * blob's bounds; every loop moves forward through a finite block.
 */
#include <kern/fdt.h>
#include <kern/printf.h>
#include <kern/string.h>

static kern_return_t fdt_fail(struct dt_error *err, const char *fmt, ...)
    __printflike(2, 3);

static kern_return_t fdt_fail(struct dt_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return KERN_INVALID_ARGUMENT;
}

/* Round up to the next token boundary, never past `limit`. */
static uint32_t next_token(uint64_t end, uint32_t limit)
{
    uint64_t next = (end + 3) & ~(uint64_t)3;
    return next > limit ? limit : (uint32_t)next;
}

/* ---- token decoding ---------------------------------------------------- */

static int decode_begin(const struct fdt *f, struct fdt_token *t)
{
    const uint8_t *s = f->blob + f->off_struct;
    uint32_t start = t->off + 4;
    size_t room = f->size_struct - start;
    size_t n = strnlen((const char *)s + start, room);

    if (n == room)
        return FDT_E_NAME;
    t->name = (const char *)s + start;
    t->next = next_token((uint64_t)start + n + 1, f->size_struct);
    return 0;
}

static int decode_prop(const struct fdt *f, struct fdt_token *t)
{
    const uint8_t *s = f->blob + f->off_struct;
    const uint8_t *strs = f->blob + f->off_strings;

    if (f->size_struct - t->off < 12)
        return FDT_E_PROPHDR;
    t->len = fdt_be32(s + t->off + 4);
    t->nameoff = fdt_be32(s + t->off + 8);
    if (t->nameoff >= f->size_strings)
        return FDT_E_NAMEOFF;
    size_t room = f->size_strings - t->nameoff;
    if (strnlen((const char *)strs + t->nameoff, room) == room)
        return FDT_E_PROPNAME;
    t->name = (const char *)strs + t->nameoff;
    if (t->len > f->size_struct - t->off - 12)
        return FDT_E_PROPLEN;
    t->value = s + t->off + 12;
    t->next = next_token((uint64_t)t->off + 12 + t->len, f->size_struct);
    return 0;
}

int fdt_token(const struct fdt *f, uint32_t off, struct fdt_token *t)
{
    memset(t, 0, sizeof(*t));
    t->off = off;
    if (off % 4 != 0 || off > f->size_struct || f->size_struct - off < 4)
        return FDT_E_SHORT;
    t->tag = fdt_be32(f->blob + f->off_struct + off);
    switch (t->tag) {
    case FDT_BEGIN_NODE:
        return decode_begin(f, t);
    case FDT_PROP:
        return decode_prop(f, t);
    case FDT_END_NODE:
    case FDT_NOP:
    case FDT_END:
        t->next = off + 4;
        return 0;
    default:
        return FDT_E_TAG;
    }
}

/* ---- the header and the memory reservation block ----------------------- */

static kern_return_t check_block(struct fdt *f, const char *what,
                                 uint32_t off, uint32_t size,
                                 struct dt_error *err)
{
    if (off < FDT_HEADER_SIZE || (uint64_t)off + size > f->size)
        return fdt_fail(err, "dtb: %s block (offset 0x%x, size 0x%x) lies "
                        "outside the blob (header 0x%x, totalsize 0x%x)",
                        what, off, size, FDT_HEADER_SIZE, f->size);
    return KERN_SUCCESS;
}

static kern_return_t check_sizes(struct fdt *f, const uint8_t *b,
                                 size_t avail, struct dt_error *err)
{
    if (avail < 4)
        return fdt_fail(err, "dtb: blob is %zu bytes, shorter than the "
                        "%u-byte header", avail, FDT_HEADER_SIZE);
    if (fdt_be32(b) != FDT_MAGIC)
        return fdt_fail(err, "dtb: bad magic 0x%08x (a DTB starts with "
                        "0xd00dfeed)", fdt_be32(b));
    if (avail < FDT_HEADER_SIZE)
        return fdt_fail(err, "dtb: blob is %zu bytes, shorter than the "
                        "%u-byte header", avail, FDT_HEADER_SIZE);
    f->size = fdt_be32(b + 4);
    if (f->size > avail)
        return fdt_fail(err, "dtb: totalsize %u exceeds the %zu bytes "
                        "available (truncated blob?)", f->size, avail);
    if (f->size < FDT_HEADER_SIZE)
        return fdt_fail(err, "dtb: totalsize %u is smaller than the header",
                        f->size);
    return KERN_SUCCESS;
}

static kern_return_t check_header(struct fdt *f, const uint8_t *b,
                                  size_t avail, struct dt_error *err)
{
    kern_return_t kr = check_sizes(f, b, avail, err);
    if (kr != KERN_SUCCESS)
        return kr;
    f->blob = b;
    f->off_struct = fdt_be32(b + 8);
    f->off_strings = fdt_be32(b + 12);
    f->off_rsvmap = fdt_be32(b + 16);
    f->version = fdt_be32(b + 20);
    uint32_t last_comp = fdt_be32(b + 24);
    f->boot_cpuid = fdt_be32(b + 28);
    f->size_strings = fdt_be32(b + 32);
    f->size_struct = fdt_be32(b + 36);
    if (f->version < FDT_VERSION)
        return fdt_fail(err, "dtb: version %u is older than %u, the oldest "
                        "this reader knows", f->version, FDT_VERSION);
    if (last_comp > FDT_VERSION)
        return fdt_fail(err, "dtb: version %u needs a reader of version %u "
                        "(this one is %u)", f->version, last_comp, FDT_VERSION);
    kr = check_block(f, "structure", f->off_struct, f->size_struct, err);
    if (kr == KERN_SUCCESS)
        kr = check_block(f, "strings", f->off_strings, f->size_strings, err);
    return kr;
}

/* Where the reservation block must end: the next block after it, or the end. */
static uint64_t rsvmap_limit(const struct fdt *f)
{
    uint64_t limit = f->size;
    if (f->off_struct > f->off_rsvmap && f->off_struct < limit)
        limit = f->off_struct;
    if (f->off_strings > f->off_rsvmap && f->off_strings < limit)
        limit = f->off_strings;
    return limit;
}

static kern_return_t check_rsvmap(const struct fdt *f, struct dt_error *err)
{
    if (f->off_rsvmap < FDT_HEADER_SIZE || f->off_rsvmap >= f->size)
        return fdt_fail(err, "dtb: memory reservation block offset 0x%x lies "
                        "outside the blob (totalsize 0x%x)", f->off_rsvmap,
                        f->size);
    uint64_t limit = rsvmap_limit(f);
    for (uint64_t off = f->off_rsvmap; off + 16 <= limit; off += 16) {
        const uint8_t *e = f->blob + off;
        if (fdt_be64(e) == 0 && fdt_be64(e + 8) == 0)
            return KERN_SUCCESS;
    }
    return fdt_fail(err, "dtb: memory reservation block at 0x%x has no "
                    "terminating zero entry before 0x%llx", f->off_rsvmap,
                    (unsigned long long)limit);
}

bool fdt_rsvmap_entry(const struct fdt *f, unsigned i, uint64_t *base,
                      uint64_t *size)
{
    uint64_t off = f->off_rsvmap + (uint64_t)i * 16;
    if (off + 16 > f->size)
        return false;
    *base = fdt_be64(f->blob + off);
    *size = fdt_be64(f->blob + off + 8);
    return *base != 0 || *size != 0;
}

/* ---- the structure block ----------------------------------------------- */

/* Check state: the open nodes and which of them already have a child. */
struct check {
    struct fdt_path path;
    uint32_t has_child;         /* bit d: the node at depth d has a child */
    bool root_done;
};

static const char *where(const struct fdt *f, const struct fdt_path *path,
                         struct dt_error *err)
{
    return fdt_path_string(f, path, err->where, sizeof(err->where));
}

static kern_return_t token_error(struct fdt *f, const struct check *c,
                                 const struct fdt_token *t, int e,
                                 struct dt_error *err)
{
    const char *in = where(f, &c->path, err);
    switch (e) {
    case FDT_E_SHORT:
        if (c->path.depth == 0)
            return fdt_fail(err, "dtb: structure block ends at offset 0x%x "
                            "without FDT_END", t->off);
        return fdt_fail(err, "dtb: structure block ends at offset 0x%x inside "
                        "%s, without END_NODE and FDT_END", t->off, in);
    case FDT_E_NAME:
        return fdt_fail(err, "dtb: name of the node at structure offset 0x%x "
                        "(in %s) is not terminated", t->off, in);
    case FDT_E_PROPHDR:
        return fdt_fail(err, "dtb: property at structure offset 0x%x of %s "
                        "is cut off by the end of the structure block",
                        t->off, in);
    case FDT_E_NAMEOFF:
        return fdt_fail(err, "dtb: property at structure offset 0x%x of %s "
                        "names string offset 0x%x, outside the strings block",
                        t->off, in, t->nameoff);
    case FDT_E_PROPNAME:
        return fdt_fail(err, "dtb: name of the property at structure offset "
                        "0x%x of %s is not terminated in the strings block",
                        t->off, in);
    case FDT_E_PROPLEN:
        return fdt_fail(err, "dtb: property '%s' of %s runs past the "
                        "structure block (length %u)", t->name, in, t->len);
    default:
        return fdt_fail(err, "dtb: bad token 0x%x at structure offset 0x%x "
                        "in %s", t->tag, t->off, in);
    }
}

static kern_return_t check_begin(struct fdt *f, struct check *c,
                                 const struct fdt_token *t,
                                 struct dt_error *err)
{
    if (c->root_done)
        return fdt_fail(err, "dtb: a second root node at structure offset "
                        "0x%x", t->off);
    if (c->path.depth == FDT_MAX_DEPTH)
        return fdt_fail(err, "dtb: nodes nested deeper than %u levels in %s",
                        FDT_MAX_DEPTH, where(f, &c->path, err));
    if (c->path.depth == 0)
        f->root = t->off;
    else
        c->has_child |= 1u << (c->path.depth - 1);
    c->has_child &= ~(1u << c->path.depth);
    c->path.node[c->path.depth++] = t->off;
    return KERN_SUCCESS;
}

static kern_return_t check_prop(struct fdt *f, const struct check *c,
                                const struct fdt_token *t,
                                struct dt_error *err)
{
    if (c->path.depth == 0)
        return fdt_fail(err, "dtb: property '%s' at structure offset 0x%x is "
                        "outside any node", t->name, t->off);
    if (c->has_child & (1u << (c->path.depth - 1)))
        return fdt_fail(err, "dtb: property '%s' of %s comes after a subnode",
                        t->name, where(f, &c->path, err));
    return KERN_SUCCESS;
}

static kern_return_t check_end_node(struct check *c, const struct fdt_token *t,
                                    struct dt_error *err)
{
    if (c->path.depth == 0)
        return fdt_fail(err, "dtb: END_NODE at structure offset 0x%x closes "
                        "no node (unbalanced BEGIN_NODE/END_NODE)", t->off);
    if (--c->path.depth == 0)
        c->root_done = true;
    return KERN_SUCCESS;
}

static kern_return_t check_end(struct fdt *f, const struct check *c,
                               const struct fdt_token *t,
                               struct dt_error *err)
{
    if (c->path.depth > 0)
        return fdt_fail(err, "dtb: FDT_END at structure offset 0x%x inside "
                        "%s (a node is not closed)", t->off,
                        where(f, &c->path, err));
    if (!c->root_done)
        return fdt_fail(err, "dtb: the structure block has no root node");
    return KERN_SUCCESS;
}

/* One pass over every token: names, lengths, nesting, FDT_END. */
static kern_return_t check_struct(struct fdt *f, struct dt_error *err)
{
    struct check c;
    struct fdt_token t;
    kern_return_t kr = KERN_SUCCESS;

    memset(&c, 0, sizeof(c));
    for (uint32_t off = 0; kr == KERN_SUCCESS; off = t.next) {
        int e = fdt_token(f, off, &t);
        if (e != 0)
            return token_error(f, &c, &t, e, err);
        if (t.tag == FDT_BEGIN_NODE)
            kr = check_begin(f, &c, &t, err);
        else if (t.tag == FDT_PROP)
            kr = check_prop(f, &c, &t, err);
        else if (t.tag == FDT_END_NODE)
            kr = check_end_node(&c, &t, err);
        else if (t.tag == FDT_END)
            return check_end(f, &c, &t, err);
    }
    return kr;
}

kern_return_t fdt_init(struct fdt *f, const void *blob, size_t avail,
                       struct dt_error *err)
{
    memset(f, 0, sizeof(*f));
    err->msg[0] = '\0';
    if (blob == NULL)
        return fdt_fail(err, "dtb: no blob (null pointer)");
    kern_return_t kr = check_header(f, blob, avail, err);
    if (kr == KERN_SUCCESS)
        kr = check_rsvmap(f, err);
    if (kr == KERN_SUCCESS)
        kr = check_struct(f, err);
    return kr;
}

/* ---- lookups ------------------------------------------------------------ */

const char *fdt_node_name(const struct fdt *f, uint32_t node)
{
    struct fdt_token t;
    if (fdt_token(f, node, &t) != 0 || t.tag != FDT_BEGIN_NODE)
        return "";
    return t.name;
}

/* The first token after a node's properties (and NOPs), or FDT_NO_NODE. */
static uint32_t after_props(const struct fdt *f, uint32_t node)
{
    struct fdt_token t;
    if (fdt_token(f, node, &t) != 0 || t.tag != FDT_BEGIN_NODE)
        return FDT_NO_NODE;
    for (uint32_t off = t.next; fdt_token(f, off, &t) == 0; off = t.next)
        if (t.tag != FDT_PROP && t.tag != FDT_NOP)
            return off;
    return FDT_NO_NODE;
}

const uint8_t *fdt_getprop(const struct fdt *f, uint32_t node,
                           const char *name, uint32_t *len)
{
    return fdt_getprop_namelen(f, node, name, strlen(name), len);
}

const uint8_t *fdt_getprop_namelen(const struct fdt *f, uint32_t node,
                                   const char *name, size_t namelen,
                                   uint32_t *len)
{
    struct fdt_token t;
    if (fdt_token(f, node, &t) != 0 || t.tag != FDT_BEGIN_NODE)
        return NULL;
    for (uint32_t off = t.next; fdt_token(f, off, &t) == 0; off = t.next) {
        if (t.tag == FDT_NOP)
            continue;
        if (t.tag != FDT_PROP)
            break;
        if (strncmp(t.name, name, namelen) == 0 && t.name[namelen] == '\0') {
            if (len != NULL)
                *len = t.len;
            return t.value;
        }
    }
    return NULL;
}

/* The node starting at `off` after any NOPs, or FDT_NO_NODE. */
static uint32_t node_at(const struct fdt *f, uint32_t off)
{
    struct fdt_token t;
    for (; fdt_token(f, off, &t) == 0; off = t.next) {
        if (t.tag == FDT_BEGIN_NODE)
            return off;
        if (t.tag != FDT_NOP)
            break;
    }
    return FDT_NO_NODE;
}

uint32_t fdt_first_child(const struct fdt *f, uint32_t node)
{
    uint32_t off = after_props(f, node);
    return off == FDT_NO_NODE ? FDT_NO_NODE : node_at(f, off);
}

uint32_t fdt_next_sibling(const struct fdt *f, uint32_t node)
{
    struct fdt_token t;
    unsigned depth = 0;

    for (uint32_t off = node; fdt_token(f, off, &t) == 0; off = t.next) {
        if (t.tag == FDT_BEGIN_NODE)
            depth++;
        else if (t.tag == FDT_END_NODE && depth > 0 && --depth == 0)
            return node_at(f, t.next);
        else if (t.tag == FDT_END || depth == 0)
            break;
    }
    return FDT_NO_NODE;
}

static bool has_char(const char *s, size_t len, char c)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == c)
            return true;
    return false;
}

/* Does node name `have` match the wanted name[0..len)? */
static bool name_matches(const char *have, const char *name, size_t len)
{
    size_t hlen = strnlen(have, len + 1);
    if (hlen < len || memcmp(have, name, len) != 0)
        return false;
    return hlen == len || (have[len] == '@' && !has_char(name, len, '@'));
}

uint32_t fdt_subnode(const struct fdt *f, uint32_t node, const char *name,
                     size_t len)
{
    uint32_t child = fdt_first_child(f, node);
    for (; child != FDT_NO_NODE; child = fdt_next_sibling(f, child))
        if (name_matches(fdt_node_name(f, child), name, len))
            return child;
    return FDT_NO_NODE;
}

uint32_t fdt_find_path(const struct fdt *f, const char *path, size_t len)
{
    if (len == 0 || path[0] != '/')
        return FDT_NO_NODE;
    uint32_t node = f->root;
    size_t i = 0;
    while (node != FDT_NO_NODE) {
        while (i < len && path[i] == '/')
            i++;
        if (i == len)
            return node;
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        node = fdt_subnode(f, node, path + start, i - start);
    }
    return FDT_NO_NODE;
}

void fdt_walk_start(const struct fdt *f, struct fdt_walk *w)
{
    w->off = f->root;
    w->path.depth = 0;
    w->done = false;
}

bool fdt_walk_next(const struct fdt *f, struct fdt_walk *w)
{
    struct fdt_token t;
    while (!w->done && fdt_token(f, w->off, &t) == 0) {
        w->off = t.next;
        if (t.tag == FDT_BEGIN_NODE) {
            if (w->path.depth == FDT_MAX_DEPTH)
                break;
            w->path.node[w->path.depth++] = t.off;
            return true;
        }
        if (t.tag == FDT_END)
            break;
        if (t.tag == FDT_END_NODE && (w->path.depth == 0 ||
                                      --w->path.depth == 0))
            break;
    }
    w->done = true;
    return false;
}

uint32_t fdt_find_phandle(const struct fdt *f, uint32_t phandle)
{
    struct fdt_walk w;
    uint32_t len;

    if (phandle == 0 || phandle == 0xffffffffu)
        return FDT_NO_NODE;
    fdt_walk_start(f, &w);
    while (fdt_walk_next(f, &w)) {
        uint32_t node = fdt_path_leaf(&w.path);
        const uint8_t *v = fdt_getprop(f, node, "phandle", &len);
        if (v == NULL)
            v = fdt_getprop(f, node, "linux,phandle", &len);
        if (v != NULL && len == 4 && fdt_be32(v) == phandle)
            return node;
    }
    return FDT_NO_NODE;
}

bool fdt_node_path(const struct fdt *f, uint32_t node, struct fdt_path *out)
{
    struct fdt_walk w;
    fdt_walk_start(f, &w);
    while (fdt_walk_next(f, &w)) {
        if (fdt_path_leaf(&w.path) == node) {
            *out = w.path;
            return true;
        }
    }
    return false;
}

static size_t append(char *buf, size_t size, size_t pos, const char *s)
{
    while (*s != '\0' && pos + 1 < size)
        buf[pos++] = *s++;
    buf[pos] = '\0';
    return pos;
}

const char *fdt_path_string(const struct fdt *f, const struct fdt_path *path,
                            char *buf, size_t size)
{
    size_t pos = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (path->depth == 0) {
        append(buf, size, 0, "(top level)");
        return buf;
    }
    if (path->depth == 1)
        pos = append(buf, size, pos, "/");
    for (unsigned i = 1; i < path->depth; i++) {
        pos = append(buf, size, pos, "/");
        pos = append(buf, size, pos, fdt_node_name(f, path->node[i]));
    }
    return buf;
}

const char *fdt_stringlist_next(const uint8_t *value, uint32_t len,
                                uint32_t *pos)
{
    if (value == NULL || *pos >= len)
        return NULL;
    const char *s = (const char *)value + *pos;
    size_t n = strnlen(s, len - *pos);
    if (n == len - *pos)
        return NULL;
    *pos += (uint32_t)n + 1;
    return s;
}

bool fdt_stringlist_contains(const uint8_t *value, uint32_t len,
                             const char *s)
{
    uint32_t pos = 0;
    const char *item;
    while ((item = fdt_stringlist_next(value, len, &pos)) != NULL)
        if (strcmp(item, s) == 0)
            return true;
    return false;
}
