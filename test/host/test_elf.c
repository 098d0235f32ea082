// SPDX-License-Identifier: MIT
/*
 * The ELF front end (kern/elf.c) on real RISC-V executables built by the cross
 * compiler, checked against readelf, then on corrupted, crafted and randomly
 * mutated copies.  Usage: test_elf ELF_DIR (the build's test/host/elf/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kern/elf.h>

static const char *elf_dir = ".";

/* ---- blobs: copied to exact-size buffers so ASan catches over-reads ------ */

struct blob {
    uint8_t *p;
    size_t n;
};

static struct blob blob_copy(const void *src, size_t n)
{
    struct blob b = { malloc(n ? n : 1), n };
    assert_non_null(b.p);
    memcpy(b.p, src, n);
    return b;
}

static struct blob load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", elf_dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return blob_copy(buf, n);
}

static void wr(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

#define EH_OFF(f)   offsetof(struct elf64_ehdr, f)
#define EH_SIZE(f)  sizeof(((struct elf64_ehdr *)0)->f)
#define PH_OFF(f)   offsetof(struct elf64_phdr, f)
#define PH_SIZE(f)  sizeof(((struct elf64_phdr *)0)->f)

#define SET_EH(b, f, v)     wr((b).p + EH_OFF(f), (v), EH_SIZE(f))
#define GET_EH(b, f)        rd((b).p + EH_OFF(f), EH_SIZE(f))
#define PH_AT(b, i)         ((b).p + GET_EH(b, e_phoff) + (size_t)(i) * 56)
#define SET_PH(b, i, f, v)  wr(PH_AT(b, i) + PH_OFF(f), (v), PH_SIZE(f))
#define GET_PH(b, i, f)     rd(PH_AT(b, i) + PH_OFF(f), PH_SIZE(f))

/* Program header index of the k-th PT_LOAD. */
static unsigned load_index(struct blob b, unsigned k)
{
    for (unsigned i = 0; i < GET_EH(b, e_phnum); i++)
        if (GET_PH(b, i, p_type) == ELF_PT_LOAD && k-- == 0)
            return i;
    fail_msg("no PT_LOAD number %u", k);
    return 0;
}

/* ---- parsing and checking the outcome ------------------------------------ */

static char err[160];

static kern_return_t parse(struct blob b, struct elf_info *info)
{
    memset(err, 'X', sizeof(err));
    return elf_parse(b.p, b.n, info, err, sizeof(err));
}

/* A copy of b must fail with a message containing `want`. */
static void expect_fail_msg(struct blob b, const char *want, int line)
{
    struct elf_info info;
    struct blob c = blob_copy(b.p, b.n);
    kern_return_t kr = parse(c, &info);
    free(c.p);
    if (kr != KERN_INVALID_ARGUMENT)
        fail_msg("line %d: expected failure '%s', got %d", line, want, kr);
    assert_non_null(memchr(err, '\0', sizeof(err)));
    if (strncmp(err, "elf: ", 5) != 0 || strstr(err, want) == NULL)
        fail_msg("line %d: expected '%s' in \"%s\"", line, want, err);
    assert_int_equal(info.nsegs, 0);
}

#define expect_fail(b, want) expect_fail_msg((b), (want), __LINE__)

static void expect_ok_at(struct blob b, struct elf_info *info, int line)
{
    struct blob c = blob_copy(b.p, b.n);
    kern_return_t kr = parse(c, info);
    free(c.p);
    if (kr != KERN_SUCCESS)
        fail_msg("line %d: expected success, got \"%s\"", line, err);
    assert_string_equal(err, "");
}

#define expect_ok(b, info) expect_ok_at((b), (info), __LINE__)

/* Every promise elf.h makes about a successful parse. */
static void check_invariants(const struct elf_info *info, size_t size)
{
    bool entry_ok = false;
    assert_true(info->nsegs >= 1 && info->nsegs <= ELF_MAX_SEGMENTS);
    for (unsigned i = 0; i < info->nsegs; i++) {
        const struct elf_segment *s = &info->seg[i];
        assert_true(s->memsz > 0 && s->filesz <= s->memsz);
        assert_true(s->offset <= size && s->filesz <= size - s->offset);
        assert_true(s->vaddr >= ELF_USER_MIN && s->vaddr + s->memsz > s->vaddr);
        assert_true(s->vaddr + s->memsz <= ELF_USER_MAX);
        assert_int_equal((s->vaddr - s->offset) % ELF_PAGE_SIZE, 0);
        assert_false((s->prot & VM_PROT_WRITE) && (s->prot & VM_PROT_EXECUTE));
        if (i > 0) {
            const struct elf_segment *p = &info->seg[i - 1];
            assert_true(p->vaddr + p->memsz <= s->vaddr);
            if ((p->vaddr + p->memsz + ELF_PAGE_SIZE - 1) / ELF_PAGE_SIZE >
                s->vaddr / ELF_PAGE_SIZE)
                assert_int_equal(p->prot, s->prot);
        }
        if ((s->prot & VM_PROT_EXECUTE) && info->entry >= s->vaddr &&
            info->entry < s->vaddr + s->filesz)
            entry_ok = true;
    }
    assert_true(entry_ok);
}

/* ---- readelf -hlW facts, written at build time next to each ELF ---------- */

struct facts {
    uint64_t entry;
    unsigned nload;
    struct elf_segment load[ELF_MAX_SEGMENTS];
};

static vm_prot_t flag_prot(const char *f)
{
    vm_prot_t prot = 0;
    for (int i = 0; i < 3; i++) {
        prot |= f[i] == 'R' ? VM_PROT_READ : 0;
        prot |= f[i] == 'W' ? VM_PROT_WRITE : 0;
        prot |= f[i] == 'E' ? VM_PROT_EXECUTE : 0;
    }
    return prot;
}

static void read_facts(const char *name, struct facts *fx)
{
    char path[512], line[256];
    snprintf(path, sizeof(path), "%s/%s.readelf", elf_dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    memset(fx, 0, sizeof(*fx));
    while (fgets(line, sizeof(line), f) != NULL) {
        struct elf_segment *s = &fx->load[fx->nload];
        int pos = 0;
        if (sscanf(line, " Entry point address: %lx", &fx->entry) == 1)
            continue;
        if (sscanf(line, " LOAD %lx %lx %*x %lx %lx %n", &s->offset, &s->vaddr,
                   &s->filesz, &s->memsz, &pos) == 4 && pos > 0) {
            assert_true(fx->nload < ELF_MAX_SEGMENTS);
            s->prot = flag_prot(line + pos);
            fx->nload++;
        }
    }
    fclose(f);
    assert_true(fx->nload > 0 && fx->entry != 0);
}

/* Parse NAME.elf and compare with what readelf said about it. */
static struct blob parse_real(const char *name, struct elf_info *info)
{
    char file[64];
    struct facts fx;
    snprintf(file, sizeof(file), "%s.elf", name);
    struct blob b = load(file);
    read_facts(name, &fx);
    expect_ok(b, info);
    check_invariants(info, b.n);
    assert_int_equal(info->entry, fx.entry);
    assert_int_equal(info->nsegs, fx.nload);
    for (unsigned i = 0; i < fx.nload; i++) {
        assert_int_equal(info->seg[i].vaddr, fx.load[i].vaddr);
        assert_int_equal(info->seg[i].memsz, fx.load[i].memsz);
        assert_int_equal(info->seg[i].offset, fx.load[i].offset);
        assert_int_equal(info->seg[i].filesz, fx.load[i].filesz);
        assert_int_equal(info->seg[i].prot, fx.load[i].prot);
    }
    return b;
}

/* ---- real executables ---------------------------------------------------- */

/* The default link: headers and code in one R E segment, then data + bss RW. */
static void test_basic_matches_readelf(void **state)
{
    struct elf_info info;
    struct blob b = parse_real("basic", &info);

    assert_int_equal(info.nsegs, 2);
    assert_int_equal(info.seg[0].vaddr, 0x10000);
    assert_int_equal(info.seg[0].offset, 0);
    assert_int_equal(info.seg[0].prot, VM_PROT_READ | VM_PROT_EXECUTE);
    assert_int_equal(info.seg[1].prot, VM_PROT_READ | VM_PROT_WRITE);
    assert_true(info.seg[1].memsz >= info.seg[1].filesz + 8000);  /* zeros[] */
    assert_true(info.entry > info.seg[0].vaddr &&
                info.entry < info.seg[0].vaddr + info.seg[0].filesz);
    free(b.p);
}

/* A linker script with three page-separated segments: R, R E, RW. */
static void test_three_matches_readelf(void **state)
{
    struct elf_info info;
    struct blob b = parse_real("three", &info);

    assert_int_equal(info.nsegs, 3);
    assert_int_equal(info.seg[0].vaddr, 0x20000);
    assert_int_equal(info.seg[0].prot, VM_PROT_READ);
    assert_int_equal(info.seg[1].vaddr, 0x21000);
    assert_int_equal(info.seg[1].prot, VM_PROT_READ | VM_PROT_EXECUTE);
    assert_int_equal(info.seg[2].vaddr, 0x22000);
    assert_int_equal(info.seg[2].prot, VM_PROT_READ | VM_PROT_WRITE);
    assert_true(info.entry >= 0x21000 && info.entry < 0x22000);
    free(b.p);
}

/* Real programs linked the wrong way, each refused for its own reason. */
static void test_real_rejects(void **state)
{
    /* -Ttext=0x10000 puts the headers' page at 0xf000, below ELF_USER_MIN. */
    struct blob b = load("ttext.elf");
    expect_fail(b, "outside user space [0x10000, 0x4000000000)");
    free(b.p);
    b = load("rwx.elf");                /* ld -N: one RWX segment */
    expect_fail(b, "writable and executable: W^X");
    free(b.p);
    b = load("soft.elf");               /* -mabi=lp64 */
    expect_fail(b, "soft-float ABI");
    free(b.p);
}

/* The image may sit at any address (boot modules are 4-byte aligned). */
static void test_unaligned_image(void **state)
{
    struct blob b = load("three.elf");
    struct elf_info a, u;
    uint8_t *buf = malloc(b.n + 1);
    assert_non_null(buf);
    memcpy(buf + 1, b.p, b.n);
    expect_ok(b, &a);
    assert_int_equal(elf_parse(buf + 1, b.n, &u, NULL, 0), KERN_SUCCESS);
    assert_int_equal(a.entry, u.entry);
    assert_int_equal(a.nsegs, u.nsegs);
    for (unsigned i = 0; i < a.nsegs; i++) {
        assert_int_equal(a.seg[i].vaddr, u.seg[i].vaddr);
        assert_int_equal(a.seg[i].memsz, u.seg[i].memsz);
        assert_int_equal(a.seg[i].offset, u.seg[i].offset);
        assert_int_equal(a.seg[i].filesz, u.seg[i].filesz);
        assert_int_equal(a.seg[i].prot, u.seg[i].prot);
    }
    free(buf);
    free(b.p);
}

/* A message cut to a small buffer is still one NUL-terminated string. */
static void test_small_error_buffer(void **state)
{
    struct blob b = load("basic.elf");
    struct elf_info info;
    char small[12];
    SET_EH(b, e_machine, 62);
    memset(small, 'X', sizeof(small));
    assert_int_equal(elf_parse(b.p, b.n, &info, small, sizeof(small)),
                     KERN_INVALID_ARGUMENT);
    assert_string_equal(small, "elf: machin");
    assert_int_equal(elf_parse(b.p, b.n, &info, NULL, 0), KERN_INVALID_ARGUMENT);
    free(b.p);
}

/* ---- truncation at every length ------------------------------------------ */

static void truncate_all(const char *name)
{
    struct blob b = load(name);
    uint64_t phend = GET_EH(b, e_phoff) + GET_EH(b, e_phnum) * 56, dataend = 0;
    for (unsigned i = 0; i < GET_EH(b, e_phnum); i++) {
        uint64_t end = GET_PH(b, i, p_offset) + GET_PH(b, i, p_filesz);
        if (GET_PH(b, i, p_type) == ELF_PT_LOAD && end > dataend)
            dataend = end;
    }
    assert_true(phend < dataend && dataend <= b.n);
    for (size_t len = 0; len <= b.n; len++) {
        struct blob t = { b.p, len };
        struct elf_info info;
        if (len < 64)
            expect_fail(t, "truncated: the file is");
        else if (len < phend)
            expect_fail(t, "program header table");
        else if (len < dataend)
            expect_fail(t, "runs past the end of the");
        else
            expect_ok(t, &info);
    }
    free(b.p);
}

static void test_truncations(void **state)
{
    truncate_all("basic.elf");
    truncate_all("three.elf");
}

/* ---- the ELF header, field by field ---------------------------------------- */

/* Set a header field of a fresh copy of basic.elf and expect `want`. */
static void bad_eh(size_t off, unsigned size, uint64_t v, const char *want,
                   int line)
{
    struct blob b = load("basic.elf");
    wr(b.p + off, v, size);
    expect_fail_msg(b, want, line);
    free(b.p);
}

#define BAD_EH(f, v, want) bad_eh(EH_OFF(f), EH_SIZE(f), (v), (want), __LINE__)
#define BAD_ID(i, v, want) bad_eh((i), 1, (v), (want), __LINE__)

static void test_ident(void **state)
{
    for (unsigned i = 0; i < 4; i++)
        BAD_ID(i, 0x7e, "bad magic");
    BAD_ID(ELF_EI_CLASS, 1, "class 1 is not ELFCLASS64");
    BAD_ID(ELF_EI_CLASS, 0, "class 0 is not ELFCLASS64");
    BAD_ID(ELF_EI_DATA, 2, "data encoding 2 is not little endian");
    BAD_ID(ELF_EI_VERSION, 0, "ident version 0 is not 1");
    BAD_ID(ELF_EI_VERSION, 2, "ident version 2 is not 1");
}

static void test_type_machine_version(void **state)
{
    BAD_EH(e_type, ELF_ET_DYN, "only static executables are supported");
    BAD_EH(e_type, 1, "type 1 is not ET_EXEC");
    BAD_EH(e_type, 4, "type 4 is not ET_EXEC");
    BAD_EH(e_machine, 62, "machine 62 is not RISC-V");
    BAD_EH(e_machine, 0, "machine 0 is not RISC-V");
    BAD_EH(e_version, 0, "version 0 is not 1");
    BAD_EH(e_version, 2, "version 2 is not 1");
}

static void test_flags(void **state)
{
    struct elf_info info;
    BAD_EH(e_flags, 0x1, "soft-float ABI");
    BAD_EH(e_flags, 0x0, "soft-float ABI");
    BAD_EH(e_flags, 0x3, "single-float ABI");
    BAD_EH(e_flags, 0x7, "quad-float ABI");
    BAD_EH(e_flags, 0xd, "unsupported bits 0x8");        /* RVE */
    BAD_EH(e_flags, 0x15, "unsupported bits 0x10");      /* TSO */
    BAD_EH(e_flags, 0x80000005, "unsupported bits 0x80000000");

    /* Without RVC the double-float ABI alone is fine (entry is 4-aligned). */
    struct blob b = load("basic.elf");
    assert_int_equal(GET_EH(b, e_entry) % 4, 0);
    SET_EH(b, e_flags, EF_RISCV_FLOAT_ABI_DOUBLE);
    expect_ok(b, &info);
    free(b.p);
}

static void test_program_header_table(void **state)
{
    struct blob b = load("basic.elf");
    size_t n = b.n;
    free(b.p);
    BAD_EH(e_ehsize, 52, "e_ehsize 52 is not 64");
    BAD_EH(e_phentsize, 32, "e_phentsize 32 is not 56");
    BAD_EH(e_phentsize, 64, "e_phentsize 64 is not 56");
    BAD_EH(e_phentsize, 0, "e_phentsize 0 is not 56");
    BAD_EH(e_phnum, 0, "no program headers");
    BAD_EH(e_phnum, 0xffff, "extended numbering");
    BAD_EH(e_phnum, 1000, "program header table");
    BAD_EH(e_phoff, n, "program header table");
    BAD_EH(e_phoff, n - 56, "program header table");
    BAD_EH(e_phoff, UINT64_MAX - 8, "program header table");
    BAD_EH(e_phoff, UINT64_MAX, "program header table");
}

/* ---- program headers, field by field ------------------------------------- */

/* Set field f of the k-th PT_LOAD of a copy of NAME and expect `want`. */
#define BAD_LOAD(name, k, f, v, want) do { \
        struct blob b_ = load(name); \
        SET_PH(b_, load_index(b_, (k)), f, (v)); \
        expect_fail(b_, want); \
        free(b_.p); \
    } while (0)

static void test_load_file_range(void **state)
{
    struct blob b = load("basic.elf");
    size_t n = b.n;
    free(b.p);
    BAD_LOAD("basic.elf", 1, p_filesz, 0x2000, "p_filesz 0x2000 exceeds p_memsz");
    BAD_LOAD("basic.elf", 0, p_memsz, 0x10, "exceeds p_memsz 0x10");
    BAD_LOAD("basic.elf", 1, p_offset, n, "file range");
    BAD_LOAD("basic.elf", 1, p_offset, UINT64_MAX - 7, "runs past the end");
    BAD_LOAD("basic.elf", 0, p_offset, 0x1000 * 1000, "file range");
    /* The RW segment (offset 0x1000) reaching one byte past the end. */
    BAD_LOAD("basic.elf", 1, p_filesz, n - 0x1000 + 1, "runs past the end");
    struct elf_info info;
    b = load("basic.elf");
    SET_PH(b, load_index(b, 1), p_filesz, n - 0x1000);    /* up to the end */
    expect_ok(b, &info);
    assert_int_equal(info.seg[1].filesz, n - 0x1000);
    free(b.p);
}

static void test_load_addresses(void **state)
{
    BAD_LOAD("basic.elf", 1, p_vaddr, 0xfffffffffffff000, "wraps around");
    BAD_LOAD("basic.elf", 1, p_memsz, UINT64_MAX - 0x100, "wraps around");
    BAD_LOAD("basic.elf", 0, p_vaddr, 0, "outside user space");
    BAD_LOAD("basic.elf", 0, p_vaddr, 0xf000, "[0xf000, 0xf");
    BAD_LOAD("basic.elf", 1, p_vaddr, ELF_USER_MAX - 0x1000, "outside user space");
    BAD_LOAD("basic.elf", 1, p_vaddr, ELF_USER_MAX, "outside user space");
    BAD_LOAD("basic.elf", 1, p_vaddr, 0xffffffc000001000, "outside user space");
    BAD_LOAD("basic.elf", 1, p_memsz, ELF_USER_MAX, "outside user space");
    BAD_LOAD("basic.elf", 1, p_vaddr, 0x11010, "not congruent modulo the page size");
    BAD_LOAD("basic.elf", 0, p_offset, 8, "not congruent");
}

static void test_write_xor_execute(void **state)
{
    BAD_LOAD("basic.elf", 0, p_flags, ELF_PF_R | ELF_PF_W | ELF_PF_X, "W^X");
    BAD_LOAD("basic.elf", 1, p_flags, ELF_PF_R | ELF_PF_W | ELF_PF_X, "W^X");
    BAD_LOAD("three.elf", 1, p_flags, ELF_PF_W | ELF_PF_X, "segment 1: writable and executable");
}

/* Flags map one to one; unknown p_flags bits are ignored. */
static void test_protections(void **state)
{
    static const struct { uint32_t flags; vm_prot_t prot; } map[] = {
        { ELF_PF_R, VM_PROT_READ },
        { ELF_PF_R | ELF_PF_W, VM_PROT_READ | VM_PROT_WRITE },
        { ELF_PF_W, VM_PROT_WRITE },
        { 0, VM_PROT_NONE },
        { ELF_PF_R | 0x0ff00000, VM_PROT_READ },
    };
    for (unsigned i = 0; i < 5; i++) {
        struct blob b = load("three.elf");
        struct elf_info info;
        SET_PH(b, load_index(b, 2), p_flags, map[i].flags);
        expect_ok(b, &info);
        assert_int_equal(info.seg[2].prot, map[i].prot);
        free(b.p);
    }
}

static void test_dynamic_and_other_types(void **state)
{
    struct blob b = load("basic.elf");
    struct elf_info info;
    unsigned other = GET_PH(b, 0, p_type) == ELF_PT_LOAD ? 2 : 0;
    assert_int_not_equal(GET_PH(b, other, p_type), ELF_PT_LOAD);

    SET_PH(b, other, p_type, ELF_PT_INTERP);
    expect_fail(b, "dynamically linked programs are not supported");
    expect_fail(b, "is PT_INTERP");
    SET_PH(b, other, p_type, ELF_PT_DYNAMIC);
    expect_fail(b, "dynamically linked programs are not supported");
    expect_fail(b, "is PT_DYNAMIC");
    /* Ignored: PT_NULL, PT_NOTE, PT_PHDR, PT_TLS, PT_GNU_STACK, PT_GNU_RELRO, any. */
    static const uint32_t ignored[] = { 0, 4, 6, 7, 0x6474e551, 0x6474e552,
                                        0x70000003, 0xffffffff };
    for (unsigned i = 0; i < 8; i++) {
        SET_PH(b, other, p_type, ignored[i]);
        expect_ok(b, &info);
        assert_int_equal(info.nsegs, 2);
    }
    SET_PH(b, load_index(b, 0), p_type, 4);    /* both PT_LOADs become PT_NOTE */
    SET_PH(b, load_index(b, 0), p_type, 4);
    expect_fail(b, "no PT_LOAD segment");
    free(b.p);
}

/* An empty PT_LOAD maps nothing and is left out of the list. */
static void test_empty_load(void **state)
{
    struct blob b = load("basic.elf");
    struct elf_info info;
    unsigned i = load_index(b, 1);
    SET_PH(b, i, p_filesz, 0);
    SET_PH(b, i, p_memsz, 0);
    SET_PH(b, i, p_vaddr, 0);           /* not even checked: nothing to map */
    SET_PH(b, i, p_flags, ELF_PF_W | ELF_PF_X);
    expect_ok(b, &info);
    assert_int_equal(info.nsegs, 1);
    SET_PH(b, i, p_offset, b.n + 1);    /* but its file range is */
    expect_fail(b, "file range");
    free(b.p);
}

/* ---- segments against each other ----------------------------------------- */

static void test_overlap_and_order(void **state)
{
    struct elf_info info;
    /* basic: the RW segment moved onto the code page. */
    BAD_LOAD("basic.elf", 1, p_vaddr, 0x10000, "segments 1 and 2 overlap at 0x10000");
    /* three: data moved below rodata. */
    BAD_LOAD("three.elf", 2, p_vaddr, 0x12000, "not in ascending p_vaddr order");
    /* three: rodata grown into the code segment. */
    BAD_LOAD("three.elf", 0, p_memsz, 0x1001, "segments 0 and 1 overlap at 0x21000");

    /* three: data placed right after the code, in the code's last page. */
    struct blob b = load("three.elf");
    SET_PH(b, 2, p_vaddr, 0x21100);
    SET_PH(b, 2, p_offset, 0x2100);
    expect_fail(b, "segments 1 and 2 share the page at 0x21000 with different protections");
    /* The same page is fine when the protections are the same. */
    SET_PH(b, 2, p_flags, ELF_PF_R | ELF_PF_X);
    expect_ok(b, &info);
    assert_int_equal(info.nsegs, 3);
    /* Touching without sharing a page: rodata ends exactly where code starts. */
    SET_PH(b, 0, p_memsz, 0x1000);
    expect_ok(b, &info);
    free(b.p);
}

/* ---- the entry point ------------------------------------------------------- */

static void test_entry(void **state)
{
    struct blob b;
    BAD_EH(e_entry, 0, "entry point 0x0 is not inside an executable segment");
    bad_eh(EH_OFF(e_entry), 8, 0x20000, "not inside an executable segment", __LINE__);
    bad_eh(EH_OFF(e_entry), 8, 0x22000, "not inside an executable segment", __LINE__);
    bad_eh(EH_OFF(e_entry), 8, 0x10001, "is not 2-byte aligned", __LINE__);

    b = load("three.elf");
    unsigned text = load_index(b, 1);
    uint64_t end = 0x21000 + GET_PH(b, text, p_filesz);
    SET_EH(b, e_entry, end);            /* just past the code */
    expect_fail(b, "not inside an executable segment");
    SET_PH(b, text, p_memsz, 0x800);    /* inside memsz but in the zero fill */
    expect_fail(b, "not inside an executable segment");
    SET_EH(b, e_entry, end - 2);
    expect_ok(b, &(struct elf_info){0});
    SET_EH(b, e_flags, EF_RISCV_FLOAT_ABI_DOUBLE);      /* no RVC: 4-aligned */
    SET_EH(b, e_entry, 0x21002);
    expect_fail(b, "entry point 0x21002 is not 4-byte aligned");
    free(b.p);
}

/* ---- crafted executables: the segment limit ------------------------------ */

/* n one-page segments at 0x10000, 0x11000, ...: the first R E, others R. */
static struct blob craft(unsigned n)
{
    size_t phend = 64 + (size_t)n * 56, size = 0x1000 * (size_t)(n + 1);
    uint8_t *p = calloc(1, size);
    assert_non_null(p);
    struct blob b = { p, size };
    memcpy(p, "\177ELF\2\1\1", 7);
    SET_EH(b, e_type, ELF_ET_EXEC);
    SET_EH(b, e_machine, ELF_EM_RISCV);
    SET_EH(b, e_version, 1);
    SET_EH(b, e_entry, 0x10000);
    SET_EH(b, e_phoff, 64);
    SET_EH(b, e_flags, 5);
    SET_EH(b, e_ehsize, 64);
    SET_EH(b, e_phentsize, 56);
    SET_EH(b, e_phnum, n);
    assert_true(phend <= 0x1000);
    for (unsigned i = 0; i < n; i++) {
        SET_PH(b, i, p_type, ELF_PT_LOAD);
        SET_PH(b, i, p_flags, i == 0 ? ELF_PF_R | ELF_PF_X : ELF_PF_R);
        SET_PH(b, i, p_offset, 0x1000 * (i + 1));
        SET_PH(b, i, p_vaddr, 0x10000 + 0x1000 * i);
        SET_PH(b, i, p_filesz, 0x1000);
        SET_PH(b, i, p_memsz, 0x1000);
        SET_PH(b, i, p_align, 0x1000);
    }
    return b;
}

static void test_segment_limit(void **state)
{
    struct elf_info info;
    struct blob b = craft(ELF_MAX_SEGMENTS);
    expect_ok(b, &info);
    check_invariants(&info, b.n);
    assert_int_equal(info.nsegs, ELF_MAX_SEGMENTS);
    assert_int_equal(info.seg[15].vaddr, 0x1f000);
    free(b.p);

    b = craft(ELF_MAX_SEGMENTS + 1);
    expect_fail(b, "too many PT_LOAD segments (the limit is 16)");
    /* Empty segments do not count. */
    SET_PH(b, 16, p_filesz, 0);
    SET_PH(b, 16, p_memsz, 0);
    expect_ok(b, &info);
    free(b.p);
}

/* ---- random mutation: never crash, never claim a bad image is good ------- */

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Change a few bytes, mostly in the headers; sometimes cut the file. */
static size_t mutate(uint8_t *p, size_t n, size_t hdr_len)
{
    unsigned count = 1 + next_rand() % 6;
    for (unsigned i = 0; i < count; i++) {
        size_t at = next_rand() % 4 ? next_rand() % hdr_len : next_rand() % n;
        uint64_t r = next_rand();
        p[at] = r % 3 == 0 ? (uint8_t)(r >> 8) : r % 3 == 1 ? 0 : 0xff;
    }
    return next_rand() % 16 == 0 ? next_rand() % (n + 1) : n;
}

static void fuzz(const char *name, unsigned rounds)
{
    struct blob orig = load(name);
    size_t hdr_len = GET_EH(orig, e_phoff) + GET_EH(orig, e_phnum) * 56;
    unsigned ok = 0, bad = 0;
    for (unsigned r = 0; r < rounds; r++) {
        uint8_t *tmp = malloc(orig.n);
        assert_non_null(tmp);
        memcpy(tmp, orig.p, orig.n);
        size_t len = mutate(tmp, orig.n, hdr_len);
        struct blob t = blob_copy(tmp, len);   /* exact size for ASan */
        free(tmp);
        struct elf_info info;
        kern_return_t kr = parse(t, &info);
        if (kr == KERN_SUCCESS) {
            check_invariants(&info, t.n);
            ok++;
        } else {
            assert_int_equal(kr, KERN_INVALID_ARGUMENT);
            assert_non_null(memchr(err, '\0', sizeof(err)));
            assert_int_equal(strncmp(err, "elf: ", 5), 0);
            bad++;
        }
        free(t.p);
    }
    print_message("%s: %u mutants accepted, %u rejected\n", name, ok, bad);
    assert_true(ok > 0 && bad > 0);
    free(orig.p);
}

static void test_random_mutations(void **state)
{
    fuzz("basic.elf", 20000);
    fuzz("three.elf", 20000);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        elf_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_matches_readelf),
        cmocka_unit_test(test_three_matches_readelf),
        cmocka_unit_test(test_real_rejects),
        cmocka_unit_test(test_unaligned_image),
        cmocka_unit_test(test_small_error_buffer),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_ident),
        cmocka_unit_test(test_type_machine_version),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_program_header_table),
        cmocka_unit_test(test_load_file_range),
        cmocka_unit_test(test_load_addresses),
        cmocka_unit_test(test_write_xor_execute),
        cmocka_unit_test(test_protections),
        cmocka_unit_test(test_dynamic_and_other_types),
        cmocka_unit_test(test_empty_load),
        cmocka_unit_test(test_overlap_and_order),
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_segment_limit),
        cmocka_unit_test(test_random_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
