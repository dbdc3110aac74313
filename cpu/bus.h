// The CPU's view of the machine: physical memory, port I/O and MMIO.
//
// A Bus is what the CPU core talks to, and the only thing. The machine
// (emulator/) and the container kernel (containers/) each implement one.
// Ordinary RAM is exposed as one host array so the soft TLB can map guest
// pages straight to host pointers; everything outside RAM, or inside a hole
// the bus declares (VGA, APIC), goes through mmio_read / mmio_write.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cpu/dirty_log.h"

namespace isolab::cpu {

class Bus {
 public:
  virtual ~Bus() = default;

  // Guest RAM as one host array starting at guest-physical 0.
  virtual uint8_t* ram() = 0;
  virtual uint64_t ram_size() const = 0;

  // True if the 4 KiB physical page at `page_base` is plain RAM that the
  // CPU may read and write directly through a host pointer. Pages that
  // return false (MMIO, ROM, holes) always take the slow path.
  virtual bool is_ram_page(uint32_t page_base) const {
    return uint64_t(page_base) + 4096 <= ram_size();
  }
  // True if writes to this RAM page must not go through a host pointer
  // (for example a ROM shadow). Reads still may.
  virtual bool is_readonly_page(uint32_t page_base) const { return false; }

  // Physical accesses that are not plain RAM. size is 1, 2 or 4.
  // An address with nothing behind it reads as all ones (an open bus).
  virtual uint32_t mmio_read(uint32_t addr, int size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
  virtual void mmio_write(uint32_t addr, int size, uint32_t value) {}

  // Port I/O (IN/OUT/INS/OUTS). size is 1, 2 or 4. An absent port reads
  // as all ones, as an ISA bus with nothing driving it does.
  virtual uint32_t io_read(uint16_t port, int size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
  virtual void io_write(uint16_t port, int size, uint32_t value) {}

  // Pages of RAM written while the log is on (cpu/dirty_log.h): the CPU
  // and the page walker mark it; a migrating VMM reads it.
  DirtyLog dirty_log;
};

// A bus that is only RAM: used by tests, benchmarks and fuzzers.
class RamBus : public Bus {
 public:
  explicit RamBus(uint64_t size) : size_(size), mem_(new uint8_t[size]()) {}
  ~RamBus() override { delete[] mem_; }
  RamBus(const RamBus&) = delete;
  RamBus& operator=(const RamBus&) = delete;
  uint8_t* ram() override { return mem_; }
  uint64_t ram_size() const override { return size_; }

 private:
  uint64_t size_;
  uint8_t* mem_;
};

}  // namespace isolab::cpu
