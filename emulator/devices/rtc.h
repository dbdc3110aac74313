// Motorola MC146818A real-time clock and CMOS RAM (ports 0x70/0x71).
// Datasheet: Motorola MC146818A Real-Time Clock Plus RAM (RTC).
// See rtc.cpp for the chip as hardware.
#pragma once
#include <array>
#include <cstdint>

#include "emulator/devices/device.h"

namespace isolab::emulator {

struct RtcState {
  std::array<uint8_t, 128> cmos{};  // registers 0x0A-0x0D and RAM 0x0E-0x7F live here
  uint8_t index = 0;                // port 0x70 bits 6-0
  bool nmi_disabled = false;        // port 0x70 bit 7
  // The time of day as seconds since 1970-01-01 00:00 (the guest's local
  // time; no time zones), at simulated time base_ns.
  int64_t base_seconds = 0;
  uint64_t base_ns = 0;
  bool irq_level = false;
  uint64_t now_ns = 0;
};

class Rtc : public Device {
 public:
  // The clock reads `epoch_seconds` (Unix time) at simulated time 0.
  Rtc(IrqSink& irq, int64_t epoch_seconds, int irq_line = 8);

  const char* name() const override { return "rtc"; }
  void reset() override;
  std::vector<IoRange> io_ranges() const override { return {{0x70, 0x71}}; }
  bool io_read(uint16_t port, int size, uint32_t& value) override;
  bool io_write(uint16_t port, int size, uint32_t value) override;
  void advance(uint64_t now_ns) override;
  uint64_t next_event_ns() const override;
  std::vector<uint8_t> save() const override { return save_pod(state); }
  bool restore(std::span<const uint8_t> bytes) override { return restore_pod(bytes, state); }

  // The machine fills in CMOS RAM as a BIOS would: base memory (0x15-0x16),
  // extended memory above 1 MiB (0x17-0x18 and 0x30-0x31, KiB, at most
  // 0xFFFF) and memory above 16 MiB (0x34-0x35, 64 KiB units).
  void set_memory_size(uint64_t ram_bytes);
  void set_cmos(uint8_t index, uint8_t value) { state.cmos[index & 0x7F] = value; }
  uint8_t cmos(uint8_t index) const { return state.cmos[index & 0x7F]; }

  bool nmi_disabled() const { return state.nmi_disabled; }
  // Current time of day, seconds since 1970 in the guest's calendar.
  int64_t seconds() const;
  // The periodic interrupt's period in ns for register A's rate, 0 if off.
  uint64_t periodic_ns() const;

  RtcState state;

 private:
  uint8_t read_register(uint8_t index);
  void write_register(uint8_t index, uint8_t value);
  void raise_flags(uint8_t flags);
  void update_irq();
  IrqSink& irq_;
  int irq_line_;
};

}  // namespace isolab::emulator
