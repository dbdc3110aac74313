// The VM exits each paging mode costs: a guest that loads CR3 N times,
// executes INVLPG M times and touches K fresh pages shows N CR_ACCESS
// exits, M INVLPG exits and K shadow fills under shadow paging, and none of
// the CR3 or INVLPG exits under nested paging.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "emulator/machine.h"

using namespace isolab;
using emulator::ExitReason;
using emulator::Machine;
using emulator::MachineConfig;
using emulator::MachineStop;
using emulator::PagingMode;

namespace {

constexpr uint32_t CODE = 0x1000, PD = 0x100000, PT = 0x101000, DATA = 0x200000;
constexpr uint32_t WINDOW = 0x400000;  // PDE 1: 64 pages mapped onto DATA
constexpr uint32_t UNMAPPED = 0x800000;

void put32(std::vector<uint8_t>& code, uint32_t v) {
  for (int i = 0; i < 4; i++) code.push_back(uint8_t(v >> (8 * i)));
}

// mov eax, PD; N x mov cr3, eax; mov ebx, UNMAPPED; M x invlpg [ebx];
// K x mov [WINDOW + k * 4096], eax; hlt.
std::vector<uint8_t> guest(int n, int m, int k) {
  std::vector<uint8_t> code = {0xB8};
  put32(code, PD);
  for (int i = 0; i < n; i++) code.insert(code.end(), {0x0F, 0x22, 0xD8});
  code.push_back(0xBB);
  put32(code, UNMAPPED);
  for (int i = 0; i < m; i++) code.insert(code.end(), {0x0F, 0x01, 0x3B});
  for (int i = 0; i < k; i++) {
    code.push_back(0xA3);
    put32(code, WINDOW + uint32_t(i) * 4096);
  }
  code.push_back(0xF4);
  return code;
}

void poke32(Machine& vm, uint32_t addr, uint32_t v) { std::memcpy(vm.ram() + addr, &v, 4); }

// A machine already in flat protected mode with paging on: the first 4 MiB
// identity-mapped by one 4 MiB page, the window by a page table.
void boot(Machine& vm, const std::vector<uint8_t>& code) {
  std::memcpy(vm.ram() + CODE, code.data(), code.size());
  poke32(vm, PD, 0x83);  // P|W|PS
  poke32(vm, PD + 4, PT | 3);
  for (uint32_t i = 0; i < 64; i++) poke32(vm, PT + i * 4, (DATA + i * 4096) | 3);
  vm.cpu.set_flat_protected_mode(0);
  vm.cpu.s.eip = CODE;
  vm.cpu.s.cr3 = PD;
  vm.cpu.s.cr4 |= cpu::CR4_PSE;
  vm.cpu.s.cr0 |= cpu::CR0_PG;
  vm.cpu.flush_tlb();
}

}  // namespace

TEST_CASE("shadow: N CR3 loads, M INVLPGs and K fresh pages give N CR_ACCESS, M INVLPG exits and K shadow fills") {
  struct Case {
    int n, m, k;
  };
  for (Case c : {Case{0, 0, 0}, Case{1, 0, 1}, Case{3, 5, 7}, Case{10, 2, 40}, Case{25, 25, 64}}) {
    CAPTURE(c.n);
    CAPTURE(c.m);
    CAPTURE(c.k);
    Machine vm(MachineConfig{.ram_bytes = 16u << 20, .paging = PagingMode::Shadow});
    boot(vm, guest(c.n, c.m, c.k));
    REQUIRE(vm.run(1'000'000'000) == MachineStop::Halted);
    const auto& mmu = vm.shadow.counters;
    CHECK(vm.exits[ExitReason::CR_ACCESS] == uint64_t(c.n));
    CHECK(vm.exits[ExitReason::INVLPG] == uint64_t(c.m));
    // The K pages, and the page the code runs from.
    CHECK(mmu.pf_fixed == uint64_t(c.k) + 1);
    CHECK(vm.exits[ExitReason::EXCEPTION_NMI] == uint64_t(c.k) + 1);
    CHECK(mmu.pf_guest == 0);
    CHECK(mmu.tlb_flush == uint64_t(c.n));
    CHECK(mmu.invlpg == uint64_t(c.m));
    CHECK(mmu.mmu_cache_miss == 1);  // every CR3 load finds the cached root
    // Each write set the guest's A and D bits, as the hardware would.
    for (int i = 0; i < 64; i++) {
      uint32_t pte;
      std::memcpy(&pte, vm.ram() + PT + uint32_t(i) * 4, 4);
      CHECK((pte & 0x60) == (i < c.k ? 0x60u : 0u));
    }
  }
}

TEST_CASE("nested: CR3 loads and INVLPG do not leave the guest, first touches of guest-physical pages do") {
  Machine vm(MachineConfig{.ram_bytes = 16u << 20, .paging = PagingMode::Nested});
  boot(vm, guest(10, 5, 20));
  REQUIRE(vm.run(1'000'000'000) == MachineStop::Halted);
  CHECK(vm.exits[ExitReason::CR_ACCESS] == 0);
  CHECK(vm.exits[ExitReason::INVLPG] == 0);
  CHECK(vm.exits[ExitReason::EXCEPTION_NMI] == 0);
  // The code page, the page directory, the page table and the 20 pages.
  CHECK(vm.exits[ExitReason::EPT_VIOLATION] == 23);
  CHECK(vm.nested.counters.pf_fixed == 23);
}
