// mp_loader: the second half of the APIC test disk's boot block, run in
// protected mode from 0x7E00 (after xv6's bootmain.c). Reads the ELF
// kernel at KERNEL_LBA through the ATA ports by polling, loads each
// PT_LOAD segment at its physical address (1 MiB and up: A20 must be on)
// and jumps to the entry point with EAX = 0 (not a multiboot loader).
#include <stdint.h>

#define KERNEL_LBA 8
#define SECTOR 512

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static void putc_serial(char c) {
  while (!(inb(0x3FD) & 0x20)) {
  }
  outb(0x3F8, (uint8_t)c);
}
static void puts_serial(const char* s) {
  while (*s) putc_serial(*s++);
}

static void read_sector(void* dst, uint32_t lba) {
  while (inb(0x1F7) & 0x80) {
  }
  outb(0x1F6, (uint8_t)(0xE0 | ((lba >> 24) & 0x0F)));
  outb(0x1F2, 1);
  outb(0x1F3, (uint8_t)lba);
  outb(0x1F4, (uint8_t)(lba >> 8));
  outb(0x1F5, (uint8_t)(lba >> 16));
  outb(0x1F7, 0x20);
  while ((inb(0x1F7) & 0x88) != 0x08) {
  }
  __asm__ volatile("cld; rep insw" : "+D"(dst) : "d"(0x1F0), "c"(SECTOR / 2) : "memory");
}

// Read `count` bytes at byte `offset` of the kernel image to `pa`; may
// read up to a sector more on either side, as xv6's readseg does.
static void read_segment(uint8_t* pa, uint32_t count, uint32_t offset) {
  uint8_t* end = pa + count;
  pa -= offset % SECTOR;
  uint32_t lba = offset / SECTOR + KERNEL_LBA;
  for (; pa < end; pa += SECTOR, lba++) read_sector(pa, lba);
}

struct elf_header {
  uint8_t ident[16];
  uint16_t type, machine;
  uint32_t version, entry, phoff, shoff, flags;
  uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf_phdr {
  uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

void mp_loader_main(void) {
  volatile uint8_t* a20 = (volatile uint8_t*)0x500;
  puts_serial(a20[0] ? "mp_boot: a20 off through port 0x92: addresses wrap at 1 MiB\n"
                   : "mp_boot: a20 off through port 0x92: NO WRAP\n");
  puts_serial(a20[1] ? "mp_boot: a20 on through the 8042: STILL WRAPS\n"
                   : "mp_boot: a20 on through the 8042: wrap gone\n");
  if (a20[1]) return;

  struct elf_header* elf = (struct elf_header*)0x10000;
  read_segment((uint8_t*)elf, 4096, 0);
  if (*(uint32_t*)elf->ident != 0x464C457F) {
    puts_serial("mp_boot: kernel is not an ELF file\n");
    return;
  }
  struct elf_phdr* ph = (struct elf_phdr*)((uint8_t*)elf + elf->phoff);
  for (int i = 0; i < elf->phnum; i++, ph++) {
    if (ph->type != 1) continue;
    uint8_t* pa = (uint8_t*)ph->paddr;
    read_segment(pa, ph->filesz, ph->offset);
    for (uint32_t k = ph->filesz; k < ph->memsz; k++) pa[k] = 0;
  }
  puts_serial("mp_boot: kernel ELF loaded through the ATA ports\n");
  __asm__ volatile("xorl %%eax, %%eax; jmp *%0" : : "c"(elf->entry));
}
