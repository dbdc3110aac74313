// Device snapshots: save() then restore() into a fresh device gives the
// same state and the same future (DESIGN §4, "restore is bit-exact").
#include <doctest/doctest.h>

#include <string>

#include "emulator/devices/ata.h"
#include "emulator/devices/pic.h"
#include "emulator/devices/pit.h"
#include "emulator/devices/uart.h"
#include "tests/emulator/devices/irq_recorder.h"

using namespace isolab::emulator;
using isolab::emulator::test::IrqRecorder;

TEST_CASE("snapshot: a restored PIT counts on exactly as the original") {
  IrqRecorder irq;
  Pit a(irq);
  CHECK(a.io_write(0x43, 1, 0x34));
  CHECK(a.io_write(0x40, 1, 0x9B));
  CHECK(a.io_write(0x40, 1, 0x2E));
  a.advance(3'333'333);
  Pit b(irq);
  REQUIRE(b.restore(a.save()));
  CHECK(b.save() == a.save());
  CHECK(b.next_event_ns() == a.next_event_ns());
  a.advance(7'777'777);
  b.advance(7'777'777);
  CHECK(b.current_count(0) == a.current_count(0));
  CHECK_FALSE(b.restore(std::vector<uint8_t>(3)));
}

TEST_CASE("snapshot: a restored UART keeps its FIFO and the input still on the line") {
  IrqRecorder irq;
  Uart a(irq);
  CHECK(a.io_write(0x3FA, 1, 0x01));
  a.receive("hello");
  a.advance(2 * a.char_time_ns());
  Uart b(irq);
  REQUIRE(b.restore(a.save()));
  CHECK(b.input_queued() == 3);
  b.advance(10 * b.char_time_ns());
  std::string got;
  uint32_t v = 0;
  while (b.io_read(0x3FD, 1, v) && (v & 1)) {
    CHECK(b.io_read(0x3F8, 1, v));
    got += char(v);
  }
  CHECK(got == "hello");
}

TEST_CASE("snapshot: PIC and ATA state round-trip") {
  IrqRecorder irq;
  Pic pic;
  CHECK(pic.io_write(0x21, 1, 0xAB));
  Pic pic2;
  REQUIRE(pic2.restore(pic.save()));
  uint32_t v = 0;
  CHECK(pic2.io_read(0x21, 1, v));
  CHECK(v == 0xAB);

  Ata ata(irq);
  ata.attach(0, std::vector<uint8_t>(4 * kSectorSize, 0x11));
  CHECK(ata.io_write(0x1F7, 1, 0xEC));
  Ata ata2(irq);
  ata2.attach(0, ata.disk(0));
  REQUIRE(ata2.restore(ata.save()));
  CHECK(ata2.io_read(0x1F0, 2, v));
  CHECK(v == 0x0040);  // mid-IDENTIFY: the first data word
}
