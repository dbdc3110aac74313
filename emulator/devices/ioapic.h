// Intel 82093AA I/O APIC at 0xFEC00000. See ioapic.cpp for the hardware.
#pragma once
#include <array>
#include <cstdint>

#include "emulator/devices/device.h"

namespace isolab::emulator {

class LocalApic;

inline constexpr uint32_t kIoApicBase = 0xFEC00000;
inline constexpr int kIoApicPins = 24;

struct IoApicState {
  uint8_t ioregsel = 0;
  uint8_t id = 0;  // bits 27-24 of register 0
  std::array<uint64_t, kIoApicPins> redirection{};  // the redirection table
  uint32_t irr = 0;    // pins with a request waiting to be delivered
  uint32_t input = 0;  // level of each pin, for edge detection
};

class IoApic : public Device {
 public:
  // Delivers to `lapic` and listens for its EOIs of level-triggered vectors.
  explicit IoApic(LocalApic& lapic, uint32_t base = kIoApicBase, uint8_t id = 0);

  const char* name() const override { return "ioapic"; }
  void reset() override;
  std::vector<MmioRange> mmio_ranges() const override { return {{base_, base_ + 0xFFF}}; }
  bool mmio_read(uint32_t addr, int size, uint32_t& value) override;
  bool mmio_write(uint32_t addr, int size, uint32_t value) override;
  std::vector<uint8_t> save() const override { return save_pod(state); }
  bool restore(std::span<const uint8_t> bytes) override { return restore_pod(bytes, state); }

  // Drive input pin `pin` (0-23) to `level`.
  void set_pin(int pin, bool level);
  // The local APIC finished a level-triggered interrupt with this vector.
  void eoi(uint8_t vector);

  uint32_t read_register(uint8_t index) const;
  void write_register(uint8_t index, uint32_t value);

  IoApicState state;

 private:
  void service();
  LocalApic& lapic_;
  uint32_t base_;
  uint8_t initial_id_;
};

}  // namespace isolab::emulator
