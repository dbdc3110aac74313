// Tests for the I/O APIC: emulator/devices/ioapic.cpp.
#include "emulator/devices/ioapic.h"

#include <doctest/doctest.h>

#include "emulator/devices/lapic.h"

using namespace isolab::emulator;

namespace {

void reg_write(IoApic& io, uint8_t index, uint32_t value) {
  CHECK(io.mmio_write(kIoApicBase, 4, index));
  CHECK(io.mmio_write(kIoApicBase + 0x10, 4, value));
}
uint32_t reg_read(IoApic& io, uint8_t index) {
  uint32_t v = 0;
  CHECK(io.mmio_write(kIoApicBase, 4, index));
  CHECK(io.mmio_read(kIoApicBase + 0x10, 4, v));
  return v;
}
void enabled_lapic(LocalApic& lapic) { CHECK(lapic.mmio_write(kLapicBase + 0xF0, 4, 0x1FF)); }

}  // namespace

TEST_CASE("ioapic: ID, version with 24 entries, and every entry masked at reset") {
  LocalApic lapic;
  IoApic io(lapic);
  CHECK(reg_read(io, 0x01) == 0x00170011);
  reg_write(io, 0x00, 0x02000000);
  CHECK(reg_read(io, 0x00) == 0x02000000);
  for (int pin = 0; pin < 24; ++pin) CHECK(reg_read(io, uint8_t(0x10 + 2 * pin)) == 0x10000);
}

TEST_CASE("ioapic: an edge on an unmasked pin delivers its vector to the local APIC") {
  LocalApic lapic;
  enabled_lapic(lapic);
  IoApic io(lapic);
  reg_write(io, 0x10 + 2 * 4, 0x24);  // pin 4: vector 0x24, fixed, physical, edge
  reg_write(io, 0x11 + 2 * 4, 0x00000000);
  CHECK(reg_read(io, 0x10 + 2 * 4) == 0x24);
  io.set_pin(4, true);
  REQUIRE(lapic.pending());
  CHECK(lapic.acknowledge() == 0x24);
  CHECK(lapic.mmio_write(kLapicBase + 0xB0, 4, 0));  // EOI
  io.set_pin(4, true);  // no new edge
  CHECK_FALSE(lapic.pending());
  io.set_pin(4, false);
  io.set_pin(4, true);
  CHECK(lapic.pending());
}

TEST_CASE("ioapic: a masked pin delivers nothing until unmasked") {
  LocalApic lapic;
  enabled_lapic(lapic);
  IoApic io(lapic);
  reg_write(io, 0x10 + 2 * 3, 0x10000 | 0x33);
  io.set_pin(3, true);
  CHECK_FALSE(lapic.pending());
  reg_write(io, 0x10 + 2 * 3, 0x33);
  CHECK(lapic.pending());  // kept and delivered on unmask, as QEMU
}

TEST_CASE("ioapic: level-triggered pins wait for EOI and resend while asserted") {
  LocalApic lapic;
  enabled_lapic(lapic);
  IoApic io(lapic);
  reg_write(io, 0x10 + 2 * 11, 0x8000 | 0x51);  // level triggered
  io.set_pin(11, true);
  CHECK((reg_read(io, 0x10 + 2 * 11) & 0x4000) != 0);  // remote IRR
  CHECK(lapic.acknowledge() == 0x51);
  CHECK_FALSE(lapic.pending());
  CHECK(lapic.mmio_write(kLapicBase + 0xB0, 4, 0));  // EOI, line still high
  CHECK(lapic.pending());
  CHECK(lapic.acknowledge() == 0x51);
  io.set_pin(11, false);
  CHECK(lapic.mmio_write(kLapicBase + 0xB0, 4, 0));
  CHECK_FALSE(lapic.pending());
  CHECK((reg_read(io, 0x10 + 2 * 11) & 0x4000) == 0);
}

TEST_CASE("ioapic: destinations select the CPU, physically or logically") {
  LocalApic lapic;
  enabled_lapic(lapic);
  IoApic io(lapic);
  reg_write(io, 0x11 + 2 * 5, 0x01000000);  // physical APIC ID 1: not us
  reg_write(io, 0x10 + 2 * 5, 0x35);
  io.set_pin(5, true);
  CHECK_FALSE(lapic.pending());
  CHECK(lapic.mmio_write(kLapicBase + 0xD0, 4, 0x01000000));  // logical ID bit 0
  reg_write(io, 0x11 + 2 * 6, 0x01000000);
  reg_write(io, 0x10 + 2 * 6, 0x800 | 0x36);  // logical destination 1
  io.set_pin(6, true);
  CHECK(lapic.pending());
  CHECK(lapic.acknowledge() == 0x36);
}
