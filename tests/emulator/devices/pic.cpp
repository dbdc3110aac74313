// Tests for the 8259A pair: emulator/devices/pic.cpp.
#include "emulator/devices/pic.h"

#include <doctest/doctest.h>

using namespace isolab::emulator;

namespace {

void out(Pic& pic, uint16_t port, uint8_t v) { CHECK(pic.io_write(port, 1, v)); }
uint8_t in(Pic& pic, uint16_t port) {
  uint32_t v = 0;
  CHECK(pic.io_read(port, 1, v));
  return uint8_t(v);
}

// The sequence every PC OS runs: ICW1-4 on both chips, vectors 0x20/0x28.
void init_pair(Pic& pic, uint8_t master_icw4 = 0x01) {
  out(pic, 0x20, 0x11);
  out(pic, 0x21, 0x20);
  out(pic, 0x21, 0x04);
  out(pic, 0x21, master_icw4);
  out(pic, 0xA0, 0x11);
  out(pic, 0xA1, 0x28);
  out(pic, 0xA1, 0x02);
  out(pic, 0xA1, 0x01);
  out(pic, 0x21, 0x00);
  out(pic, 0xA1, 0x00);
}

void pulse(Pic& pic, int irq) {
  pic.set_irq(irq, true);
  pic.set_irq(irq, false);
}

}  // namespace

TEST_CASE("pic: the init sequence sets the vector bases and an IRQ arrives at base + n") {
  Pic pic;
  init_pair(pic);
  CHECK(pic.state.chip[0].vector_base == 0x20);
  CHECK(pic.state.chip[1].vector_base == 0x28);
  CHECK(pic.state.chip[1].icw3 == 0x02);
  CHECK_FALSE(pic.pending());
  pulse(pic, 3);
  REQUIRE(pic.pending());
  CHECK(pic.acknowledge() == 0x23);
  CHECK(pic.state.chip[0].isr == 0x08);
  CHECK_FALSE(pic.pending());
}

TEST_CASE("pic: lower IRQ numbers win, and a lower priority waits for EOI") {
  Pic pic;
  init_pair(pic);
  pulse(pic, 4);
  pulse(pic, 1);
  CHECK(pic.acknowledge() == 0x21);
  CHECK_FALSE(pic.pending());  // IRQ4 is blocked by IRQ1 in service
  pulse(pic, 0);
  CHECK(pic.pending());        // IRQ0 is higher priority: nests
  CHECK(pic.acknowledge() == 0x20);
  out(pic, 0x20, 0x20);  // non-specific EOI ends IRQ0, the highest in service
  CHECK(pic.state.chip[0].isr == 0x02);
  CHECK_FALSE(pic.pending());
  out(pic, 0x20, 0x20);
  CHECK(pic.pending());
  CHECK(pic.acknowledge() == 0x24);
}

TEST_CASE("pic: specific EOI clears only the named IRQ") {
  Pic pic;
  init_pair(pic);
  pulse(pic, 5);
  CHECK(pic.acknowledge() == 0x25);
  pulse(pic, 3);
  CHECK(pic.acknowledge() == 0x23);
  out(pic, 0x20, 0x65);  // specific EOI, level 5
  CHECK(pic.state.chip[0].isr == 0x08);
}

TEST_CASE("pic: a masked IRQ stays in IRR until unmasked") {
  Pic pic;
  init_pair(pic);
  out(pic, 0x21, 0xFF);
  pulse(pic, 6);
  CHECK_FALSE(pic.pending());
  out(pic, 0x20, 0x0A);  // OCW3: read IRR
  CHECK(in(pic, 0x20) == 0x40);
  CHECK(in(pic, 0x21) == 0xFF);
  out(pic, 0x21, 0xBF);
  CHECK(pic.pending());
  CHECK(pic.acknowledge() == 0x26);
  out(pic, 0x20, 0x0B);  // OCW3: read ISR
  CHECK(in(pic, 0x20) == 0x40);
}

TEST_CASE("pic: edge triggered: a line held high requests once") {
  Pic pic;
  init_pair(pic);
  pic.set_irq(1, true);
  CHECK(pic.acknowledge() == 0x21);
  out(pic, 0x20, 0x20);
  pic.set_irq(1, true);  // still high: no new edge
  CHECK_FALSE(pic.pending());
  pic.set_irq(1, false);
  pic.set_irq(1, true);
  CHECK(pic.pending());
}

TEST_CASE("pic: slave IRQs cascade through master IR2 and need EOI on both") {
  Pic pic;
  init_pair(pic);
  pulse(pic, 12);
  REQUIRE(pic.pending());
  CHECK(pic.acknowledge() == 0x2C);
  CHECK(pic.state.chip[0].isr == 0x04);
  CHECK(pic.state.chip[1].isr == 0x10);
  pulse(pic, 14);
  CHECK_FALSE(pic.pending());  // IR2 in service on the master blocks it
  out(pic, 0xA0, 0x20);
  CHECK_FALSE(pic.pending());  // still blocked until the master's EOI
  out(pic, 0x20, 0x20);
  REQUIRE(pic.pending());
  CHECK(pic.acknowledge() == 0x2E);
}

TEST_CASE("pic: masking IRQ2 on the master blocks every slave IRQ") {
  Pic pic;
  init_pair(pic);
  out(pic, 0x21, 0x04);
  pulse(pic, 8);
  CHECK_FALSE(pic.pending());
  out(pic, 0x21, 0x00);
  CHECK(pic.acknowledge() == 0x28);
}

TEST_CASE("pic: acknowledge with nothing pending gives spurious IRQ7 without ISR") {
  Pic pic;
  init_pair(pic);
  CHECK(pic.acknowledge() == 0x27);
  CHECK(pic.state.chip[0].isr == 0);
}

TEST_CASE("pic: auto-EOI leaves ISR clear") {
  Pic pic;
  init_pair(pic, 0x03);
  pulse(pic, 2 + 1);
  CHECK(pic.acknowledge() == 0x23);
  CHECK(pic.state.chip[0].isr == 0);
  pulse(pic, 4);
  CHECK(pic.pending());
}

TEST_CASE("pic: rotate on non-specific EOI makes the finished IRQ lowest") {
  Pic pic;
  init_pair(pic);
  pulse(pic, 0);
  CHECK(pic.acknowledge() == 0x20);
  out(pic, 0x20, 0xA0);  // rotate on non-specific EOI
  pulse(pic, 0);
  pulse(pic, 5);
  CHECK(pic.acknowledge() == 0x25);  // IRQ0 is now the lowest priority
}

TEST_CASE("pic: poll mode reads the request and acknowledges it") {
  Pic pic;
  init_pair(pic);
  pulse(pic, 6);
  out(pic, 0x20, 0x0C);  // OCW3: poll
  CHECK(in(pic, 0x20) == 0x86);
  CHECK(pic.state.chip[0].isr == 0x40);
}

TEST_CASE("pic: a level-triggered IRQ (ELCR) withdrawn before INTA gives spurious IRQ15") {
  Pic pic;
  init_pair(pic);
  out(pic, 0x4D1, 0x08);  // IRQ11 level triggered
  CHECK(in(pic, 0x4D1) == 0x08);
  pic.set_irq(11, true);
  CHECK(pic.pending());
  pic.set_irq(11, false);
  CHECK(pic.state.chip[1].irr == 0);
  CHECK(pic.acknowledge() == 0x2F);
  CHECK(pic.state.chip[1].isr == 0);
  CHECK(pic.state.chip[0].isr == 0x04);  // the master still needs its EOI
}
