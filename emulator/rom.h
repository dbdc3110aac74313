// A ROM image at the reset vector, mapped where a PC maps its firmware.
//
// A PC's firmware lives in a flash chip that the chipset decodes at the top
// of the 4 GiB physical space: an image of N bytes occupies
// [4 GiB - N, 4 GiB), so its last 16 bytes hold the first instructions the
// CPU fetches after reset, at F000:FFF0 (CS base 0xFFFF0000, linear
// 0xFFFFFFF0; Intel SDM vol. 3A, "First Instruction Executed" in the
// chapter on processor initialization).
// The chipset also decodes the image's last 128 KiB (all of it if smaller)
// just below 1 MiB, ending at 0xFFFFF, where real-mode code runs once its
// first far jump has reloaded CS with an ordinary real-mode base. QEMU's
// pc machine maps `-bios` the same way (x86_bios_rom_init, "isa-bios").
//
// Both windows are read-only: a write is dropped. They are memory to the
// guest, as KVM maps firmware as a read-only memory slot: reads are not VM
// exits, while a write leaves the guest as an MMIO exit (KVM_EXIT_MMIO on
// KVM) that the VMM ignores. The low window hides the RAM beneath it.
//
// The sizes QEMU's -bios accepts, so one image runs under both: a non-zero
// multiple of 64 KiB, at most 16 MiB (the top 16 MiB lie above the local
// and I/O APICs at 0xFEE00000 and 0xFEC00000).
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace isolab::emulator {

struct Rom {
  static constexpr uint64_t kGranule = 64 << 10;        // sizes are multiples of this
  static constexpr uint64_t kMaxSize = 16 << 20;
  static constexpr uint32_t kLowWindow = 128 << 10;     // the copy below 1 MiB
  static constexpr uint64_t kTop = 1ull << 32;          // the high copy ends here
  static constexpr uint32_t kLowTop = 1u << 20;         // the low copy ends here

  std::vector<uint8_t> image;  // empty: no ROM mapped

  bool mapped() const { return !image.empty(); }
  uint32_t high_base() const { return uint32_t(kTop - image.size()); }
  uint32_t low_size() const { return uint32_t(std::min<uint64_t>(image.size(), kLowWindow)); }
  uint32_t low_base() const { return kLowTop - low_size(); }

  // True if physical address `addr` lies in either window; `offset` is then
  // the byte of the image it reads.
  bool maps(uint32_t addr, uint32_t& offset) const;
  // True if the 4 KiB page at `page` lies in the low window (so it is ROM,
  // not RAM). The high window is above any RAM isolab gives a guest.
  bool hides_ram_page(uint32_t page) const { return mapped() && page >= low_base() && page < kLowTop; }
  // `size` bytes at `addr`, little-endian; a byte outside both windows
  // reads as an open bus (0xFF).
  uint32_t read(uint32_t addr, int size) const;
};

// Why a ROM image of `size` bytes cannot be mapped, naming `what` (the
// file), or nothing if it can.
std::optional<std::string> check_rom_image(const std::string& what, uint64_t size);

}  // namespace isolab::emulator
