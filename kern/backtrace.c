// SPDX-License-Identifier: MIT
/* Symbol lookup in the kernel's own symbol table, and frame-pointer backtraces. */
#include <kern/backtrace.h>
#include <kern/printf.h>

/* Generated at link time (scripts/ksyms.py); sorted by address. */
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];
extern char _start[], _etext[];

#define BACKTRACE_MAX_FRAMES 32

const char *ksym_lookup(uintptr_t pc, uintptr_t *offset)
{
    if (pc < (uintptr_t)_start || pc >= (uintptr_t)_etext || ksyms_count == 0)
        return NULL;
    /* The last symbol whose address is <= pc. */
    size_t lo = 0, hi = ksyms_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ksyms_addr[mid] <= pc)
            lo = mid;
        else
            hi = mid;
    }
    if (ksyms_addr[lo] > pc)
        return NULL;
    *offset = pc - ksyms_addr[lo];
    return &ksyms_names[ksyms_name_off[lo]];
}

void backtrace_print_symbol(uintptr_t pc)
{
    uintptr_t off;
    const char *name = ksym_lookup(pc, &off);
    if (name != NULL)
        kprintf("%s+0x%lx", name, (unsigned long)off);
    else
        kprintf("?");
}

static bool is_text(uintptr_t pc)
{
    return pc >= (uintptr_t)_start && pc < (uintptr_t)_etext;
}

/*
 * A return address is looked up one byte back: after a call to a function
 * that never returns, it may already be the first byte of the next function.
 */
static void print_frame(int depth, uintptr_t pc)
{
    uintptr_t off;
    kprintf("  #%-2d %016lx  ", depth, (unsigned long)pc);
    const char *name = ksym_lookup(depth > 0 ? pc - 1 : pc, &off);
    if (name != NULL)
        kprintf("%s+0x%lx\n", name, (unsigned long)(depth > 0 ? off + 1 : off));
    else
        kprintf("?\n");
}

static bool same_function(uintptr_t a, uintptr_t b)
{
    uintptr_t oa, ob;
    const char *na = ksym_lookup(a, &oa), *nb = ksym_lookup(b, &ob);
    return na != NULL && na == nb;
}

/*
 * With frame pointers, s0 points just above the saved registers: the
 * caller's ra is at s0 - 8 and the caller's s0 at s0 - 16.  Two cases need
 * the trapped `ra` register instead (first frame only):
 *  - a leaf function saves only s0, at s0 - 8, and keeps its return address
 *    in ra: we find a stack address where a return address should be;
 *  - a function trapped before its prologue or after its epilogue (the
 *    compiler may schedule the restores early) has no frame of its own: s0
 *    is already the caller's, and ra points into a different function than
 *    pc while differing from the return address saved at s0.
 */
void backtrace_print(uintptr_t fp, uintptr_t pc, uintptr_t ra)
{
    kprintf("backtrace:\n");
    print_frame(0, pc);
    int depth = 1;
    for (bool first = true; depth < BACKTRACE_MAX_FRAMES; first = false) {
        uint64_t saved_ra, prev_fp;
        if (fp == 0 || !IS_ALIGNED(fp, 8))
            return;
        if (probe_read64((void *)(fp - 8), &saved_ra) != 0 ||
            probe_read64((void *)(fp - 16), &prev_fp) != 0)
            return;
        if (first && ra != 0 && !is_text(saved_ra) && saved_ra > fp) {
            prev_fp = saved_ra;         /* leaf: that slot held the caller's s0 */
            saved_ra = ra;
        } else if (first && is_text(ra) && ra != saved_ra && !same_function(ra, pc)) {
            print_frame(depth++, ra);   /* no frame of its own: ra is the caller */
        }
        if (!is_text(saved_ra))
            return;
        print_frame(depth++, saved_ra);
        if (prev_fp <= fp)
            return;                     /* stacks grow down: callers sit higher */
        fp = prev_fp;
    }
    kprintf("  ... (more frames)\n");
}

void backtrace_here(void)
{
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    uint64_t caller_fp = 0;
    probe_read64((void *)(fp - 16), &caller_fp);
    backtrace_print(caller_fp, (uintptr_t)__builtin_return_address(0), 0);
}
