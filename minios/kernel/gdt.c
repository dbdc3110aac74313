// Segmentation, the minimum x86 still demands: a GDT with flat 4 GiB code
// and data segments for ring 0 and ring 3, and a TSS whose only job is to
// tell the CPU which kernel stack (esp0) to switch to when an interrupt
// arrives in ring 3. Intel SDM vol. 3, 3.4.5 and 7.2.1.
// Lesson: "user mode and kernel mode".
#include "defs.h"
#include "x86.h"

struct segdesc {
    uint16_t limit_lo, base_lo;
    uint8_t base_mid, access, flags_limit_hi, base_hi;
} __attribute__((packed));

struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));

static struct segdesc gdt[6];
static struct tss tss;

// access: P | DPL | S | type; flags: G (4 KiB units) | D (32-bit).
static struct segdesc seg(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    struct segdesc d = {
        .limit_lo = limit & 0xFFFF,
        .base_lo = base & 0xFFFF,
        .base_mid = (base >> 16) & 0xFF,
        .access = access,
        .flags_limit_hi = (uint8_t)(flags | ((limit >> 16) & 0x0F)),
        .base_hi = base >> 24,
    };
    return d;
}

void gdt_init(void) {
    gdt[SEG_KCODE] = seg(0, 0xFFFFF, 0x9A, 0xC0);   // ring 0 code, execute/read
    gdt[SEG_KDATA] = seg(0, 0xFFFFF, 0x92, 0xC0);   // ring 0 data, read/write
    gdt[SEG_UCODE] = seg(0, 0xFFFFF, 0xFA, 0xC0);   // ring 3 code
    gdt[SEG_UDATA] = seg(0, 0xFFFFF, 0xF2, 0xC0);   // ring 3 data
    gdt[SEG_TSS] = seg((uint32_t)&tss, sizeof(tss) - 1, 0x89, 0x00);  // 32-bit TSS
    tss.ss0 = SEG_KDATA << 3;
    tss.iomap_base = sizeof(tss);    // no I/O bitmap: ring 3 port access faults

    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) gdtr = {sizeof(gdt) - 1, (uint32_t)gdt};
    __asm__ volatile(
        "lgdt %0\n"
        "ljmp %1, $1f\n"
        "1: movw %2, %%ax\n"
        "movw %%ax, %%ds\n movw %%ax, %%es\n movw %%ax, %%ss\n"
        "xorw %%ax, %%ax\n movw %%ax, %%fs\n movw %%ax, %%gs\n"
        "ltr %w3\n"
        : : "m"(gdtr), "i"(SEG_KCODE << 3), "i"(SEG_KDATA << 3), "r"(SEG_TSS << 3)
        : "eax", "memory");
}

// The kernel stack the CPU switches to on the next trap from ring 3.
void tss_set_kstack(uint32_t esp0) {
    tss.esp0 = esp0;
}
