// Intel 8254 programmable interval timer, and the PC/AT's port 0x61.
// Reference: Intel 8254 datasheet (order 231164), section "Mode
// definitions"; port 0x61 from the IBM PC/AT Technical Reference. Where
// the datasheet leaves room we follow QEMU's hw/timer/i8254.c.
// Lesson: timer interrupts and the virtual clock.
//
// The hardware. Three 16-bit down-counters share a 1.193182 MHz clock
// (the PC's 14.31818 MHz crystal divided by 12). Each has a GATE input
// and an OUT pin. On the PC, counter 0's OUT is IRQ0 (the system tick),
// counter 1 once refreshed DRAM, and counter 2 drives the speaker, with
// its GATE on bit 0 of port 0x61 and its OUT readable at bit 5.
//
// Port 0x43 takes a control word: SC1 SC0 (counter, 3 = read-back),
// RW1 RW0 (0 = latch the count, 1 LSB, 2 MSB, 3 LSB then MSB), M2-M0
// (mode) and BCD. Ports 0x40-0x42 then load the initial count N (0 means
// 65536, or 10000 in BCD) and read the count back.
//
// The modes, with OUT as a student would draw it on a scope:
//   0 interrupt on terminal count: OUT low, goes high after N clocks, stays.
//   1 hardware one-shot: a GATE rising edge sends OUT low for N clocks.
//   2 rate generator: OUT high, low for one clock every N clocks. IRQ0's
//     usual mode: a rising edge every N clocks, N/1193182 seconds apart.
//   3 square wave: OUT high for ceil(N/2) clocks, low for floor(N/2).
//   4 software strobe: OUT pulses low for one clock N clocks after loading.
//   5 hardware strobe: as 4, started by a GATE rising edge.
//
// The model does not tick. A counter remembers the tick it was loaded at;
// its count and OUT at any later tick are arithmetic on the elapsed ticks
// d, so a guest that sleeps for a second costs nothing. Simplifications:
// a count takes effect at once (the chip waits for the next CLK, or in
// modes 2 and 3 for the end of the current period), and a mode 3 count
// read back with an odd N is approximate.
#include "emulator/devices/pit.h"

namespace isolab::emulator {

namespace {

constexpr uint64_t kNever = UINT64_MAX;
constexpr uint64_t kRefreshNs = 15'085;  // port 0x61 bit 4 toggles every 15.085 us

bool counting(const PitChannel& c) {
  if (!c.loaded) return false;
  if (c.mode == 1 || c.mode == 5) return c.triggered;
  return true;
}

// Clocks counted since the count was loaded (or the gate last restarted it).
uint64_t elapsed(const PitChannel& c, uint64_t tick) {
  if (!c.gate) {
    if (c.mode == 0 || c.mode == 4) return c.held_d;  // paused
    if (c.mode == 2 || c.mode == 3) return 0;         // held at N, OUT high
  }
  return tick - c.load_tick;
}

bool out_after(const PitChannel& c, uint64_t d) {
  if (!counting(c)) return c.mode != 0;  // mode 0 drops OUT when programmed
  uint64_t n = c.count;
  switch (c.mode) {
    case 0: return d >= n;
    case 1: return d >= n;
    case 2: return n == 1 || d % n != n - 1;
    case 3: return d % n < (n + 1) / 2;
    default: return d != n;  // modes 4 and 5
  }
}

// The smallest d' > d at which OUT rises, or kNever.
uint64_t next_rise_after(const PitChannel& c, uint64_t d) {
  if (!counting(c)) return kNever;
  uint64_t n = c.count;
  switch (c.mode) {
    case 0:
    case 1: return d < n ? n : kNever;
    case 2:
    case 3: return (d / n + 1) * n;
    default: return d < n + 1 ? n + 1 : kNever;
  }
}

uint16_t to_bcd(uint32_t v) {
  return (v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) | ((v / 1000 % 10) << 12);
}
uint32_t from_bcd(uint16_t v) {
  return (v & 15) + ((v >> 4) & 15) * 10 + ((v >> 8) & 15) * 100 + ((v >> 12) & 15) * 1000;
}

}  // namespace

Pit::Pit(IrqSink& irq, int irq_line) : irq_(irq), irq_line_(irq_line) { reset(); }

// As QEMU: every counter starts in mode 3 with N = 65536 (IRQ0 at 18.2 Hz,
// what a BIOS leaves), and counter 2's gate is low.
void Pit::reset() {
  uint64_t now_ns = state.now_ns, now_tick = state.now_tick;
  state = PitState{};
  state.now_ns = now_ns;
  state.now_tick = now_tick;
  for (int n = 0; n < 3; ++n) {
    PitChannel& c = state.ch[n];
    c.mode = 3;
    c.gate = n != 2;
    load(n, 0);
  }
  state.irq0_level = out(0);
}

std::vector<IoRange> Pit::io_ranges() const { return {{0x40, 0x43}, {0x61, 0x61}}; }

bool Pit::out(int n) const {
  const PitChannel& c = state.ch[n];
  return out_after(c, elapsed(c, state.now_tick));
}

uint16_t Pit::current_count(int n) const {
  const PitChannel& c = state.ch[n];
  uint64_t modulus = c.bcd ? 10000 : 65536;
  uint64_t n_ = c.count;
  uint64_t v;
  if (!counting(c)) {
    v = n_;
  } else {
    uint64_t d = elapsed(c, state.now_tick);
    switch (c.mode) {
      case 2: v = n_ - d % n_; break;
      case 3: {
        uint64_t p = d % n_, high = (n_ + 1) / 2;
        v = p < high ? n_ - 2 * p : n_ - 2 * (p - high);
        break;
      }
      default: v = (n_ + modulus - d % modulus) % modulus; break;  // modes 0, 1, 4, 5 wrap
    }
  }
  v %= modulus;
  return c.bcd ? to_bcd(uint32_t(v)) : uint16_t(v);
}

void Pit::load(int n, uint16_t raw) {
  PitChannel& c = state.ch[n];
  uint32_t value = c.bcd ? from_bcd(raw) : raw;
  if (value == 0) value = c.bcd ? 10000 : 65536;
  c.count = value;
  c.loaded = true;
  c.null_count = false;
  c.load_tick = state.now_tick;
  c.held_d = 0;
  if (c.mode == 1 || c.mode == 5) c.triggered = false;  // waits for a GATE edge
}

void Pit::latch_count(int n) {
  PitChannel& c = state.ch[n];
  if (c.latch_bytes) return;  // a second latch before the read is ignored
  c.latched_count = current_count(n);
  c.latch_bytes = c.access == 3 ? 2 : 1;
}

void Pit::latch_status(int n) {
  PitChannel& c = state.ch[n];
  if (c.status_latched) return;
  c.latched_status = (out(n) << 7) | (c.null_count << 6) | (c.access << 4) | (c.mode << 1) | c.bcd;
  c.status_latched = true;
}

void Pit::write_control(uint8_t value) {
  int sc = value >> 6;
  if (sc == 3) {  // read-back: bit 5 low latches counts, bit 4 low latches status
    for (int n = 0; n < 3; ++n) {
      if (!(value & (2 << n))) continue;
      if (!(value & 0x20)) latch_count(n);
      if (!(value & 0x10)) latch_status(n);
    }
    return;
  }
  int rw = (value >> 4) & 3;
  if (rw == 0) {
    latch_count(sc);
    return;
  }
  PitChannel& c = state.ch[sc];
  c.access = rw;
  c.mode = (value >> 1) & 7;
  if (c.mode > 5) c.mode -= 4;
  c.bcd = value & 1;
  c.loaded = false;
  c.triggered = false;
  c.null_count = true;
  c.write_msb_next = false;
  c.read_msb_next = false;
  if (sc == 0) update_irq0();
}

void Pit::write_counter(int n, uint8_t value) {
  PitChannel& c = state.ch[n];
  switch (c.access) {
    case 1: load(n, value); break;
    case 2: load(n, uint16_t(value << 8)); break;
    default:
      if (!c.write_msb_next) {
        c.write_lsb = value;
        c.write_msb_next = true;
        if (c.mode == 0) c.loaded = false;  // datasheet: the first byte stops counting
      } else {
        c.write_msb_next = false;
        load(n, uint16_t(c.write_lsb | (value << 8)));
      }
      break;
  }
  if (n == 0) update_irq0();
}

uint8_t Pit::read_counter(int n) {
  PitChannel& c = state.ch[n];
  if (c.status_latched) {
    c.status_latched = false;
    return c.latched_status;
  }
  uint16_t v;
  bool msb;
  if (c.latch_bytes) {
    v = c.latched_count;
    msb = c.access == 2 || (c.access == 3 && c.latch_bytes == 1);
    c.latch_bytes--;
    if (c.access != 3) c.latch_bytes = 0;
  } else {
    v = current_count(n);
    msb = c.access == 2 || (c.access == 3 && c.read_msb_next);
    if (c.access == 3) c.read_msb_next = !c.read_msb_next;
  }
  return msb ? v >> 8 : v & 0xFF;
}

void Pit::set_gate(int n, bool gate) {
  PitChannel& c = state.ch[n];
  if (c.gate == gate) return;
  uint64_t t = state.now_tick;
  if (!gate) {
    if ((c.mode == 0 || c.mode == 4) && c.loaded) c.held_d = t - c.load_tick;
  } else if (c.loaded) {
    switch (c.mode) {
      case 0: case 4: c.load_tick = t - c.held_d; break;   // resume
      case 2: case 3: c.load_tick = t; break;              // restart from N
      default: c.load_tick = t; c.triggered = true; break;  // modes 1, 5: trigger
    }
  }
  c.gate = gate;
}

void Pit::update_irq0() {
  bool level = out(0);
  if (level == state.irq0_level) return;
  state.irq0_level = level;
  irq_.set_irq(irq_line_, level);
}

void Pit::advance(uint64_t now_ns) {
  if (now_ns <= state.now_ns) return;
  uint64_t old_tick = state.now_tick;
  state.now_ns = now_ns;
  state.now_tick = ticks_at(now_ns, kPitHz);
  const PitChannel& c = state.ch[0];
  if (state.now_tick > old_tick && counting(c) && c.gate) {
    // Several periods may have passed; an edge-triggered receiver latches
    // one request however many edges it missed, so one pulse is enough.
    if (next_rise_after(c, old_tick - c.load_tick) <= state.now_tick - c.load_tick) {
      if (state.irq0_level) irq_.set_irq(irq_line_, false);
      irq_.set_irq(irq_line_, true);
      state.irq0_level = true;
    }
  }
  update_irq0();
}

uint64_t Pit::next_event_ns() const {
  const PitChannel& c = state.ch[0];
  if (!counting(c) || !c.gate) return kNoEvent;
  uint64_t rise = next_rise_after(c, state.now_tick - c.load_tick);
  if (rise == kNever) return kNoEvent;
  return ns_of_tick(c.load_tick + rise, kPitHz);
}

bool Pit::io_read(uint16_t port, int size, uint32_t& value) {
  switch (port) {
    case 0x40: case 0x41: case 0x42: value = read_counter(port - 0x40); return true;
    case 0x43: value = 0xFF; return true;  // the control register is write-only
    case 0x61: {
      bool refresh = (state.now_ns / kRefreshNs) & 1;
      value = (state.port61 & 0x0F) | (refresh << 4) | (out(2) << 5);
      return true;
    }
    default: return false;
  }
}

bool Pit::io_write(uint16_t port, int size, uint32_t value) {
  switch (port) {
    case 0x40: case 0x41: case 0x42: write_counter(port - 0x40, value); return true;
    case 0x43: write_control(value); return true;
    case 0x61:
      state.port61 = value & 0x0F;
      set_gate(2, value & 1);
      return true;
    default: return false;
  }
}

}  // namespace isolab::emulator
