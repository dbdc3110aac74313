// Interrupt routing of the PC: ISA IRQ lines to the 8259 pair and the
// I/O APIC, and one interrupt input for the CPU. See irq_router.cpp.
#pragma once
#include <cstdint>

#include "emulator/devices/device.h"

namespace isolab::emulator {

class Pic;
class IoApic;
class LocalApic;

// ISA IRQ n -> I/O APIC pin, as the MP table's interrupt entries say:
// identity, except the timer (IRQ0) on pin 2, where the 8259 cascade
// would be; pin 0 is left to the 8259's ExtINT.
inline constexpr int kIsaIrqToIoApicPin[16] = {2, 1, -1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

class InterruptRouter : public IrqSink {
 public:
  // The APICs are optional: a machine without them routes to the 8259 only.
  explicit InterruptRouter(Pic& pic, IoApic* ioapic = nullptr, LocalApic* lapic = nullptr)
      : pic_(pic), ioapic_(ioapic), lapic_(lapic) {}

  // A device drives ISA IRQ `line` (0-15).
  void set_irq(int line, bool level) override;

  // The CPU's INTR: an interrupt is waiting (EFLAGS.IF is the CPU's
  // business), and the acknowledge cycle that yields its vector.
  bool pending() const;
  uint8_t acknowledge();

 private:
  Pic& pic_;
  IoApic* ioapic_;
  LocalApic* lapic_;
};

}  // namespace isolab::emulator
