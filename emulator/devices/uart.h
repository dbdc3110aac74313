// National Semiconductor PC16550D UART (the "16550A" of every PC's COM1).
// Datasheet: PC16550D Universal Asynchronous Receiver/Transmitter with FIFOs.
// See uart.cpp for the chip as hardware.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string_view>

#include "emulator/devices/device.h"

namespace isolab::emulator {

struct UartState {
  std::array<uint8_t, 16> rx_fifo{};  // ring: rx_count bytes from rx_head
  uint8_t rx_head = 0;
  uint8_t rx_count = 0;
  uint8_t ier = 0;      // interrupt enable register
  uint8_t fcr = 0;      // FIFO control: bit 0 enable, bits 7-6 RX trigger
  uint8_t lcr = 0;      // line control; bit 7 is DLAB
  uint8_t mcr = 0x08;   // modem control; QEMU resets with OUT2 set
  uint8_t lsr_errors = 0;  // sticky LSR error bits (overrun), cleared on LSR read
  uint8_t msr = 0xB0;   // modem status: DCD, DSR, CTS up; low nibble deltas
  uint8_t scr = 0;      // scratch
  uint16_t divisor = 12;  // 9600 baud until programmed
  bool thr_ipending = false;     // the THR-empty interrupt is armed
  bool timeout_pending = false;  // the character-timeout interrupt
  bool irq_level = false;
  uint64_t now_ns = 0;
  uint64_t rx_next_ns = 0;  // when the next queued input byte finishes arriving
  uint64_t last_rx_ns = 0;  // last arrival or RBR read: the timeout's start
};

class Uart : public Device {
 public:
  // A UART at `base` (COM1: 0x3F8) raising ISA IRQ `irq_line` (COM1: 4).
  Uart(IrqSink& irq, uint16_t base = 0x3F8, int irq_line = 4);

  const char* name() const override { return "uart"; }
  void reset() override;
  std::vector<IoRange> io_ranges() const override { return {{base_, uint16_t(base_ + 7)}}; }
  bool io_read(uint16_t port, int size, uint32_t& value) override;
  bool io_write(uint16_t port, int size, uint32_t value) override;
  void advance(uint64_t now_ns) override;
  uint64_t next_event_ns() const override;
  std::vector<uint8_t> save() const override;
  bool restore(std::span<const uint8_t> bytes) override;

  // Bytes the guest transmits (not in loopback) go here, at once.
  std::function<void(uint8_t)> on_transmit;

  // Queue bytes on the line into the receiver. They arrive one character
  // time apart at the programmed baud rate, and only while the FIFO has
  // room (the host side flow-controls, so nothing typed is lost).
  void receive(uint8_t byte);
  void receive(std::string_view text);
  size_t input_queued() const { return input_.size(); }

  // The Interrupt Identification Register as a read would return it.
  uint8_t iir() const;
  uint8_t lsr() const;
  // Nanoseconds one character takes on the line at the current settings.
  uint64_t char_time_ns() const;

  UartState state;

 private:
  bool fifo_enabled() const { return state.fcr & 0x01; }
  int rx_capacity() const { return fifo_enabled() ? 16 : 1; }
  int rx_trigger() const;
  void push_rx(uint8_t byte);
  uint8_t pop_rx();
  void deliver_input();
  void write_mcr(uint8_t value);
  void update_irq();

  IrqSink& irq_;
  uint16_t base_;
  int irq_line_;
  std::deque<uint8_t> input_;  // bytes on the wire, not yet received
};

}  // namespace isolab::emulator
