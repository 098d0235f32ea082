// SPDX-License-Identifier: MIT
/*
 * ELF64 checks for user programs: decode each header byte by byte, reject
 * anything the loader could not map safely, list the PT_LOAD segments.
 */
#include <stdarg.h>
#include <kern/elf.h>
#include <kern/printf.h>
#include <kern/string.h>
#include <machine/vm_param.h>

/* The loader's constants must agree with the machine's (the host shim has
 * no USER_VA_END). */
_Static_assert(ELF_PAGE_SIZE == PAGE_SIZE, "ELF_PAGE_SIZE is the page size");
#ifdef USER_VA_END
_Static_assert(ELF_USER_MAX == USER_VA_END, "ELF_USER_MAX is the end of user space");
#endif

/* The image being parsed, the result being built, where messages go. */
struct elf_ctx {
    const uint8_t *img;
    size_t size;
    struct elf_info *out;
    unsigned prev_phdr;         /* program header index of out->seg[nsegs - 1] */
    char *err;
    size_t errlen;
};

static kern_return_t elf_fail(struct elf_ctx *c, const char *fmt, ...)
    __printflike(2, 3);

static kern_return_t elf_fail(struct elf_ctx *c, const char *fmt, ...)
{
    va_list ap;
    if (c->err != NULL && c->errlen > 0) {
        va_start(ap, fmt);
        kvsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    c->out->nsegs = 0;
    return KERN_INVALID_ARGUMENT;
}

/* ---- decoding: little-endian fields at any alignment ------------------- */

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

#define EH(field)   (p + offsetof(struct elf64_ehdr, field))
#define PH(field)   (p + offsetof(struct elf64_phdr, field))

/* p points at 64 readable bytes. */
static void decode_ehdr(const uint8_t *p, struct elf64_ehdr *h)
{
    memcpy(h->e_ident, p, ELF_EI_NIDENT);
    h->e_type = (uint16_t)le(EH(e_type), 2);
    h->e_machine = (uint16_t)le(EH(e_machine), 2);
    h->e_version = (uint32_t)le(EH(e_version), 4);
    h->e_entry = le(EH(e_entry), 8);
    h->e_phoff = le(EH(e_phoff), 8);
    h->e_shoff = le(EH(e_shoff), 8);
    h->e_flags = (uint32_t)le(EH(e_flags), 4);
    h->e_ehsize = (uint16_t)le(EH(e_ehsize), 2);
    h->e_phentsize = (uint16_t)le(EH(e_phentsize), 2);
    h->e_phnum = (uint16_t)le(EH(e_phnum), 2);
    h->e_shentsize = (uint16_t)le(EH(e_shentsize), 2);
    h->e_shnum = (uint16_t)le(EH(e_shnum), 2);
    h->e_shstrndx = (uint16_t)le(EH(e_shstrndx), 2);
}

/* p points at 56 readable bytes. */
static void decode_phdr(const uint8_t *p, struct elf64_phdr *ph)
{
    ph->p_type = (uint32_t)le(PH(p_type), 4);
    ph->p_flags = (uint32_t)le(PH(p_flags), 4);
    ph->p_offset = le(PH(p_offset), 8);
    ph->p_vaddr = le(PH(p_vaddr), 8);
    ph->p_paddr = le(PH(p_paddr), 8);
    ph->p_filesz = le(PH(p_filesz), 8);
    ph->p_memsz = le(PH(p_memsz), 8);
    ph->p_align = le(PH(p_align), 8);
}

#undef EH
#undef PH

static vm_prot_t elf_prot(uint32_t p_flags)
{
    vm_prot_t prot = VM_PROT_NONE;
    if (p_flags & ELF_PF_R)
        prot |= VM_PROT_READ;
    if (p_flags & ELF_PF_W)
        prot |= VM_PROT_WRITE;
    if (p_flags & ELF_PF_X)
        prot |= VM_PROT_EXECUTE;
    return prot;
}

/* ---- the ELF header ---------------------------------------------------- */

static kern_return_t check_ident(struct elf_ctx *c, const uint8_t *id)
{
    if (memcmp(id, "\177ELF", 4) != 0)
        return elf_fail(c, "elf: bad magic (not an ELF file)");
    if (id[ELF_EI_CLASS] != ELF_CLASS64)
        return elf_fail(c, "elf: class %u is not ELFCLASS64 (2)",
                        id[ELF_EI_CLASS]);
    if (id[ELF_EI_DATA] != ELF_DATA2LSB)
        return elf_fail(c, "elf: data encoding %u is not little endian "
                        "(ELFDATA2LSB, 1)", id[ELF_EI_DATA]);
    if (id[ELF_EI_VERSION] != ELF_EV_CURRENT)
        return elf_fail(c, "elf: ident version %u is not 1",
                        id[ELF_EI_VERSION]);
    return KERN_SUCCESS;
}

static kern_return_t check_type(struct elf_ctx *c, const struct elf64_ehdr *h)
{
    if (h->e_type == ELF_ET_DYN)
        return elf_fail(c, "elf: type 3 (ET_DYN) is not ET_EXEC: only static "
                        "executables are supported, not PIE or shared objects");
    if (h->e_type != ELF_ET_EXEC)
        return elf_fail(c, "elf: type %u is not ET_EXEC (2)", h->e_type);
    if (h->e_machine != ELF_EM_RISCV)
        return elf_fail(c, "elf: machine %u is not RISC-V (243)", h->e_machine);
    if (h->e_version != ELF_EV_CURRENT)
        return elf_fail(c, "elf: version %u is not 1", h->e_version);
    return KERN_SUCCESS;
}

static kern_return_t check_flags(struct elf_ctx *c, uint32_t flags)
{
    uint32_t abi = flags & EF_RISCV_FLOAT_ABI_MASK;
    uint32_t other = flags & ~(uint32_t)(EF_RISCV_FLOAT_ABI_MASK | EF_RISCV_RVC);
    static const char *const abis[] = { "soft-float", "single-float",
                                        "double-float", "quad-float" };

    if (abi != EF_RISCV_FLOAT_ABI_DOUBLE)
        return elf_fail(c, "elf: flags 0x%x: %s ABI, but user programs use "
                        "the double-float ABI (lp64d)", flags, abis[abi >> 1]);
    if (other != 0)
        return elf_fail(c, "elf: flags 0x%x: unsupported bits 0x%x (only RVC "
                        "and the float ABI may be set)", flags, other);
    return KERN_SUCCESS;
}

/* The program header table must be whole entries inside the file. */
static kern_return_t check_phtab(struct elf_ctx *c, const struct elf64_ehdr *h)
{
    if (h->e_ehsize != sizeof(struct elf64_ehdr))
        return elf_fail(c, "elf: e_ehsize %u is not 64", h->e_ehsize);
    if (h->e_phentsize != sizeof(struct elf64_phdr))
        return elf_fail(c, "elf: e_phentsize %u is not 56 (the size of "
                        "Elf64_Phdr)", h->e_phentsize);
    if (h->e_phnum == 0)
        return elf_fail(c, "elf: no program headers (e_phnum is 0)");
    if (h->e_phnum == ELF_PN_XNUM)
        return elf_fail(c, "elf: e_phnum 0xffff (extended numbering) is not "
                        "supported");
    uint64_t len = (uint64_t)h->e_phnum * sizeof(struct elf64_phdr);
    if (h->e_phoff > c->size || len > c->size - h->e_phoff)
        return elf_fail(c, "elf: program header table (e_phoff 0x%lx, %u "
                        "entries) runs past the end of the %zu-byte file",
                        h->e_phoff, h->e_phnum, c->size);
    return KERN_SUCCESS;
}

static kern_return_t check_ehdr(struct elf_ctx *c, struct elf64_ehdr *h)
{
    if (c->size < sizeof(*h))
        return elf_fail(c, "elf: truncated: the file is %zu bytes, shorter "
                        "than the 64-byte ELF header", c->size);
    decode_ehdr(c->img, h);
    kern_return_t kr = check_ident(c, h->e_ident);
    if (kr == KERN_SUCCESS)
        kr = check_type(c, h);
    if (kr == KERN_SUCCESS)
        kr = check_flags(c, h->e_flags);
    if (kr == KERN_SUCCESS)
        kr = check_phtab(c, h);
    return kr;
}

/* ---- one PT_LOAD segment on its own ------------------------------------- */

static kern_return_t check_load_file(struct elf_ctx *c, unsigned i,
                                     const struct elf64_phdr *ph)
{
    if (ph->p_filesz > ph->p_memsz)
        return elf_fail(c, "elf: segment %u: p_filesz 0x%lx exceeds p_memsz "
                        "0x%lx", i, ph->p_filesz, ph->p_memsz);
    if (ph->p_offset > c->size || ph->p_filesz > c->size - ph->p_offset)
        return elf_fail(c, "elf: segment %u: file range 0x%lx+0x%lx runs past "
                        "the end of the %zu-byte file", i, ph->p_offset,
                        ph->p_filesz, c->size);
    return KERN_SUCCESS;
}

static kern_return_t check_load_memory(struct elf_ctx *c, unsigned i,
                                       const struct elf64_phdr *ph)
{
    uint64_t va = ph->p_vaddr, end = ph->p_vaddr + ph->p_memsz;

    if (end < va)
        return elf_fail(c, "elf: segment %u: p_vaddr 0x%lx + p_memsz 0x%lx "
                        "wraps around the address space", i, va, ph->p_memsz);
    if (va < ELF_USER_MIN || end > ELF_USER_MAX)
        return elf_fail(c, "elf: segment %u: [0x%lx, 0x%lx) is outside user "
                        "space [0x%lx, 0x%lx)", i, va, end, ELF_USER_MIN,
                        ELF_USER_MAX);
    if ((va - ph->p_offset) % ELF_PAGE_SIZE != 0)
        return elf_fail(c, "elf: segment %u: p_vaddr 0x%lx and p_offset 0x%lx "
                        "are not congruent modulo the page size (%lu)", i, va,
                        ph->p_offset, ELF_PAGE_SIZE);
    if ((ph->p_flags & ELF_PF_W) && (ph->p_flags & ELF_PF_X))
        return elf_fail(c, "elf: segment %u: writable and executable: W^X "
                        "forbids a user segment to be both", i);
    return KERN_SUCCESS;
}

/* ---- a segment against the one before it --------------------------------- */

static kern_return_t check_neighbour(struct elf_ctx *c, unsigned i,
                                     const struct elf_segment *s)
{
    const struct elf_segment *prev = &c->out->seg[c->out->nsegs - 1];
    uint64_t prev_end = prev->vaddr + prev->memsz;
    unsigned j = c->prev_phdr;

    if (s->vaddr < prev->vaddr)
        return elf_fail(c, "elf: segment %u: PT_LOAD segments are not in "
                        "ascending p_vaddr order (0x%lx after 0x%lx)", i,
                        s->vaddr, prev->vaddr);
    if (s->vaddr < prev_end)
        return elf_fail(c, "elf: segments %u and %u overlap at 0x%lx", j, i,
                        s->vaddr);
    if (ROUND_DOWN(s->vaddr, ELF_PAGE_SIZE) < ROUND_UP(prev_end, ELF_PAGE_SIZE)
        && s->prot != prev->prot)
        return elf_fail(c, "elf: segments %u and %u share the page at 0x%lx "
                        "with different protections", j, i,
                        ROUND_DOWN(s->vaddr, ELF_PAGE_SIZE));
    return KERN_SUCCESS;
}

static kern_return_t add_load(struct elf_ctx *c, unsigned i,
                              const struct elf64_phdr *ph)
{
    kern_return_t kr = check_load_file(c, i, ph);
    if (kr != KERN_SUCCESS || ph->p_memsz == 0)
        return kr;                      /* an empty segment maps nothing */
    kr = check_load_memory(c, i, ph);
    if (kr != KERN_SUCCESS)
        return kr;
    struct elf_segment s = {
        .vaddr = ph->p_vaddr, .memsz = ph->p_memsz,
        .offset = ph->p_offset, .filesz = ph->p_filesz,
        .prot = elf_prot(ph->p_flags),
    };
    if (c->out->nsegs == ELF_MAX_SEGMENTS)
        return elf_fail(c, "elf: too many PT_LOAD segments (the limit is %u)",
                        ELF_MAX_SEGMENTS);
    if (c->out->nsegs > 0 && (kr = check_neighbour(c, i, &s)) != KERN_SUCCESS)
        return kr;
    c->out->seg[c->out->nsegs++] = s;
    c->prev_phdr = i;
    return KERN_SUCCESS;
}

/* ---- the program header table and the entry point ----------------------- */

static kern_return_t check_phdrs(struct elf_ctx *c, const struct elf64_ehdr *h)
{
    for (unsigned i = 0; i < h->e_phnum; i++) {
        struct elf64_phdr ph;
        decode_phdr(c->img + h->e_phoff + (uint64_t)i * sizeof(ph), &ph);
        if (ph.p_type == ELF_PT_INTERP || ph.p_type == ELF_PT_DYNAMIC)
            return elf_fail(c, "elf: dynamically linked programs are not "
                            "supported (program header %u is %s)", i,
                            ph.p_type == ELF_PT_INTERP ? "PT_INTERP"
                                                       : "PT_DYNAMIC");
        if (ph.p_type != ELF_PT_LOAD)
            continue;
        kern_return_t kr = add_load(c, i, &ph);
        if (kr != KERN_SUCCESS)
            return kr;
    }
    if (c->out->nsegs == 0)
        return elf_fail(c, "elf: no PT_LOAD segment: nothing to load");
    return KERN_SUCCESS;
}

static kern_return_t check_entry(struct elf_ctx *c, uint64_t entry,
                                 uint32_t flags)
{
    uint64_t align = (flags & EF_RISCV_RVC) ? 2 : 4;

    if (entry % align != 0)
        return elf_fail(c, "elf: entry point 0x%lx is not %lu-byte aligned",
                        entry, align);
    for (unsigned i = 0; i < c->out->nsegs; i++) {
        const struct elf_segment *s = &c->out->seg[i];
        if ((s->prot & VM_PROT_EXECUTE) && entry >= s->vaddr &&
            entry - s->vaddr < s->filesz)
            return KERN_SUCCESS;
    }
    return elf_fail(c, "elf: entry point 0x%lx is not inside an executable "
                    "segment", entry);
}

kern_return_t elf_parse(const void *image, size_t size, struct elf_info *out,
                        char *err, size_t errlen)
{
    struct elf_ctx c = { image, size, out, 0, err, errlen };
    struct elf64_ehdr h;

    memset(out, 0, sizeof(*out));
    kern_return_t kr = check_ehdr(&c, &h);
    if (kr == KERN_SUCCESS)
        kr = check_phdrs(&c, &h);
    if (kr == KERN_SUCCESS)
        kr = check_entry(&c, h.e_entry, h.e_flags);
    if (kr == KERN_SUCCESS) {
        out->entry = h.e_entry;
        if (err != NULL && errlen > 0)
            err[0] = '\0';
    }
    return kr;
}
