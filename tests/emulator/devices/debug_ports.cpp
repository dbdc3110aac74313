// Tests for the debug console (0xE9) and isa-debug-exit (0xF4):
// emulator/devices/debugcon.cpp and debug_exit.cpp.
#include <doctest/doctest.h>

#include <string>

#include "emulator/devices/debug_exit.h"
#include "emulator/devices/debugcon.h"

using namespace isolab::emulator;

TEST_CASE("debugcon: bytes written to 0xE9 reach the host, reads return 0xE9") {
  DebugCon con;
  std::string text;
  con.on_output = [&](uint8_t b) { text += char(b); };
  for (char c : std::string("boot\n")) CHECK(con.io_write(0xE9, 1, uint8_t(c)));
  CHECK(text == "boot\n");
  uint32_t v = 0;
  CHECK(con.io_read(0xE9, 1, v));
  CHECK(v == 0xE9);
  CHECK_FALSE(con.io_read(0xEA, 1, v));
}

TEST_CASE("debug-exit: a write of v exits with v * 2 + 1, as QEMU") {
  DebugExit dev;
  uint32_t code = 0;
  dev.on_exit = [&](uint32_t c) { code = c; };
  CHECK_FALSE(dev.state.exit_requested);
  CHECK(dev.io_write(0xF4, 1, 0x00));
  CHECK(code == 1);
  CHECK(dev.io_write(0xF4, 1, 0x10));
  CHECK(code == 33);
  CHECK(dev.io_write(0xF4, 1, 0x1FF));  // a byte write passes one byte
  CHECK(code == 0x1FF);
  CHECK(dev.io_write(0xF4, 4, 0x1234));
  CHECK(code == 0x2469);
  CHECK(dev.state.exit_requested);
  CHECK(dev.state.exit_code == 0x2469);
  dev.reset();
  CHECK_FALSE(dev.state.exit_requested);
}
