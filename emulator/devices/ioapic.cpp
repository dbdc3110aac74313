// Intel 82093AA I/O Advanced Programmable Interrupt Controller.
// Reference: Intel 82093AA I/O APIC datasheet (order 290566), section 3
// (registers, the redirection table). Edge requests that arrive while an
// entry is masked are kept and delivered on unmask, as QEMU's
// hw/intc/ioapic.c does (the datasheet says they are dropped).
// Lesson: from the 8259 to the APIC.
//
// The hardware. The I/O APIC has 24 interrupt input pins and turns a
// change on a pin into an interrupt message to local APICs. It has only
// two registers in memory: IOREGSEL (offset 0x00) selects an internal
// register and IOWIN (offset 0x10) reads or writes it:
//   0x00 ID (bits 27-24), 0x01 version (0x11) with the highest pin (23)
//   in bits 23-16, 0x02 arbitration ID, 0x10 + 2n / 0x11 + 2n the low and
//   high halves of pin n's 64-bit redirection entry:
//     bits 7-0 vector, 10-8 delivery mode (0 fixed, 1 lowest priority,
//     4 NMI, 7 ExtINT), 11 destination mode (1 logical), 12 delivery
//     status (read-only), 13 polarity (1 active low), 14 remote IRR
//     (read-only), 15 trigger mode (1 level), 16 mask, 63-56 destination.
// An edge-triggered pin sends one message per rising edge. A level-
// triggered pin sends one message and sets remote IRR; the local APIC's
// EOI for that vector clears it, and if the line is still asserted the
// message is sent again. After reset every entry is masked.
//
// The PC's ISA IRQs reach the pins as the MP table says (see
// irq_router.h); pin polarity is not modelled (pins are active high).
#include "emulator/devices/ioapic.h"

#include "emulator/devices/lapic.h"

namespace isolab::emulator {

namespace {

constexpr uint64_t kMasked = 1ull << 16;
constexpr uint64_t kLevel = 1ull << 15;
constexpr uint64_t kRemoteIrr = 1ull << 14;
constexpr uint64_t kReadOnly = (1ull << 12) | kRemoteIrr;  // delivery status, remote IRR
constexpr uint32_t kVersion = 0x11 | ((kIoApicPins - 1) << 16);

}  // namespace

IoApic::IoApic(LocalApic& lapic, uint32_t base, uint8_t id) : lapic_(lapic), base_(base), initial_id_(id) {
  lapic_.on_eoi = [this](uint8_t vector) { eoi(vector); };
  reset();
}

void IoApic::reset() {
  state = IoApicState{};
  state.id = initial_id_;
  for (auto& entry : state.redirection) entry = kMasked;
}

// Deliver every request that may go now.
void IoApic::service() {
  for (int pin = 0; pin < kIoApicPins; ++pin) {
    uint32_t bit = 1u << pin;
    uint64_t& entry = state.redirection[pin];
    if (!(state.irr & bit) || (entry & kMasked)) continue;
    bool level = entry & kLevel;
    if (level) {
      if (entry & kRemoteIrr) continue;
      entry |= kRemoteIrr;
    } else {
      state.irr &= ~bit;
    }
    lapic_.deliver(uint8_t(entry), (entry >> 8) & 7, level, uint8_t(entry >> 56), entry & (1ull << 11));
  }
}

void IoApic::set_pin(int pin, bool level) {
  if (pin < 0 || pin >= kIoApicPins) return;
  uint32_t bit = 1u << pin;
  bool level_triggered = state.redirection[pin] & kLevel;
  if (level_triggered) {
    if (level) state.irr |= bit;
    else state.irr &= ~bit;
  } else if (level && !(state.input & bit)) {
    state.irr |= bit;  // a rising edge
  }
  if (level) state.input |= bit;
  else state.input &= ~bit;
  service();
}

void IoApic::eoi(uint8_t vector) {
  for (auto& entry : state.redirection)
    if ((entry & kLevel) && uint8_t(entry) == vector) entry &= ~kRemoteIrr;
  service();
}

uint32_t IoApic::read_register(uint8_t index) const {
  switch (index) {
    case 0x00: return uint32_t(state.id & 0x0F) << 24;
    case 0x01: return kVersion;
    case 0x02: return uint32_t(state.id & 0x0F) << 24;  // arbitration ID
    default:
      if (index >= 0x10 && index < 0x10 + 2 * kIoApicPins) {
        uint64_t entry = state.redirection[(index - 0x10) / 2];
        return index & 1 ? uint32_t(entry >> 32) : uint32_t(entry);
      }
      return 0xFFFFFFFF;
  }
}

void IoApic::write_register(uint8_t index, uint32_t value) {
  if (index == 0x00) {
    state.id = (value >> 24) & 0x0F;
    return;
  }
  if (index < 0x10 || index >= 0x10 + 2 * kIoApicPins) return;
  int pin = (index - 0x10) / 2;
  uint64_t& entry = state.redirection[pin];
  if (index & 1) {
    entry = (entry & 0xFFFFFFFFull) | (uint64_t(value & 0xFF000000) << 32);
  } else {
    entry = (entry & ~0xFFFFFFFFull) | (entry & kReadOnly) | (value & ~kReadOnly & 0x1FFFF);
    if (!(entry & kLevel)) entry &= ~kRemoteIrr;
    // A level-triggered pin asserted while masked is requested on unmask.
    if ((entry & kLevel) && (state.input & (1u << pin))) state.irr |= 1u << pin;
  }
  service();
}

bool IoApic::mmio_read(uint32_t addr, int size, uint32_t& value) {
  if (addr < base_ || addr > base_ + 0xFFF) return false;
  uint32_t offset = addr - base_;
  uint32_t reg = 0;
  if ((offset & 0xF0) == 0x00) reg = state.ioregsel;
  else if ((offset & 0xF0) == 0x10) reg = read_register(state.ioregsel);
  value = sub_register(reg, offset & 3, size);
  return true;
}

bool IoApic::mmio_write(uint32_t addr, int size, uint32_t value) {
  if (addr < base_ || addr > base_ + 0xFFF) return false;
  uint32_t offset = addr - base_;
  if (offset == 0x00) state.ioregsel = uint8_t(value);
  else if (offset == 0x10) write_register(state.ioregsel, value);
  return true;
}

}  // namespace isolab::emulator
