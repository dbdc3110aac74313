// Dirty-page logging: which guest-physical pages were written since the
// log was last read, as KVM's dirty logging reports them to a VMM that
// migrates a VM (KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG; Linux's
// Documentation/virt/kvm/api.rst).
//
// KVM write-protects every page of a logged memory slot; the first write
// to a page faults, KVM sets the page's bit in the dirty bitmap and makes
// the page writable again, so later writes in the same round cost nothing.
// Reading the log clears the bits and write-protects the pages again.
// The interpreter does the same with its soft TLB: while the log is on, a
// direct (fast-path) write entry is installed for a RAM page only once the
// page is marked dirty; the first write to a clean page misses the TLB,
// takes the slow path, and marks it there (Cpu::fill_tlb). That slow-path
// write is the "write-protection fault" that logging costs, and
// `wp_faults` counts them. Writes the hardware makes on its own (the page
// walker's accessed and dirty bits, mmu/walker.cpp) mark pages too.
// Lesson 12 (live migration) reads the count.
#pragma once
#include <cstdint>
#include <vector>

namespace isolab::cpu {

struct DirtyLog {
  bool on = false;
  std::vector<uint8_t> dirty;  // one byte per 4 KiB page of RAM: 1 = written since the last read
  uint64_t wp_faults = 0;      // first writes to a clean page (each took the slow path)

  bool is_dirty(uint32_t page_base) const {
    const uint32_t pfn = page_base >> 12;
    return pfn < dirty.size() && dirty[pfn];
  }
  // Mark the page holding `phys` written. `fault`: the CPU's first write
  // to it in this round (counted); otherwise a hardware write (A/D bits).
  void mark(uint32_t phys, bool fault) {
    const uint32_t pfn = phys >> 12;
    if (pfn >= dirty.size() || dirty[pfn]) return;
    dirty[pfn] = 1;
    wp_faults += fault;
  }
};

}  // namespace isolab::cpu
