// IBM VGA in 80x25 colour text mode: the text buffer at 0xB8000 and the
// registers a text-mode OS touches. See vga.cpp for the hardware.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/devices/device.h"

namespace isolab::emulator {

inline constexpr uint32_t kVgaWindowBase = 0xA0000;  // the legacy video window
inline constexpr uint32_t kVgaWindowEnd = 0xBFFFF;
inline constexpr uint32_t kVgaTextBase = 0xB8000;    // colour text, 32 KiB
inline constexpr uint32_t kVgaTextSize = 0x8000;

struct VgaState {
  std::array<uint8_t, kVgaTextSize> text{};  // character, attribute pairs
  uint8_t misc_output = 0x67;   // 0x3C2 write, 0x3CC read: colour I/O at 0x3Dx
  uint8_t crtc_index = 0;
  std::array<uint8_t, 25> crtc{};  // CRT controller registers 0x00-0x18
  uint8_t seq_index = 0;
  std::array<uint8_t, 5> seq{};    // sequencer
  uint8_t gc_index = 0;
  std::array<uint8_t, 9> gc{};     // graphics controller
  uint8_t attr_index = 0;
  bool attr_flipflop = false;      // 0x3C0 alternates index and data
  std::array<uint8_t, 21> attr{};  // attribute controller
  uint8_t dac_read_index = 0, dac_write_index = 0, dac_component = 0;
  std::array<uint8_t, 256 * 3> dac{};  // palette, 6 bits per component
  uint8_t feature_control = 0;
  uint64_t now_ns = 0;
};

// What the screen shows: for the UI and for tests.
struct TextScreen {
  int rows = 0, cols = 0;
  std::vector<std::string> lines;             // characters (code page 437 bytes)
  std::vector<std::vector<uint8_t>> attributes;
  int cursor_row = 0, cursor_col = 0;
  bool cursor_visible = false;
};

class Vga : public Device {
 public:
  Vga();

  const char* name() const override { return "vga"; }
  void reset() override;
  std::vector<IoRange> io_ranges() const override { return {{0x3C0, 0x3CF}, {0x3D4, 0x3D5}, {0x3DA, 0x3DA}}; }
  std::vector<MmioRange> mmio_ranges() const override { return {{kVgaWindowBase, kVgaWindowEnd}}; }
  bool io_read(uint16_t port, int size, uint32_t& value) override;
  bool io_write(uint16_t port, int size, uint32_t value) override;
  bool mmio_read(uint32_t addr, int size, uint32_t& value) override;
  bool mmio_write(uint32_t addr, int size, uint32_t value) override;
  void advance(uint64_t now_ns) override { state.now_ns = now_ns; }
  std::vector<uint8_t> save() const override { return save_pod(state); }
  bool restore(std::span<const uint8_t> bytes) override { return restore_pod(bytes, state); }

  // The visible text page: from the CRTC start address, rows x cols as
  // the CRTC timing registers set them (25 x 80 after reset). NUL
  // characters read as spaces.
  TextScreen screen() const;
  // The cursor location register (CRTC 0x0E:0x0F), in characters.
  uint16_t cursor_location() const { return uint16_t(state.crtc[0x0E] << 8 | state.crtc[0x0F]); }

  VgaState state;
};

}  // namespace isolab::emulator
