// The kernel heap: a fixed region of physical memory reserved at boot,
// handed out by a first-fit free list that merges neighbours on free
// (Kernighan & Ritchie, "The C Programming Language", 8.7). It holds
// kernel stacks, file contents, pipes and other small objects.
// Lesson: "memory".
#include "defs.h"

typedef struct header {
    struct header *next;   // next free block (address order), if free
    uint32_t units;        // size of this block in header units
} header_t;

static header_t *freep;    // free blocks, sorted by address

void kheap_init(void *start, uint32_t size) {
    freep = start;
    freep->next = 0;
    freep->units = size / sizeof(header_t);
}

// Allocate n bytes (8-byte aligned), or return 0.
void *kmalloc(uint32_t n) {
    uint32_t units = (n + sizeof(header_t) - 1) / sizeof(header_t) + 1;
    for (header_t **pp = &freep; *pp; pp = &(*pp)->next) {
        header_t *b = *pp;
        if (b->units < units)
            continue;
        if (b->units == units) {
            *pp = b->next;
        } else {
            b->units -= units;       // hand out the tail of the block
            b += b->units;
            b->units = units;
        }
        return b + 1;
    }
    return 0;
}

void kmfree(void *p) {
    if (!p)
        return;
    header_t *b = (header_t *)p - 1;
    header_t **pp = &freep;
    while (*pp && *pp < b)
        pp = &(*pp)->next;
    header_t *next = *pp;
    b->next = next;
    *pp = b;
    if (next && b + b->units == next) {          // merge with the next block
        b->units += next->units;
        b->next = next->next;
    }
    if (pp != &freep) {                          // merge with the previous block
        header_t *prev = (header_t *)((char *)pp - offsetof(header_t, next));
        if (prev + prev->units == b) {
            prev->units += b->units;
            prev->next = b->next;
        }
    }
}
