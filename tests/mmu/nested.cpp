// Nested paging: the 2-D walk's memory references and EPT violations, and
// a page-table-heavy guest that must end in the same state under nested,
// shadow and direct paging.
#include <doctest/doctest.h>

#include <cstring>

#include "emulator/machine.h"
#include "mmu/nested.h"

namespace isolab::bench {
extern const uint8_t guest_pt_churn[];
extern const size_t guest_pt_churn_size;
}  // namespace isolab::bench

using namespace isolab;
using namespace isolab::mmu;

namespace {

constexpr uint32_t PD = 0x100000, PT = 0x101000, DATA = 0x200000;

struct Guest {
  cpu::RamBus bus{8u << 20};
  cpu::CpuState s;
  Guest() {
    s.cr0 = cpu::CR0_PE | cpu::CR0_PG | cpu::CR0_ET;
    s.cr4 = cpu::CR4_PSE;
    s.cr3 = PD;
    poke32(PD, PT | PTE_P | PTE_W);                       // 0-4 MiB: a page table
    poke32(PD + 4, (4u << 20) | PTE_P | PTE_W | PTE_PS);  // 4-8 MiB: one 4 MiB page
    poke32(PT + 5 * 4, DATA | PTE_P | PTE_W);
  }
  void poke32(uint32_t addr, uint32_t v) { std::memcpy(bus.ram() + addr, &v, 4); }
};

}  // namespace

TEST_CASE("nested: a 4 KiB walk reads (2+1)*(2+1)-1 = 8 table entries, a 4 MiB walk 5") {
  Guest g;
  NestedMmu mmu(g.bus);
  Translation t = mmu.translate(g.s, 0x5123, Access::Read, false);  // fills the host tables
  REQUIRE(t.ok);
  CHECK(t.phys == DATA + 0x123);
  REQUIRE(mmu.walk_2d(g.s, 0x5123, Access::Read, false, t));
  CHECK(t.mem_refs == 8);
  mmu.translate(g.s, 0x400010, Access::Read, false);
  REQUIRE(mmu.walk_2d(g.s, 0x400010, Access::Read, false, t));
  CHECK(t.phys == 0x400010);
  CHECK(t.mem_refs == 5);
  // The host tables are real: the identity map, one entry per page touched.
  const uint32_t host_pde = mmu.host_pd()[0];
  REQUIRE((host_pde & PTE_P) != 0);
  CHECK(mmu.host_pt(host_pde)[(DATA >> 12) & 0x3FF] == (DATA | PTE_P | PTE_W | PTE_U));
  CHECK(mmu.host_pt(host_pde)[(DATA >> 12) + 1] == 0);
}

TEST_CASE("nested: each guest-physical page the host tables lack is an EPT violation the VMM fixes") {
  Guest g;
  NestedMmu mmu(g.bus);
  Translation t;
  // The walk meets, in order: the page directory, the page table, the data.
  for (uint32_t expect : {PD, PT, DATA + 0x123}) {
    REQUIRE_FALSE(mmu.walk_2d(g.s, 0x5123, Access::Write, false, t));
    CHECK((mmu.violation_gpa() & ~0xFFFu) == (expect & ~0xFFFu));
    mmu.map_page(mmu.violation_gpa());
  }
  REQUIRE(mmu.walk_2d(g.s, 0x5123, Access::Write, false, t));
  CHECK(t.ok);
  CHECK(t.writable);
  // The guest's A and D bits were set through the host tables.
  uint32_t pte;
  std::memcpy(&pte, g.bus.ram() + PT + 5 * 4, 4);
  CHECK((pte & (PTE_A | PTE_D)) == (PTE_A | PTE_D));
  CHECK(mmu.counters.pf_fixed == 3);
  CHECK(mmu.counters.mmu_cache_miss == 1);  // one host page table covers 0-4 MiB
  uint32_t hpa, refs = 0;
  CHECK(mmu.host_translate(DATA + 0x10, hpa, refs));
  CHECK(hpa == DATA + 0x10);
  CHECK(refs == 2);
}

TEST_CASE("nested: the guest's own page fault is returned with its error code, not an EPT violation") {
  Guest g;
  NestedMmu mmu(g.bus);
  Translation t = mmu.translate(g.s, 0x6000, Access::Write, true);
  CHECK_FALSE(t.ok);
  CHECK(t.error_code == (PFERR_W | PFERR_U));
}

namespace {

struct Result {
  emulator::MachineStop stop;
  cpu::CpuState s;
  std::vector<uint8_t> ram;
  emulator::ExitCounters exits;
  MmuCounters mmu;
};

Result run_churn(emulator::PagingMode mode) {
  emulator::Machine vm(emulator::MachineConfig{.ram_bytes = 16u << 20, .paging = mode});
  std::memcpy(vm.ram() + 0x1000, bench::guest_pt_churn, bench::guest_pt_churn_size);
  vm.cpu.set_flat_protected_mode(0);
  vm.cpu.s.eip = 0x1000;
  Result r;
  r.stop = vm.run(10'000'000'000);
  r.s = vm.cpu.s;
  r.ram.assign(vm.ram(), vm.ram() + vm.ram_size());
  r.exits = vm.exits;
  r.mmu = vm.mmu_counters();
  return r;
}

}  // namespace

TEST_CASE("nested: a page-table-heavy guest ends in the same state under nested, shadow and direct paging") {
  Result shadow = run_churn(emulator::PagingMode::Shadow);
  Result nested = run_churn(emulator::PagingMode::Nested);
  Result direct = run_churn(emulator::PagingMode::Direct);
  for (const Result* r : {&shadow, &nested, &direct}) {
    REQUIRE(r->stop == emulator::MachineStop::Halted);
    CHECK(r->s.eip == shadow.s.eip);
    CHECK(r->s.insns == direct.s.insns);
    CHECK(std::memcmp(r->s.reg, direct.s.reg, sizeof r->s.reg) == 0);
    CHECK(r->ram == direct.ram);  // the page tables' A and D bits included
  }
  // 64 demand faults, each a ring-0 write to a not-present page (error code 2).
  CHECK(direct.s.reg[cpu::EBP] == 64 * 2);
  CHECK(shadow.mmu.pf_guest == 64);
  CHECK(shadow.mmu.mmu_pte_write > 0);
  // 32 round trips to the second address space, plus the first CR3 load;
  // 250 remaps and 500 dirty-bit clears each end with INVLPG.
  // CR4.PSE and CR0.PG changing are full flushes too.
  CHECK(shadow.mmu.tlb_flush == 1 + 64 + 2);
  CHECK(shadow.exits[emulator::ExitReason::INVLPG] == 750);
  CHECK(shadow.exits[emulator::ExitReason::CR_ACCESS] == 2 + 1 + 64);
  CHECK(nested.exits[emulator::ExitReason::INVLPG] == 0);
  CHECK(nested.exits[emulator::ExitReason::CR_ACCESS] == 2);
  CHECK(nested.exits[emulator::ExitReason::EXCEPTION_NMI] == 0);
  // Every walk costs at most 8 references, and the window's pages cost 8.
  CHECK(nested.mmu.walk_refs <= 8 * nested.mmu.walks);
  CHECK(nested.mmu.walk_refs > 5 * nested.mmu.walks);
  CHECK(shadow.mmu.walk_refs <= 2 * shadow.mmu.walks);
}
