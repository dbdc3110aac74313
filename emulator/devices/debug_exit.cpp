// QEMU's isa-debug-exit device (hw/misc/debugexit.c), on port 0xF4.
// Lesson: how a test guest reports its result.
//
// Not a chip but a testing convention: a guest writes a value v to the
// port and QEMU exits at once with status (v << 1) | 1. The status is
// always odd so that it cannot be mistaken for QEMU's own exit 0; a test
// kernel reporting success conventionally writes 0x10 (exit 33) or 0
// (exit 1). A 16- or 32-bit write passes its whole value. Reads
// return all ones.
#include "emulator/devices/debug_exit.h"

namespace isolab::emulator {

bool DebugExit::io_read(uint16_t port, int size, uint32_t& value) {
  if (port != port_) return false;
  value = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
  return true;
}

bool DebugExit::io_write(uint16_t port, int size, uint32_t value) {
  if (port != port_) return false;
  uint32_t v = size == 4 ? value : value & ((1u << (8 * size)) - 1);
  state.exit_requested = true;
  state.exit_code = (v << 1) | 1;
  if (on_exit) on_exit(state.exit_code);
  return true;
}

}  // namespace isolab::emulator
