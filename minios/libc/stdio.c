// printf and friends for miniOS programs: %d %i %u %x %X %o %s %c %p %%,
// flags - and 0, field width, precision for strings, l and ll modifiers.
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static FILE files[3] = {{0}, {1}, {2}};
FILE *stdin = &files[0], *stdout = &files[1], *stderr = &files[2];

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c) {
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
    struct out o = {buf, size, 0};
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        int left = 0, zero = 0, width = 0, prec = -1, lng = 0;
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                zero = 1;
            else
                break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            prec = 0;
            fmt++;
            while (*fmt >= '0' && *fmt <= '9')
                prec = prec * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l')
            lng++, fmt++;
        char tmp[24];
        const char *s = tmp;
        int len = 0, neg = 0;
        unsigned long long u = 0;
        int base = 10;
        switch (*fmt) {
        case 'd': case 'i': {
            long long v = lng >= 2 ? va_arg(ap, long long) : va_arg(ap, int);
            neg = v < 0;
            u = neg ? -(unsigned long long)v : (unsigned long long)v;
            goto number;
        }
        case 'p':
            put(&o, '0'), put(&o, 'x');
            u = (uintptr_t)va_arg(ap, void *);
            base = 16;
            goto number;
        case 'x': case 'X': base = 16; goto unsigned_arg;
        case 'o': base = 8; goto unsigned_arg;
        case 'u':
        unsigned_arg:
            u = lng >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
        number: {
            const char *digits = *fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            do {
                tmp[sizeof(tmp) - 1 - len++] = digits[u % base];
                u /= base;
            } while (u);
            if (neg)
                tmp[sizeof(tmp) - 1 - len++] = '-';
            s = tmp + sizeof(tmp) - len;
            break;
        }
        case 's':
            s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            len = strlen(s);
            if (prec >= 0 && len > prec)
                len = prec;
            zero = 0;
            break;
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            len = 1;
            break;
        case '%':
            tmp[0] = '%';
            len = 1;
            break;
        default:
            put(&o, '%');
            if (!*fmt)
                goto done;
            tmp[0] = *fmt;
            len = 1;
        }
        if (!left && zero && neg) {
            put(&o, '-');
            s++, len--, width--;
        }
        if (!left)
            for (int i = len; i < width; i++)
                put(&o, zero ? '0' : ' ');
        for (int i = 0; i < len; i++)
            put(&o, s[i]);
        if (left)
            for (int i = len; i < width; i++)
                put(&o, ' ');
    }
done:
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int sprintf(char *buf, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, (size_t)-1 / 2, fmt, ap);
    va_end(ap);
    return n;
}

// Format into a stack buffer and write it with a single write(2).
int vdprintf(int fd, const char *fmt, va_list ap) {
    char buf[1024];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(buf, sizeof(buf), fmt, copy);
    va_end(copy);
    if (n < (int)sizeof(buf))
        return write(fd, buf, n);
    // Too long for the stack buffer: write what fit, then the rest as-is.
    return write(fd, buf, sizeof(buf) - 1);
}

int dprintf(int fd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(fd, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(1, fmt, ap);
    va_end(ap);
    return n;
}

int fprintf(FILE *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(f->fd, fmt, ap);
    va_end(ap);
    return n;
}

int fputs(const char *s, FILE *f) {
    return write(f->fd, s, strlen(s));
}

int puts(const char *s) {
    return dprintf(1, "%s\n", s);
}

int putchar(int c) {
    char ch = (char)c;
    return write(1, &ch, 1) == 1 ? c : EOF;
}

void perror(const char *s) {
    if (s && *s)
        dprintf(2, "%s: %s\n", s, strerror(errno));
    else
        dprintf(2, "%s\n", strerror(errno));
}
