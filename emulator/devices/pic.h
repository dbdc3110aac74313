// Intel 8259A programmable interrupt controller pair (the PC/AT's "PIC").
// Datasheet: Intel 8259A Programmable Interrupt Controller, order 231468.
// See pic.cpp for the chip as hardware.
#pragma once
#include <cstdint>

#include "emulator/devices/device.h"

namespace isolab::emulator {

// One 8259A. Field names follow the datasheet's registers and ICW/OCW bits.
struct Pic8259 {
  uint8_t irr = 0;           // interrupt request register: IR inputs seen
  uint8_t isr = 0;           // in-service register: acknowledged, not EOI'd
  uint8_t imr = 0;           // interrupt mask register (OCW1)
  uint8_t input = 0;         // last level seen on each IR pin (edge detection)
  uint8_t lowest = 7;        // IR with the lowest priority (rotation)
  uint8_t vector_base = 0;   // ICW2, T7-T3
  uint8_t icw3 = 0;          // master: which IRs have slaves; slave: its ID
  uint8_t elcr = 0;          // edge/level control register (0x4D0/0x4D1)
  uint8_t init_step = 0;     // 0 ready; 2, 3, 4: next data write is ICWn
  bool icw4_needed = false;  // ICW1.IC4
  bool single = false;       // ICW1.SNGL: no cascade, skip ICW3
  bool ltim = false;         // ICW1.LTIM: every IR level triggered
  bool auto_eoi = false;     // ICW4.AEOI
  bool sfnm = false;         // ICW4.SFNM: special fully nested mode
  bool rotate_on_aeoi = false;
  bool special_mask = false;  // OCW3.SMM
  bool read_isr = false;      // OCW3.RIS: command port reads ISR, else IRR
  bool poll = false;          // OCW3.P: next read is a poll
};

struct PicState {
  Pic8259 chip[2];  // [0] master at 0x20, [1] slave at 0xA0 on master IR2
};

class Pic : public Device, public IrqSink {
 public:
  Pic();

  const char* name() const override { return "pic"; }
  void reset() override;
  std::vector<IoRange> io_ranges() const override;
  bool io_read(uint16_t port, int size, uint32_t& value) override;
  bool io_write(uint16_t port, int size, uint32_t value) override;
  std::vector<uint8_t> save() const override { return save_pod(state); }
  bool restore(std::span<const uint8_t> bytes) override { return restore_pod(bytes, state); }

  // Drive ISA IRQ line `irq` (0-7 master, 8-15 slave) to `level`.
  void set_irq(int irq, bool level) override;

  // True if the master's INT output is asserted: an unmasked request of
  // higher priority than anything in service.
  bool pending() const;
  // The INTA cycle: return the vector for the highest-priority request and
  // move it from IRR to ISR (unless in AEOI mode). With nothing pending it
  // returns the spurious IRQ7 (or IRQ15) vector and sets no ISR bit.
  uint8_t acknowledge();

  PicState state;

 private:
  void write_command(Pic8259& c, uint8_t value);
  void write_data(Pic8259& c, uint8_t value);
  uint8_t read(Pic8259& c, bool data_port);
  void update_cascade();
};

}  // namespace isolab::emulator
