// Intel 8254 programmable interval timer and the PC's port 0x61.
// Datasheet: Intel 8254 Programmable Interval Timer, order 231164.
// See pit.cpp for the chip as hardware.
#pragma once
#include <cstdint>

#include "emulator/devices/device.h"

namespace isolab::emulator {

inline constexpr uint64_t kPitHz = 1'193'182;  // 14.31818 MHz / 12

// One counter. Counting is kept as arithmetic on simulated time: the
// counter was loaded with `count` at tick `load_tick`, and its value and
// OUT at any later tick follow from the mode (pit.cpp, counter_at/out_at).
struct PitChannel {
  uint8_t mode = 0;        // 0-5 (6 and 7 alias 2 and 3)
  uint8_t access = 3;      // RW bits: 1 LSB only, 2 MSB only, 3 LSB then MSB
  bool bcd = false;        // count in BCD (0-9999) rather than binary
  bool gate = true;        // GATE input (fixed high for counters 0 and 1)
  bool loaded = false;     // a count is in the counting element
  bool triggered = false;  // modes 1 and 5: a gate rising edge started it
  uint32_t count = 0;      // N, the initial count: 1-65536 or 1-10000
  uint64_t load_tick = 0;  // tick at which counting started
  uint64_t held_d = 0;     // elapsed ticks frozen while GATE is low (modes 0, 4)
  // The bus side: byte toggles and latches.
  bool write_msb_next = false;
  uint8_t write_lsb = 0;
  bool read_msb_next = false;
  uint8_t latch_bytes = 0;  // bytes of `latched_count` still to read
  uint16_t latched_count = 0;
  bool status_latched = false;
  uint8_t latched_status = 0;
  bool null_count = true;  // status bit 6: count written, not yet loaded
};

struct PitState {
  PitChannel ch[3];
  uint8_t port61 = 0;  // bit 0 counter 2 GATE, bit 1 speaker data enable
  bool irq0_level = false;
  uint64_t now_ns = 0;
  uint64_t now_tick = 0;
};

class Pit : public Device {
 public:
  // Counter 0's OUT drives ISA IRQ `irq_line` (0) on `irq`.
  explicit Pit(IrqSink& irq, int irq_line = 0);

  const char* name() const override { return "pit"; }
  void reset() override;
  std::vector<IoRange> io_ranges() const override;
  bool io_read(uint16_t port, int size, uint32_t& value) override;
  bool io_write(uint16_t port, int size, uint32_t value) override;
  void advance(uint64_t now_ns) override;
  uint64_t next_event_ns() const override;
  std::vector<uint8_t> save() const override { return save_pod(state); }
  bool restore(std::span<const uint8_t> bytes) override { return restore_pod(bytes, state); }

  // OUT of counter `n` and its current count (as the bus would read it,
  // BCD-encoded in BCD mode), at the current simulated time.
  bool out(int n) const;
  uint16_t current_count(int n) const;

  PitState state;

 private:
  void write_control(uint8_t value);
  void write_counter(int n, uint8_t value);
  uint8_t read_counter(int n);
  void load(int n, uint16_t raw);
  void latch_count(int n);
  void latch_status(int n);
  void set_gate(int n, bool gate);
  void update_irq0();

  IrqSink& irq_;
  int irq_line_;
};

}  // namespace isolab::emulator
