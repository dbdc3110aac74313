// The debug console on port 0xE9, from the Bochs "port E9 hack" and QEMU's
// -debugcon (hw/char/debugcon.c). Lesson: the first guest that prints.
//
// Not a chip but an emulator convention: every byte written to the port
// appears on the host at once, with no setup, so the very first
// instructions of a kernel or boot sector can print. Reading the port
// returns 0xE9, which is how a guest detects that the console exists.
#include "emulator/devices/debugcon.h"

namespace isolab::emulator {

bool DebugCon::io_read(uint16_t port, int size, uint32_t& value) {
  if (port != port_) return false;
  value = 0xE9;
  return true;
}

bool DebugCon::io_write(uint16_t port, int size, uint32_t value) {
  if (port != port_) return false;
  if (on_output) on_output(uint8_t(value));
  return true;
}

}  // namespace isolab::emulator
