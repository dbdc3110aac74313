// Tests for interrupt routing: emulator/devices/irq_router.cpp, with the
// PIT driving IRQ0 through the whole chain.
#include "emulator/devices/irq_router.h"

#include <doctest/doctest.h>

#include "emulator/devices/ioapic.h"
#include "emulator/devices/lapic.h"
#include "emulator/devices/pic.h"
#include "emulator/devices/pit.h"

using namespace isolab::emulator;

namespace {

struct Pc {
  Pic pic;
  LocalApic lapic;
  IoApic ioapic{lapic};
  InterruptRouter router{pic, &ioapic, &lapic};

  void pic_init() {
    for (auto [port, v] : {std::pair{0x20, 0x11}, {0x21, 0x20}, {0x21, 0x04}, {0x21, 0x01}, {0xA0, 0x11},
                           {0xA1, 0x28}, {0xA1, 0x02}, {0xA1, 0x01}, {0x21, 0x00}, {0xA1, 0x00}})
      CHECK(pic.io_write(uint16_t(port), 1, uint8_t(v)));
  }
  void lapic_write(uint32_t offset, uint32_t v) { CHECK(lapic.mmio_write(kLapicBase + offset, 4, v)); }
  void ioapic_write(uint8_t index, uint32_t v) {
    CHECK(ioapic.mmio_write(kIoApicBase, 4, index));
    CHECK(ioapic.mmio_write(kIoApicBase + 0x10, 4, v));
  }
};

}  // namespace

TEST_CASE("router: with the APICs untouched, IRQs reach the CPU through the 8259") {
  Pc pc;
  pc.pic_init();
  pc.router.set_irq(4, true);
  REQUIRE(pc.router.pending());
  CHECK(pc.router.acknowledge() == 0x24);
}

TEST_CASE("router: the PIT's IRQ0 reaches the 8259 at vector base + 0") {
  Pc pc;
  pc.pic_init();
  Pit pit(pc.router);
  pit.advance(pit.next_event_ns());
  REQUIRE(pc.router.pending());
  CHECK(pc.router.acknowledge() == 0x20);
}

TEST_CASE("router: an APIC OS masks the 8259 and LINT0 and gets IRQs from the I/O APIC") {
  Pc pc;
  pc.pic_init();
  CHECK(pc.pic.io_write(0x21, 1, 0xFF));
  CHECK(pc.pic.io_write(0xA1, 1, 0xFF));
  pc.lapic_write(0xF0, 0x1FF);
  pc.lapic_write(0x350, 0x10000);                // LINT0 masked
  pc.ioapic_write(0x10 + 2 * 2, 0x30);           // pin 2 (ISA IRQ0) -> 0x30
  pc.ioapic_write(0x10 + 2 * 14, 0x3E);          // pin 14 (ISA IRQ14) -> 0x3E
  Pit pit(pc.router);
  pit.advance(pit.next_event_ns());
  REQUIRE(pc.router.pending());
  CHECK(pc.router.acknowledge() == 0x30);
  pc.lapic_write(0xB0, 0);
  pc.router.set_irq(14, true);
  CHECK(pc.router.acknowledge() == 0x3E);
  pc.lapic_write(0xB0, 0);
  pc.router.set_irq(3, true);  // IRQ3: masked in the I/O APIC and in the 8259
  CHECK_FALSE(pc.router.pending());
}

TEST_CASE("router: an unmasked 8259 is blocked once LINT0 is masked") {
  Pc pc;
  pc.pic_init();
  pc.lapic_write(0xF0, 0x1FF);
  pc.router.set_irq(1, true);
  CHECK(pc.router.pending());  // virtual wire: LINT0 is ExtINT
  pc.lapic_write(0x350, 0x10000);
  CHECK_FALSE(pc.router.pending());
  pc.lapic_write(0xF0, 0x0FF);  // APIC off: the 8259 drives INTR directly
  CHECK(pc.router.pending());
  CHECK(pc.router.acknowledge() == 0x21);
}

TEST_CASE("router: the local APIC is served before the 8259") {
  Pc pc;
  pc.pic_init();
  pc.lapic_write(0xF0, 0x1FF);
  pc.router.set_irq(5, true);
  pc.lapic_write(0x300, 0x40000 | 0x80);  // self IPI
  CHECK(pc.router.acknowledge() == 0x80);
  CHECK(pc.router.acknowledge() == 0x25);
}
