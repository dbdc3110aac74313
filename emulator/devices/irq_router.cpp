// Interrupt routing of a PC with both interrupt systems, as the Intel
// MultiProcessor Specification 1.4 (chapter 3.6, "virtual wire mode")
// describes it and QEMU's pc machine wires it. Lesson: from the 8259 to
// the APIC.
//
// The hardware. Every ISA IRQ line goes to two places at once: an input
// of the 8259 pair and a pin of the I/O APIC. The OS decides which one it
// listens to: an OS that knows only the 8259 never touches the APICs; an
// APIC OS masks every 8259 input (so the 8259 raises nothing) and
// programs the I/O APIC's redirection table instead. The 8259's INT
// output reaches the CPU through the local APIC's LINT0 pin, which lets
// it through as ExtINT until the OS masks LINT0 (or always, while the
// local APIC is disabled).
//
// So the CPU's interrupt input is: the local APIC's highest deliverable
// vector first; otherwise the 8259's, if LINT0 lets it through. This is
// QEMU's order (cpu_get_pic_interrupt).
#include "emulator/devices/irq_router.h"

#include "emulator/devices/ioapic.h"
#include "emulator/devices/lapic.h"
#include "emulator/devices/pic.h"

namespace isolab::emulator {

void InterruptRouter::set_irq(int line, bool level) {
  if (line < 0 || line > 15) return;
  pic_.set_irq(line, level);
  if (ioapic_ && kIsaIrqToIoApicPin[line] >= 0) ioapic_->set_pin(kIsaIrqToIoApicPin[line], level);
}

bool InterruptRouter::pending() const {
  if (lapic_ && lapic_->pending()) return true;
  if (lapic_ && !lapic_->accepts_pic_interrupts()) return false;
  return pic_.pending();
}

uint8_t InterruptRouter::acknowledge() {
  if (lapic_ && lapic_->pending()) return lapic_->acknowledge();
  return pic_.acknowledge();
}

}  // namespace isolab::emulator
