// The shadow MMU against the guest walk: a translation through the shadow
// tables must be exactly what a walk of the guest's own tables gives
// (address, rights, #PF error code) and must leave the guest's accessed and
// dirty bits exactly as that walk does, however the guest edits its tables.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <set>

#include "mmu/shadow.h"

using namespace isolab;
using namespace isolab::mmu;

namespace {

// The CPU side: which pages are write-protected, and the flushes asked for.
struct FakeCpu : CpuControl {
  std::set<uint32_t> watched;
  int page_flushes = 0, full_flushes = 0;
  void watch_page(uint32_t p) override { watched.insert(p); }
  void unwatch_page(uint32_t p) override { watched.erase(p); }
  void flush_tlb_page(uint32_t) override { page_flushes++; }
  void flush_tlb() override { full_flushes++; }
};

constexpr uint32_t MiB = 1u << 20;
constexpr uint32_t PD_BASE = 0x100000, PT_BASE = 0x110000, DATA = 0x200000;
constexpr int kDirs = 3, kTables = 6;

// A guest: its memory twice (one copy behind the shadow MMU, one walked
// directly), edited the same way, and the CPU state that names its tables.
struct Twin {
  cpu::RamBus shadowed{8 * MiB};
  cpu::RamBus reference{8 * MiB};
  FakeCpu fake;
  ShadowMmu mmu{shadowed, fake};
  cpu::CpuState s;

  Twin() {
    s.cr0 = cpu::CR0_PE | cpu::CR0_PG | cpu::CR0_ET;
    s.cr4 = cpu::CR4_PSE;
    s.cr3 = PD_BASE;
  }
  // What the guest's memory holds (the copy behind the shadow MMU).
  uint32_t read(uint32_t addr) {
    uint32_t v;
    std::memcpy(&v, shadowed.ram() + addr, 4);
    return v;
  }
  // A guest store to its page tables: in the shadowed copy the write lands
  // on a write-protected page and the VMM hears of it, as the CPU reports it.
  void store(uint32_t addr, uint32_t value) {
    std::memcpy(reference.ram() + addr, &value, 4);
    std::memcpy(shadowed.ram() + addr, &value, 4);
    if (fake.watched.count(addr & ~0xFFFu)) mmu.guest_write(addr, 4);
  }
  void load_cr3(uint32_t pd) {
    s.cr3 = pd;
    mmu.load_cr3(s);
  }
  bool tables_equal() {
    return std::memcmp(shadowed.ram() + PD_BASE, reference.ram() + PD_BASE, PT_BASE + kTables * 4096 - PD_BASE) == 0;
  }
};

uint32_t pd_addr(int k) { return PD_BASE + uint32_t(k) * 4096; }
uint32_t pt_addr(int k) { return PT_BASE + uint32_t(k) * 4096; }

// The leaf entry the guest's tables give for `lin` (0 if none).
uint32_t guest_leaf(Twin& t, uint32_t lin) {
  uint32_t pde = t.read((t.s.cr3 & ~0xFFFu) + (lin >> 22) * 4);
  if (!(pde & PTE_P)) return 0;
  if ((pde & PTE_PS) && (t.s.cr4 & cpu::CR4_PSE)) return pde;
  return t.read((pde & ~0xFFFu) + ((lin >> 12) & 0x3FF) * 4);
}

}  // namespace

TEST_CASE("shadow: thousands of random page-table edits, every translation equals the guest walk, A/D included") {
  for (uint32_t seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    Twin t;
    std::mt19937 rng(seed);
    auto chance = [&](int percent) { return int(rng() % 100) < percent; };
    auto random_pte = [&] {
      uint32_t v = DATA + (rng() % 32) * 4096;
      if (chance(5)) v = pt_addr(int(rng() % kTables));  // a page table mapped as data
      if (chance(85)) v |= PTE_P;
      return v | (rng() & (PTE_W | PTE_U | PTE_A | PTE_D));
    };
    auto random_pde = [&] {
      uint32_t v;
      if (chance(25)) {
        v = (rng() % 2) * 4 * MiB | PTE_PS | (rng() & (PTE_A | PTE_D));  // a 4 MiB page
        if (chance(3)) v |= 1u << 13;                                   // a reserved bit
      } else {
        v = pt_addr(int(rng() % kTables)) | (rng() & PTE_A);
      }
      if (chance(90)) v |= PTE_P;
      return v | (rng() & (PTE_W | PTE_U));
    };
    for (int k = 0; k < kDirs; k++)
      for (uint32_t pdi = 0; pdi < 4; pdi++) t.store(pd_addr(k) + pdi * 4, random_pde());
    for (int k = 0; k < kTables; k++)
      for (uint32_t pti = 0; pti < 8; pti++) t.store(pt_addr(k) + pti * 4, random_pte());
    t.load_cr3(pd_addr(0));

    int translations = 0, edits = 0;
    for (int step = 0; step < 20000; step++) {
      const int r = int(rng() % 100);
      if (r < 25) {
        // Edit a PTE, then INVLPG every page of the current address space
        // it maps (what the architecture requires before relying on it).
        const int k = int(rng() % kTables);
        const uint32_t pti = rng() % 8;
        t.store(pt_addr(k) + pti * 4, random_pte());
        edits++;
        for (uint32_t pdi = 0; pdi < 4; pdi++) {
          uint32_t pde = t.read((t.s.cr3 & ~0xFFFu) + pdi * 4);
          if ((pde & ~0xFFFu) == pt_addr(k)) t.mmu.invlpg((pdi << 22) | (pti << 12));
        }
      } else if (r < 33) {
        // Edit a PDE, then reload CR3.
        t.store(pd_addr(int(rng() % kDirs)) + (rng() % 4) * 4, random_pde());
        edits++;
        t.load_cr3(t.s.cr3);
      } else if (r < 38) {
        t.load_cr3(pd_addr(int(rng() % kDirs)));
      } else if (r < 39) {
        t.s.cr0 ^= cpu::CR0_WP;
        t.mmu.paging_mode_changed();
      } else if (r < 40) {
        t.s.cr4 ^= cpu::CR4_PSE;
        t.mmu.paging_mode_changed();
      } else {
        const uint32_t lin = ((rng() % 4) << 22) | ((rng() % 8) << 12) | (rng() & 0xFFC);
        const Access access = Access(rng() % 3);
        const bool user = rng() % 2;
        CAPTURE(step);
        CAPTURE(lin);
        CAPTURE(int(access));
        CAPTURE(user);
        Translation got = t.mmu.translate(t.s, lin, access, user);
        Translation want = walk(t.reference, t.s.cr0, t.s.cr3, t.s.cr4, lin, access, user);
        REQUIRE(got.ok == want.ok);
        if (got.ok) {
          REQUIRE(got.phys == want.phys);
          REQUIRE(got.user == want.user);
          if (access == Access::Write) REQUIRE(got.writable == want.writable);
          if (got.writable) {
            // The shadow grants writes only where the guest does and the
            // guest's entry is already dirty.
            Translation w = walk(t.reference, t.s.cr0, t.s.cr3, t.s.cr4, lin, Access::Write, user, false);
            REQUIRE(w.ok);
            REQUIRE((guest_leaf(t, lin) & PTE_D) != 0);
          }
        } else {
          REQUIRE(got.error_code == want.error_code);
        }
        REQUIRE(t.tables_equal());
        translations++;
      }
    }
    CHECK(translations > 10000);
    CHECK(edits > 5000);
    CHECK(t.mmu.counters.pf_fixed > 100);
    CHECK(t.mmu.counters.pf_guest > 100);
    CHECK(t.mmu.counters.mmu_shadow_zapped > 100);
  }
}

TEST_CASE("shadow: a CR3 load switches to the cached root, only a new directory is a cache miss") {
  Twin t;
  for (int k = 0; k < 2; k++) {
    t.store(pd_addr(k), pt_addr(k) | PTE_P | PTE_W);
    t.store(pt_addr(k), (DATA + uint32_t(k) * 4096) | PTE_P | PTE_W);
  }
  t.load_cr3(pd_addr(0));
  CHECK(t.mmu.translate(t.s, 0x10, Access::Read, false).phys == DATA + 0x10);
  t.load_cr3(pd_addr(1));
  CHECK(t.mmu.translate(t.s, 0x10, Access::Read, false).phys == DATA + 0x1010);
  CHECK(t.mmu.counters.mmu_cache_miss == 2);
  CHECK(t.mmu.counters.pf_fixed == 2);
  t.load_cr3(pd_addr(0));
  // Back to the first root: its shadow entry is still there, no fault.
  CHECK(t.mmu.walk_shadow(t.s, 0x10, Access::Read, false).ok);
  CHECK(t.mmu.counters.mmu_cache_miss == 2);
  CHECK(t.mmu.counters.tlb_flush == 3);
  CHECK(t.mmu.roots_in_use() == 2);
}

TEST_CASE("shadow: a clean page is mapped read-only until the first write sets the guest's D bit") {
  Twin t;
  t.store(pd_addr(0), pt_addr(0) | PTE_P | PTE_W);
  t.store(pt_addr(0), DATA | PTE_P | PTE_W);
  t.load_cr3(pd_addr(0));
  Translation r = t.mmu.translate(t.s, 0x0, Access::Read, false);
  CHECK(r.ok);
  CHECK_FALSE(r.writable);
  CHECK((t.read(pt_addr(0)) & (PTE_A | PTE_D)) == PTE_A);
  CHECK_FALSE(t.mmu.walk_shadow(t.s, 0x0, Access::Write, false).ok);  // the write faults to the VMM
  Translation w = t.mmu.translate(t.s, 0x0, Access::Write, false);
  CHECK(w.writable);
  CHECK((t.read(pt_addr(0)) & PTE_D) != 0);
  const ShadowRoot& root = *t.mmu.current_root();
  CHECK((t.mmu.table(root.pde[0]).pte[0] & (PTE_W | PTE_D)) == (PTE_W | PTE_D));
  CHECK(t.mmu.counters.pf_fixed == 2);
}

TEST_CASE("shadow: a guest page-table write zaps the shadow entry and write-protection follows the tables") {
  Twin t;
  t.store(pd_addr(0), pt_addr(0) | PTE_P | PTE_W);
  t.store(pt_addr(0), DATA | PTE_P | PTE_W);
  t.load_cr3(pd_addr(0));
  CHECK(t.fake.watched == std::set<uint32_t>{pd_addr(0)});
  t.mmu.translate(t.s, 0x0, Access::Read, false);
  CHECK(t.fake.watched == std::set<uint32_t>{pd_addr(0), pt_addr(0)});
  t.store(pt_addr(0), (DATA + 0x1000) | PTE_P | PTE_W);
  CHECK(t.mmu.counters.mmu_pte_write == 1);
  CHECK(t.mmu.counters.mmu_shadow_zapped == 1);
  CHECK_FALSE(t.mmu.walk_shadow(t.s, 0x0, Access::Read, false).ok);
  CHECK(t.mmu.translate(t.s, 0x0, Access::Read, false).phys == DATA + 0x1000);
  // Unlinking the table from the directory gives its write-protection up.
  t.store(pd_addr(0), 0);
  CHECK(t.fake.watched == std::set<uint32_t>{pd_addr(0)});
}

TEST_CASE("shadow: a guest that keeps writing a table it no longer walks stops being shadowed (write flooding)") {
  Twin t;
  t.store(pd_addr(0), pt_addr(0) | PTE_P | PTE_W);
  t.store(pt_addr(0), DATA | PTE_P | PTE_W);
  t.load_cr3(pd_addr(0));
  t.mmu.translate(t.s, 0x0, Access::Read, false);
  for (uint32_t k = 0; k < ShadowMmu::kWriteFloodLimit; k++) t.store(pt_addr(0) + 0x100 + k * 4, 0);
  CHECK(t.fake.watched.count(pt_addr(0)) == 0);
  CHECK(t.mmu.counters.mmu_pte_write == ShadowMmu::kWriteFloodLimit);
}

TEST_CASE("shadow: with CR0.WP=0 a ring-0 write to a read-only user page gets a supervisor-only entry") {
  Twin t;
  t.s.cr0 &= ~cpu::CR0_WP;
  t.store(pd_addr(0), pt_addr(0) | PTE_P | PTE_W | PTE_U);
  t.store(pt_addr(0), DATA | PTE_P | PTE_U);
  t.load_cr3(pd_addr(0));
  CHECK(t.mmu.translate(t.s, 0x0, Access::Write, false).ok);
  CHECK_FALSE(t.mmu.walk_shadow(t.s, 0x0, Access::Read, true).ok);  // the user is kept out...
  Translation u = t.mmu.translate(t.s, 0x0, Access::Read, true);     // ...until the VMM restores its view
  CHECK(u.ok);
  CHECK_FALSE(u.writable);
  CHECK_FALSE(t.mmu.translate(t.s, 0x0, Access::Write, true).ok);
  CHECK(t.mmu.counters.pf_guest == 1);
}

TEST_CASE("shadow: a 4 MiB guest page is shadowed by 4 KiB entries") {
  Twin t;
  t.store(pd_addr(0) + 4, (4 * MiB) | PTE_P | PTE_W | PTE_PS);
  t.load_cr3(pd_addr(0));
  for (uint32_t page = 0; page < 3; page++)
    CHECK(t.mmu.translate(t.s, 4 * MiB + page * 4096 + 8, Access::Read, false).phys == 4 * MiB + page * 4096 + 8);
  CHECK(t.mmu.counters.pf_fixed == 3);
  const ShadowRoot& root = *t.mmu.current_root();
  CHECK(t.mmu.table(root.pde[1]).large);
  CHECK(t.mmu.table(root.pde[1]).pte[2] == ((4 * MiB + 2 * 4096) | PTE_P | PTE_A));
}
