// Test helpers: a CPU on a RAM-only bus with code placed at an address.
#pragma once
#include <cstring>
#include <initializer_list>
#include <vector>

#include "cpu/cpu.h"

namespace isolab::cpu::test {

struct Guest {
  RamBus bus{16u << 20};
  Cpu cpu{bus};
  // Flat 32-bit protected mode (no GDT in memory), code at `at`.
  explicit Guest(uint32_t at = 0x1000, int cpl = 0) {
    cpu.set_flat_protected_mode(cpl);
    cpu.s.eip = at;
    cpu.s.reg[ESP] = 0x8000;
  }
  void poke(uint32_t addr, std::initializer_list<uint8_t> bytes) {
    std::memcpy(bus.ram() + addr, std::data(bytes), bytes.size());
  }
  void poke(uint32_t addr, const std::vector<uint8_t>& bytes) {
    std::memcpy(bus.ram() + addr, bytes.data(), bytes.size());
  }
  uint32_t peek32(uint32_t addr) {
    uint32_t v;
    std::memcpy(&v, bus.ram() + addr, 4);
    return v;
  }
  void poke32(uint32_t addr, uint32_t v) { std::memcpy(bus.ram() + addr, &v, 4); }
};

}  // namespace isolab::cpu::test
