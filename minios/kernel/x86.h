// Thin wrappers around x86 instructions the kernel needs: port I/O,
// control registers, interrupt flag, TLB invalidation. Intel SDM vol. 2.
#ifndef MINIOS_X86_H
#define MINIOS_X86_H

#include "types.h"

static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outb(uint16_t port, uint8_t v) {
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v) {
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void cli(void) { __asm__ volatile("cli"); }
static inline void sti(void) { __asm__ volatile("sti"); }
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt"); }
static inline void hlt(void) { __asm__ volatile("hlt"); }

static inline uint32_t read_cr2(void) {
    uint32_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline uint32_t read_cr3(void) {
    uint32_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
static inline void write_cr3(uint32_t v) {
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}
static inline void invlpg(void *va) {
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}
static inline uint32_t read_ebp(void) {
    uint32_t v;
    __asm__ volatile("mov %%ebp, %0" : "=r"(v));
    return v;
}
static inline uint32_t read_eflags(void) {
    uint32_t v;
    __asm__ volatile("pushfl; popl %0" : "=r"(v));
    return v;
}

// Segment selectors: GDT index << 3 | RPL.
#define SEG_KCODE 1
#define SEG_KDATA 2
#define SEG_UCODE 3
#define SEG_UDATA 4
#define SEG_TSS   5
#define DPL_USER  3

#define FL_IF 0x200

#endif
