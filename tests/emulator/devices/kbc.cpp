// Tests for the 8042 keyboard controller: emulator/devices/kbc.cpp.
#include "emulator/devices/kbc.h"

#include <doctest/doctest.h>

#include <vector>

#include "tests/emulator/devices/irq_recorder.h"

using namespace isolab::emulator;
using isolab::emulator::test::IrqRecorder;

namespace {

void out(Kbc& k, uint16_t port, uint8_t v) { CHECK(k.io_write(port, 1, v)); }
uint8_t in(Kbc& k, uint16_t port) {
  uint32_t v = 0;
  CHECK(k.io_read(port, 1, v));
  return uint8_t(v);
}
// The classic wait-for-input-buffer-empty loop, bounded.
void wait_input_empty(Kbc& k) {
  int spins = 0;
  while ((in(k, 0x64) & 0x02) && spins < 1000) spins++;
  CHECK(spins == 0);
}

}  // namespace

TEST_CASE("kbc: the A20 sequence through the output port completes") {
  IrqRecorder irq;
  Kbc k(irq);
  std::vector<bool> a20;
  k.on_a20 = [&](bool on) { a20.push_back(on); };
  out(k, 0x64, 0xDD);
  CHECK_FALSE(k.a20());
  // As a boot sector does it: disable keyboard, read output port, write it with A20 set.
  wait_input_empty(k);
  out(k, 0x64, 0xAD);
  wait_input_empty(k);
  out(k, 0x64, 0xD0);
  CHECK((in(k, 0x64) & 0x01) != 0);
  uint8_t port = in(k, 0x60);
  CHECK((port & 0x02) == 0);
  wait_input_empty(k);
  out(k, 0x64, 0xD1);
  wait_input_empty(k);
  out(k, 0x60, port | 0x02);
  wait_input_empty(k);
  out(k, 0x64, 0xAE);
  CHECK(k.a20());
  CHECK(a20 == std::vector<bool>{false, true});
  out(k, 0x64, 0xD0);
  CHECK((in(k, 0x60) & 0x02) != 0);
}

TEST_CASE("kbc: fast A20 through port 0x92") {
  IrqRecorder irq;
  Kbc k(irq);
  int resets = 0;
  k.on_reset = [&] { resets++; };
  out(k, 0x92, 0x00);
  CHECK_FALSE(k.a20());
  out(k, 0x92, in(k, 0x92) | 0x02);
  CHECK(k.a20());
  CHECK(in(k, 0x92) == 0x02);
  CHECK(resets == 0);
  out(k, 0x92, 0x03);
  CHECK(resets == 1);
}

TEST_CASE("kbc: self test answers 0x55 and sets the system flag") {
  IrqRecorder irq;
  Kbc k(irq);
  out(k, 0x64, 0xAA);
  CHECK((in(k, 0x64) & 0x05) == 0x05);
  CHECK(in(k, 0x60) == 0x55);
  CHECK((in(k, 0x64) & 0x01) == 0);
  out(k, 0x64, 0xAB);
  CHECK(in(k, 0x60) == 0x00);
}

TEST_CASE("kbc: the command byte reads and writes through 0x20 and 0x60") {
  IrqRecorder irq;
  Kbc k(irq);
  out(k, 0x64, 0x20);
  CHECK(in(k, 0x60) == 0x45);
  out(k, 0x64, 0x60);
  out(k, 0x60, 0x44);  // keyboard IRQ off
  out(k, 0x64, 0x20);
  CHECK(in(k, 0x60) == 0x44);
  CHECK_FALSE(irq.level[1]);
}

TEST_CASE("kbc: scan codes raise IRQ1 one byte at a time") {
  IrqRecorder irq;
  Kbc k(irq);
  k.type_text("A");  // shift down, a down, a up, shift up
  CHECK(irq.level[1]);
  std::vector<uint8_t> got;
  while (in(k, 0x64) & 0x01) got.push_back(in(k, 0x60));
  CHECK(got == std::vector<uint8_t>{0x2A, 0x1E, 0x9E, 0xAA});
  CHECK(irq.rising[1] == 4);
  CHECK_FALSE(irq.level[1]);
}

TEST_CASE("kbc: a disabled keyboard holds its scan codes until enabled") {
  IrqRecorder irq;
  Kbc k(irq);
  out(k, 0x64, 0xAD);
  k.key_scancode(0x1C);
  CHECK((in(k, 0x64) & 0x01) == 0);
  out(k, 0x64, 0xAE);
  CHECK((in(k, 0x64) & 0x01) != 0);
  CHECK(in(k, 0x60) == 0x1C);
}

TEST_CASE("kbc: keyboard commands answer ACK, reset answers AA") {
  IrqRecorder irq;
  Kbc k(irq);
  out(k, 0x60, 0xFF);
  CHECK(in(k, 0x60) == 0xFA);
  CHECK(in(k, 0x60) == 0xAA);
  out(k, 0x60, 0xED);
  CHECK(in(k, 0x60) == 0xFA);
  out(k, 0x60, 0x07);
  CHECK(in(k, 0x60) == 0xFA);
  out(k, 0x60, 0xF2);
  CHECK(in(k, 0x60) == 0xFA);
  CHECK(in(k, 0x60) == 0xAB);
  CHECK(in(k, 0x60) == 0x41);
}

TEST_CASE("kbc: command 0xFE pulses the CPU reset line") {
  IrqRecorder irq;
  Kbc k(irq);
  int resets = 0;
  k.on_reset = [&] { resets++; };
  out(k, 0x64, 0xFF);
  CHECK(resets == 0);
  out(k, 0x64, 0xFE);
  CHECK(resets == 1);
}
