/* SPDX-License-Identifier: MIT */
/*
 * A bounds-checked walker over a flattened device tree (DTB).  fdt_init()
 * checks the header and every token of the structure block once; after
 * that the lookups below can only fail by not finding what they look for.
 */
#ifndef _KERN_FDT_H_
#define _KERN_FDT_H_

#include <kern/types.h>
#include <kern/devtree.h>

#define FDT_MAGIC           0xd00dfeedu
#define FDT_HEADER_SIZE     40u     /* version 17 header: ten 32-bit fields */
#define FDT_VERSION         17u     /* the version this reader understands */

/* Tokens of the structure block (big-endian 32-bit words). */
#define FDT_BEGIN_NODE      1u
#define FDT_END_NODE        2u
#define FDT_PROP            3u
#define FDT_NOP             4u
#define FDT_END             9u

#define FDT_MAX_DEPTH       16u     /* nodes nested deeper are rejected */
#define FDT_NO_NODE         0xffffffffu

/*
 * A checked blob.  Offsets of nodes (uint32_t "node" below) are offsets of
 * their BEGIN_NODE token from the start of the structure block.
 */
struct fdt {
    const uint8_t *blob;
    uint32_t size;              /* totalsize from the header */
    uint32_t version;
    uint32_t boot_cpuid;
    uint32_t off_rsvmap;
    uint32_t off_struct, size_struct;
    uint32_t off_strings, size_strings;
    uint32_t root;              /* the root node */
};

/* One decoded token. */
struct fdt_token {
    uint32_t tag;               /* FDT_BEGIN_NODE ... FDT_END */
    uint32_t off;               /* where it starts in the structure block */
    uint32_t next;              /* where the next token starts */
    const char *name;           /* node name or property name */
    const uint8_t *value;       /* property value */
    uint32_t len;               /* property length in bytes */
    uint32_t nameoff;           /* property name's offset in the strings block */
};

/* Why fdt_token() could not decode a token. */
enum fdt_token_error {
    FDT_E_SHORT = -1,           /* the token word is not inside the block */
    FDT_E_NAME = -2,            /* node name not terminated inside the block */
    FDT_E_PROPHDR = -3,         /* property length/name words cut off */
    FDT_E_NAMEOFF = -4,         /* property name offset outside the strings */
    FDT_E_PROPNAME = -5,        /* property name not terminated in the strings */
    FDT_E_PROPLEN = -6,         /* property value runs past the block */
    FDT_E_TAG = -7,             /* not a token at all */
};

/* A node and its ancestors: node[0] is the root, node[depth - 1] the node. */
struct fdt_path {
    uint32_t node[FDT_MAX_DEPTH];
    unsigned depth;
};

/* A pre-order walk over every node of the tree. */
struct fdt_walk {
    uint32_t off;               /* next token to read */
    struct fdt_path path;       /* the node last returned and its ancestors */
    bool done;
};

/* Big-endian loads, one byte at a time: values in a DTB are only 4-byte aligned. */
static inline uint32_t fdt_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t fdt_be64(const uint8_t *p)
{
    return (uint64_t)fdt_be32(p) << 32 | fdt_be32(p + 4);
}

/* A value of one or two cells (32 or 64 bits). */
static inline uint64_t fdt_cells(const uint8_t *p, unsigned ncells)
{
    return ncells == 2 ? fdt_be64(p) : fdt_be32(p);
}

/* The node a path ends in. */
static inline uint32_t fdt_path_leaf(const struct fdt_path *path)
{
    return path->node[path->depth - 1];
}

/*
 * Check the header, the memory reservation block and the whole structure
 * block of `blob` (`avail` bytes readable), and fill *f.  Returns
 * KERN_SUCCESS, or KERN_INVALID_ARGUMENT with a one-line message in *err.
 */
kern_return_t fdt_init(struct fdt *f, const void *blob, size_t avail,
                       struct dt_error *err);

/*
 * Decode the token at structure offset `off` into *t.  Returns 0, or a
 * negative enum fdt_token_error if it does not fit in the blob.  Safe on
 * any offset, checked or not.
 */
int fdt_token(const struct fdt *f, uint32_t off, struct fdt_token *t);

/* Entry `i` of the memory reservation block; false at the terminator. */
bool fdt_rsvmap_entry(const struct fdt *f, unsigned i, uint64_t *base,
                      uint64_t *size);

/* A node's name ("" for the root). */
const char *fdt_node_name(const struct fdt *f, uint32_t node);

/* A property's value and length, or NULL if the node does not have it. */
const uint8_t *fdt_getprop(const struct fdt *f, uint32_t node,
                           const char *name, uint32_t *len);

/* The same with the name given as name[0..namelen), which holds no NUL. */
const uint8_t *fdt_getprop_namelen(const struct fdt *f, uint32_t node,
                                   const char *name, size_t namelen,
                                   uint32_t *len);

/* First child / next sibling of a node: FDT_NO_NODE when there is none. */
uint32_t fdt_first_child(const struct fdt *f, uint32_t node);
uint32_t fdt_next_sibling(const struct fdt *f, uint32_t node);

/*
 * The child of `node` called name[0..len): an exact match, or when `name`
 * has no unit address, a child "name@...".  FDT_NO_NODE if none.
 */
uint32_t fdt_subnode(const struct fdt *f, uint32_t node, const char *name,
                     size_t len);

/* The node at an absolute path ("/soc/serial@10000000"), or FDT_NO_NODE. */
uint32_t fdt_find_path(const struct fdt *f, const char *path, size_t len);

/* The node whose phandle (or linux,phandle) is `phandle`, or FDT_NO_NODE. */
uint32_t fdt_find_phandle(const struct fdt *f, uint32_t phandle);

/* The path from the root to `node`; false if `node` is not a node. */
bool fdt_node_path(const struct fdt *f, uint32_t node, struct fdt_path *out);

/* Write a path as "/soc/serial@10000000" (truncated to fit) and return buf. */
const char *fdt_path_string(const struct fdt *f, const struct fdt_path *path,
                            char *buf, size_t size);

/* Start a walk; each fdt_walk_next() returns the next node in tree order. */
void fdt_walk_start(const struct fdt *f, struct fdt_walk *w);
bool fdt_walk_next(const struct fdt *f, struct fdt_walk *w);

/*
 * String lists ("a\0b\0"): the string starting at *pos, advancing *pos
 * past it; NULL at the end or if the rest is not NUL-terminated.
 */
const char *fdt_stringlist_next(const uint8_t *value, uint32_t len,
                                uint32_t *pos);

/* True if the string list contains `s`. */
bool fdt_stringlist_contains(const uint8_t *value, uint32_t len,
                             const char *s);

#endif /* _KERN_FDT_H_ */
