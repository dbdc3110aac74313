// Intel 8042 keyboard controller, its PS/2 keyboard, and port 0x92.
// References: IBM PC/AT Technical Reference, "Keyboard Controller";
// IBM PS/2 Hardware Interface Technical Reference, "Keyboard/Auxiliary
// Device Controller" and "System Control Port A" (0x92); behaviour where
// OSes depend on it follows QEMU's hw/input/pckbd.c and ps2.c.
// Lesson: real mode, A20 and the keyboard.
//
// The hardware. The 8042 is a small microcontroller between the CPU and
// the keyboard (and the mouse, its "auxiliary" port). The CPU sees two
// ports: 0x60 data and 0x64 status (read) / command (write).
//   status: bit 0 OBF (a byte waits at 0x60), bit 1 IBF (the 8042 has not
//   yet taken the last write; always 0 here, as the model takes writes at
//   once, which is what lets the A20 sequence's wait loops finish), bit 2
//   SYS (set after self test), bit 3 A2 (the last write was a command),
//   bit 4 keyboard not inhibited, bit 5 the byte is from the mouse.
// Commands written to 0x64 read or write the controller's RAM (byte 0 is
// the command byte: bit 0 keyboard IRQ1, bit 1 mouse IRQ12, bit 2 SYS,
// bit 4 keyboard disabled, bit 5 mouse disabled, bit 6 translate to scan
// code set 1), test the controller (0xAA answers 0x55), enable and
// disable the two ports (0xAD/0xAE, 0xA7/0xA8), and read and write the
// output port (0xD0/0xD1). The output port's bit 1 is the A20 gate and bit
// 0 the CPU reset line: this is why the 8086 address wrap of A20 is
// switched by a keyboard controller, and why 0xFE reboots a PC.
// Port 0x92 (PS/2 "fast A20") drives the same gate directly.
// Bytes written to 0x60 without a pending controller command go to the
// keyboard (0xFF reset, 0xF4 enable, 0xED LEDs, ...), which answers with
// 0xFA (ACK). Keys arrive as scan codes with IRQ1 while the command byte
// enables it. There is no mouse: commands for it are dropped.
#include "emulator/devices/kbc.h"

namespace isolab::emulator {

namespace {

constexpr uint8_t kCmdKeyboardIrq = 0x01, kCmdAuxIrq = 0x02, kCmdSys = 0x04,
                  kCmdKeyboardDisabled = 0x10, kCmdAuxDisabled = 0x20, kCmdTranslate = 0x40;
constexpr uint8_t kAck = 0xFA;

// US keyboard, scan code set 1: ASCII character -> make code, and whether
// Shift is held. Built from the key rows so the table reads like a keyboard.
struct Key {
  uint8_t code = 0;
  bool shift = false;
};
struct KeyTable {
  Key keys[128];
  constexpr KeyTable() : keys{} {
    row("1234567890-=", "!@#$%^&*()_+", 0x02);
    row("qwertyuiop[]", "QWERTYUIOP{}", 0x10);
    row("asdfghjkl;'`", "ASDFGHJKL:\"~", 0x1E);
    row("\\zxcvbnm,./", "|ZXCVBNM<>?", 0x2B);
    keys[int('\x1b')] = {0x01, false};
    keys[int('\b')] = {0x0E, false};
    keys[int('\t')] = {0x0F, false};
    keys[int('\n')] = {0x1C, false};
    keys[int(' ')] = {0x39, false};
  }
  constexpr void row(const char* plain, const char* shifted, uint8_t first) {
    for (int i = 0; plain[i]; ++i) {
      keys[int(plain[i])] = {uint8_t(first + i), false};
      keys[int(shifted[i])] = {uint8_t(first + i), true};
    }
  }
};
constexpr KeyTable kUsKeys;
constexpr uint8_t kLeftShift = 0x2A;

}  // namespace

Kbc::Kbc(IrqSink& irq) : irq_(irq) { reset(); }

// The state a BIOS leaves: self test passed, keyboard IRQ on, translation
// on, A20 enabled (as QEMU's outport at reset).
void Kbc::reset() {
  state = KbcState{};
  state.ram[0] = kCmdKeyboardIrq | kCmdSys | kCmdTranslate;
  update_irq();
}

uint8_t Kbc::status() const {
  uint8_t s = 0x10;  // keyboard not inhibited (the key lock)
  if (state.output_full) s |= 0x01;
  if (state.ram[0] & kCmdSys) s |= 0x04;
  if (state.last_write_command) s |= 0x08;
  if (state.output_full && state.output_from_aux) s |= 0x20;
  return s;
}

void Kbc::update_irq() {
  bool irq1 = state.output_full && !state.output_from_aux && (state.ram[0] & kCmdKeyboardIrq);
  bool irq12 = state.output_full && state.output_from_aux && (state.ram[0] & kCmdAuxIrq);
  if (irq1 != state.irq1_level) irq_.set_irq(1, state.irq1_level = irq1);
  if (irq12 != state.irq12_level) irq_.set_irq(12, state.irq12_level = irq12);
}

// Load the output buffer from the 8042's own replies first, then from the
// keyboard if its interface is enabled.
void Kbc::refill_output() {
  if (state.output_full) return;
  if (state.controller_replies.count) {
    state.output = state.controller_replies.pop();
  } else if (state.keyboard_bytes.count && !(state.ram[0] & kCmdKeyboardDisabled)) {
    state.output = state.keyboard_bytes.pop();
  } else {
    return;
  }
  state.output_full = true;
  state.output_from_aux = false;
}

void Kbc::set_a20(bool enabled) {
  bool was = a20();
  state.output_port = (state.output_port & ~0x02) | (enabled ? 0x02 : 0);
  state.port92 = (state.port92 & ~0x02) | (enabled ? 0x02 : 0);
  if (was != enabled && on_a20) on_a20(enabled);
}

void Kbc::controller_command(uint8_t command) {
  auto reply = [&](uint8_t b) { state.controller_replies.push(b); };
  if (command >= 0x20 && command <= 0x3F) {
    reply(state.ram[command & 0x1F]);
  } else if ((command >= 0x60 && command <= 0x7F) || (command >= 0xD1 && command <= 0xD4)) {
    state.pending_command = command;
  } else if (command >= 0xF0) {
    if (!(command & 0x01) && on_reset) on_reset();  // pulse output port bit 0 (0xFE)
  } else {
    switch (command) {
      case 0xA7: state.ram[0] |= kCmdAuxDisabled; break;
      case 0xA8: state.ram[0] &= ~kCmdAuxDisabled; break;
      case 0xA9: reply(0x00); break;  // aux interface test: no error
      case 0xAA:                      // controller self test
        state.ram[0] |= kCmdSys;
        reply(0x55);
        break;
      case 0xAB: reply(0x00); break;  // keyboard interface test: no error
      case 0xAD: state.ram[0] |= kCmdKeyboardDisabled; break;
      case 0xAE: state.ram[0] &= ~kCmdKeyboardDisabled; break;
      case 0xC0: reply(0x80); break;  // input port: keyboard not inhibited
      case 0xD0: {
        uint8_t port = state.output_port & ~0x30;
        if (state.output_full) port |= state.output_from_aux ? 0x20 : 0x10;
        reply(port);
        break;
      }
      case 0xDD: set_a20(false); break;
      case 0xDF: set_a20(true); break;
      case 0xE0: reply(0x00); break;  // test inputs
      default: break;
    }
  }
}

void Kbc::controller_data(uint8_t value) {
  uint8_t command = state.pending_command;
  state.pending_command = 0;
  if (command >= 0x60 && command <= 0x7F) {
    state.ram[command & 0x1F] = value;
    return;
  }
  switch (command) {
    case 0xD1:  // write output port
      set_a20(value & 0x02);
      state.output_port = value;
      if (!(value & 0x01) && on_reset) on_reset();
      break;
    case 0xD2: state.controller_replies.push(value); break;  // as if from the keyboard
    case 0xD3:                                              // as if from the mouse
      if (!state.output_full) {
        state.output = value;
        state.output_full = true;
        state.output_from_aux = true;
      }
      break;
    default: break;  // 0xD4: bytes for the mouse; there is none
  }
}

void Kbc::keyboard_write(uint8_t value) {
  auto reply = [&](uint8_t b) { state.keyboard_bytes.push(b); };
  state.ram[0] &= ~kCmdKeyboardDisabled;  // talking to the keyboard enables its port
  bool translate = state.ram[0] & kCmdTranslate;
  if (uint8_t command = state.keyboard_command) {  // the parameter byte
    state.keyboard_command = 0;
    reply(kAck);
    if (command == 0xF0) {
      if (value == 0) {
        constexpr uint8_t kTranslatedSet[4] = {0, 0x43, 0x41, 0x3F};
        reply(translate ? kTranslatedSet[state.scancode_set] : state.scancode_set);
      } else if (value <= 3) {
        state.scancode_set = value;
      }
    }
    return;
  }
  switch (value) {
    case 0xED: case 0xF0: case 0xF3:  // LEDs, scan code set, typematic rate: a parameter follows
      state.keyboard_command = value;
      reply(kAck);
      break;
    case 0xEE: reply(0xEE); break;  // echo
    case 0xF2:                      // identify: an MF2 keyboard
      reply(kAck);
      reply(0xAB);
      reply(translate ? 0x41 : 0x83);
      break;
    case 0xF4: state.keyboard_scanning = true; reply(kAck); break;
    case 0xF5: state.keyboard_scanning = false; reply(kAck); break;
    case 0xF6: reply(kAck); break;
    case 0xFF:  // reset: ACK, then the basic assurance test passed
      state.keyboard_bytes.clear();
      state.keyboard_scanning = true;
      reply(kAck);
      reply(0xAA);
      break;
    default: reply(0xFE); break;  // resend: not a command we know
  }
}

bool Kbc::io_read(uint16_t port, int size, uint32_t& value) {
  switch (port) {
    case 0x60:
      value = state.output;  // with OBF clear this is the stale byte, as on the chip
      state.output_full = false;
      update_irq();  // the line drops, so the next byte makes a new edge
      refill_output();
      break;
    case 0x64: value = status(); return true;
    case 0x92: value = state.port92; return true;
    default: return false;
  }
  update_irq();
  return true;
}

bool Kbc::io_write(uint16_t port, int size, uint32_t value) {
  uint8_t v = value;
  switch (port) {
    case 0x60:
      state.last_write_command = false;
      if (state.pending_command) controller_data(v);
      else keyboard_write(v);
      break;
    case 0x64:
      state.last_write_command = true;
      controller_command(v);
      break;
    case 0x92: {
      bool reset_edge = (v & 0x01) && !(state.port92 & 0x01);
      set_a20(v & 0x02);
      state.port92 = v;
      if (reset_edge && on_reset) on_reset();
      return true;
    }
    default: return false;
  }
  refill_output();
  update_irq();
  return true;
}

void Kbc::key_scancode(uint8_t code) {
  if (!state.keyboard_scanning) return;
  state.keyboard_bytes.push(code);
  refill_output();
  update_irq();
}

void Kbc::type_text(std::string_view text) {
  for (char ch : text) {
    Key key = kUsKeys.keys[uint8_t(ch) & 0x7F];
    if (!key.code) continue;  // no key types this character
    if (key.shift) key_scancode(kLeftShift);
    key_scancode(key.code);
    key_scancode(key.code | 0x80);
    if (key.shift) key_scancode(kLeftShift | 0x80);
  }
}

}  // namespace isolab::emulator
