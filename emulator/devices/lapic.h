// Local APIC of one processor, at 0xFEE00000.
// Reference: Intel SDM Vol. 3A, chapter 10 "Advanced Programmable
// Interrupt Controller (APIC)". See lapic.cpp for the hardware.
#pragma once
#include <array>
#include <cstdint>
#include <functional>

#include "emulator/devices/device.h"

namespace isolab::emulator {

inline constexpr uint32_t kLapicBase = 0xFEE00000;
// The timer counts the bus clock; as in QEMU, one count per nanosecond
// at divide-by-1 (a 1 GHz bus).
inline constexpr uint64_t kLapicBusHz = 1'000'000'000;

// Local vector table entries, in register order 0x320-0x370.
enum LapicLvt { kLvtTimer, kLvtThermal, kLvtPerf, kLvtLint0, kLvtLint1, kLvtError, kLvtCount };

struct LapicState {
  uint32_t apic_base = kLapicBase | 0x900;  // IA32_APIC_BASE: BSP, global enable
  uint8_t id = 0;
  uint8_t tpr = 0;
  uint32_t ldr = 0, dfr = 0xFFFFFFFF;
  uint32_t svr = 0xFF;  // bit 8 is the software enable
  uint32_t esr = 0;
  std::array<uint32_t, 8> irr{}, isr{}, tmr{};  // 256 bits each, vector v at word v/32
  uint32_t icr_low = 0, icr_high = 0;
  std::array<uint32_t, kLvtCount> lvt{};
  uint32_t initial_count = 0;
  uint32_t divide_config = 0;
  uint64_t timer_start_ns = 0;  // when the current count was last equal to initial_count
  bool timer_running = false;
  uint64_t now_ns = 0;
};

class LocalApic : public Device {
 public:
  LocalApic();

  const char* name() const override { return "lapic"; }
  void reset() override;
  std::vector<MmioRange> mmio_ranges() const override { return {{base(), base() + 0xFFF}}; }
  bool mmio_read(uint32_t addr, int size, uint32_t& value) override;
  bool mmio_write(uint32_t addr, int size, uint32_t value) override;
  void advance(uint64_t now_ns) override;
  uint64_t next_event_ns() const override;
  std::vector<uint8_t> save() const override { return save_pod(state); }
  bool restore(std::span<const uint8_t> bytes) override { return restore_pod(bytes, state); }

  uint32_t base() const { return state.apic_base & 0xFFFFF000; }
  // IA32_APIC_BASE (MSR 0x1B), for the machine's RDMSR/WRMSR.
  void write_apic_base(uint32_t value);
  bool globally_enabled() const { return state.apic_base & 0x800; }
  bool software_enabled() const { return state.svr & 0x100; }
  // Whether the 8259's INTR reaches the CPU: with the APIC off, or with
  // LINT0 unmasked (virtual wire mode, as a BIOS leaves it).
  bool accepts_pic_interrupts() const;

  // An interrupt message for this CPU (from the I/O APIC or an IPI).
  // delivery_mode is the APIC's: 0 fixed, 1 lowest priority, 4 NMI, ...
  // Messages whose destination does not match this APIC are ignored.
  void deliver(uint8_t vector, uint8_t delivery_mode, bool level_triggered, uint8_t destination,
               bool logical_destination);
  // Set IRR (and TMR for a level-triggered interrupt) for `vector`.
  void accept(uint8_t vector, bool level_triggered);

  // The CPU's side: is a fixed interrupt deliverable above the processor
  // priority, and the INTA that moves it from IRR to ISR.
  bool pending() const;
  uint8_t acknowledge();

  uint8_t ppr() const;  // processor priority register
  uint32_t current_count() const;
  uint32_t timer_divisor() const;

  // A level-triggered interrupt's vector got its EOI (for the I/O APIC).
  std::function<void(uint8_t vector)> on_eoi;
  // An NMI was delivered (LINT1 in NMI mode, an IPI, an I/O APIC entry).
  std::function<void()> on_nmi;

  LapicState state;

 private:
  uint32_t read_register(uint32_t offset) const;
  void write_register(uint32_t offset, uint32_t value);
  void end_of_interrupt();
  void send_ipi();
  bool matches(uint8_t destination, bool logical) const;
  uint64_t timer_period_ns() const;
  uint64_t next_expiry_after(uint64_t t) const;
};

}  // namespace isolab::emulator
