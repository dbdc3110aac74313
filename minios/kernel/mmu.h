// x86 two-level paging: page directory and page table entry bits
// (Intel SDM vol. 3, 4.3 "32-bit paging"). Lesson: "page tables".
#ifndef MINIOS_MMU_H
#define MINIOS_MMU_H

#define PGSIZE 4096
#define PGROUNDUP(a)   (((a) + PGSIZE - 1) & ~(uint32_t)(PGSIZE - 1))
#define PGROUNDDOWN(a) ((a) & ~(uint32_t)(PGSIZE - 1))

#define PDX(va) (((uint32_t)(va) >> 22) & 0x3FF)
#define PTX(va) (((uint32_t)(va) >> 12) & 0x3FF)

#define PTE_P   0x001   // present
#define PTE_W   0x002   // writable
#define PTE_U   0x004   // user may access
#define PTE_PS  0x080   // 4 MiB page (in a PDE, with CR4.PSE)
#define PTE_COW 0x200   // software bit: copy-on-write page (AVL bits 9..11)
#define PTE_ADDR(e) ((e) & ~0xFFFu)

#define CR0_PG 0x80000000u
#define CR0_WP 0x00010000u
#define CR4_PSE 0x00000010u

// Page-fault error code bits.
#define PF_P 1   // fault on a present page (protection)
#define PF_W 2   // write access
#define PF_U 4   // from user mode

#endif
