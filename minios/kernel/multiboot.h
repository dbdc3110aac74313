// Multiboot v1 information structure handed over by the boot loader
// (Multiboot Specification 0.6.96, section 3.3). Lesson: "booting".
#ifndef MINIOS_MULTIBOOT_H
#define MINIOS_MULTIBOOT_H

#include "types.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

#define MB_INFO_MEMORY  0x001
#define MB_INFO_CMDLINE 0x004
#define MB_INFO_MODS    0x008
#define MB_INFO_MMAP    0x040

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
};

struct multiboot_module {
    uint32_t mod_start, mod_end;
    uint32_t string;
    uint32_t reserved;
};

// Each entry is preceded by its size, which does not count itself.
struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t addr;
    uint64_t len;
    uint32_t type;  // 1 = available RAM
} __attribute__((packed));

#endif
