// The small runtime the isolab test guests share: port I/O, a polled
// serial console, the IDT, the 8259 pair, and the isa-debug-exit port.
// Guests are freestanding i386 programs (gcc -m32 -ffreestanding
// -nostdlib); they run the same under isolab and QEMU.
#pragma once
#include <stdarg.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline uint16_t inw(uint16_t port) {
  uint16_t v;
  __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline uint32_t inl(uint16_t port) {
  uint32_t v;
  __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
// Wait for an interrupt without the race between the test and HLT: STI
// holds interrupts off for one more instruction, so one that is already
// pending wakes the HLT rather than slipping in before it.
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

#define COM1 0x3F8
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

struct multiboot_info {
  uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
  uint32_t syms[4];
  uint32_t mmap_length, mmap_addr;
};

// Serial console on COM1, 115200 8N1, FIFOs on; output is polled.
void serial_init(void);
void putch(char c);
void print(const char* fmt, ...);  // %u %d %x %08x-style widths, %s, %c
void vprint(const char* fmt, va_list ap);

// Interrupts: every vector goes through interrupt_dispatch to the handler
// registered for it; an exception without one prints and fails the run.
typedef void (*handler_fn)(uint32_t vector);
void idt_init(void);
void set_handler(int vector, handler_fn fn);

// The 8259 pair, remapped to vectors 0x20-0x2F; `mask` has bit n set for
// each ISA IRQ n held off.
#define PIC_VECTOR_BASE 0x20
void pic_init(uint16_t mask);
void pic_eoi(int irq);

// isa-debug-exit: the run ends with status value*2+1.
void debug_exit(uint32_t value) __attribute__((noreturn));
// Print a failure and end the run with status 0x7E*2+1 = 253.
void fail(const char* fmt, ...) __attribute__((noreturn));

int str_eq(const char* a, const char* b);
int str_len(const char* s);
int mem_eq(const void* a, const void* b, uint32_t n);
void mem_set(void* p, int v, uint32_t n);
void mem_copy(void* d, const void* s, uint32_t n);
