// Multiboot v1 and boot-sector loading. See loader.h.
#include "emulator/loader.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <iterator>

#if __has_include("minios_paths.h")
#include "minios_paths.h"
#endif

namespace isolab::emulator {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw LoadError(fmt::format("{}: cannot open", path));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

namespace {

uint32_t le32(const std::vector<uint8_t>& b, size_t off) {
  uint32_t v;
  std::memcpy(&v, b.data() + off, 4);
  return v;
}
uint16_t le16(const std::vector<uint8_t>& b, size_t off) {
  uint16_t v;
  std::memcpy(&v, b.data() + off, 2);
  return v;
}

constexpr uint32_t MULTIBOOT_MAGIC = 0x1BADB002, MULTIBOOT_BOOTLOADER_MAGIC = 0x2BADB002;
constexpr uint32_t INFO_ADDR = 0x9000;  // the information structure, below the EBDA
constexpr uint32_t MMAP_ADDR = 0x9100, CMDLINE_ADDR = 0x9400, MODS_ADDR = 0x9800, MODSTR_ADDR = 0x9A00;
constexpr uint32_t LOADER_NAME_ADDR = 0x9F00;
// What QEMU reports: 639 KiB below the EBDA, and "the first BIOS hard
// disk, whole disk" as the boot device (hw/i386/multiboot.c).
constexpr uint32_t MEM_LOWER_KIB = 639, BOOT_DEVICE = 0x8000FFFF;
constexpr char LOADER_NAME[] = "isolab";

struct Ram {
  cpu::Bus& bus;
  void check(uint64_t addr, uint64_t len, const std::string& what) {
    if (addr + len > bus.ram_size() || addr + len < addr)
      throw LoadError(fmt::format("{} at {:#x}+{:#x} lies outside the guest's {} MiB of RAM", what, addr, len,
                                  bus.ram_size() >> 20));
  }
  void write(uint32_t addr, const void* src, size_t len) { std::memcpy(bus.ram() + addr, src, len); }
  void write32(uint32_t addr, uint32_t v) { write(addr, &v, 4); }
  void write64(uint32_t addr, uint64_t v) { write(addr, &v, 8); }
};

}  // namespace

MultibootInfo load_multiboot(cpu::Cpu& cpu, const std::vector<uint8_t>& image, const std::string& cmdline,
                             const std::vector<Module>& modules) {
  Ram ram{cpu.bus};
  if (image.size() < 52) throw LoadError(fmt::format("kernel image is {} bytes: too short for an ELF header", image.size()));
  // The multiboot header: 32-bit aligned within the first 8192 bytes.
  size_t hdr = SIZE_MAX;
  for (size_t off = 0; off + 12 <= image.size() && off < 8192; off += 4) {
    if (le32(image, off) == MULTIBOOT_MAGIC && le32(image, off) + le32(image, off + 4) + le32(image, off + 8) == 0) {
      hdr = off;
      break;
    }
  }
  if (hdr == SIZE_MAX) throw LoadError("kernel image has no multiboot header (magic 0x1BADB002) in its first 8 KiB");
  uint32_t mb_flags = le32(image, hdr + 4);
  if (mb_flags & 0x4) throw LoadError("kernel asks for a video mode (multiboot flag 2): not supported");

  if (std::memcmp(image.data(), "\x7F" "ELF", 4) != 0)
    throw LoadError("kernel image is not an ELF file (bad magic); a.out-kludge kernels are not supported");
  if (image[4] != 1) throw LoadError("kernel is not a 32-bit ELF file (EI_CLASS)");
  if (image[5] != 1) throw LoadError("kernel ELF is not little-endian (EI_DATA)");
  if (le16(image, 16) != 2) throw LoadError("kernel ELF is not an executable (e_type != ET_EXEC)");
  if (le16(image, 18) != 3) throw LoadError("kernel ELF is not for i386 (e_machine != EM_386)");
  uint32_t entry = le32(image, 24), phoff = le32(image, 28);
  uint16_t phentsize = le16(image, 42), phnum = le16(image, 44);
  if (phnum == 0) throw LoadError("kernel ELF has no program headers");
  if (phentsize < 32) throw LoadError(fmt::format("kernel ELF program header size {} is too small", phentsize));
  if (uint64_t(phoff) + uint64_t(phnum) * phentsize > image.size())
    throw LoadError("kernel ELF program headers lie outside the file (truncated?)");

  MultibootInfo info;
  info.entry = entry;
  bool loaded = false;
  for (uint16_t k = 0; k < phnum; k++) {
    size_t ph = phoff + size_t(k) * phentsize;
    uint32_t type = le32(image, ph), offset = le32(image, ph + 4), paddr = le32(image, ph + 12);
    uint32_t filesz = le32(image, ph + 16), memsz = le32(image, ph + 20);
    if (type != 1 || memsz == 0) continue;  // PT_LOAD only
    if (filesz > memsz) throw LoadError(fmt::format("ELF segment {}: p_filesz {:#x} > p_memsz {:#x}", k, filesz, memsz));
    if (uint64_t(offset) + filesz > image.size())
      throw LoadError(fmt::format("ELF segment {}: file data at {:#x}+{:#x} lies past the end of the file (truncated?)",
                                  k, offset, filesz));
    ram.check(paddr, memsz, fmt::format("ELF segment {}", k));
    ram.write(paddr, image.data() + offset, filesz);
    std::memset(cpu.bus.ram() + paddr + filesz, 0, memsz - filesz);
    info.kernel_end = std::max(info.kernel_end, paddr + memsz);
    loaded = true;
  }
  if (!loaded) throw LoadError("kernel ELF has no loadable segment");

  // Modules: page-aligned after the kernel, each with its string.
  if (modules.size() > 32) throw LoadError(fmt::format("{} modules: at most 32", modules.size()));
  uint32_t next = (info.kernel_end + 0xFFF) & ~0xFFFu;
  uint32_t str = MODSTR_ADDR;
  for (size_t m = 0; m < modules.size(); m++) {
    const Module& mod = modules[m];
    ram.check(next, mod.data.size() ? mod.data.size() : 1, fmt::format("module {}", m));
    ram.write(next, mod.data.data(), mod.data.size());
    uint32_t end = next + uint32_t(mod.data.size());
    info.modules.push_back({next, end});
    uint32_t entry_addr = MODS_ADDR + uint32_t(m) * 16;
    ram.write32(entry_addr, next);
    ram.write32(entry_addr + 4, end);
    ram.write32(entry_addr + 8, str);
    ram.write32(entry_addr + 12, 0);
    if (str + mod.cmdline.size() + 1 > 0x9F00) throw LoadError("module command lines are too long");
    ram.write(str, mod.cmdline.c_str(), mod.cmdline.size() + 1);
    str += uint32_t(mod.cmdline.size() + 1);
    next = (end + 0xFFF) & ~0xFFFu;
  }

  // The memory map (multiboot flag 6): conventional memory, the EBDA and
  // BIOS area as reserved, then everything from 1 MiB.
  const uint64_t ram_size = cpu.bus.ram_size();
  struct Region {
    uint64_t base, len;
    uint32_t type;
  };
  const Region regions[] = {{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2}, {0x100000, ram_size - 0x100000, 1}};
  uint32_t mm = MMAP_ADDR;
  for (const Region& r : regions) {
    ram.write32(mm, 20);
    ram.write64(mm + 4, r.base);
    ram.write64(mm + 12, r.len);
    ram.write32(mm + 20, r.type);
    mm += 24;
  }
  if (cmdline.size() + 1 > MODS_ADDR - CMDLINE_ADDR) throw LoadError("kernel command line is too long");
  ram.write(CMDLINE_ADDR, cmdline.c_str(), cmdline.size() + 1);

  ram.write(LOADER_NAME_ADDR, LOADER_NAME, sizeof LOADER_NAME);

  // The information structure (multiboot spec 3.3), with the fields QEMU
  // fills: memory, boot device, command line, modules (even none), memory
  // map and boot loader name.
  std::vector<uint8_t> mbi(88, 0);
  auto put = [&](size_t off, uint32_t v) { std::memcpy(mbi.data() + off, &v, 4); };
  uint32_t flags = 0x1 | 0x2 | 0x4 | 0x8 | 0x40 | 0x200;
  put(0, flags);
  put(4, MEM_LOWER_KIB);                                  // mem_lower, KiB
  put(8, uint32_t((ram_size - 0x100000) / 1024));         // mem_upper, KiB above 1 MiB
  put(12, BOOT_DEVICE);
  put(16, CMDLINE_ADDR);
  put(20, uint32_t(modules.size()));
  put(24, MODS_ADDR);
  put(44, mm - MMAP_ADDR);
  put(48, MMAP_ADDR);
  put(64, LOADER_NAME_ADDR);
  ram.write(INFO_ADDR, mbi.data(), mbi.size());
  info.info_addr = INFO_ADDR;

  // The machine state the specification promises (section 3.2).
  cpu.set_flat_protected_mode(0);
  cpu.s.eflags = cpu::FLAG_1;
  cpu.s.lazy.op = cpu::FlagOp::Known;
  cpu.s.reg[cpu::EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
  cpu.s.reg[cpu::EBX] = INFO_ADDR;
  cpu.s.eip = entry;
  cpu.s.a20 = 1;
  return info;
}

std::string minios_kernel_path() {
#ifdef ISOLAB_MINIOS_KERNEL
  return ISOLAB_MINIOS_KERNEL;
#else
  return "";
#endif
}

std::string minios_initrd_path() {
#ifdef ISOLAB_MINIOS_INITRD
  return ISOLAB_MINIOS_INITRD;
#else
  return "";
#endif
}

MultibootInfo load_minios(cpu::Cpu& cpu, const std::string& extra_cmdline) {
  const std::string kernel = minios_kernel_path(), initrd = minios_initrd_path();
  if (kernel.empty()) throw LoadError("this build has no miniOS image (build the minios target)");
  std::vector<Module> mods{{read_file(initrd), initrd}};
  return load_multiboot(cpu, read_file(kernel), extra_cmdline.empty() ? kernel : kernel + " " + extra_cmdline, mods);
}

void load_boot_sector(cpu::Cpu& cpu, const std::vector<uint8_t>& disk) {
  if (disk.empty()) throw LoadError("boot disk is empty");
  if (disk.size() % 512 != 0) throw LoadError(fmt::format("boot disk is {} bytes: not a whole number of 512-byte sectors", disk.size()));
  if (disk[510] != 0x55 || disk[511] != 0xAA) throw LoadError("boot disk's first sector has no boot signature (55 AA at offset 510)");
  std::memcpy(cpu.bus.ram() + 0x7C00, disk.data(), 512);
  for (int s = 0; s < 6; s++) cpu.load_segment_real(s, 0);
  cpu.s.eip = 0x7C00;
  cpu.s.reg[cpu::EDX] = 0x80;
  cpu.s.reg[cpu::ESP] = 0x7C00;
}

}  // namespace isolab::emulator
