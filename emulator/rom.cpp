// A ROM image at the reset vector. See rom.h.
#include "emulator/rom.h"

#include <fmt/format.h>

namespace isolab::emulator {

bool Rom::maps(uint32_t addr, uint32_t& offset) const {
  if (!mapped()) return false;
  if (addr >= high_base()) {
    offset = addr - high_base();
    return true;
  }
  if (addr >= low_base() && addr < kLowTop) {
    offset = uint32_t(image.size() - (kLowTop - addr));  // the image's last low_size() bytes
    return true;
  }
  return false;
}

uint32_t Rom::read(uint32_t addr, int size) const {
  uint32_t v = 0;
  for (int k = 0; k < size; k++) {
    uint32_t offset;
    uint32_t byte = maps(addr + uint32_t(k), offset) ? image[offset] : 0xFF;
    v |= byte << (8 * k);
  }
  return v;
}

std::optional<std::string> check_rom_image(const std::string& what, uint64_t size) {
  if (size == 0) return fmt::format("{}: ROM image is empty", what);
  if (size > Rom::kMaxSize)
    return fmt::format("{}: ROM image of {} bytes is oversized: at most 16 MiB fit below 4 GiB", what, size);
  if (size % Rom::kGranule != 0)
    return fmt::format("{}: ROM image size {} is not a multiple of 64 KiB (65536 bytes)", what, size);
  return std::nullopt;
}

}  // namespace isolab::emulator
