// SPDX-License-Identifier: MIT
/*
 * The kernel's formatter: kvsnprintf() and its wrappers.  Machine
 * independent and host-tested (test/host/test_printf.c).  kprintf() itself,
 * which needs the console, lives in kern/console.c.
 */
#include <kern/printf.h>

/*
 * Output state: either a sink function that takes each character, or a
 * buffer where characters beyond `size - 1` are counted but not stored.
 */
struct out {
    void (*sink)(void *arg, char c);
    void *arg;
    char *buf;
    size_t size;
    size_t len;
};

static void out_char(struct out *o, char c)
{
    if (o->sink != NULL)
        o->sink(o->arg, c);
    else if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_repeat(struct out *o, char c, int n)
{
    while (n-- > 0)
        out_char(o, c);
}

struct spec {
    bool left, zero, alt, plus, space;
    int width;
    int prec;           /* -1: none */
    int length;         /* 0 int, 1 long, 2 long long, -1 short, -2 char */
};

static void out_string(struct out *o, const char *s, const struct spec *sp)
{
    if (s == NULL)
        s = "(null)";
    int n = 0;
    while (s[n] != '\0' && (sp->prec < 0 || n < sp->prec))
        n++;
    if (!sp->left)
        out_repeat(o, ' ', sp->width - n);
    for (int i = 0; i < n; i++)
        out_char(o, s[i]);
    if (sp->left)
        out_repeat(o, ' ', sp->width - n);
}

static void out_number(struct out *o, uint64_t v, bool negative,
                       unsigned base, bool upper, const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v != 0);
    if (sp->prec == 0 && n == 1 && tmp[0] == '0')
        n = 0;                          /* "%.0d" of 0 prints nothing */

    const char *prefix = "";
    if (negative)
        prefix = "-";
    else if (sp->plus && base == 10)
        prefix = "+";
    else if (sp->space && base == 10)
        prefix = " ";
    else if (sp->alt && base == 16 && n > 0)
        prefix = upper ? "0X" : "0x";
    else if (sp->alt && base == 8)
        prefix = "0";
    int plen = (int)__builtin_strlen(prefix);

    int zeros = sp->prec > n ? sp->prec - n : 0;
    int pad = sp->width - plen - zeros - n;
    if (sp->zero && !sp->left && sp->prec < 0) {
        zeros += pad > 0 ? pad : 0;
        pad = 0;
    }
    if (!sp->left)
        out_repeat(o, ' ', pad);
    for (int i = 0; i < plen; i++)
        out_char(o, prefix[i]);
    out_repeat(o, '0', zeros);
    while (n > 0)
        out_char(o, tmp[--n]);
    if (sp->left)
        out_repeat(o, ' ', pad);
}

/* Parse flags, width, precision and length; returns the conversion char. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){ .prec = -1 };
    for (;; f++) {
        if (*f == '-') sp->left = true;
        else if (*f == '0') sp->zero = true;
        else if (*f == '#') sp->alt = true;
        else if (*f == '+') sp->plus = true;
        else if (*f == ' ') sp->space = true;
        else break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = true;
            sp->width = -sp->width;
        }
        f++;
    }
    while (*f >= '0' && *f <= '9')
        sp->width = sp->width * 10 + (*f++ - '0');
    if (*f == '.') {
        f++;
        sp->prec = 0;
        if (*f == '*') {
            sp->prec = va_arg(*ap, int);
            f++;
        }
        while (*f >= '0' && *f <= '9')
            sp->prec = sp->prec * 10 + (*f++ - '0');
    }
    for (;; f++) {
        if (*f == 'l') sp->length++;
        else if (*f == 'h') sp->length--;
        else if (*f == 'z' || *f == 't' || *f == 'j') sp->length = 2;
        else break;
    }
    return f;
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
    if (sp->length >= 1)
        return sp->length == 1 ? va_arg(*ap, unsigned long)
                               : va_arg(*ap, unsigned long long);
    unsigned v = va_arg(*ap, unsigned);
    if (sp->length == -1)
        return (unsigned short)v;
    if (sp->length <= -2)
        return (unsigned char)v;
    return v;
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
    if (sp->length >= 1)
        return sp->length == 1 ? va_arg(*ap, long) : va_arg(*ap, long long);
    int v = va_arg(*ap, int);
    if (sp->length == -1)
        return (short)v;
    if (sp->length <= -2)
        return (signed char)v;
    return v;
}

/* One conversion; `c` is the conversion character. */
static void convert(struct out *o, char c, struct spec *sp, va_list *ap)
{
    switch (c) {
    case 'd':
    case 'i': {
        int64_t v = arg_signed(sp, ap);
        uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
        out_number(o, mag, v < 0, 10, false, sp);
        break;
    }
    case 'u': out_number(o, arg_unsigned(sp, ap), false, 10, false, sp); break;
    case 'x': out_number(o, arg_unsigned(sp, ap), false, 16, false, sp); break;
    case 'X': out_number(o, arg_unsigned(sp, ap), false, 16, true, sp); break;
    case 'o': out_number(o, arg_unsigned(sp, ap), false, 8, false, sp); break;
    case 'p':
        sp->alt = true;
        out_number(o, (uintptr_t)va_arg(*ap, void *), false, 16, false, sp);
        break;
    case 'c': {
        char ch[2] = { (char)va_arg(*ap, int), '\0' };
        sp->prec = 1;
        out_string(o, ch, sp);
        break;
    }
    case 's': out_string(o, va_arg(*ap, const char *), sp); break;
    case '%': out_char(o, '%'); break;
    default:                        /* unknown: print it as written */
        out_char(o, '%');
        if (c != '\0')
            out_char(o, c);
        break;
    }
}

static void format(struct out *o, const char *fmt, va_list ap)
{
    va_list args;
    va_copy(args, ap);
    for (const char *f = fmt; *f != '\0'; f++) {
        if (*f != '%') {
            out_char(o, *f);
            continue;
        }
        struct spec sp;
        f = parse_spec(f + 1, &sp, &args);
        convert(o, *f, &sp, &args);
        if (*f == '\0')
            break;
    }
    va_end(args);
}

int kvformat(void (*sink)(void *arg, char c), void *arg, const char *fmt,
             va_list ap)
{
    struct out o = { .sink = sink, .arg = arg };
    format(&o, fmt, ap);
    return (int)o.len;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { .buf = buf, .size = size };
    format(&o, fmt, ap);
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
