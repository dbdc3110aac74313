// Motorola MC146818A real-time clock with 114 bytes of CMOS RAM.
// Reference: MC146818A datasheet, "Address map" and "Register A-D"
// sections; the PC's CMOS layout from the IBM PC/AT Technical Reference
// and QEMU's hw/rtc/mc146818rtc.c. Lesson: devices and time.
//
// The hardware. Port 0x70 selects one of 128 bytes (bit 7 of the same
// write masks NMI on the PC); port 0x71 reads or writes it. Bytes 0-9 are
// the clock: seconds, seconds alarm, minutes, minutes alarm, hours, hours
// alarm, day of week (1 = Sunday), day of month, month, year (two digits;
// the PC keeps the century at 0x32). Bytes 0x0A-0x0D are status:
//   A: UIP (bit 7, an update of the time registers is about to happen),
//      divider (bits 6-4, 010 = 32.768 kHz crystal), rate select RS3-RS0:
//      the periodic interrupt runs at 32768 >> (RS - 1) Hz (RS 1, 2 give
//      256 and 128 Hz; RS 0 is off).
//   B: SET (stop updates), PIE, AIE, UIE (periodic, alarm, update-ended
//      interrupt enables), SQWE, DM (1 = binary, 0 = BCD), 24/12, DSE.
//   C: IRQF, PF, AF, UF: interrupt flags; reading C clears them and
//      releases IRQ8. An OS's IRQ8 handler must read C or get no more.
//   D: VRT, "valid RAM and time" (the battery is fine).
// Bytes 0x0E-0x7F are battery-backed RAM the BIOS uses: 0x10 floppy
// types, 0x14 equipment, 0x15-0x18 and 0x30-0x35 memory sizes.
//
// The model keeps the time as seconds since 1970 at a base simulated
// time; the clock starts from an epoch given at construction, so runs are
// deterministic, and advances with simulated time. The divider bits are
// stored but the clock always runs; the day of week is computed from the
// date rather than counted.
#include "emulator/devices/rtc.h"

#include <algorithm>

namespace isolab::emulator {

namespace {

constexpr uint8_t kRegA = 0x0A, kRegB = 0x0B, kRegC = 0x0C, kRegD = 0x0D, kCentury = 0x32;
constexpr uint8_t kBSet = 0x80, kBPie = 0x40, kBAie = 0x20, kBUie = 0x10, kBBinary = 0x04,
                  kB24Hour = 0x02;
constexpr uint8_t kCIrqf = 0x80, kCPf = 0x40, kCAf = 0x20, kCUf = 0x10;
constexpr uint64_t kNsPerSecond = 1'000'000'000;
constexpr uint64_t kUipNs = 244'000;  // UIP is set 244 us before each update
constexpr uint64_t kCrystalHz = 32'768;

struct CivilTime {
  int64_t year;
  int month, day, hour, minute, second, weekday;  // weekday 0 = Sunday
};

// Days since 1970-01-01 of a proleptic Gregorian date, and back
// (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilTime civil_from_seconds(int64_t s) {
  int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
  int64_t rem = s - days * 86400;
  CivilTime t;
  t.hour = int(rem / 3600);
  t.minute = int(rem / 60 % 60);
  t.second = int(rem % 60);
  t.weekday = int(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  t.day = int(doy - (153 * mp + 2) / 5 + 1);
  t.month = int(mp < 10 ? mp + 3 : mp - 9);
  t.year = yoe + era * 400 + (t.month <= 2);
  return t;
}

int64_t seconds_from_civil(const CivilTime& t) {
  return days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

uint8_t to_bcd(int v) { return uint8_t(((v / 10) << 4) | (v % 10)); }
int from_bcd(uint8_t v) { return (v >> 4) * 10 + (v & 15); }

// Period of the periodic interrupt in 32.768 kHz crystal ticks, 0 if off.
uint64_t period_ticks(uint8_t reg_a) {
  int rs = reg_a & 0x0F;
  if (rs == 0) return 0;
  return rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}

}  // namespace

Rtc::Rtc(IrqSink& irq, int64_t epoch_seconds, int irq_line)
    : irq_(irq), irq_line_(irq_line) {
  state.cmos[kRegA] = 0x26;  // 32.768 kHz divider, 1024 Hz rate selected
  state.cmos[kRegB] = kB24Hour;
  state.cmos[kRegD] = 0x80;  // VRT
  state.cmos[0x10] = 0x00;   // no floppy drives
  state.cmos[0x14] = 0x06;   // equipment: FPU present, 80x25 colour display
  state.base_seconds = epoch_seconds;
  set_memory_size(0);
}

// A reset (the RESET pin) clears the interrupt enables and flags; the time
// and the RAM are battery-backed and survive.
void Rtc::reset() {
  state.cmos[kRegB] &= ~(kBPie | kBAie | kBUie | 0x08);
  state.cmos[kRegC] = 0;
  update_irq();
}

void Rtc::set_memory_size(uint64_t ram_bytes) {
  uint64_t base_kb = std::min<uint64_t>(ram_bytes / 1024, 640);
  uint64_t ext_kb = ram_bytes > (1u << 20) ? std::min<uint64_t>((ram_bytes - (1u << 20)) / 1024, 0xFFFF) : 0;
  uint64_t high_64k = ram_bytes > (16u << 20) ? std::min<uint64_t>((ram_bytes - (16u << 20)) >> 16, 0xFFFF) : 0;
  auto put16 = [&](uint8_t index, uint64_t v) {
    state.cmos[index] = uint8_t(v);
    state.cmos[index + 1] = uint8_t(v >> 8);
  };
  put16(0x15, base_kb);
  put16(0x17, ext_kb);
  put16(0x30, ext_kb);
  put16(0x34, high_64k);
}

int64_t Rtc::seconds() const {
  if (state.cmos[kRegB] & kBSet) return state.base_seconds;
  return state.base_seconds + int64_t((state.now_ns - state.base_ns) / kNsPerSecond);
}

uint64_t Rtc::periodic_ns() const {
  return period_ticks(state.cmos[kRegA]) * kNsPerSecond / kCrystalHz;
}

void Rtc::update_irq() {
  uint8_t& c = state.cmos[kRegC];
  if (c & state.cmos[kRegB] & (kCPf | kCAf | kCUf)) c |= kCIrqf;
  bool level = c & kCIrqf;
  if (level == state.irq_level) return;
  state.irq_level = level;
  irq_.set_irq(irq_line_, level);
}

void Rtc::raise_flags(uint8_t flags) {
  state.cmos[kRegC] |= flags;
  update_irq();
}

uint8_t Rtc::read_register(uint8_t index) {
  uint8_t b = state.cmos[kRegB];
  auto encode = [&](int v) { return (b & kBBinary) ? uint8_t(v) : to_bcd(v); };
  CivilTime t = civil_from_seconds(seconds());
  switch (index) {
    case 0: return encode(t.second);
    case 2: return encode(t.minute);
    case 4: {
      if (b & kB24Hour) return encode(t.hour);
      int h12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
      return encode(h12) | (t.hour >= 12 ? 0x80 : 0);
    }
    case 6: return encode(t.weekday + 1);
    case 7: return encode(t.day);
    case 8: return encode(t.month);
    case 9: return encode(int(t.year % 100));
    case kCentury: return encode(int(t.year / 100));
    case kRegA: {
      uint64_t phase = (state.now_ns - state.base_ns) % kNsPerSecond;
      bool uip = !(b & kBSet) && phase >= kNsPerSecond - kUipNs;
      return (state.cmos[kRegA] & 0x7F) | (uip ? 0x80 : 0);
    }
    case kRegC: {
      uint8_t c = state.cmos[kRegC];
      state.cmos[kRegC] = 0;
      update_irq();
      return c;
    }
    case kRegD: return 0x80;
    default: return state.cmos[index];
  }
}

void Rtc::write_register(uint8_t index, uint8_t value) {
  uint8_t b = state.cmos[kRegB];
  auto decode = [&](uint8_t v) { return (b & kBBinary) ? int(v) : from_bcd(v); };
  CivilTime t = civil_from_seconds(seconds());
  switch (index) {
    case 0: t.second = decode(value); break;
    case 2: t.minute = decode(value); break;
    case 4:
      if (b & kB24Hour) {
        t.hour = decode(value);
      } else {
        t.hour = decode(value & 0x7F) % 12 + ((value & 0x80) ? 12 : 0);
      }
      break;
    case 6: return;  // the day of week follows from the date
    case 7: t.day = decode(value); break;
    case 8: t.month = decode(value); break;
    case 9: t.year = t.year / 100 * 100 + decode(value); break;
    case kCentury: t.year = int64_t(decode(value)) * 100 + t.year % 100; break;
    case kRegA: state.cmos[kRegA] = value & 0x7F; return;
    case kRegB: {
      bool was_set = b & kBSet;
      if ((value & kBSet) && !was_set) {  // freeze the clock where it is
        state.base_seconds = seconds();
        state.base_ns = state.now_ns;
      } else if (!(value & kBSet) && was_set) {  // restart: next update one second on
        state.base_ns = state.now_ns;
      }
      state.cmos[kRegB] = value;
      update_irq();
      return;
    }
    case kRegC: case kRegD: return;  // read-only
    default: state.cmos[index] = value; return;
  }
  // A time register was written: rebase the clock, keeping its phase.
  int64_t s = seconds_from_civil(t);
  if (state.cmos[kRegB] & kBSet) state.base_seconds = s;
  else state.base_seconds = s - int64_t((state.now_ns - state.base_ns) / kNsPerSecond);
}

void Rtc::advance(uint64_t now_ns) {
  if (now_ns <= state.now_ns) return;
  uint64_t old_ns = state.now_ns;
  int64_t old_seconds = seconds();
  state.now_ns = now_ns;
  uint8_t flags = 0;
  if (uint64_t period = period_ticks(state.cmos[kRegA])) {
    if (ticks_at(now_ns, kCrystalHz) / period > ticks_at(old_ns, kCrystalHz) / period) flags |= kCPf;
  }
  int64_t s = seconds();
  if (s != old_seconds) {
    flags |= kCUf;
    auto matches = [&](int reg, int now_reg) {
      uint8_t alarm = state.cmos[reg];
      return alarm >= 0xC0 || alarm == read_register(uint8_t(now_reg));
    };
    if (matches(1, 0) && matches(3, 2) && matches(5, 4)) flags |= kCAf;
  }
  if (flags) raise_flags(flags);
}

uint64_t Rtc::next_event_ns() const {
  if (state.irq_level) return kNoEvent;  // no new edge until register C is read
  uint8_t b = state.cmos[kRegB];
  uint64_t next = kNoEvent;
  uint64_t period = period_ticks(state.cmos[kRegA]);
  if ((b & kBPie) && period) {
    uint64_t tick = (ticks_at(state.now_ns, kCrystalHz) / period + 1) * period;
    next = ns_of_tick(tick, kCrystalHz);
  }
  if ((b & (kBUie | kBAie)) && !(b & kBSet)) {
    uint64_t elapsed = state.now_ns - state.base_ns;
    next = std::min(next, state.base_ns + (elapsed / kNsPerSecond + 1) * kNsPerSecond);
  }
  return next;
}

bool Rtc::io_read(uint16_t port, int size, uint32_t& value) {
  if (port == 0x70) {
    value = 0xFF;  // the index register is write-only
    return true;
  }
  if (port != 0x71) return false;
  value = read_register(state.index);
  return true;
}

bool Rtc::io_write(uint16_t port, int size, uint32_t value) {
  if (port == 0x70) {
    state.index = value & 0x7F;
    state.nmi_disabled = value & 0x80;
    return true;
  }
  if (port != 0x71) return false;
  write_register(state.index, uint8_t(value));
  return true;
}

}  // namespace isolab::emulator
