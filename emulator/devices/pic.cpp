// Intel 8259A programmable interrupt controller, as the cascaded pair of
// the IBM PC/AT. Reference: Intel 8259A datasheet (order 231468); the
// ELCR is from the Intel 82371 (PIIX) datasheet; behaviour where the
// datasheet leaves room follows QEMU's hw/intc/i8259.c. Lesson: interrupts.
//
// The hardware. Each 8259A has eight interrupt request inputs IR0-IR7 and
// one INT output to the CPU. A rising edge on IRn sets bit n of the
// Interrupt Request Register (IRR). The Interrupt Mask Register (IMR)
// hides requests; the In-Service Register (ISR) remembers which requests
// the CPU has accepted and not yet finished. INT is raised when an
// unmasked IRR bit has higher priority than every ISR bit. The CPU then
// runs an INTA cycle: the chip moves the winning bit from IRR to ISR and
// puts a vector (ICW2 base + n) on the bus. The handler ends with an EOI
// command, which clears the ISR bit so lower priorities may interrupt.
//
// Priority is fixed (IR0 highest) unless rotated by OCW2; we keep it as
// `lowest`, the IR with the lowest priority (7 after init).
//
// The PC/AT has two: the master at ports 0x20/0x21 drives the CPU, the
// slave at 0xA0/0xA1 drives the master's IR2. So ISA IRQ 8-15 arrive at
// vector slave_base + (irq - 8), and their handler must EOI both chips.
//
// Programming: a write to the command port with bit 4 set is ICW1 and
// starts initialization; ICW2 (vector base), ICW3 (cascade wiring, unless
// single) and ICW4 (if ICW1.IC4: AEOI, SFNM, 8086 mode) follow on the data
// port. Afterwards the data port is OCW1 (the IMR) and the command port
// takes OCW2 (EOI and rotation) or OCW3 (bit 3 set: read IRR/ISR, poll,
// special mask).
#include "emulator/devices/pic.h"

namespace isolab::emulator {

namespace {

// Priority level (0 = highest) of the highest-priority bit in `mask`, or 8.
int priority_of(const Pic8259& c, uint8_t mask) {
  for (int level = 0; level < 8; ++level)
    if (mask & (1 << ((c.lowest + 1 + level) & 7))) return level;
  return 8;
}

int ir_of_priority(const Pic8259& c, int level) { return (c.lowest + 1 + level) & 7; }

// The IR this chip would interrupt for now, or -1. `is_master` matters in
// special fully nested mode, where the cascade input may interrupt itself
// (a higher slave request while a lower slave IRQ is in service).
int requested_ir(const Pic8259& c, bool is_master) {
  int want = priority_of(c, c.irr & ~c.imr);
  if (want == 8) return -1;
  uint8_t in_service = c.isr;
  if (c.special_mask) in_service &= ~c.imr;
  if (is_master && c.sfnm) in_service &= ~(1 << 2);
  int current = priority_of(c, in_service);
  return want < current ? ir_of_priority(c, want) : -1;
}

// Drive input pin `ir` of chip `c` to `level`, with edge or level sensing.
void drive_input(Pic8259& c, int ir, bool level) {
  uint8_t bit = 1 << ir;
  bool level_mode = c.ltim || (c.elcr & bit);
  if (level) {
    if (level_mode || !(c.input & bit)) c.irr |= bit;
    c.input |= bit;
  } else {
    if (level_mode) c.irr &= ~bit;
    c.input &= ~bit;
  }
}

// The chip side of an INTA cycle for input `ir`.
void intack(Pic8259& c, int ir) {
  uint8_t bit = 1 << ir;
  if (c.auto_eoi) {
    if (c.rotate_on_aeoi) c.lowest = ir;
  } else {
    c.isr |= bit;
  }
  // An edge request is consumed; a level request stays while the pin is high.
  if (!(c.ltim || (c.elcr & bit))) c.irr &= ~bit;
}

void init_reset(Pic8259& c) {
  uint8_t elcr = c.elcr;
  c = Pic8259{};
  c.elcr = elcr;
}

constexpr uint8_t kElcrMask[2] = {0xF8, 0xDE};  // IRQ0-2, 8 and 13 are always edge

}  // namespace

Pic::Pic() { reset(); }

void Pic::reset() { state = PicState{}; }

std::vector<IoRange> Pic::io_ranges() const {
  return {{0x20, 0x21}, {0xA0, 0xA1}, {0x4D0, 0x4D1}};
}

void Pic::set_irq(int irq, bool level) {
  if (irq < 0 || irq > 15 || irq == 2) return;  // IR2 of the master is the cascade
  drive_input(state.chip[irq >> 3], irq & 7, level);
  update_cascade();
}

// The slave's INT output is wired to the master's IR2.
void Pic::update_cascade() {
  drive_input(state.chip[0], 2, requested_ir(state.chip[1], false) >= 0);
}

bool Pic::pending() const { return requested_ir(state.chip[0], true) >= 0; }

uint8_t Pic::acknowledge() {
  Pic8259& master = state.chip[0];
  Pic8259& slave = state.chip[1];
  int ir = requested_ir(master, true);
  if (ir < 0) return master.vector_base + 7;  // spurious IRQ7: no ISR bit
  intack(master, ir);
  uint8_t vector;
  if (ir == 2) {
    int ir2 = requested_ir(slave, false);
    if (ir2 >= 0) {
      intack(slave, ir2);
      vector = slave.vector_base + ir2;
    } else {
      vector = slave.vector_base + 7;  // spurious IRQ15: master IS2 is still set
    }
  } else {
    vector = master.vector_base + ir;
  }
  update_cascade();
  return vector;
}

void Pic::write_command(Pic8259& c, uint8_t value) {
  if (value & 0x10) {  // ICW1
    init_reset(c);
    c.icw4_needed = value & 0x01;
    c.single = value & 0x02;
    c.ltim = value & 0x08;
    c.init_step = 2;
    return;
  }
  if (value & 0x08) {  // OCW3
    if (value & 0x04) c.poll = true;
    if (value & 0x02) c.read_isr = value & 0x01;
    if (value & 0x40) c.special_mask = value & 0x20;
    return;
  }
  // OCW2: R SL EOI in bits 7-5, level in bits 2-0.
  int ir = value & 7;
  switch (value >> 5) {
    case 0:  // rotate in AEOI mode: clear
    case 4:  // rotate in AEOI mode: set
      c.rotate_on_aeoi = value >> 7;
      break;
    case 1:    // non-specific EOI
    case 5: {  // rotate on non-specific EOI
      int level = priority_of(c, c.isr);
      if (level == 8) break;
      int done = ir_of_priority(c, level);
      c.isr &= ~(1 << done);
      if (value >> 5 == 5) c.lowest = done;
      break;
    }
    case 3:  // specific EOI
      c.isr &= ~(1 << ir);
      break;
    case 6:  // set priority
      c.lowest = ir;
      break;
    case 7:  // rotate on specific EOI
      c.isr &= ~(1 << ir);
      c.lowest = ir;
      break;
    default:  // 2: no operation
      break;
  }
}

void Pic::write_data(Pic8259& c, uint8_t value) {
  switch (c.init_step) {
    case 2:  // ICW2
      c.vector_base = value & 0xF8;
      c.init_step = c.single ? (c.icw4_needed ? 4 : 0) : 3;
      break;
    case 3:  // ICW3
      c.icw3 = value;
      c.init_step = c.icw4_needed ? 4 : 0;
      break;
    case 4:  // ICW4
      c.auto_eoi = value & 0x02;
      c.sfnm = value & 0x10;
      c.init_step = 0;
      break;
    default:  // OCW1
      c.imr = value;
      break;
  }
}

uint8_t Pic::read(Pic8259& c, bool data_port) {
  if (c.poll) {  // poll word: I bit 7 set if a request, W2-W0 its level
    c.poll = false;
    bool is_master = &c == &state.chip[0];
    int ir = requested_ir(c, is_master);
    if (ir < 0) return 0;
    intack(c, ir);
    return 0x80 | ir;
  }
  if (data_port) return c.imr;
  return c.read_isr ? c.isr : c.irr;
}

bool Pic::io_read(uint16_t port, int size, uint32_t& value) {
  switch (port) {
    case 0x20: case 0x21: value = read(state.chip[0], port & 1); break;
    case 0xA0: case 0xA1: value = read(state.chip[1], port & 1); break;
    case 0x4D0: case 0x4D1: value = state.chip[port & 1].elcr; return true;
    default: return false;
  }
  update_cascade();
  return true;
}

bool Pic::io_write(uint16_t port, int size, uint32_t value) {
  uint8_t v = value;
  switch (port) {
    case 0x20: write_command(state.chip[0], v); break;
    case 0x21: write_data(state.chip[0], v); break;
    case 0xA0: write_command(state.chip[1], v); break;
    case 0xA1: write_data(state.chip[1], v); break;
    case 0x4D0: case 0x4D1: state.chip[port & 1].elcr = v & kElcrMask[port & 1]; break;
    default: return false;
  }
  update_cascade();
  return true;
}

}  // namespace isolab::emulator
