// Tests for the 8254 PIT: emulator/devices/pit.cpp.
#include "emulator/devices/pit.h"

#include <doctest/doctest.h>

#include "tests/emulator/devices/irq_recorder.h"

using namespace isolab::emulator;
using isolab::emulator::test::IrqRecorder;

namespace {

void out(Pit& pit, uint16_t port, uint8_t v) { CHECK(pit.io_write(port, 1, v)); }
uint8_t in(Pit& pit, uint16_t port) {
  uint32_t v = 0;
  CHECK(pit.io_read(port, 1, v));
  return uint8_t(v);
}
void program(Pit& pit, int channel, int mode, uint16_t count) {
  out(pit, 0x43, uint8_t(channel << 6 | 0x30 | mode << 1));
  out(pit, 0x40 + channel, count & 0xFF);
  out(pit, 0x40 + channel, count >> 8);
}

}  // namespace

TEST_CASE("pit: mode 2 raises IRQ0 at the programmed rate in simulated time") {
  IrqRecorder irq;
  Pit pit(irq);
  program(pit, 0, 2, 1193);  // 1193182 / 1193 = 1000.15 Hz
  int before = irq.rising[0];
  for (uint64_t t = 0; t <= 1'000'000'000; t += 100'000) pit.advance(t);
  CHECK(irq.rising[0] - before == 1000);
}

TEST_CASE("pit: next_event_ns lets a halted guest jump from tick to tick") {
  IrqRecorder irq;
  Pit pit(irq);
  program(pit, 0, 2, 11931);  // 100.007 Hz
  int before = irq.rising[0];
  int jumps = 0;
  for (uint64_t next = pit.next_event_ns(); next <= 1'000'000'000; next = pit.next_event_ns()) {
    pit.advance(next);
    jumps++;
  }
  CHECK(jumps == 100);
  CHECK(irq.rising[0] - before == 100);
  // The first event is exactly one period after programming.
  Pit fresh(irq);
  program(fresh, 0, 2, 11932);
  CHECK(fresh.next_event_ns() == ns_of_tick(11932, kPitHz));
}

TEST_CASE("pit: mode 0 raises IRQ0 once at terminal count") {
  IrqRecorder irq;
  Pit pit(irq);
  program(pit, 0, 0, 1000);
  CHECK_FALSE(irq.level[0]);  // OUT goes low when mode 0 is programmed
  int before = irq.rising[0];
  pit.advance(ns_of_tick(999, kPitHz));
  CHECK_FALSE(irq.level[0]);
  pit.advance(ns_of_tick(1000, kPitHz));
  CHECK(irq.level[0]);
  pit.advance(1'000'000'000);
  CHECK(irq.rising[0] - before == 1);
  CHECK(pit.next_event_ns() == kNoEvent);
}

TEST_CASE("pit: latch command freezes the count being read") {
  IrqRecorder irq;
  Pit pit(irq);
  program(pit, 0, 2, 50000);
  pit.advance(ns_of_tick(1234, kPitHz));
  out(pit, 0x43, 0x00);  // latch counter 0
  pit.advance(ns_of_tick(2000, kPitHz));
  uint16_t latched = in(pit, 0x40) | in(pit, 0x40) << 8;
  CHECK(latched == 50000 - 1234);
  uint16_t live = in(pit, 0x40) | in(pit, 0x40) << 8;
  CHECK(live == 50000 - 2000);
}

TEST_CASE("pit: read-back returns status then count") {
  IrqRecorder irq;
  Pit pit(irq);
  program(pit, 1, 3, 0x1000);
  out(pit, 0x43, 0xC4);  // read-back: count and status of counter 1
  uint8_t status = in(pit, 0x41);
  CHECK((status & 0x3F) == 0x36);  // RW=3, mode 3, binary
  CHECK((status & 0x80) != 0);            // OUT high at the start of mode 3
  CHECK((status & 0x40) == 0);      // count loaded
  uint16_t count = in(pit, 0x41) | in(pit, 0x41) << 8;
  CHECK(count == 0x1000);
}

TEST_CASE("pit: lobyte-only access and BCD counting") {
  IrqRecorder irq;
  Pit pit(irq);
  out(pit, 0x43, 0x51);  // counter 1, LSB only, mode 0, BCD
  out(pit, 0x41, 0x99);  // 99 decimal
  pit.advance(ns_of_tick(9, kPitHz));
  CHECK(in(pit, 0x41) == 0x90);  // 90 in BCD
}

TEST_CASE("pit: counter 2 square wave is gated by port 0x61 and read at bit 5") {
  IrqRecorder irq;
  Pit pit(irq);
  program(pit, 2, 3, 100);
  uint64_t t0 = ns_of_tick(10, kPitHz);
  pit.advance(t0);
  CHECK(pit.current_count(2) == 100);  // gate low: held
  out(pit, 0x61, 0x01);                // gate high: restarts from N
  pit.advance(ns_of_tick(10 + 25, kPitHz));
  CHECK((in(pit, 0x61) & 0x20) != 0);  // high for the first 50 clocks
  pit.advance(ns_of_tick(10 + 75, kPitHz));
  CHECK((in(pit, 0x61) & 0x20) == 0);  // low for the next 50
  pit.advance(ns_of_tick(10 + 125, kPitHz));
  CHECK((in(pit, 0x61) & 0x20) != 0);
  CHECK((in(pit, 0x61) & 0x03) == 0x01);
}

TEST_CASE("pit: after reset counter 0 ticks at 18.2 Hz, as the BIOS leaves it") {
  IrqRecorder irq;
  Pit pit(irq);
  int before = irq.rising[0];
  for (uint64_t t = 0; t <= 1'000'000'000; t += 1'000'000) pit.advance(t);
  CHECK(irq.rising[0] - before == 18);
}
