// Intel 8042 keyboard controller with a PS/2 keyboard, plus port 0x92.
// See kbc.cpp for the hardware.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "emulator/devices/device.h"

namespace isolab::emulator {

// A small byte queue that lives inside a plain state struct.
struct ByteQueue {
  std::array<uint8_t, 64> bytes{};
  uint8_t head = 0, count = 0;
  bool push(uint8_t b) {
    if (count == bytes.size()) return false;
    bytes[(head + count++) % bytes.size()] = b;
    return true;
  }
  uint8_t pop() {
    uint8_t b = bytes[head];
    head = (head + 1) % bytes.size();
    count--;
    return b;
  }
  void clear() { head = count = 0; }
};

struct KbcState {
  std::array<uint8_t, 32> ram{};  // controller RAM; byte 0 is the command byte
  uint8_t output_port = 0xCF;     // bit 0 reset (active low), bit 1 A20 gate
  uint8_t port92 = 0x02;          // system control port A: bit 1 A20, bit 0 reset
  uint8_t pending_command = 0;    // controller command waiting for its data byte
  uint8_t keyboard_command = 0;   // keyboard command waiting for its parameter
  bool last_write_command = false;  // status bit 3 (A2)
  bool output_full = false;         // status bit 0 (OBF)
  bool output_from_aux = false;     // status bit 5: the byte came from the mouse port
  uint8_t output = 0;               // the output buffer, read at 0x60
  bool keyboard_scanning = true;    // PS/2 keyboard enabled (0xF4 / 0xF5)
  uint8_t scancode_set = 2;         // as the keyboard reports it; translated to set 1
  ByteQueue controller_replies;     // bytes from the 8042 itself
  ByteQueue keyboard_bytes;         // bytes from the keyboard (scan codes, replies)
  bool irq1_level = false;
  bool irq12_level = false;
};

class Kbc : public Device {
 public:
  explicit Kbc(IrqSink& irq);

  const char* name() const override { return "kbc"; }
  void reset() override;
  std::vector<IoRange> io_ranges() const override { return {{0x60, 0x60}, {0x64, 0x64}, {0x92, 0x92}}; }
  bool io_read(uint16_t port, int size, uint32_t& value) override;
  bool io_write(uint16_t port, int size, uint32_t value) override;
  std::vector<uint8_t> save() const override { return save_pod(state); }
  bool restore(std::span<const uint8_t> bytes) override { return restore_pod(bytes, state); }

  // The A20 gate changed (output port bit 1, or port 0x92 bit 1).
  std::function<void(bool enabled)> on_a20;
  // The guest pulsed the CPU reset line (command 0xFE, output port bit 0
  // cleared, or port 0x92 bit 0 set).
  std::function<void()> on_reset;

  bool a20() const { return state.output_port & 0x02; }

  // Keyboard input: scan code set 1 bytes as the 8042 delivers them after
  // translation (make code, then make | 0x80 on release).
  void key_scancode(uint8_t code);
  // Press and release the keys that type `text` on a US keyboard.
  void type_text(std::string_view text);

  uint8_t status() const;

  KbcState state;

 private:
  void controller_command(uint8_t command);
  void controller_data(uint8_t value);
  void keyboard_write(uint8_t value);
  void set_a20(bool enabled);
  void refill_output();
  void update_irq();

  IrqSink& irq_;
};

}  // namespace isolab::emulator
