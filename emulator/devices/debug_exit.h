// QEMU's isa-debug-exit on port 0xF4. See debug_exit.cpp.
#pragma once
#include <cstdint>
#include <functional>

#include "emulator/devices/device.h"

namespace isolab::emulator {

struct DebugExitState {
  bool exit_requested = false;
  uint32_t exit_code = 0;  // value * 2 + 1
};

class DebugExit : public Device {
 public:
  explicit DebugExit(uint16_t port = 0xF4) : port_(port) {}

  const char* name() const override { return "debug-exit"; }
  void reset() override { state = DebugExitState{}; }
  std::vector<IoRange> io_ranges() const override { return {{port_, port_}}; }
  bool io_read(uint16_t port, int size, uint32_t& value) override;
  bool io_write(uint16_t port, int size, uint32_t value) override;
  std::vector<uint8_t> save() const override { return save_pod(state); }
  bool restore(std::span<const uint8_t> bytes) override { return restore_pod(bytes, state); }

  // Called with the exit code when the guest writes the port; the machine
  // stops the VM and (for `isolab vm run`) exits the process with it.
  std::function<void(uint32_t exit_code)> on_exit;

  DebugExitState state;

 private:
  uint16_t port_;
};

}  // namespace isolab::emulator
