/* SPDX-License-Identifier: MIT */
/*
 * The front end of the user-program loader: checks an ELF64 RISC-V static
 * executable and lists what to map, without allocating or touching memory.
 */
#ifndef _KERN_ELF_H_
#define _KERN_ELF_H_

#include <kern/types.h>
#include <mach/vm_prot.h>

/*
 * What elf_parse() accepts is exactly what the project's user programs are:
 *   - ELFCLASS64, little endian, ident version 1, e_version 1;
 *   - e_machine EM_RISCV, e_type ET_EXEC: static executables only (no PIE,
 *     no shared objects, no PT_INTERP or PT_DYNAMIC);
 *   - e_flags = the lp64d double-float ABI, with or without RVC;
 *   - 1 to ELF_MAX_SEGMENTS non-empty PT_LOAD segments, in ascending p_vaddr
 *     order, inside [ELF_USER_MIN, ELF_USER_MAX), never both writable and
 *     executable, p_vaddr congruent to p_offset modulo ELF_PAGE_SIZE;
 *   - segments never overlap; two neighbours may share a page (after
 *     rounding to pages) only when their protections are identical;
 *   - the entry point lies in the file-backed part of an executable segment
 *     and is 2-byte aligned (4-byte without RVC).
 * Other program header types (PT_NOTE, PT_GNU_STACK, PT_RISCV_ATTRIBUTES,
 * PT_TLS, ...) are ignored; section headers are never read.
 */

#define ELF_MAX_SEGMENTS    16                  /* PT_LOAD segments at most */
#define ELF_USER_MIN        0x10000UL           /* lowest user address (page 0-15 stay unmapped) */
#define ELF_USER_MAX        0x4000000000UL      /* end of Sv39 user space (USER_VA_END) */
#define ELF_PAGE_SIZE       4096UL

/* ---- ELF64 on-disk structures (little endian, read byte by byte) ------ */

#define ELF_EI_NIDENT       16
#define ELF_EI_CLASS        4
#define ELF_EI_DATA         5
#define ELF_EI_VERSION      6
#define ELF_CLASS64         2
#define ELF_DATA2LSB        1
#define ELF_EV_CURRENT      1

#define ELF_ET_EXEC         2
#define ELF_ET_DYN          3
#define ELF_EM_RISCV        243
#define ELF_PN_XNUM         0xffff              /* extended numbering: unsupported */

#define EF_RISCV_RVC                0x1
#define EF_RISCV_FLOAT_ABI_MASK     0x6
#define EF_RISCV_FLOAT_ABI_DOUBLE   0x4

#define ELF_PT_LOAD         1
#define ELF_PT_DYNAMIC      2
#define ELF_PT_INTERP       3

#define ELF_PF_X            0x1
#define ELF_PF_W            0x2
#define ELF_PF_R            0x4

struct elf64_ehdr {
    uint8_t e_ident[ELF_EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");

/* ---- what the parser hands to the loader ------------------------------ */

/*
 * One segment to map: [vaddr, vaddr + memsz) in the task, of which the first
 * filesz bytes come from image[offset, offset + filesz) and the rest is
 * zero.  memsz > 0; filesz <= memsz; the file range lies inside the image.
 */
struct elf_segment {
    uint64_t vaddr;
    uint64_t memsz;
    uint64_t offset;
    uint64_t filesz;
    vm_prot_t prot;             /* VM_PROT_READ/WRITE/EXECUTE from p_flags */
};

/*
 * A checked executable.  seg[0 .. nsegs) are sorted by vaddr and disjoint;
 * seg[i] and seg[i + 1] may share one page (the last page of the first,
 * the first page of the second), and then have the same prot.
 */
struct elf_info {
    uint64_t entry;
    unsigned nsegs;
    struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/*
 * Check the ELF image [image, image + size) and describe it in *out.  Reads
 * only inside the image, byte by byte (any alignment will do), allocates
 * nothing and has no side effect but *out and err.
 * Returns KERN_SUCCESS (err set to ""), or KERN_INVALID_ARGUMENT with a
 * one-line message starting "elf: " in err[0 .. errlen) and out->nsegs = 0.
 * err may be NULL when errlen is 0.
 */
kern_return_t elf_parse(const void *image, size_t size, struct elf_info *out,
                        char *err, size_t errlen);

#endif /* _KERN_ELF_H_ */
