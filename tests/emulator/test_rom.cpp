// The ROM windows (emulator/rom.h): where each byte of the image appears,
// what the machine's bus returns there, which sizes are refused.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "emulator/machine.h"
#include "emulator/rom.h"
#include "emulator/snapshot.h"

using namespace isolab::emulator;

namespace {

// An image whose every byte says where it is: byte k holds k's low byte
// plus its 64 KiB block number.
std::vector<uint8_t> numbered_image(size_t size) {
  std::vector<uint8_t> image(size);
  for (size_t k = 0; k < size; k++) image[k] = uint8_t(k + (k >> 16));
  return image;
}

}  // namespace

TEST_CASE("rom: a 64 KiB image ends at 4 GiB and at 1 MiB") {
  Rom rom{numbered_image(64 << 10)};
  uint32_t off = 0;
  CHECK(rom.high_base() == 0xFFFF0000u);
  CHECK(rom.low_base() == 0xF0000u);
  REQUIRE(rom.maps(0xFFFFFFF0u, off));
  CHECK(off == 0xFFF0);
  REQUIRE(rom.maps(0xFFFF0u, off));
  CHECK(off == 0xFFF0);
  CHECK_FALSE(rom.maps(0xEFFFFu, off));
  CHECK_FALSE(rom.maps(0x100000u, off));
  CHECK_FALSE(rom.maps(0xFFFEFFFFu, off));
  CHECK(rom.hides_ram_page(0xF0000));
  CHECK_FALSE(rom.hides_ram_page(0xEF000));
}

TEST_CASE("rom: of a 1 MiB image only the last 128 KiB appear below 1 MiB") {
  Rom rom{numbered_image(1 << 20)};
  uint32_t off = 0;
  CHECK(rom.high_base() == 0xFFF00000u);
  CHECK(rom.low_base() == 0xE0000u);
  REQUIRE(rom.maps(0xE0000u, off));
  CHECK(off == 0xE0000u);  // 1 MiB - 128 KiB into the image
  REQUIRE(rom.maps(0xFFF00000u, off));
  CHECK(off == 0);
  CHECK(rom.read(0xFFFFFFFEu, 2) == rom.read(0xFFFFEu, 2));
  CHECK(rom.read(0xFFFFFFFEu, 4) == (rom.read(0xFFFFFFFEu, 2) | 0xFFFF0000u));  // past 4 GiB: open bus
}

TEST_CASE("rom: the machine reads the ROM without an exit and drops writes with one") {
  Machine m;
  std::memset(m.ram() + 0xF0000, 0x11, 0x10000);  // RAM the ROM hides
  m.rom.image = numbered_image(64 << 10);
  CHECK_FALSE(m.is_ram_page(0xF0000));
  CHECK(m.is_ram_page(0xEF000));
  CHECK(m.mmio_read(0xFFFF0, 1) == m.rom.image[0xFFF0]);
  CHECK(m.mmio_read(0xFFFFFFF0u, 4) == m.mmio_read(0xFFFF0, 4));
  CHECK(m.exits.exits == 0);
  m.mmio_write(0xF0000, 1, 0x55);
  CHECK(m.mmio_read(0xF0000, 1) == m.rom.image[0]);
  CHECK(m.exits.by_reason[size_t(ExitReason::MMIO)] == 1);
}

TEST_CASE("rom: a clone and a restored snapshot keep the ROM") {
  Machine m;
  m.rom.image = numbered_image(64 << 10);
  CHECK(clone_machine(m)->rom.image == m.rom.image);
  const std::string dir = (std::filesystem::temp_directory_path() / "isolab-test-rom-snapshot").string();
  save_snapshot(m, dir);
  CHECK(restore_snapshot(dir)->rom.image == m.rom.image);
  std::filesystem::remove_all(dir);
}

TEST_CASE("rom: sizes QEMU's -bios would refuse are refused") {
  CHECK(check_rom_image("r", 0).value() == "r: ROM image is empty");
  CHECK(check_rom_image("r", 5000).value() == "r: ROM image size 5000 is not a multiple of 64 KiB (65536 bytes)");
  CHECK(check_rom_image("r", (16 << 20) + (64 << 10)).value() ==
        "r: ROM image of 16842752 bytes is oversized: at most 16 MiB fit below 4 GiB");
  CHECK_FALSE(check_rom_image("r", 64 << 10).has_value());
  CHECK_FALSE(check_rom_image("r", 16 << 20).has_value());
}
