/* SPDX-License-Identifier: MIT */
/*
 * What the kernel learns from the flattened device tree (DTB), gathered in
 * one pass into a plain struct.  The reader is shared by the kernel and the
 * host tool `dtbinfo`; it never reads outside the blob it is given, never
 * loops on a malformed tree, and reports the first problem as a message.
 *
 * Nothing about a board is compiled into the kernel: RAM, reserved ranges,
 * harts, the console UART, the PLIC and the virtio-mmio slots all come from
 * here.
 */
#ifndef _KERN_DEVTREE_H_
#define _KERN_DEVTREE_H_

#include <kern/types.h>

#define DT_MAX_MEM          16      /* RAM banks */
#define DT_MAX_RESERVED     32      /* reserved ranges (both kinds together) */
#define DT_MAX_HARTS        16      /* cpu nodes */
#define DT_MAX_VIRTIO       32      /* virtio,mmio slots */
#define DT_MAX_PLIC_CTX     (2 * DT_MAX_HARTS)
#define DT_NAME_MAX         64
#define DT_BOOTARGS_MAX     512
#define DT_ERROR_MAX        160

struct dt_range {
    uint64_t base;
    uint64_t size;
};

enum dt_resv_source {
    DT_RESV_MEMRESERVE,         /* the header's memory reservation block */
    DT_RESV_NODE,               /* a child of /reserved-memory */
};

struct dt_reserved {
    uint64_t base;
    uint64_t size;
    enum dt_resv_source source;
    bool no_map;                /* "no-map": keep it out of the direct map */
    char name[DT_NAME_MAX];     /* node name, or "memreserve" */
};

struct dt_hart {
    uint64_t hartid;            /* from reg */
    bool usable;                /* enabled, has an MMU, F and D in its ISA */
    char isa[DT_NAME_MAX];      /* riscv,isa (or "" if absent) */
    char mmu_type[24];          /* mmu-type, e.g. "riscv,sv39" (or "") */
    char status[16];            /* status (or "okay" when absent) */
    const char *why_unusable;   /* static string when !usable, else NULL */
    uint32_t intc_phandle;      /* phandle of its interrupt-controller child */
};

enum dt_uart_kind {
    DT_UART_NONE = 0,
    DT_UART_NS16550,            /* ns16550a, ns16550, ns8250 ... */
    DT_UART_DW_APB,             /* snps,dw-apb-uart (DesignWare 8250) */
};

struct dt_uart {
    enum dt_uart_kind kind;
    char compatible[DT_NAME_MAX];   /* the string that matched */
    char path[DT_NAME_MAX];         /* node path, e.g. /soc/serial@10000000 */
    uint64_t base, size;
    uint32_t reg_shift;             /* 0 when absent */
    uint32_t reg_io_width;          /* 1 when absent */
    uint32_t clock_frequency;       /* 0 when absent */
    uint32_t irq;                   /* 0 when absent */
};

struct dt_plic_ctx {
    uint64_t hartid;            /* the hart this S-mode context belongs to */
    uint32_t context;           /* index into the PLIC's context registers */
};

struct dt_plic {
    bool present;
    char compatible[DT_NAME_MAX];
    uint64_t base, size;
    uint32_t ndev;                          /* riscv,ndev: sources 1..ndev */
    struct dt_plic_ctx ctx[DT_MAX_PLIC_CTX];/* S-mode (interrupt 9) contexts */
    unsigned nctx;
};

struct dt_virtio {
    uint64_t base, size;
    uint32_t irq;
};

struct dt_chosen {
    char bootargs[DT_BOOTARGS_MAX];
    char stdout_path[DT_NAME_MAX];
    bool has_initrd;
    uint64_t initrd_start, initrd_end;
};

struct platform {
    char model[DT_NAME_MAX];
    uint32_t timebase_frequency;            /* Hz, from /cpus or a cpu node */
    struct dt_range mem[DT_MAX_MEM];
    unsigned nmem;
    struct dt_reserved resv[DT_MAX_RESERVED];
    unsigned nresv;
    struct dt_hart harts[DT_MAX_HARTS];
    unsigned nharts;
    struct dt_chosen chosen;
    struct dt_uart uart;                    /* the console: stdout-path, else the first UART */
    struct dt_plic plic;
    struct dt_virtio virtio[DT_MAX_VIRTIO];
    unsigned nvirtio;
};

struct dt_error {
    char msg[DT_ERROR_MAX];     /* one line, e.g. "dtb: bad magic 0x12345678" */
    char where[DT_NAME_MAX];    /* scratch: the node path msg is built from */
};

/*
 * Parse the blob at `blob`, of which `avail` bytes may be read.  On success
 * fills *out and returns KERN_SUCCESS.  On a malformed or unusable tree
 * (bad magic or version, totalsize > avail, offsets outside the blob,
 * unterminated strings or names, bad nesting, phandle cycles, more entries
 * than the tables above hold, no /memory, no usable hart, no timebase)
 * returns KERN_INVALID_ARGUMENT and a message in *err.  A tree without a
 * UART is not an error: out->uart.kind is DT_UART_NONE and the caller
 * decides.
 */
kern_return_t devtree_parse(const void *blob, size_t avail,
                            struct platform *out, struct dt_error *err);

/* The totalsize field of a DTB header, or 0 if `avail` is too short or the magic is wrong. */
size_t devtree_total_size(const void *blob, size_t avail);

#endif /* _KERN_DEVTREE_H_ */
