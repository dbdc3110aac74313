// Tests for the local APIC: emulator/devices/lapic.cpp.
#include "emulator/devices/lapic.h"

#include <doctest/doctest.h>

using namespace isolab::emulator;

namespace {

void write(LocalApic& lapic, uint32_t offset, uint32_t value) { CHECK(lapic.mmio_write(kLapicBase + offset, 4, value)); }
uint32_t read(LocalApic& lapic, uint32_t offset) {
  uint32_t v = 0;
  CHECK(lapic.mmio_read(kLapicBase + offset, 4, v));
  return v;
}
void enable(LocalApic& lapic) { write(lapic, 0xF0, 0x1FF); }

}  // namespace

TEST_CASE("lapic: ID, version and the software enable in the spurious vector register") {
  LocalApic lapic;
  CHECK(read(lapic, 0x30) == 0x00050014);
  CHECK(read(lapic, 0x20) == 0);
  write(lapic, 0x20, 0x03000000);
  CHECK(read(lapic, 0x20) == 0x03000000);
  CHECK_FALSE(lapic.software_enabled());
  enable(lapic);
  CHECK(lapic.software_enabled());
  CHECK(read(lapic, 0xF0) == 0x1FF);
  uint32_t v = 0;
  CHECK(lapic.mmio_read(kLapicBase + 0x30, 1, v));
  CHECK(v == 0x14);
}

TEST_CASE("lapic: periodic timer fires at initial count x divisor bus clocks") {
  LocalApic lapic;
  enable(lapic);
  write(lapic, 0x3E0, 0x3);           // divide by 16
  write(lapic, 0x320, 0x20000 | 0x40);  // periodic, vector 0x40
  write(lapic, 0x380, 1'000'000);     // 16 ms at 1 GHz / 16
  int ticks = 0;
  for (uint64_t next = lapic.next_event_ns(); next <= 1'000'000'000; next = lapic.next_event_ns()) {
    lapic.advance(next);
    REQUIRE(lapic.pending());
    CHECK(lapic.acknowledge() == 0x40);
    write(lapic, 0xB0, 0);  // EOI
    ticks++;
  }
  CHECK(ticks == 62);  // 1 s / 16 ms
  lapic.advance(1'000'000'000);
  CHECK(read(lapic, 0x390) == 1'000'000 - (1'000'000'000 - 62 * 16'000'000) / 16);
}

TEST_CASE("lapic: one-shot timer counts down once and stops at zero") {
  LocalApic lapic;
  enable(lapic);
  write(lapic, 0x3E0, 0xB);  // divide by 1
  write(lapic, 0x320, 0x41);
  write(lapic, 0x380, 5000);
  lapic.advance(1000);
  CHECK(read(lapic, 0x390) == 4000);
  CHECK_FALSE(lapic.pending());
  lapic.advance(5000);
  CHECK(lapic.pending());
  CHECK(read(lapic, 0x390) == 0);
  CHECK(lapic.acknowledge() == 0x41);
  write(lapic, 0xB0, 0);
  CHECK(lapic.next_event_ns() == kNoEvent);
  lapic.advance(100'000);
  CHECK_FALSE(lapic.pending());
}

TEST_CASE("lapic: a masked timer counts but does not interrupt") {
  LocalApic lapic;
  enable(lapic);
  write(lapic, 0x320, 0x10000 | 0x20000 | 0x42);
  write(lapic, 0x380, 100);
  lapic.advance(10'000);
  CHECK_FALSE(lapic.pending());
}

TEST_CASE("lapic: TPR holds back lower classes, EOI ends the highest in service") {
  LocalApic lapic;
  enable(lapic);
  write(lapic, 0x80, 0x30);
  lapic.accept(0x25, false);
  CHECK_FALSE(lapic.pending());
  lapic.accept(0x45, false);
  REQUIRE(lapic.pending());
  CHECK(lapic.acknowledge() == 0x45);
  CHECK(read(lapic, 0xA0) == 0x40);  // PPR: the class in service
  CHECK(read(lapic, 0x100 + 0x20) == 1u << 5);  // ISR bit 0x45 = word 2, bit 5
  write(lapic, 0x80, 0x00);
  CHECK_FALSE(lapic.pending());  // 0x25 is below the class in service
  write(lapic, 0xB0, 0);
  CHECK(lapic.pending());
  CHECK(lapic.acknowledge() == 0x25);
}

TEST_CASE("lapic: a self IPI through the ICR") {
  LocalApic lapic;
  enable(lapic);
  write(lapic, 0x310, 0);
  write(lapic, 0x300, 0x40000 | 0x31);  // shorthand self, fixed, vector 0x31
  CHECK(lapic.pending());
  CHECK((read(lapic, 0x300) & 0x1000) == 0);  // delivery status idle
  CHECK(lapic.acknowledge() == 0x31);
  write(lapic, 0xB0, 0);
  write(lapic, 0x300, 0xC0000 | 0x32);  // all excluding self: nobody
  CHECK_FALSE(lapic.pending());
  write(lapic, 0x310, 0x00000000);
  write(lapic, 0x300, 0x33);  // physical destination 0: this CPU
  CHECK(lapic.pending());
}

TEST_CASE("lapic: software-disabled it delivers nothing, masks LVTs, and lets the 8259 through") {
  LocalApic lapic;
  CHECK(lapic.accepts_pic_interrupts());
  lapic.accept(0x50, false);
  CHECK_FALSE(lapic.pending());
  CHECK(lapic.acknowledge() == 0xFF);  // the spurious vector
  enable(lapic);
  CHECK(lapic.pending());
  CHECK(lapic.accepts_pic_interrupts());  // LINT0 is ExtINT after reset
  write(lapic, 0x350, 0x10000);
  CHECK_FALSE(lapic.accepts_pic_interrupts());
  write(lapic, 0xF0, 0x0FF);
  CHECK((read(lapic, 0x320) & 0x10000) != 0);
}

TEST_CASE("lapic: EOI of a level-triggered vector is reported") {
  LocalApic lapic;
  enable(lapic);
  int eoi_vector = -1;
  lapic.on_eoi = [&](uint8_t v) { eoi_vector = v; };
  lapic.accept(0x60, true);
  CHECK(lapic.acknowledge() == 0x60);
  write(lapic, 0xB0, 0);
  CHECK(eoi_vector == 0x60);
}
