// SPDX-License-Identifier: MIT
/*
 * dtbinfo FILE.dtb: run the kernel's own device-tree reader (kern/devtree.c)
 * on a file and print what the kernel would learn from it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kern/devtree.h>

static const char *prog = "dtbinfo";

/* Read the whole file into a buffer of exactly its size (so ASan sees over-reads). */
static void *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    void *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc(n > 0 ? (size_t)n : 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    int saved = errno;
    fclose(f);
    errno = saved;
    *size = n > 0 ? (size_t)n : 0;
    return buf;
}

static void print_size(uint64_t size)
{
    if (size >= (1ull << 30) && size % (1ull << 30) == 0)
        printf("%llu GiB", (unsigned long long)(size >> 30));
    else if (size >= (1ull << 20) && size % (1ull << 20) == 0)
        printf("%llu MiB", (unsigned long long)(size >> 20));
    else if (size >= 1024 && size % 1024 == 0)
        printf("%llu KiB", (unsigned long long)(size >> 10));
    else
        printf("%llu bytes", (unsigned long long)size);
}

static void print_range(uint64_t base, uint64_t size)
{
    printf("0x%010llx-0x%010llx (", (unsigned long long)base,
           (unsigned long long)(base + size - 1));
    print_size(size);
    printf(")");
}

static void print_memory(const struct platform *pf)
{
    for (unsigned i = 0; i < pf->nmem; i++) {
        printf("memory:    ");
        print_range(pf->mem[i].base, pf->mem[i].size);
        printf("\n");
    }
    if (pf->nresv == 0)
        printf("reserved:  none\n");
    for (unsigned i = 0; i < pf->nresv; i++) {
        const struct dt_reserved *r = &pf->resv[i];
        printf("reserved:  ");
        print_range(r->base, r->size);
        printf(" %s, %s%s\n", r->name,
               r->source == DT_RESV_MEMRESERVE ? "memreserve block"
                                               : "/reserved-memory",
               r->no_map ? ", no-map" : "");
    }
}

static void print_harts(const struct platform *pf)
{
    unsigned usable = 0;
    for (unsigned i = 0; i < pf->nharts; i++)
        usable += pf->harts[i].usable;
    printf("harts:     %u (%u usable)\n", pf->nharts, usable);
    for (unsigned i = 0; i < pf->nharts; i++) {
        const struct dt_hart *h = &pf->harts[i];
        printf("  hart %llu: ", (unsigned long long)h->hartid);
        if (h->usable)
            printf("usable");
        else
            printf("unusable (%s)", h->why_unusable);
        printf(", isa %s, mmu %s, status %s\n",
               h->isa[0] != '\0' ? h->isa : "(none)",
               h->mmu_type[0] != '\0' ? h->mmu_type : "(none)", h->status);
    }
}

static void print_chosen(const struct dt_chosen *c)
{
    printf("chosen:\n");
    printf("  bootargs:    %s\n", c->bootargs[0] != '\0' ? c->bootargs : "(none)");
    printf("  stdout-path: %s\n",
           c->stdout_path[0] != '\0' ? c->stdout_path : "(none)");
    printf("  initrd:      ");
    if (!c->has_initrd)
        printf("(none)");
    else if (c->initrd_end == c->initrd_start)
        printf("empty, at 0x%llx", (unsigned long long)c->initrd_start);
    else
        print_range(c->initrd_start, c->initrd_end - c->initrd_start);
    printf("\n");
}

static void print_uart(const struct dt_uart *u)
{
    if (u->kind == DT_UART_NONE) {
        printf("console:   none (the kernel would use the SBI console and "
               "halt)\n");
        return;
    }
    printf("console:   %s, compatible %s, at %s\n",
           u->kind == DT_UART_DW_APB ? "dw-apb" : "ns16550", u->compatible,
           u->path);
    printf("  base 0x%llx size 0x%llx, reg-shift %u, reg-io-width %u\n",
           (unsigned long long)u->base, (unsigned long long)u->size,
           u->reg_shift, u->reg_io_width);
    if (u->clock_frequency != 0)
        printf("  clock %u Hz, irq %u\n", u->clock_frequency, u->irq);
    else
        printf("  clock none (keep the firmware's baud rate), irq %u\n",
               u->irq);
}

static void print_plic(const struct dt_plic *p)
{
    if (!p->present) {
        printf("plic:      none\n");
        return;
    }
    printf("plic:      %s, base 0x%llx size 0x%llx, ndev %u\n", p->compatible,
           (unsigned long long)p->base, (unsigned long long)p->size, p->ndev);
    for (unsigned i = 0; i < p->nctx; i++)
        printf("  hart %llu: S-mode context %u\n",
               (unsigned long long)p->ctx[i].hartid, p->ctx[i].context);
}

static void print_virtio(const struct platform *pf)
{
    printf("virtio:    %u slot%s\n", pf->nvirtio, pf->nvirtio == 1 ? "" : "s");
    for (unsigned i = 0; i < pf->nvirtio; i++)
        printf("  virtio%u: base 0x%llx size 0x%llx, irq %u\n", i,
               (unsigned long long)pf->virtio[i].base,
               (unsigned long long)pf->virtio[i].size, pf->virtio[i].irq);
}

static void print_platform(const char *path, const void *blob, size_t size,
                           const struct platform *pf)
{
    printf("%s: DTB of %zu bytes (file %zu bytes)\n", path,
           devtree_total_size(blob, size), size);
    printf("model:     %s\n", pf->model[0] != '\0' ? pf->model : "(none)");
    printf("timebase:  %u Hz\n", pf->timebase_frequency);
    print_memory(pf);
    print_harts(pf);
    print_chosen(&pf->chosen);
    print_uart(&pf->uart);
    print_plic(&pf->plic);
    print_virtio(pf);
}

int main(int argc, char **argv)
{
    static struct platform pf;          /* as in the kernel: not on the stack */
    struct dt_error err;
    size_t size;

    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: %s FILE.dtb\n", prog);
        return 2;
    }
    void *blob = read_file(argv[1], &size);
    if (blob == NULL) {
        fprintf(stderr, "%s: %s: %s\n", prog, argv[1], strerror(errno));
        return 2;
    }
    if (devtree_parse(blob, size, &pf, &err) != KERN_SUCCESS) {
        const char *msg = err.msg;
        if (strncmp(msg, "dtb: ", 5) == 0)
            msg += 5;
        fprintf(stderr, "%s: %s: %s\n", prog, argv[1], msg);
        free(blob);
        return 1;
    }
    print_platform(argv[1], blob, size, &pf);
    free(blob);
    return 0;
}
