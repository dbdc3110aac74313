// Tests for VGA text mode: emulator/devices/vga.cpp.
#include "emulator/devices/vga.h"

#include <doctest/doctest.h>

#include <string>

using namespace isolab::emulator;

namespace {

void put_text(Vga& vga, int row, int col, const std::string& s, uint8_t attr) {
  for (size_t i = 0; i < s.size(); ++i) {
    uint32_t addr = kVgaTextBase + 2 * (row * 80 + col + uint32_t(i));
    CHECK(vga.mmio_write(addr, 2, uint32_t(attr) << 8 | uint8_t(s[i])));
  }
}
void out(Vga& vga, uint16_t port, uint8_t v) { CHECK(vga.io_write(port, 1, v)); }
uint8_t in(Vga& vga, uint16_t port) {
  uint32_t v = 0;
  CHECK(vga.io_read(port, 1, v));
  return uint8_t(v);
}

}  // namespace

TEST_CASE("vga: text written at 0xB8000 reads back and shows on the screen") {
  Vga vga;
  put_text(vga, 0, 0, "Hello, isolab", 0x1F);
  put_text(vga, 24, 75, "end", 0x07);
  uint32_t v = 0;
  CHECK(vga.mmio_read(kVgaTextBase, 2, v));
  CHECK(v == 0x1F48);
  CHECK(vga.mmio_read(kVgaTextBase, 4, v));
  CHECK(v == 0x1F651F48);
  TextScreen s = vga.screen();
  CHECK(s.rows == 25);
  CHECK(s.cols == 80);
  REQUIRE(s.lines.size() == 25);
  CHECK(s.lines[0].substr(0, 13) == "Hello, isolab");
  CHECK(s.lines[0].size() == 80);
  CHECK(s.attributes[0][0] == 0x1F);
  CHECK(s.lines[24].substr(75) == "end  ");
  CHECK(s.lines[1] == std::string(80, ' '));
}

TEST_CASE("vga: the legacy window outside the text buffer reads as open bus") {
  Vga vga;
  uint32_t v = 0;
  CHECK(vga.mmio_read(0xA0000, 1, v));
  CHECK(v == 0xFF);
  CHECK(vga.mmio_write(0xA0000, 1, 0x12));
  CHECK(vga.mmio_read(0xB0000, 4, v));
  CHECK(v == 0xFFFFFFFF);
  CHECK_FALSE(vga.mmio_read(0xC0000, 1, v));
}

TEST_CASE("vga: CRTC cursor registers 14 and 15 read back and place the cursor") {
  Vga vga;
  out(vga, 0x3D4, 0x0E);
  out(vga, 0x3D5, 0x01);
  out(vga, 0x3D4, 0x0F);
  out(vga, 0x3D5, 0x50);
  out(vga, 0x3D4, 0x0E);
  CHECK(in(vga, 0x3D5) == 0x01);
  out(vga, 0x3D4, 0x0F);
  CHECK(in(vga, 0x3D5) == 0x50);
  CHECK(in(vga, 0x3D4) == 0x0F);
  TextScreen s = vga.screen();
  CHECK(s.cursor_row == 4);  // 0x150 = 336 = 4 * 80 + 16
  CHECK(s.cursor_col == 16);
  CHECK(s.cursor_visible);
  out(vga, 0x3D4, 0x0A);
  out(vga, 0x3D5, 0x20);  // cursor off
  CHECK_FALSE(vga.screen().cursor_visible);
  out(vga, 0x3D4, 0x13);
  out(vga, 0x3D5, 0x77);  // any other register stores and reads back
  CHECK(in(vga, 0x3D5) == 0x77);
}

TEST_CASE("vga: the start address scrolls the visible page") {
  Vga vga;
  put_text(vga, 1, 0, "second line", 0x07);
  out(vga, 0x3D4, 0x0C);
  out(vga, 0x3D5, 0x00);
  out(vga, 0x3D4, 0x0D);
  out(vga, 0x3D5, 80);
  CHECK(vga.screen().lines[0].substr(0, 11) == "second line");
}

TEST_CASE("vga: misc output and input status 1") {
  Vga vga;
  CHECK(in(vga, 0x3CC) == 0x67);
  out(vga, 0x3C2, 0x63);
  CHECK(in(vga, 0x3CC) == 0x63);
  bool saw_retrace = false, saw_display = false;
  for (uint64_t t = 0; t < 20'000'000; t += 10'000) {
    vga.advance(t);
    uint8_t status = in(vga, 0x3DA);
    if (status & 0x08) saw_retrace = true;
    if (!(status & 0x01)) saw_display = true;
  }
  CHECK(saw_retrace);
  CHECK(saw_display);
}
