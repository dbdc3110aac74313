// Loading a guest: a multiboot v1 ELF kernel with modules (as QEMU's
// -kernel/-initrd), or a disk's boot sector at 0x7C00.
//
// Follows the Multiboot Specification 0.6.96: the kernel image carries a
// header (magic 0x1BADB002, flags, checksum) in its first 8 KiB; the loader
// loads the ELF program segments at their physical addresses, places the
// modules page-aligned after the kernel, builds the multiboot information
// structure (memory sizes, memory map, command line, module list) and
// enters the kernel in 32-bit protected mode with EAX = 0x2BADB002 and
// EBX = the information's address. Every malformed input is a LoadError
// whose message says what and where (the command exits 2 with it).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/cpu.h"

namespace isolab::emulator {

struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Module {
  std::vector<uint8_t> data;
  std::string cmdline;
};

struct MultibootInfo {
  uint32_t entry = 0;
  uint32_t info_addr = 0;     // where the multiboot information was written
  uint32_t kernel_end = 0;    // first byte after the highest loaded segment
  std::vector<std::pair<uint32_t, uint32_t>> modules;  // [start, end) of each module
};

std::vector<uint8_t> read_file(const std::string& path);

// Load a multiboot kernel into guest RAM and set the CPU to its entry state.
MultibootInfo load_multiboot(cpu::Cpu& cpu, const std::vector<uint8_t>& image, const std::string& cmdline,
                             const std::vector<Module>& modules);

// miniOS as this build made it (minios/): its kernel and initrd files, or
// empty strings if the build has none.
std::string minios_kernel_path();
std::string minios_initrd_path();
// Load miniOS (kernel and initrd) as `isolab vm run` does, with the kernel's
// path and then `extra_cmdline` as its command line. Throws LoadError.
MultibootInfo load_minios(cpu::Cpu& cpu, const std::string& extra_cmdline = "");

// Copy a disk's boot sector to 0x7C00 and start there in real mode with DL
// set to the boot drive (0x80), as a PC BIOS hands over. isolab has no BIOS:
// no INT 10h/13h/15h services exist, so a boot sector must drive the
// hardware (ATA ports) itself.
void load_boot_sector(cpu::Cpu& cpu, const std::vector<uint8_t>& disk);

}  // namespace isolab::emulator
