// Bochs/QEMU debug console on port 0xE9. See debugcon.cpp.
#pragma once
#include <cstdint>
#include <functional>

#include "emulator/devices/device.h"

namespace isolab::emulator {

class DebugCon : public Device {
 public:
  explicit DebugCon(uint16_t port = 0xE9) : port_(port) {}

  const char* name() const override { return "debugcon"; }
  void reset() override {}
  std::vector<IoRange> io_ranges() const override { return {{port_, port_}}; }
  bool io_read(uint16_t port, int size, uint32_t& value) override;
  bool io_write(uint16_t port, int size, uint32_t value) override;
  std::vector<uint8_t> save() const override { return {}; }
  bool restore(std::span<const uint8_t> bytes) override { return bytes.empty(); }

  // Each byte the guest writes.
  std::function<void(uint8_t)> on_output;

 private:
  uint16_t port_;
};

}  // namespace isolab::emulator
