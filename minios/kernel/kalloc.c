// Physical frame allocator. At boot, every 4 KiB frame of RAM that the
// multiboot memory map reports usable, and that holds neither the kernel,
// the initrd nor the kernel heap, goes on a free list threaded through the
// free frames themselves. Each frame has a reference count so that
// copy-on-write fork can share it between address spaces: kfree() drops
// one reference and frees the frame when none remain.
// Lesson: "memory: frames, pages and copy-on-write".
#include "defs.h"
#include "mmu.h"
#include "multiboot.h"

struct run {
    struct run *next;
};

static struct run *freelist;
static uint16_t *refcount;     // per frame, indexed by physical address / PGSIZE
static uint32_t nframes;       // frames covered by refcount (0..phystop)
static uint32_t nfree, ntotal;

static void free_range(uint32_t start, uint32_t end) {
    for (uint32_t pa = PGROUNDUP(start); pa + PGSIZE <= end; pa += PGSIZE) {
        struct run *r = P2V(pa);
        r->next = freelist;
        freelist = r;
        nfree++;
        ntotal++;
    }
}

// Put on the free list every usable frame above reserved_end and below
// the direct-mapped limit.
void kalloc_init(struct multiboot_info *mbi, uint32_t reserved_end) {
    extern uint32_t phystop;
    nframes = phystop / PGSIZE;
    refcount = kmalloc(nframes * sizeof(uint16_t));
    if (!refcount)
        panic("kalloc_init: no heap for %u frame counts", nframes);
    memset(refcount, 0, nframes * sizeof(uint16_t));

    if (mbi->flags & MB_INFO_MMAP) {
        uint32_t p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
        while (p < end) {
            struct multiboot_mmap_entry *e = P2V(p);
            if (e->type == 1 && e->addr < phystop) {
                uint32_t lo = (uint32_t)e->addr;
                uint64_t hi64 = e->addr + e->len;
                uint32_t hi = hi64 > phystop ? phystop : (uint32_t)hi64;
                if (lo < reserved_end)
                    lo = reserved_end;
                if (lo < hi)
                    free_range(lo, hi);
            }
            p += e->size + 4;
        }
    } else {
        free_range(reserved_end, phystop);
    }
}

// Allocate one zeroed 4 KiB frame; return its kernel virtual address, or
// 0 when memory is exhausted.
void *kalloc(void) {
    struct run *r = freelist;
    if (!r)
        return 0;
    freelist = r->next;
    nfree--;
    refcount[V2P(r) / PGSIZE] = 1;
    memset(r, 0, PGSIZE);
    return r;
}

// Drop a reference to the frame at kernel virtual address page.
void kfree(void *page) {
    uint32_t pa = V2P(page);
    if ((pa & (PGSIZE - 1)) || pa / PGSIZE >= nframes || refcount[pa / PGSIZE] == 0)
        panic("kfree: bad frame %p", pa);
    if (--refcount[pa / PGSIZE] > 0)
        return;
    struct run *r = page;
    r->next = freelist;
    freelist = r;
    nfree++;
}

void frame_ref(uint32_t pa) {
    refcount[pa / PGSIZE]++;
}

int frame_refcount(uint32_t pa) {
    return refcount[pa / PGSIZE];
}

uint32_t frames_free(void) { return nfree; }
uint32_t frames_total(void) { return ntotal; }
