// malloc on brk, number parsing, the environment. malloc is first fit
// over a free list sorted by address, growing the heap with sbrk in steps
// of at least 16 KiB (K&R 8.7). Lesson: "memory: brk and the heap".
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct header {
    struct header *next;
    size_t units;
} header_t;

static header_t base;
static header_t *freep;

void free(void *p) {
    if (!p)
        return;
    header_t *b = (header_t *)p - 1, *q;
    for (q = freep; !(b > q && b < q->next); q = q->next)
        if (q >= q->next && (b > q || b < q->next))
            break;                                   // at one end of the arena
    if (b + b->units == q->next) {
        b->units += q->next->units;
        b->next = q->next->next;
    } else {
        b->next = q->next;
    }
    if (q + q->units == b) {
        q->units += b->units;
        q->next = b->next;
    } else {
        q->next = b;
    }
    freep = q;
}

static header_t *morecore(size_t units) {
    if (units < 16384 / sizeof(header_t))
        units = 16384 / sizeof(header_t);
    void *p = sbrk(units * sizeof(header_t));
    if (p == (void *)-1)
        return 0;
    header_t *h = p;
    h->units = units;
    free(h + 1);
    return freep;
}

void *malloc(size_t n) {
    if (n == 0)
        n = 1;
    if (n > 0x7FFFFFF0)
        return 0;
    size_t units = (n + sizeof(header_t) - 1) / sizeof(header_t) + 1;
    if (!freep) {
        base.next = freep = &base;
        base.units = 0;
    }
    header_t *prev = freep;
    for (header_t *p = prev->next;; prev = p, p = p->next) {
        if (p->units >= units) {
            if (p->units == units) {
                prev->next = p->next;
            } else {
                p->units -= units;
                p += p->units;
                p->units = units;
            }
            freep = prev;
            return p + 1;
        }
        if (p == freep && !(p = morecore(units))) {
            errno = ENOMEM;
            return 0;
        }
    }
}

void *calloc(size_t n, size_t size) {
    if (size && n > (size_t)-1 / size)
        return 0;
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *p, size_t n) {
    if (!p)
        return malloc(n);
    header_t *h = (header_t *)p - 1;
    size_t have = (h->units - 1) * sizeof(header_t);
    if (have >= n)
        return p;
    void *q = malloc(n);
    if (q) {
        memcpy(q, p, have);
        free(p);
    }
    return q;
}

unsigned long strtoul(const char *s, char **end, int base) {
    while (*s == ' ' || *s == '\t')
        s++;
    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2, base = 16;
    else if (base == 0)
        base = s[0] == '0' ? 8 : 10;
    unsigned long v = 0;
    for (;; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'z')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'Z')
            d = *s - 'A' + 10;
        else
            break;
        if (d >= base)
            break;
        v = v * base + d;
    }
    if (end)
        *end = (char *)s;
    return v;
}

long strtol(const char *s, char **end, int base) {
    while (*s == ' ' || *s == '\t')
        s++;
    int neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    long v = (long)strtoul(s, end, base);
    return neg ? -v : v;
}

int atoi(const char *s) {
    return (int)strtol(s, 0, 10);
}

int abs(int x) {
    return x < 0 ? -x : x;
}

char *getenv(const char *name) {
    size_t n = strlen(name);
    for (char **e = environ; e && *e; e++)
        if (!strncmp(*e, name, n) && (*e)[n] == '=')
            return *e + n + 1;
    return 0;
}
