// The counters of a VMM's MMU, named as KVM names them in
// /sys/kernel/debug/kvm (Documentation/virt/kvm/ and arch/x86/kvm/x86.c's
// debugfs table), so a student can run a guest here and on a real KVM and
// compare the same numbers. The shadow MMU (shadow.h) and the nested MMU
// (nested.h) fill the same struct; a counter that has no meaning for a mode
// stays 0, as it does in KVM. Lesson 2 reads them.
#pragma once
#include <array>
#include <cstdint>

namespace isolab::mmu {

struct MmuCounters {
  // Hidden page faults: a fault the guest never sees, fixed by the VMM by
  // installing a mapping (a shadow fill; under nested paging an EPT
  // violation that mapped a guest-physical page).
  uint64_t pf_fixed = 0;
  // Page faults that were the guest's own, reflected to it as #PF.
  uint64_t pf_guest = 0;
  // Guest writes to a write-protected guest page table, emulated by the VMM.
  uint64_t mmu_pte_write = 0;
  // Shadow entries thrown away because the guest entry they came from
  // changed or the VMM gave the table up: a shadow PTE, or a shadow PDE
  // with its whole shadow page table, counts one.
  uint64_t mmu_shadow_zapped = 0;
  // A table the VMM had to build: a shadow root not found in the cache of
  // roots (shadow), a host page table allocated (nested).
  uint64_t mmu_cache_miss = 0;
  // TLB flushes the VMM handled: guest CR3 loads and full flushes.
  uint64_t tlb_flush = 0;
  // Guest INVLPG instructions the VMM handled.
  uint64_t invlpg = 0;
  // Not KVM's: page walks the MMU hardware made on a TLB miss (through the
  // shadow tables, or the 2-D walk) and the table entries they read.
  uint64_t walks = 0;
  uint64_t walk_refs = 0;
};

// The counters by name, in one table, for printing (`vm.mmu.<name> N`) and
// for the probes of the lab console.
struct MmuCounterField {
  const char* name;
  uint64_t MmuCounters::*field;
};
constexpr std::array<MmuCounterField, 9> kMmuCounterFields = {{
    {"pf_fixed", &MmuCounters::pf_fixed},
    {"pf_guest", &MmuCounters::pf_guest},
    {"mmu_pte_write", &MmuCounters::mmu_pte_write},
    {"mmu_shadow_zapped", &MmuCounters::mmu_shadow_zapped},
    {"mmu_cache_miss", &MmuCounters::mmu_cache_miss},
    {"tlb_flush", &MmuCounters::tlb_flush},
    {"invlpg", &MmuCounters::invlpg},
    {"walks", &MmuCounters::walks},
    {"walk_refs", &MmuCounters::walk_refs},
}};

}  // namespace isolab::mmu
