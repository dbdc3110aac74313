// IBM VGA in colour text mode 3 (80x25, 16 colours).
// Reference: IBM VGA Technical Reference (Personal System/2 Hardware
// Interface Technical Reference, "Video Subsystem"); register values of
// mode 3 as the IBM BIOS sets them. Lesson: devices and MMIO.
//
// The hardware. In text mode the screen is an array of 16-bit cells at
// physical 0xB8000: the low byte a character (code page 437), the high
// byte its attribute (background colour in bits 7-4, foreground in 3-0).
// A store to that memory shows on the screen at the next frame; there is
// no command to draw. The VGA decodes the whole 128 KiB window 0xA0000-
// 0xBFFFF, but in colour text mode only 0xB8000-0xBFFFF holds memory;
// the rest reads as 0xFF (an open bus) and ignores writes.
//
// Registers sit behind index/data port pairs. The CRT controller at
// 0x3D4/0x3D5 holds the timing (registers 0x00-0x08, 0x10-0x18), the
// cursor shape (0x0A start scanline with bit 5 = cursor off, 0x0B end),
// the start address of the visible page (0x0C:0x0D) and the cursor
// location (0x0E:0x0F, in characters). Every CRTC register reads back what
// was written, as on QEMU. Miscellaneous output is written at 0x3C2 and
// read at 0x3CC; input status 1 at 0x3DA reports retrace (bit 3 vertical,
// bit 0 display disabled) and resets the attribute controller's
// index/data flip-flop at 0x3C0. The sequencer (0x3C4/5), graphics
// controller (0x3CE/F) and DAC palette (0x3C7-0x3C9) store what is written
// and read it back; the model draws text only.
//
// Retrace is computed from simulated time for a 70 Hz, 449-line frame
// (31.778 us per line; 400 visible, vertical retrace on 2 lines), so a
// guest waiting for it makes progress deterministically.
#include "emulator/devices/vga.h"

#include <algorithm>

namespace isolab::emulator {

namespace {

constexpr uint8_t kMode3Crtc[25] = {0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00,
                                    0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E,
                                    0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF};
constexpr uint8_t kMode3Seq[5] = {0x03, 0x00, 0x03, 0x00, 0x02};
constexpr uint8_t kMode3Gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF};
constexpr uint8_t kMode3Attr[21] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
                                    0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00};

constexpr uint64_t kLineNs = 31'778;
constexpr uint64_t kFrameLines = 449;
constexpr uint64_t kVisibleLines = 400;
constexpr uint64_t kRetraceFirstLine = 412, kRetraceLines = 2;
constexpr uint64_t kHorizontalVisibleNs = 25'422;  // 640 of 800 pixel clocks

}  // namespace

Vga::Vga() { reset(); }

// Mode 3 as the BIOS leaves it, with a blank screen (grey on black).
void Vga::reset() {
  uint64_t now = state.now_ns;
  state = VgaState{};
  state.now_ns = now;
  std::copy(std::begin(kMode3Crtc), std::end(kMode3Crtc), state.crtc.begin());
  std::copy(std::begin(kMode3Seq), std::end(kMode3Seq), state.seq.begin());
  std::copy(std::begin(kMode3Gc), std::end(kMode3Gc), state.gc.begin());
  std::copy(std::begin(kMode3Attr), std::end(kMode3Attr), state.attr.begin());
  for (uint32_t i = 0; i < kVgaTextSize; i += 2) {
    state.text[i] = ' ';
    state.text[i + 1] = 0x07;
  }
}

bool Vga::mmio_read(uint32_t addr, int size, uint32_t& value) {
  if (addr < kVgaWindowBase || addr > kVgaWindowEnd) return false;
  value = 0;
  for (int i = 0; i < size; ++i) {
    uint32_t a = addr + i;
    uint8_t byte = 0xFF;
    if (a >= kVgaTextBase && a < kVgaTextBase + kVgaTextSize) byte = state.text[a - kVgaTextBase];
    value |= uint32_t(byte) << (8 * i);
  }
  return true;
}

bool Vga::mmio_write(uint32_t addr, int size, uint32_t value) {
  if (addr < kVgaWindowBase || addr > kVgaWindowEnd) return false;
  for (int i = 0; i < size; ++i) {
    uint32_t a = addr + i;
    if (a >= kVgaTextBase && a < kVgaTextBase + kVgaTextSize) state.text[a - kVgaTextBase] = uint8_t(value >> (8 * i));
  }
  return true;
}

bool Vga::io_read(uint16_t port, int size, uint32_t& value) {
  switch (port) {
    case 0x3C0: value = state.attr_index; break;
    case 0x3C1: value = state.attr[std::min<int>(state.attr_index & 0x1F, 20)]; break;
    case 0x3C2: value = 0x10; break;  // input status 0: switch sense
    case 0x3C4: value = state.seq_index; break;
    case 0x3C5: value = state.seq_index < 5 ? state.seq[state.seq_index] : 0xFF; break;
    case 0x3C7: value = 0x03; break;  // DAC state: in read mode
    case 0x3C8: value = state.dac_write_index; break;
    case 0x3C9: {
      value = state.dac[state.dac_read_index * 3 + state.dac_component];
      if (++state.dac_component == 3) {
        state.dac_component = 0;
        state.dac_read_index++;
      }
      break;
    }
    case 0x3CA: value = state.feature_control; break;
    case 0x3CC: value = state.misc_output; break;
    case 0x3CE: value = state.gc_index; break;
    case 0x3CF: value = state.gc_index < 9 ? state.gc[state.gc_index] : 0xFF; break;
    case 0x3D4: value = state.crtc_index; break;
    case 0x3D5: value = state.crtc_index < 25 ? state.crtc[state.crtc_index] : 0xFF; break;
    case 0x3DA: {
      uint64_t line_time = state.now_ns % (kLineNs * kFrameLines);
      uint64_t line = line_time / kLineNs;
      bool vretrace = line >= kRetraceFirstLine && line < kRetraceFirstLine + kRetraceLines;
      bool blank = line >= kVisibleLines || line_time % kLineNs >= kHorizontalVisibleNs;
      value = (vretrace ? 0x08 : 0) | (blank ? 0x01 : 0);
      state.attr_flipflop = false;
      break;
    }
    case 0x3C3: case 0x3C6: case 0x3CB: case 0x3CD: value = 0xFF; break;
    default: return false;
  }
  return true;
}

bool Vga::io_write(uint16_t port, int size, uint32_t value) {
  uint8_t v = value;
  switch (port) {
    case 0x3C0:
      if (!state.attr_flipflop) state.attr_index = v & 0x3F;
      else if ((state.attr_index & 0x1F) < 21) state.attr[state.attr_index & 0x1F] = v;
      state.attr_flipflop = !state.attr_flipflop;
      break;
    case 0x3C2: state.misc_output = v; break;
    case 0x3C4: state.seq_index = v; break;
    case 0x3C5: if (state.seq_index < 5) state.seq[state.seq_index] = v; break;
    case 0x3C7: state.dac_read_index = v; state.dac_component = 0; break;
    case 0x3C8: state.dac_write_index = v; state.dac_component = 0; break;
    case 0x3C9:
      state.dac[state.dac_write_index * 3 + state.dac_component] = v & 0x3F;
      if (++state.dac_component == 3) {
        state.dac_component = 0;
        state.dac_write_index++;
      }
      break;
    case 0x3CE: state.gc_index = v; break;
    case 0x3CF: if (state.gc_index < 9) state.gc[state.gc_index] = v; break;
    case 0x3D4: state.crtc_index = v; break;
    case 0x3D5: if (state.crtc_index < 25) state.crtc[state.crtc_index] = v; break;
    case 0x3DA: state.feature_control = v; break;
    case 0x3C1: case 0x3C3: case 0x3C6: case 0x3CA: case 0x3CB: case 0x3CC: case 0x3CD: break;
    default: return false;
  }
  return true;
}

TextScreen Vga::screen() const {
  const auto& c = state.crtc;
  int cols = std::clamp(c[0x01] + 1, 1, 132);
  int vertical_end = c[0x12] | ((c[0x07] & 0x02) << 7) | ((c[0x07] & 0x40) << 3);
  int char_height = (c[0x09] & 0x1F) + 1;
  int rows = std::clamp((vertical_end + 1) / char_height, 1, 60);
  uint32_t start = uint32_t(c[0x0C] << 8 | c[0x0D]);

  TextScreen s;
  s.rows = rows;
  s.cols = cols;
  for (int r = 0; r < rows; ++r) {
    std::string line(cols, ' ');
    std::vector<uint8_t> attrs(cols, 0);
    for (int col = 0; col < cols; ++col) {
      uint32_t offset = ((start + r * cols + col) * 2) % kVgaTextSize;
      uint8_t ch = state.text[offset];
      line[col] = ch ? char(ch) : ' ';
      attrs[col] = state.text[offset + 1];
    }
    s.lines.push_back(std::move(line));
    s.attributes.push_back(std::move(attrs));
  }
  int cursor = int(cursor_location()) - int(start);
  s.cursor_row = cursor >= 0 ? cursor / cols : 0;
  s.cursor_col = cursor >= 0 ? cursor % cols : 0;
  s.cursor_visible = !(c[0x0A] & 0x20) && cursor >= 0 && cursor < rows * cols;
  return s;
}

}  // namespace isolab::emulator
