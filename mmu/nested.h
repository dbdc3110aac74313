// Nested (two-dimensional) paging: the hardware walks the guest's page
// tables itself, and translates every guest-physical address it meets
// through a second set of tables the VMM owns (Intel's EPT, AMD's NPT;
// SDM Vol. 3C 29.3, "The Extended Page Table Mechanism").
//
// The guest then keeps its page tables to itself: CR3 loads, INVLPG and
// page-table writes need no VM exit, and there are no shadow tables to keep
// in step. The price is paid on every TLB miss. Each guest-physical address
// the walk uses (the guest's page directory entry, its page table entry,
// and the final data address) is itself a host walk, so with n guest levels
// and m host levels a miss reads (n + 1) * (m + 1) - 1 table entries:
//   32-bit guest (2 levels) over 2-level host tables (this MMU):
//     PDE: 2 host + 1 guest, PTE: 2 host + 1 guest, data: 2 host  = 8
//   guest 4 MiB page (1 level):  PDE: 2 + 1, data: 2               = 5
//   4-level x86-64 guest over 4-level EPT, for comparison:         = 24
// against 2 for a shadow or native walk. (A/D updates to the guest's
// entries are extra writes, not counted.) walk_refs counts them.
//
// The host tables here are 32-bit two-level tables that live in the VMM,
// not in guest memory. Guest RAM is one host array, so the map is the
// identity (host-physical = guest-physical), but it is really built and
// walked: it starts empty, and a guest-physical RAM page missing from it
// stops the walk with an EPT violation; the VMM maps the page (pf_fixed,
// and mmu_cache_miss for each host page table allocated) and the hardware
// walks again, as KVM populates EPT lazily. MMIO pages are never mapped:
// such accesses leave the guest as MMIO exits, as KVM's EPT misconfig path.
// Lesson 2 compares this walk with the shadow MMU's.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "cpu/bus.h"
#include "cpu/state.h"
#include "mmu/counters.h"
#include "mmu/walker.h"

namespace isolab::mmu {

class NestedMmu : public Translator {
 public:
  explicit NestedMmu(cpu::Bus& bus);
  MmuCounters counters;

  // The hardware: the 2-D walk for one access. Returns false on an EPT
  // violation (a guest-physical RAM page the host tables lack; see
  // violation_gpa()); otherwise `out` is the translation or the guest's own
  // page fault, with mem_refs the table entries read.
  bool walk_2d(const cpu::CpuState& s, uint32_t linear, Access access, bool user, Translation& out);
  uint32_t violation_gpa() const { return violation_gpa_; }
  // The VMM, after an EPT violation: map the page at `gpa` (identity).
  void map_page(uint32_t gpa);
  // Both, as the CPU's translator: walk, fix violations, walk again.
  Translation translate(const cpu::CpuState& s, uint32_t linear, Access access, bool user) override;

  // The host walk: guest-physical to host-physical; false if unmapped.
  // Adds the host entries read to `refs`.
  bool host_translate(uint32_t gpa, uint32_t& hpa, uint32_t& refs) const;
  // The host tables, for display: a present host PDE holds the host page
  // table's number in its frame field, a host PTE the host frame.
  const std::array<uint32_t, 1024>& host_pd() const { return host_pd_; }
  const std::array<uint32_t, 1024>& host_pt(uint32_t host_pde) const { return *host_pts_[host_pde >> 12]; }

 private:
  class GuestPhysicalMemory;
  friend class GuestPhysicalMemory;

  cpu::Bus& bus_;
  std::array<uint32_t, 1024> host_pd_{};
  std::vector<std::unique_ptr<std::array<uint32_t, 1024>>> host_pts_;
  // Set by a reference of the current walk that met a missing host page.
  bool violation_ = false;
  uint32_t violation_gpa_ = 0;
  uint32_t refs_ = 0;  // entries read by the current walk
};

}  // namespace isolab::mmu
