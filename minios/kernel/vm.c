// Virtual memory: page directories, user mappings, copy-on-write and safe
// access to user memory. Every process has its own page directory. The
// user half (below 0xC0000000) maps its program, heap and stack with
// 4 KiB pages marked U; the kernel half is the same in every directory:
// physical memory 0..phystop mapped at 0xC0000000 with 4 MiB pages that
// ring 3 cannot touch. fork() shares frames read-only, marked PTE_COW; the
// first write faults and vm_cow_fault() gives the writer its own copy.
// Intel SDM vol. 3, 4.3. Lessons: "page tables", "copy-on-write",
// "user/kernel separation".
#include "defs.h"
#include "mmu.h"
#include "proc.h"
#include "x86.h"
#include "linux_errno.h"

static pde_t kernel_pgdir[1024] __attribute__((aligned(PGSIZE)));

// Build the kernel's page directory: only the direct map of physical
// 0..PHYSTOP_MAX (mapping absent RAM costs nothing), no user half.
void vm_init(void) {
    for (uint32_t pa = 0; pa < PHYSTOP_MAX; pa += 0x400000)
        kernel_pgdir[PDX(KERNBASE + pa)] = pa | PTE_P | PTE_W | PTE_PS;
    write_cr3(V2P(kernel_pgdir));
}

// A new page directory holding only the kernel half, or 0.
pde_t *vm_new_pgdir(void) {
    pde_t *pgdir = kalloc();
    if (!pgdir)
        return 0;
    memcpy(&pgdir[PDX(KERNBASE)], &kernel_pgdir[PDX(KERNBASE)],
           (1024 - PDX(KERNBASE)) * sizeof(pde_t));
    return pgdir;
}

// Return the address of the PTE in pgdir that maps va. If alloc != 0,
// create the page table if needed; return 0 if it is missing or cannot be
// allocated.
pte_t *vm_walk(pde_t *pgdir, uint32_t va, int alloc) {
    pde_t *pde = &pgdir[PDX(va)];
    pte_t *pt;
    if (*pde & PTE_P) {
        pt = P2V(PTE_ADDR(*pde));
    } else {
        if (!alloc || !(pt = kalloc()))
            return 0;
        *pde = V2P(pt) | PTE_P | PTE_W | PTE_U;
    }
    return &pt[PTX(va)];
}

// Map fresh zeroed frames, writable, at every unmapped page of [start, end).
// On failure unmap what this call mapped and return -ENOMEM.
int vm_alloc_user(pde_t *pgdir, uint32_t start, uint32_t end) {
    start = PGROUNDDOWN(start);
    for (uint32_t va = start; va < end; va += PGSIZE) {
        pte_t *pte = vm_walk(pgdir, va, 1);
        if (pte && (*pte & PTE_P))
            continue;
        void *mem = pte ? kalloc() : 0;
        if (!mem) {
            vm_dealloc_user(pgdir, start, va);
            return -ENOMEM;
        }
        *pte = V2P(mem) | PTE_P | PTE_W | PTE_U;
    }
    return 0;
}

// Unmap and release the pages of [start, end) (page aligned).
void vm_dealloc_user(pde_t *pgdir, uint32_t start, uint32_t end) {
    for (uint32_t va = PGROUNDDOWN(start); va < end; va += PGSIZE) {
        pte_t *pte = vm_walk(pgdir, va, 0);
        if (!pte || !(*pte & PTE_P))
            continue;
        kfree(P2V(PTE_ADDR(*pte)));
        *pte = 0;
        if (pgdir == current_pgdir())
            invlpg((void *)va);
    }
}

// The page directory the CPU is using now.
pde_t *current_pgdir(void) {
    return P2V(read_cr3());
}

// Fork's copy of an address space: the child maps the same frames. Every
// writable page becomes read-only + PTE_COW in both directories, so the
// first write by either one faults into vm_cow_fault(). Return 0 if out of
// memory.
pde_t *vm_copy_cow(pde_t *pgdir) {
    pde_t *child = vm_new_pgdir();
    if (!child)
        return 0;
    for (uint32_t pdx = 0; pdx < PDX(KERNBASE); pdx++) {
        if (!(pgdir[pdx] & PTE_P))
            continue;
        pte_t *pt = P2V(PTE_ADDR(pgdir[pdx]));
        pte_t *cpt = kalloc();
        if (!cpt) {
            vm_free(child);
            return 0;
        }
        child[pdx] = V2P(cpt) | PTE_P | PTE_W | PTE_U;
        for (int ptx = 0; ptx < 1024; ptx++) {
            if (!(pt[ptx] & PTE_P))
                continue;
            if (pt[ptx] & PTE_W)
                pt[ptx] = (pt[ptx] & ~PTE_W) | PTE_COW;
            cpt[ptx] = pt[ptx];
            frame_ref(PTE_ADDR(pt[ptx]));
        }
    }
    if (pgdir == current_pgdir())
        write_cr3(V2P(pgdir));    // drop stale writable TLB entries
    return child;
}

// Resolve a write fault at va on a copy-on-write page. Return 0 when the
// page is now writable, -1 if va is not a COW page (a real fault), -2 if
// no frame is left for the copy.
int vm_cow_fault(pde_t *pgdir, uint32_t va) {
    pte_t *pte = vm_walk(pgdir, va, 0);
    if (va >= USERTOP || !pte || !(*pte & PTE_P) || !(*pte & PTE_COW))
        return -1;
    uint32_t pa = PTE_ADDR(*pte);
    uint32_t flags = (*pte & 0xFFF & ~PTE_COW) | PTE_W;
    if (frame_refcount(pa) == 1) {
        *pte = pa | flags;          // the last sharer keeps the frame
    } else {
        char *mem = kalloc();
        if (!mem)
            return -2;
        memcpy(mem, P2V(pa), PGSIZE);
        kfree(P2V(pa));
        *pte = V2P(mem) | flags;
    }
    invlpg((void *)PGROUNDDOWN(va));
    return 0;
}

// Release every user page, page table and the directory itself.
void vm_free(pde_t *pgdir) {
    for (uint32_t pdx = 0; pdx < PDX(KERNBASE); pdx++) {
        if (!(pgdir[pdx] & PTE_P))
            continue;
        pte_t *pt = P2V(PTE_ADDR(pgdir[pdx]));
        for (int ptx = 0; ptx < 1024; ptx++)
            if (pt[ptx] & PTE_P)
                kfree(P2V(PTE_ADDR(pt[ptx])));
        kfree(pt);
    }
    kfree(pgdir);
}

// Run p: its page directory, and its kernel stack for the next trap.
void vm_switch(struct proc *p) {
    tss_set_kstack((uint32_t)p->kstack + KSTACKSIZE);
    write_cr3(V2P(p->pgdir));
}

void vm_switch_kernel(void) {
    write_cr3(V2P(kernel_pgdir));
}

// The kernel address of user address va in pgdir if the page is present
// and user-accessible (and writable, resolving copy-on-write, if write),
// or 0. The kernel checks user pointers this way instead of faulting.
static char *user_page(pde_t *pgdir, uint32_t va, int write) {
    if (va >= USERTOP)
        return 0;
    pte_t *pte = vm_walk(pgdir, va, 0);
    if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
        return 0;
    if (write && !(*pte & PTE_W) && vm_cow_fault(pgdir, va) != 0)
        return 0;
    return (char *)P2V(PTE_ADDR(*pte)) + (va & (PGSIZE - 1));
}

// Copy n bytes from kernel src to user va. 0 or -EFAULT.
int copyout(pde_t *pgdir, uint32_t va, const void *src, uint32_t n) {
    const char *s = src;
    while (n > 0) {
        char *dst = user_page(pgdir, va, 1);
        if (!dst)
            return -EFAULT;
        uint32_t chunk = PGSIZE - (va & (PGSIZE - 1));
        if (chunk > n)
            chunk = n;
        memcpy(dst, s, chunk);
        n -= chunk, s += chunk, va += chunk;
    }
    return 0;
}

// Copy n bytes from user va to kernel dst. 0 or -EFAULT.
int copyin(pde_t *pgdir, void *dst, uint32_t va, uint32_t n) {
    char *d = dst;
    while (n > 0) {
        char *src = user_page(pgdir, va, 0);
        if (!src)
            return -EFAULT;
        uint32_t chunk = PGSIZE - (va & (PGSIZE - 1));
        if (chunk > n)
            chunk = n;
        memcpy(d, src, chunk);
        n -= chunk, d += chunk, va += chunk;
    }
    return 0;
}

// Copy a NUL-terminated string of at most max bytes (with the NUL) from
// user va. Return its length, -EFAULT or -ENAMETOOLONG.
int copyin_str(pde_t *pgdir, char *dst, uint32_t va, uint32_t max) {
    for (uint32_t i = 0; i < max; i++, va++) {
        char *src = user_page(pgdir, va, 0);
        if (!src)
            return -EFAULT;
        dst[i] = *src;
        if (!*src)
            return (int)i;
    }
    return -ENAMETOOLONG;
}
