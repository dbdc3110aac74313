// Local APIC (xAPIC mode) for a single processor.
// Reference: Intel SDM Vol. 3A chapter 10: 10.4 (base address, version,
// SVR), 10.5 (local vector table, the timer), 10.6 (ICR), 10.8 (IRR, ISR,
// TMR, TPR, PPR, EOI). Reset state and the 1 GHz timer clock as QEMU's
// hw/intc/apic.c. Lesson: from the 8259 to the APIC.
//
// The hardware. Each x86 core has a local APIC: a 4 KiB page of 32-bit
// registers, each on a 16-byte boundary, mapped at 0xFEE00000. It receives
// interrupt messages (from the I/O APIC, from other CPUs, from its own
// timer and LINT pins), holds them in the 256-bit IRR, and hands the CPU
// the highest vector whose priority class (vector >> 4) is above the
// processor priority (PPR = the higher of TPR and the class in service).
// The CPU's acknowledge moves it to the ISR; a write to EOI clears the
// highest ISR bit, and for a level-triggered interrupt (TMR bit set)
// tells the I/O APIC the line may be sampled again.
//
// The SVR's bit 8 switches the APIC on in software; its low byte is the
// spurious vector. The local vector table configures the sources inside
// the APIC: the timer, thermal, performance counter, the LINT0 and LINT1
// pins and errors; each entry has a vector, a delivery mode and a mask.
// On a PC LINT0 carries the 8259's INTR ("ExtINT", virtual wire mode)
// and LINT1 the NMI; QEMU resets the BSP's LINT0 to ExtINT unmasked, so
// the 8259 works until an OS masks LINT0.
//
// The timer counts down from the initial count at the bus clock divided
// by the divide configuration register (1-128), firing its LVT vector at
// zero, once or periodically (LVT timer bit 17). It is arithmetic on
// simulated time like the PIT: one count per nanosecond at divide-by-1.
//
// One CPU: an IPI reaches this APIC when its destination or shorthand
// names it (self, all including self); INIT and STARTUP are ignored.
#include "emulator/devices/lapic.h"

#include <algorithm>

namespace isolab::emulator {

namespace {

constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kLvtPeriodic = 1u << 17;
constexpr uint32_t kVersion = 0x00050014;  // version 0x14, max LVT entry 5 (six entries)
// Writable bits of each LVT entry: vector, delivery mode, polarity,
// trigger mode, mask, and for the timer its mode.
constexpr uint32_t kLvtWritable[kLvtCount] = {0x300FF, 0x107FF, 0x107FF, 0x1A7FF, 0x1A7FF, 0x100FF};
constexpr uint8_t kDeliveryFixed = 0, kDeliveryLowest = 1, kDeliveryNmi = 4, kDeliveryExtInt = 7;

bool test_bit(const std::array<uint32_t, 8>& r, int v) { return r[v >> 5] & (1u << (v & 31)); }
void set_bit(std::array<uint32_t, 8>& r, int v) { r[v >> 5] |= 1u << (v & 31); }
void clear_bit(std::array<uint32_t, 8>& r, int v) { r[v >> 5] &= ~(1u << (v & 31)); }

// The highest vector set in a 256-bit register, or -1.
int highest(const std::array<uint32_t, 8>& r) {
  for (int w = 7; w >= 0; --w)
    if (r[w]) return w * 32 + 31 - __builtin_clz(r[w]);
  return -1;
}

}  // namespace

LocalApic::LocalApic() { reset(); }

void LocalApic::reset() {
  uint64_t now = state.now_ns;
  uint32_t apic_base = state.apic_base;
  state = LapicState{};
  state.now_ns = now;
  state.apic_base = apic_base;
  for (auto& entry : state.lvt) entry = kLvtMasked;
  state.lvt[kLvtLint0] = kDeliveryExtInt << 8;  // virtual wire, as QEMU's BSP
}

void LocalApic::write_apic_base(uint32_t value) { state.apic_base = (value & 0xFFFFF900); }

bool LocalApic::accepts_pic_interrupts() const {
  if (!globally_enabled() || !software_enabled()) return true;
  return !(state.lvt[kLvtLint0] & kLvtMasked);
}

uint8_t LocalApic::ppr() const {
  int isrv = highest(state.isr);
  uint8_t isr_class = isrv < 0 ? 0 : uint8_t(isrv & 0xF0);
  return (state.tpr & 0xF0) >= isr_class ? state.tpr : isr_class;
}

bool LocalApic::pending() const {
  if (!globally_enabled() || !software_enabled()) return false;
  int v = highest(state.irr);
  return v >= 0 && (v & 0xF0) > (ppr() & 0xF0);
}

uint8_t LocalApic::acknowledge() {
  if (!pending()) return uint8_t(state.svr);  // spurious vector: no ISR bit
  int v = highest(state.irr);
  clear_bit(state.irr, v);
  set_bit(state.isr, v);
  return uint8_t(v);
}

void LocalApic::accept(uint8_t vector, bool level_triggered) {
  if (vector < 16) {
    state.esr |= 0x40;  // received illegal vector
    return;
  }
  set_bit(state.irr, vector);
  if (level_triggered) set_bit(state.tmr, vector);
  else clear_bit(state.tmr, vector);
}

bool LocalApic::matches(uint8_t destination, bool logical) const {
  if (destination == 0xFF) return true;  // broadcast
  if (!logical) return destination == state.id;
  uint8_t ldr = uint8_t(state.ldr >> 24);
  if ((state.dfr >> 28) == 0xF) return destination & ldr;  // flat model
  return (destination >> 4) == (ldr >> 4) && (destination & ldr & 0x0F);  // cluster model
}

void LocalApic::deliver(uint8_t vector, uint8_t delivery_mode, bool level_triggered, uint8_t destination,
                        bool logical_destination) {
  if (!matches(destination, logical_destination)) return;
  switch (delivery_mode) {
    case kDeliveryFixed:
    case kDeliveryLowest: accept(vector, level_triggered); break;
    case kDeliveryNmi:
      if (on_nmi) on_nmi();
      break;
    default: break;  // SMI, INIT, STARTUP, ExtINT: not modelled for one CPU
  }
}

void LocalApic::end_of_interrupt() {
  int v = highest(state.isr);
  if (v < 0) return;
  clear_bit(state.isr, v);
  if (test_bit(state.tmr, v) && on_eoi) on_eoi(uint8_t(v));
}

void LocalApic::send_ipi() {
  uint8_t vector = uint8_t(state.icr_low);
  uint8_t mode = (state.icr_low >> 8) & 7;
  bool logical = state.icr_low & (1u << 11);
  bool level = state.icr_low & (1u << 15);
  uint8_t destination = uint8_t(state.icr_high >> 24);
  switch ((state.icr_low >> 18) & 3) {  // destination shorthand
    case 0: deliver(vector, mode, level, destination, logical); break;
    case 1: case 2: deliver(vector, mode, level, 0xFF, false); break;  // self; all including self
    default: break;  // all excluding self: nobody else here
  }
}

uint32_t LocalApic::timer_divisor() const {
  uint32_t code = (state.divide_config & 3) | ((state.divide_config >> 1) & 4);
  return 1u << ((code + 1) & 7);  // 0b111 means divide by 1
}

uint64_t LocalApic::timer_period_ns() const {
  return uint64_t(state.initial_count) * timer_divisor() * 1'000'000'000u / kLapicBusHz;
}

// The first expiry strictly after time t, or kNoEvent.
uint64_t LocalApic::next_expiry_after(uint64_t t) const {
  if (!state.timer_running) return kNoEvent;
  uint64_t period = timer_period_ns();
  uint64_t first = state.timer_start_ns + period;
  if (t < first) return first;
  if (!(state.lvt[kLvtTimer] & kLvtPeriodic)) return kNoEvent;
  return state.timer_start_ns + ((t - state.timer_start_ns) / period + 1) * period;
}

uint32_t LocalApic::current_count() const {
  if (!state.timer_running) return 0;
  uint64_t counts = (state.now_ns - state.timer_start_ns) * kLapicBusHz / 1'000'000'000u / timer_divisor();
  if (state.lvt[kLvtTimer] & kLvtPeriodic) return uint32_t(state.initial_count - counts % state.initial_count);
  return counts >= state.initial_count ? 0 : uint32_t(state.initial_count - counts);
}

void LocalApic::advance(uint64_t now_ns) {
  if (now_ns <= state.now_ns) return;
  uint64_t expiry = next_expiry_after(state.now_ns);
  state.now_ns = now_ns;
  if (expiry > now_ns) return;
  // However many periods passed, IRR holds one request per vector.
  uint32_t lvt = state.lvt[kLvtTimer];
  if (!(lvt & kLvtMasked)) accept(uint8_t(lvt), false);
  if (!(lvt & kLvtPeriodic)) state.timer_running = false;
}

uint64_t LocalApic::next_event_ns() const {
  if (state.lvt[kLvtTimer] & kLvtMasked) return kNoEvent;
  return next_expiry_after(state.now_ns);
}

uint32_t LocalApic::read_register(uint32_t offset) const {
  switch (offset) {
    case 0x020: return uint32_t(state.id) << 24;
    case 0x030: return kVersion;
    case 0x080: return state.tpr;
    case 0x090: return 0;  // arbitration priority: not used by one CPU
    case 0x0A0: return ppr();
    case 0x0D0: return state.ldr;
    case 0x0E0: return state.dfr;
    case 0x0F0: return state.svr;
    case 0x280: return state.esr;
    case 0x300: return state.icr_low;  // delivery status (bit 12) is always idle
    case 0x310: return state.icr_high;
    case 0x380: return state.initial_count;
    case 0x390: return current_count();
    case 0x3E0: return state.divide_config;
    default:
      if (offset >= 0x100 && offset < 0x180) return state.isr[(offset - 0x100) >> 4];
      if (offset >= 0x180 && offset < 0x200) return state.tmr[(offset - 0x180) >> 4];
      if (offset >= 0x200 && offset < 0x280) return state.irr[(offset - 0x200) >> 4];
      if (offset >= 0x320 && offset <= 0x370) return state.lvt[(offset - 0x320) >> 4];
      return 0;
  }
}

void LocalApic::write_register(uint32_t offset, uint32_t value) {
  switch (offset) {
    case 0x020: state.id = uint8_t(value >> 24); break;
    case 0x080: state.tpr = uint8_t(value); break;
    case 0x0B0: end_of_interrupt(); break;
    case 0x0D0: state.ldr = value & 0xFF000000; break;
    case 0x0E0: state.dfr = value | 0x0FFFFFFF; break;
    case 0x0F0:
      state.svr = value & 0x13FF;
      if (!software_enabled())  // SDM 10.4.7.2: disabling masks every LVT entry
        for (auto& entry : state.lvt) entry |= kLvtMasked;
      break;
    case 0x280: state.esr = 0; break;
    case 0x300:
      state.icr_low = value & ~(1u << 12);
      send_ipi();
      break;
    case 0x310: state.icr_high = value & 0xFF000000; break;
    case 0x380:
      state.initial_count = value;
      state.timer_start_ns = state.now_ns;
      state.timer_running = value != 0;
      break;
    case 0x3E0: {
      // Keep the current count where it is and count on at the new rate.
      uint32_t current = current_count();
      state.divide_config = value & 0x0B;
      if (state.timer_running) {
        uint64_t done = uint64_t(state.initial_count - current) * timer_divisor() * 1'000'000'000u / kLapicBusHz;
        state.timer_start_ns = state.now_ns - std::min(done, state.now_ns);
      }
      break;
    }
    default:
      if (offset >= 0x320 && offset <= 0x370) {
        int n = (offset - 0x320) >> 4;
        state.lvt[n] = value & kLvtWritable[n];
        if (!software_enabled()) state.lvt[n] |= kLvtMasked;
      }
      break;  // read-only and reserved registers ignore writes
  }
}

bool LocalApic::mmio_read(uint32_t addr, int size, uint32_t& value) {
  if (!globally_enabled() || addr < base() || addr > base() + 0xFFF) return false;
  uint32_t offset = addr - base();
  value = sub_register(read_register(offset & 0xFF0), offset & 3, size);
  return true;
}

bool LocalApic::mmio_write(uint32_t addr, int size, uint32_t value) {
  if (!globally_enabled() || addr < base() || addr > base() + 0xFFF) return false;
  uint32_t offset = addr - base();
  if (offset & 0xF) return true;  // registers take aligned 32-bit writes only
  write_register(offset, value);
  return true;
}

}  // namespace isolab::emulator
