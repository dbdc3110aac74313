// Paging: every permission combination of the two levels (U/S x R/W) with
// CR0.WP and CPL, the #PF error code and CR2, accessed and dirty bits, 4 MiB
// pages, INVLPG and the TLB flush on a CR3 load (SDM Vol. 3A 4.3, 4.6, 4.7,
// 4.10).
#include <doctest/doctest.h>

#include "guest.h"
#include "mmu/walker.h"

using namespace isolab;
using namespace isolab::cpu;
using cpu::test::Guest;

namespace {

constexpr uint32_t PD = 0x100000, PT = 0x101000, DATA = 0x200000;
constexpr uint32_t VA = 0x00400000 + 0x5000;  // PDE 1, PTE 5

// A hook that records the first exception and stops the CPU.
struct Catch : CpuHooks {
  int vector = -1;
  uint32_t error = 0;
  bool on_exception(Cpu& c, uint8_t v, uint32_t e, bool) override {
    vector = v;
    error = e;
    c.request_stop();
    return true;
  }
};

void map(Guest& g, uint32_t pde_bits, uint32_t pte_bits) {
  std::memset(g.bus.ram() + PD, 0, 8192);
  // Identity-map the first 4 MiB (code, stack) for everyone.
  g.poke32(PD, 0x0 | mmu::PTE_P | mmu::PTE_W | mmu::PTE_U | mmu::PTE_PS);
  g.poke32(PD + 4, PT | pde_bits);
  g.poke32(PT + 5 * 4, DATA | pte_bits);
}

void enable_paging(Guest& g, bool wp) {
  g.cpu.s.cr3 = PD;
  g.cpu.s.cr4 |= CR4_PSE;
  g.cpu.s.cr0 |= CR0_PG | (wp ? CR0_WP : 0);
  g.cpu.flush_tlb();
}

}  // namespace

TEST_CASE("paging: the walk allows exactly what SDM 4.6 allows, for every U/S R/W WP CPL combination") {
  int combos = 0;
  for (int bits = 0; bits < 64; bits++) {
    bool pde_u = bits & 1, pde_w = bits & 2, pte_u = bits & 4, pte_w = bits & 8, wp = bits & 16, user = bits & 32;
    for (bool write : {false, true}) {
      Guest g;
      map(g, mmu::PTE_P | (pde_u ? mmu::PTE_U : 0) | (pde_w ? mmu::PTE_W : 0),
          mmu::PTE_P | (pte_u ? mmu::PTE_U : 0) | (pte_w ? mmu::PTE_W : 0));
      uint32_t cr0 = CR0_PE | CR0_PG | (wp ? CR0_WP : 0);
      mmu::Translation t = mmu::walk(g.bus, cr0, PD, CR4_PSE, VA, write ? mmu::Access::Write : mmu::Access::Read, user);
      // The rule, stated as the SDM states it.
      bool both_user = pde_u && pte_u, both_writable = pde_w && pte_w;
      bool expect;
      if (user) expect = both_user && (!write || both_writable);
      else expect = !write || !wp || both_writable;
      CHECK_MESSAGE(t.ok == expect, "pde_u=", pde_u, " pde_w=", pde_w, " pte_u=", pte_u, " pte_w=", pte_w,
                    " wp=", wp, " user=", user, " write=", write);
      if (!t.ok) {
        CHECK(t.error_code == (mmu::PFERR_P | (write ? mmu::PFERR_W : 0) | (user ? mmu::PFERR_U : 0)));
      } else {
        CHECK(t.phys == DATA + (VA & 0xFFF));
      }
      combos++;
    }
  }
  CHECK(combos == 128);
}

TEST_CASE("paging: not-present faults at each level have P=0 in the error code") {
  Guest g;
  map(g, 0, 0);  // PDE not present
  auto t = mmu::walk(g.bus, CR0_PE | CR0_PG, PD, 0, VA, mmu::Access::Write, true);
  CHECK_FALSE(t.ok);
  CHECK(t.error_code == (mmu::PFERR_W | mmu::PFERR_U));
  map(g, mmu::PTE_P | mmu::PTE_U | mmu::PTE_W, 0);  // PTE not present
  t = mmu::walk(g.bus, CR0_PE | CR0_PG, PD, 0, VA, mmu::Access::Read, false);
  CHECK_FALSE(t.ok);
  CHECK(t.error_code == 0);
}

TEST_CASE("paging: a read sets A in both levels, a write also sets D in the PTE only") {
  Guest g;
  map(g, mmu::PTE_P | mmu::PTE_W | mmu::PTE_U, mmu::PTE_P | mmu::PTE_W | mmu::PTE_U);
  mmu::walk(g.bus, CR0_PE | CR0_PG, PD, 0, VA, mmu::Access::Read, true);
  CHECK((g.peek32(PD + 4) & (mmu::PTE_A | mmu::PTE_D)) == mmu::PTE_A);
  CHECK((g.peek32(PT + 20) & (mmu::PTE_A | mmu::PTE_D)) == mmu::PTE_A);
  mmu::walk(g.bus, CR0_PE | CR0_PG, PD, 0, VA, mmu::Access::Write, true);
  CHECK((g.peek32(PD + 4) & mmu::PTE_D) == 0);
  CHECK((g.peek32(PT + 20) & mmu::PTE_D) != 0);
}

TEST_CASE("paging: a 4 MiB page maps with PSE and sets A and D in the PDE") {
  Guest g;
  std::memset(g.bus.ram() + PD, 0, 4096);
  g.poke32(PD + 4, 0x00800000 | mmu::PTE_P | mmu::PTE_W | mmu::PTE_PS);
  auto t = mmu::walk(g.bus, CR0_PE | CR0_PG, PD, CR4_PSE, 0x00412345, mmu::Access::Write, false);
  CHECK(t.ok);
  CHECK(t.phys == 0x00812345);
  CHECK(t.page_size == (4u << 20));
  CHECK((g.peek32(PD + 4) & (mmu::PTE_A | mmu::PTE_D)) == (mmu::PTE_A | mmu::PTE_D));
  // Without CR4.PSE the PS bit is ignored and the entry points to a table.
  t = mmu::walk(g.bus, CR0_PE | CR0_PG, PD, 0, 0x00412345, mmu::Access::Read, false);
  CHECK(t.mem_refs == 2);
}

TEST_CASE("paging: a user read of a supervisor page raises #PF with CR2 and the error code") {
  Guest g(0x1000, 3);
  Catch hooks;
  g.cpu.hooks = &hooks;
  map(g, mmu::PTE_P | mmu::PTE_W | mmu::PTE_U, mmu::PTE_P | mmu::PTE_W);
  enable_paging(g, true);
  // mov eax, [VA]
  g.poke(0x1000, {0xA1, uint8_t(VA), uint8_t(VA >> 8), uint8_t(VA >> 16), uint8_t(VA >> 24)});
  g.cpu.run(10);
  CHECK(hooks.vector == PF_);
  CHECK(hooks.error == (mmu::PFERR_P | mmu::PFERR_U));
  CHECK(g.cpu.s.cr2 == VA);
  CHECK(g.cpu.s.eip == 0x1000);  // a fault: EIP at the faulting instruction
}

TEST_CASE("paging: CR0.WP makes read-only pages read-only for the kernel too") {
  for (bool wp : {false, true}) {
    Guest g(0x1000, 0);
    Catch hooks;
    g.cpu.hooks = &hooks;
    map(g, mmu::PTE_P | mmu::PTE_W, mmu::PTE_P);  // read-only supervisor page
    enable_paging(g, wp);
    // mov dword [VA], 0x11223344
    g.poke(0x1000, {0xC7, 0x05, uint8_t(VA), uint8_t(VA >> 8), uint8_t(VA >> 16), uint8_t(VA >> 24), 0x44, 0x33,
                    0x22, 0x11});
    g.cpu.run(1);
    if (wp) {
      CHECK(hooks.vector == PF_);
      CHECK(hooks.error == (mmu::PFERR_P | mmu::PFERR_W));
      CHECK(g.peek32(DATA + (VA & 0xFFF)) == 0);
    } else {
      CHECK(hooks.vector == -1);
      CHECK(g.peek32(DATA + (VA & 0xFFF)) == 0x11223344);
    }
  }
}

TEST_CASE("paging: the soft TLB keeps a stale mapping until INVLPG or a CR3 load, as the hardware may") {
  Guest g;
  map(g, mmu::PTE_P | mmu::PTE_W, mmu::PTE_P | mmu::PTE_W);
  enable_paging(g, false);
  g.poke32(DATA + (VA & 0xFFF), 111);
  g.poke32(DATA + 0x1000 + (VA & 0xFFF), 222);
  // mov eax, [VA] ; mov eax, [VA] ; hlt
  uint8_t a0 = uint8_t(VA), a1 = uint8_t(VA >> 8), a2 = uint8_t(VA >> 16), a3 = uint8_t(VA >> 24);
  g.poke(0x1000, {0xA1, a0, a1, a2, a3, 0xA1, a0, a1, a2, a3, 0xF4});
  g.cpu.run(1);
  CHECK(g.cpu.s.reg[EAX] == 111);
  g.poke32(PT + 20, (DATA + 0x1000) | mmu::PTE_P | mmu::PTE_W);  // remap without INVLPG
  g.cpu.run(1);
  CHECK(g.cpu.s.reg[EAX] == 111);  // still the cached translation
  g.cpu.flush_tlb_page(VA);
  g.cpu.s.eip = 0x1005;
  g.cpu.run(1);
  CHECK(g.cpu.s.reg[EAX] == 222);
}
