// Tests for the 16550A UART: emulator/devices/uart.cpp.
#include "emulator/devices/uart.h"

#include <doctest/doctest.h>

#include <string>

#include "tests/emulator/devices/irq_recorder.h"

using namespace isolab::emulator;
using isolab::emulator::test::IrqRecorder;

namespace {

constexpr uint16_t kCom1 = 0x3F8;
void out(Uart& u, int reg, uint8_t v) { CHECK(u.io_write(kCom1 + reg, 1, v)); }
uint8_t in(Uart& u, int reg) {
  uint32_t v = 0;
  CHECK(u.io_read(kCom1 + reg, 1, v));
  return uint8_t(v);
}
// 115200 8N1, as most teaching OSes set it up.
void init_115200(Uart& u) {
  out(u, 3, 0x80);
  out(u, 0, 0x01);
  out(u, 1, 0x00);
  out(u, 3, 0x03);
}

}  // namespace

TEST_CASE("uart: transmitted bytes go to the callback at once") {
  IrqRecorder irq;
  Uart u(irq);
  std::string sent;
  u.on_transmit = [&](uint8_t b) { sent += char(b); };
  init_115200(u);
  for (char c : std::string("Hi\n")) {
    CHECK((in(u, 5) & 0x20) != 0);  // THRE: ready at once
    out(u, 0, uint8_t(c));
  }
  CHECK(sent == "Hi\n");
  CHECK((in(u, 5) & 0x60) == 0x60);
}

TEST_CASE("uart: divisor latch and line control read back") {
  IrqRecorder irq;
  Uart u(irq);
  init_115200(u);
  CHECK(in(u, 3) == 0x03);
  out(u, 3, 0x83);
  CHECK(in(u, 0) == 0x01);
  CHECK(in(u, 1) == 0x00);
  out(u, 3, 0x03);
  CHECK(u.char_time_ns() == 86'805);  // 10 bits at 115200 baud
  out(u, 7, 0x5A);
  CHECK(in(u, 7) == 0x5A);
}

TEST_CASE("uart: received bytes arrive one character time apart into the FIFO") {
  IrqRecorder irq;
  Uart u(irq);
  init_115200(u);
  out(u, 2, 0x07);  // FIFO on, trigger 1, clear
  out(u, 1, 0x01);  // received-data interrupt
  u.receive("ok");
  CHECK((in(u, 5) & 0x01) == 0);
  u.advance(u.char_time_ns());
  CHECK((in(u, 5) & 0x01) != 0);
  CHECK(irq.level[4]);
  CHECK(in(u, 2) == 0xC4);  // FIFOs on, received data available
  CHECK(in(u, 0) == 'o');
  CHECK_FALSE(irq.level[4]);
  u.advance(2 * u.char_time_ns());
  CHECK(in(u, 0) == 'k');
  CHECK(in(u, 2) == 0xC1);
}

TEST_CASE("uart: below the trigger level data raises a character timeout") {
  IrqRecorder irq;
  Uart u(irq);
  init_115200(u);
  out(u, 2, 0xC7);  // trigger at 14 bytes
  out(u, 1, 0x01);
  u.receive("abc");
  uint64_t t = 3 * u.char_time_ns();
  u.advance(t);
  CHECK(in(u, 2) == 0xC1);  // three bytes in, trigger not reached, line not quiet yet
  CHECK(u.next_event_ns() == t + 4 * u.char_time_ns());
  u.advance(u.next_event_ns());
  CHECK(in(u, 2) == 0xCC);  // character timeout
  CHECK(irq.level[4]);
  std::string got;
  while (in(u, 5) & 0x01) got += char(in(u, 0));
  CHECK(got == "abc");
  CHECK(in(u, 2) == 0xC1);
  CHECK_FALSE(irq.level[4]);
}

TEST_CASE("uart: the trigger level raises received-data available") {
  IrqRecorder irq;
  Uart u(irq);
  init_115200(u);
  out(u, 2, 0x41);  // FIFO on, trigger at 4
  out(u, 1, 0x01);
  u.receive("12345");
  u.advance(3 * u.char_time_ns());
  CHECK(in(u, 2) == 0xC1);
  u.advance(4 * u.char_time_ns());
  CHECK(in(u, 2) == 0xC4);
}

TEST_CASE("uart: a full FIFO holds further input back instead of overrunning") {
  IrqRecorder irq;
  Uart u(irq);
  init_115200(u);
  out(u, 2, 0x01);
  u.receive(std::string(20, 'x'));
  u.advance(100 * u.char_time_ns());
  CHECK(u.state.rx_count == 16);
  CHECK(u.input_queued() == 4);
  CHECK((in(u, 5) & 0x02) == 0);  // no overrun
  in(u, 0);
  u.advance(102 * u.char_time_ns());
  CHECK(u.state.rx_count == 16);
  CHECK(u.input_queued() == 3);
}

TEST_CASE("uart: THR-empty interrupt on enable, cleared by reading IIR, re-armed by a write") {
  IrqRecorder irq;
  Uart u(irq);
  init_115200(u);
  out(u, 4, 0x00);  // OUT2 low: QEMU does not gate the interrupt with it
  out(u, 1, 0x02);
  CHECK(irq.level[4]);
  CHECK((in(u, 2) & 0x0F) == 0x02);
  CHECK((in(u, 2) & 0x0F) == 0x01);
  CHECK_FALSE(irq.level[4]);
  out(u, 0, 'A');
  CHECK(irq.level[4]);
  CHECK((in(u, 2) & 0x0F) == 0x02);
}

TEST_CASE("uart: receive interrupts outrank THR empty") {
  IrqRecorder irq;
  Uart u(irq);
  init_115200(u);
  out(u, 1, 0x03);
  u.receive('z');
  u.advance(u.char_time_ns());
  CHECK((in(u, 2) & 0x0F) == 0x04);
  in(u, 0);
  CHECK((in(u, 2) & 0x0F) == 0x02);
}

TEST_CASE("uart: loopback feeds the transmitter to the receiver and the modem lines") {
  IrqRecorder irq;
  Uart u(irq);
  std::string sent;
  u.on_transmit = [&](uint8_t b) { sent += char(b); };
  init_115200(u);
  out(u, 4, 0x1E);  // loopback, OUT2, OUT1, RTS
  out(u, 0, 0xAE);
  CHECK(sent.empty());
  CHECK((in(u, 5) & 0x01) != 0);
  CHECK(in(u, 0) == 0xAE);
  uint8_t msr = in(u, 6);
  CHECK((msr & 0xF0) == 0xD0);  // CTS <- RTS, RI <- OUT1, DCD <- OUT2, DSR <- DTR (low)
  CHECK((in(u, 6) & 0x0F) == 0);  // deltas cleared by the read
  out(u, 4, 0x0F);                // leave loopback
  out(u, 0, 'q');
  CHECK(sent == "q");
}

TEST_CASE("uart: an overrun in loopback shows in LSR and as a line status interrupt") {
  IrqRecorder irq;
  Uart u(irq);
  init_115200(u);
  out(u, 2, 0x00);  // no FIFO: one byte holding register
  out(u, 1, 0x04);
  out(u, 4, 0x10);
  out(u, 0, '1');
  out(u, 0, '2');
  CHECK((in(u, 2) & 0x0F) == 0x06);
  CHECK((in(u, 5) & 0x02) != 0);
  CHECK((in(u, 5) & 0x02) == 0);  // cleared by reading LSR
  CHECK(in(u, 0) == '1');
}
