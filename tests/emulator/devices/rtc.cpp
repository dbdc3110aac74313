// Tests for the MC146818 RTC and CMOS: emulator/devices/rtc.cpp.
#include "emulator/devices/rtc.h"

#include <doctest/doctest.h>

#include "tests/emulator/devices/irq_recorder.h"

using namespace isolab::emulator;
using isolab::emulator::test::IrqRecorder;

namespace {

constexpr int64_t kEpoch = 1710510330;  // Friday 2024-03-15 13:45:30
uint8_t cmos_read(Rtc& rtc, uint8_t index) {
  uint32_t v = 0;
  CHECK(rtc.io_write(0x70, 1, index));
  CHECK(rtc.io_read(0x71, 1, v));
  return uint8_t(v);
}
void cmos_write(Rtc& rtc, uint8_t index, uint8_t value) {
  CHECK(rtc.io_write(0x70, 1, index));
  CHECK(rtc.io_write(0x71, 1, value));
}

}  // namespace

TEST_CASE("rtc: time registers read in BCD from the epoch given at construction") {
  IrqRecorder irq;
  Rtc rtc(irq, kEpoch);
  CHECK(cmos_read(rtc, 0x00) == 0x30);
  CHECK(cmos_read(rtc, 0x02) == 0x45);
  CHECK(cmos_read(rtc, 0x04) == 0x13);
  CHECK(cmos_read(rtc, 0x06) == 0x06);  // Friday, with Sunday = 1
  CHECK(cmos_read(rtc, 0x07) == 0x15);
  CHECK(cmos_read(rtc, 0x08) == 0x03);
  CHECK(cmos_read(rtc, 0x09) == 0x24);
  CHECK(cmos_read(rtc, 0x32) == 0x20);
  CHECK(cmos_read(rtc, 0x0D) == 0x80);
}

TEST_CASE("rtc: binary and 12-hour modes follow register B") {
  IrqRecorder irq;
  Rtc rtc(irq, kEpoch);
  cmos_write(rtc, 0x0B, 0x06);  // binary, 24 h
  CHECK(cmos_read(rtc, 0x04) == 13);
  CHECK(cmos_read(rtc, 0x00) == 30);
  cmos_write(rtc, 0x0B, 0x04);  // binary, 12 h
  CHECK(cmos_read(rtc, 0x04) == (0x80 | 1));  // 1 PM
  cmos_write(rtc, 0x0B, 0x00);  // BCD, 12 h
  CHECK(cmos_read(rtc, 0x04) == 0x81);
}

TEST_CASE("rtc: the clock advances with simulated time and can be set") {
  IrqRecorder irq;
  Rtc rtc(irq, kEpoch);
  rtc.advance(2'500'000'000);
  CHECK(cmos_read(rtc, 0x00) == 0x32);
  rtc.advance(31'000'000'000);
  CHECK(cmos_read(rtc, 0x00) == 0x01);
  CHECK(cmos_read(rtc, 0x02) == 0x46);
  cmos_write(rtc, 0x0B, 0x82);  // SET: stop updates while writing
  cmos_write(rtc, 0x04, 0x23);
  cmos_write(rtc, 0x02, 0x59);
  cmos_write(rtc, 0x00, 0x59);
  cmos_write(rtc, 0x0B, 0x02);
  rtc.advance(32'000'000'000);
  CHECK(cmos_read(rtc, 0x04) == 0x00);
  CHECK(cmos_read(rtc, 0x07) == 0x16);  // rolled over to the 16th
  CHECK(cmos_read(rtc, 0x06) == 0x07);  // Saturday
}

TEST_CASE("rtc: periodic interrupt on IRQ8 at the rate in register A") {
  IrqRecorder irq;
  Rtc rtc(irq, kEpoch);
  cmos_write(rtc, 0x0A, 0x26);  // 1024 Hz
  cmos_write(rtc, 0x0B, 0x42);  // PIE
  int interrupts = 0;
  for (uint64_t next = rtc.next_event_ns(); next <= 1'000'000'000; next = rtc.next_event_ns()) {
    rtc.advance(next);
    if (irq.level[8]) {
      interrupts++;
      CHECK((cmos_read(rtc, 0x0C) & 0xC0) == 0xC0);  // IRQF | PF, and the read releases IRQ8
      CHECK_FALSE(irq.level[8]);
    }
  }
  CHECK(interrupts == 1024);
  cmos_write(rtc, 0x0A, 0x2F);  // 2 Hz
  CHECK(rtc.periodic_ns() == 500'000'000);
}

TEST_CASE("rtc: without reading register C, IRQ8 stays asserted and raises no new edge") {
  IrqRecorder irq;
  Rtc rtc(irq, kEpoch);
  cmos_write(rtc, 0x0B, 0x42);
  rtc.advance(10'000'000);
  CHECK(irq.level[8]);
  CHECK(rtc.next_event_ns() == kNoEvent);
  rtc.advance(20'000'000);
  CHECK(irq.rising[8] == 1);
}

TEST_CASE("rtc: update-ended and alarm interrupts") {
  IrqRecorder irq;
  Rtc rtc(irq, kEpoch);
  cmos_write(rtc, 0x0B, 0x12);  // UIE
  CHECK(rtc.next_event_ns() == 1'000'000'000);
  rtc.advance(1'000'000'000);
  CHECK((cmos_read(rtc, 0x0C) & 0x90) == 0x90);  // IRQF, UF (and PF, which runs without PIE)
  cmos_write(rtc, 0x01, 0x35);  // alarm at xx:xx:35 (hours and minutes don't care)
  cmos_write(rtc, 0x03, 0xC0);
  cmos_write(rtc, 0x05, 0xC0);
  cmos_write(rtc, 0x0B, 0x22);  // AIE only
  rtc.advance(4'000'000'000);
  CHECK_FALSE(irq.level[8]);
  rtc.advance(5'000'000'000);
  CHECK(irq.level[8]);
  CHECK((cmos_read(rtc, 0x0C) & 0xA0) == 0xA0);
}

TEST_CASE("rtc: UIP is set just before each update") {
  IrqRecorder irq;
  Rtc rtc(irq, kEpoch);
  rtc.advance(500'000'000);
  CHECK((cmos_read(rtc, 0x0A) & 0x80) == 0);
  rtc.advance(999'900'000);
  CHECK((cmos_read(rtc, 0x0A) & 0x80) != 0);
}

TEST_CASE("rtc: NMI mask bit, CMOS RAM and the memory size bytes") {
  IrqRecorder irq;
  Rtc rtc(irq, kEpoch);
  CHECK(rtc.io_write(0x70, 1, 0x80 | 0x40));
  CHECK(rtc.nmi_disabled());
  CHECK(rtc.io_write(0x71, 1, 0xAB));
  CHECK(cmos_read(rtc, 0x40) == 0xAB);
  CHECK_FALSE(rtc.nmi_disabled());
  rtc.set_memory_size(32u << 20);
  CHECK((cmos_read(rtc, 0x15) | cmos_read(rtc, 0x16) << 8) == 640);
  CHECK((cmos_read(rtc, 0x17) | cmos_read(rtc, 0x18) << 8) == 31 * 1024);
  CHECK((cmos_read(rtc, 0x30) | cmos_read(rtc, 0x31) << 8) == 31 * 1024);
  CHECK((cmos_read(rtc, 0x34) | cmos_read(rtc, 0x35) << 8) == 256);  // 16 MiB in 64 KiB units
}
