// The one small interface every PC device model shares.
//
// Each chip of DESIGN §4 (8259 PIC, 8254 PIT, 16550 UART, MC146818 RTC,
// VGA, 8042, ATA, APICs, debug ports) is one Device in one file, in the
// manner of kvmtool's device files and floooh/chips: its state is a plain
// struct (`state`) that can be printed, compared and snapshotted, and its
// behaviour is a handful of functions over that struct.
//
// The machine (emulator/machine.*) owns the devices. It
//   - routes port I/O and MMIO to whichever device claims the address
//     (io_ranges / mmio_ranges say which, once, at setup);
//   - passes simulated time in with advance(now_ns): virtual nanoseconds
//     derived from retired instructions. Devices never read a host clock,
//     so a run is deterministic. The machine calls advance() before it
//     dispatches an access, so a device sees the current time when read;
//   - asks next_event_ns() for the next moment a device will change state
//     on its own (a timer edge, a received byte), so a halted guest can
//     jump the clock straight there;
//   - wires interrupt lines: a device raises and lowers an ISA IRQ line
//     on an IrqSink (the InterruptRouter, or a Pic in a PIC-only machine).
//
// Access sizes are 1, 2 or 4 bytes. Eight-bit devices use the low byte of
// a wider write and return their byte zero-extended on a wider read; only
// the ATA data port and the APIC registers are wider than a byte.
#pragma once
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace isolab::emulator {

// next_event_ns() returns this when the device has nothing scheduled.
inline constexpr uint64_t kNoEvent = UINT64_MAX;

// An inclusive range of I/O ports or physical addresses a device decodes.
struct IoRange {
  uint16_t first;
  uint16_t last;
};
struct MmioRange {
  uint32_t first;
  uint32_t last;
};

// Where devices drive their interrupt lines. `line` is an ISA IRQ number
// (0-15); `level` is the electrical level of the device's output. Edge
// detection belongs to the receiver (the 8259 or the I/O APIC pin).
class IrqSink {
 public:
  virtual ~IrqSink() = default;
  virtual void set_irq(int line, bool level) = 0;
};

class Device {
 public:
  virtual ~Device() = default;

  // Short lowercase chip name for traces and the UI ("pic", "pit", ...).
  virtual const char* name() const = 0;
  // Return to the power-on state. Attached disks and callbacks survive.
  virtual void reset() = 0;

  virtual std::vector<IoRange> io_ranges() const { return {}; }
  virtual std::vector<MmioRange> mmio_ranges() const { return {}; }

  // Port and MMIO accesses. Each returns false if the device does not
  // decode the address (the machine then treats it as an open bus).
  virtual bool io_read(uint16_t port, int size, uint32_t& value) { return false; }
  virtual bool io_write(uint16_t port, int size, uint32_t value) { return false; }
  virtual bool mmio_read(uint32_t addr, int size, uint32_t& value) { return false; }
  virtual bool mmio_write(uint32_t addr, int size, uint32_t value) { return false; }

  // Bring the device up to simulated time now_ns (never earlier than the
  // last call), raising whatever interrupts fell due meanwhile.
  virtual void advance(uint64_t now_ns) {}
  // The earliest simulated time at which the device will next raise an
  // interrupt on its own, or kNoEvent.
  virtual uint64_t next_event_ns() const { return kNoEvent; }

  // Snapshot support: the device state as bytes, and back. restore()
  // returns false if the bytes do not fit this device.
  virtual std::vector<uint8_t> save() const = 0;
  virtual bool restore(std::span<const uint8_t> bytes) = 0;
};

// Helpers for devices whose state is one trivially copyable struct.
template <typename T>
std::vector<uint8_t> save_pod(const T& state) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<uint8_t> out(sizeof(T));
  std::memcpy(out.data(), &state, sizeof(T));
  return out;
}
template <typename T>
bool restore_pod(std::span<const uint8_t> bytes, T& state) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (bytes.size() != sizeof(T)) return false;
  std::memcpy(&state, bytes.data(), sizeof(T));
  return true;
}

// Simulated-time conversions for devices clocked at `hz`: the number of
// whole clock ticks that have elapsed at time ns, and the first time at
// which `tick` ticks have elapsed (so ticks_at(ns_of_tick(t)) == t).
inline uint64_t ticks_at(uint64_t ns, uint64_t hz) {
  return uint64_t((unsigned __int128)ns * hz / 1'000'000'000u);
}
inline uint64_t ns_of_tick(uint64_t tick, uint64_t hz) {
  unsigned __int128 ns = ((unsigned __int128)tick * 1'000'000'000u + hz - 1) / hz;
  return ns > UINT64_MAX ? kNoEvent : uint64_t(ns);
}

// The byte of a register `value` seen by an access of `size` bytes at
// byte `offset` within it: for devices with 16/32-bit registers.
inline uint32_t sub_register(uint32_t value, unsigned offset, int size) {
  uint32_t v = value >> (8 * offset);
  return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

}  // namespace isolab::emulator
