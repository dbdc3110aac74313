// Shadow paging: the VMM's own page tables for a guest that runs with
// paging on, built from the guest's tables and kept in step with them.
//
// Before CPUs could walk two sets of tables (EPT, NPT), a hypervisor could
// not let the hardware use the guest's page tables: they map guest-virtual
// to guest-physical, and the hardware needs host addresses. So the VMM
// keeps shadow tables that map guest-virtual straight to host memory and
// points the real CR3 at them. Keeping them right is the whole game
// (as KVM's arch/x86/kvm/mmu/ does it, and Documentation/virt/kvm/x86/mmu.rst
// explains):
//  - the shadow starts empty; the first access to a page faults into the
//    VMM, which walks the guest's tables (setting the guest's A and D bits
//    as hardware would) and installs the shadow entry: a hidden fault, or
//    "shadow fill" (pf_fixed). If the guest's tables do not allow the
//    access, the fault is the guest's own and is reflected to it as #PF
//    with the error code its tables give (pf_guest);
//  - every guest page directory and page table the VMM has shadowed is
//    write-protected, so a guest edit traps; the VMM lets the write happen
//    and zaps the shadow entries derived from the edited entry
//    (mmu_pte_write, mmu_shadow_zapped). The shadow therefore never holds
//    a stale entry, and INVLPG (invlpg) only drops one the guest no longer
//    wants cached. (KVM can also let leaf tables go "unsync" until INVLPG;
//    this MMU keeps the simpler always-synced design.)
//  - a shadow entry for a page whose guest PTE has D=0 is mapped read-only,
//    so the first write faults into the VMM, which sets D in the guest PTE
//    and makes the shadow entry writable: that is how the guest's dirty bits
//    stay right when the hardware never sees its tables;
//  - one shadow root (a shadow page directory with its shadow page tables)
//    per guest address space, kept in a cache keyed by the guest's CR3, so
//    a context switch back to a process finds its shadow (mmu_cache_miss
//    counts the roots that had to be built);
//  - a guest 4 MiB page is shadowed by 4 KiB shadow entries.
// The shadow tables are evaluated as hardware with CR0.WP=1 would: a write
// needs W, whatever the privilege. A guest running with CR0.WP=0 may write a
// read-only page from ring 0, so for that write the VMM installs a
// supervisor-only writable entry (W=1, U=0), as KVM does, and gives the user
// its read-only view back on the next user access.
//
// Here guest RAM is one host array, so "host memory" is the guest-physical
// address: a shadow PTE holds the guest frame. Lesson 2 prints the tables.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "cpu/bus.h"
#include "cpu/state.h"
#include "mmu/counters.h"
#include "mmu/walker.h"

namespace isolab::mmu {

// What a VMM's MMU asks of the CPU it serves: write-protect a guest page so
// every write to it is reported (the machine forwards those to
// ShadowMmu::guest_write), and drop the CPU's cached translations (its soft
// TLB) that came from a shadow entry the VMM zaps.
class CpuControl {
 public:
  virtual ~CpuControl() = default;
  virtual void watch_page(uint32_t phys_page) = 0;
  virtual void unwatch_page(uint32_t phys_page) = 0;
  virtual void flush_tlb_page(uint32_t linear) = 0;
  virtual void flush_tlb() = 0;
};

// A shadow page table: the 1024 shadow PTEs of one 4 MiB slot of one root.
// A shadow PTE is an x86 PTE: guest frame | P | W | U | A | D, with W and U
// the rights the guest's two levels give together (and W only once the
// guest's D bit is set).
struct ShadowTable {
  std::array<uint32_t, 1024> pte{};
  uint32_t guest_pt = 0;  // the guest page table it shadows (physical page)
  bool large = false;     // shadows a guest 4 MiB page: derived from the PDE alone
};

// A shadow root: the shadow page directory the hardware walks while the
// guest's CR3 holds guest_pd. A present shadow PDE is P | W | U | A with the
// shadow table's number in the frame field (the rights live in the PTEs).
struct ShadowRoot {
  bool in_use = false;
  uint32_t guest_pd = 0;  // the guest page directory (physical page)
  std::array<uint32_t, 1024> pde{};
  uint64_t last_used = 0;
};

class ShadowMmu : public Translator {
 public:
  // The cache of roots: KVM keeps the current root and a few previous ones.
  static constexpr int kMaxRoots = 8;
  // Emulated writes to one guest table with no fill through it in between
  // before the VMM stops shadowing it (KVM's write-flooding detection): the
  // guest has most likely freed the page and reuses it as data.
  static constexpr int kWriteFloodLimit = 3;

  ShadowMmu(cpu::Bus& bus, CpuControl& cpu);
  MmuCounters counters;

  // --- the two halves of a TLB miss ----------------------------------------
  // The hardware's half: walk the current shadow root for this access. ok
  // if the shadow entry allows it; otherwise the hardware would raise #PF,
  // which the VMM intercepts (an EXCEPTION_NMI exit).
  Translation walk_shadow(const cpu::CpuState& s, uint32_t linear, Access access, bool user);
  // The VMM's half, after that #PF: walk the guest's tables as hardware
  // would. If they allow the access, this was a hidden fault: install the
  // shadow entry and return the translation (pf_fixed). If not, return the
  // failed walk, whose error code the CPU reflects to the guest (pf_guest).
  Translation page_fault(const cpu::CpuState& s, uint32_t linear, Access access, bool user);
  // Both, as the CPU's translator.
  Translation translate(const cpu::CpuState& s, uint32_t linear, Access access, bool user) override;

  // --- guest events the VMM intercepts ------------------------------------
  // MOV to CR3: a TLB flush; switch to the cached root for the new CR3,
  // building an empty one if there is none.
  void load_cr3(const cpu::CpuState& s);
  // CR0.PG, CR0.WP or CR4.PSE changed: every shadow entry may be wrong.
  void paging_mode_changed();
  // INVLPG: drop the shadow entry for the page.
  void invlpg(uint32_t linear);
  // The guest wrote `size` bytes at `phys` on a write-protected page (the
  // bytes are already in memory): zap what was derived from them.
  void guest_write(uint32_t phys, int size);
  // Forget every shadow table (and write-protection).
  void reset();

  // --- for display and tests -------------------------------------------------
  const ShadowRoot* current_root() const { return current_ < 0 ? nullptr : &roots_[current_]; }
  const std::array<ShadowRoot, kMaxRoots>& roots() const { return roots_; }
  // The shadow table a present shadow PDE points to.
  const ShadowTable& table(uint32_t shadow_pde) const { return *tables_[shadow_pde >> 12]; }
  int roots_in_use() const;

 private:
  struct Slot {  // a shadow table's place: root index and PDE index
    int root;
    uint32_t pdi;
    bool operator==(const Slot&) const = default;
  };
  static uint32_t role_of(const cpu::CpuState& s);
  void ensure_root(const cpu::CpuState& s);
  int find_or_build_root(uint32_t guest_pd);
  void install(const cpu::CpuState& s, uint32_t linear, Access access, bool user);
  uint32_t new_table(int root, uint32_t pdi, uint32_t guest_pt, bool large);
  void zap_pde(int root, uint32_t pdi);
  void zap_pte(int root, uint32_t pdi, uint32_t pti);
  void drop_root(int root);
  void unshadow(uint32_t page);
  void release_if_unused(uint32_t page);
  bool is_root_pd(uint32_t page) const;

  cpu::Bus& bus_;
  CpuControl& cpu_;
  std::array<ShadowRoot, kMaxRoots> roots_;
  int current_ = -1;
  uint32_t role_ = 0;  // the CR0.PG/WP and CR4.PSE the roots were built for
  uint64_t clock_ = 0;
  // Shadow tables by number (a shadow PDE's frame field), and free numbers.
  std::vector<std::unique_ptr<ShadowTable>> tables_;
  std::vector<uint32_t> free_tables_;
  // Reverse map: guest page table -> the shadow tables built from it.
  std::unordered_map<uint32_t, std::vector<Slot>> shadowed_by_;
  // Write-flood count per write-protected guest page.
  std::unordered_map<uint32_t, int> flood_;
};

}  // namespace isolab::mmu
