// The guest page walk: 32-bit paging with 4 KiB and 4 MiB (PSE) pages.
//
// Follows the Intel SDM Vol. 3A section 4.3 (32-bit paging) and 4.6
// (access rights): a two-level walk from CR3 through a page directory and
// a page table, checking the U/S and R/W bits of both levels against the
// access and CR0.WP, setting the accessed bit in every entry used and the
// dirty bit in the entry that maps the page on a write. On a violation it
// returns the #PF error code the CPU pushes. Lesson 2 (shadow paging) shows
// this walk beside the shadow tables that replace it.
#pragma once
#include <cstdint>

#include "cpu/bus.h"
#include "cpu/state.h"

namespace isolab::mmu {

enum class Access : uint8_t { Read, Write, Fetch };

// #PF error code bits (SDM Vol. 3A 4.7).
constexpr uint32_t PFERR_P = 1, PFERR_W = 2, PFERR_U = 4, PFERR_RSVD = 8, PFERR_I = 16;

// Page-table entry bits.
constexpr uint32_t
  PTE_P = 1u << 0, PTE_W = 1u << 1, PTE_U = 1u << 2, PTE_PWT = 1u << 3, PTE_PCD = 1u << 4,
  PTE_A = 1u << 5, PTE_D = 1u << 6, PTE_PS = 1u << 7, PTE_G = 1u << 8;

struct Translation {
  bool ok = false;
  uint32_t phys = 0;        // physical address of the linear address walked
  bool writable = false;    // a write with the same privilege is allowed (and D is set)
  bool user = false;        // the mapping is reachable from CPL 3
  uint32_t error_code = 0;  // the #PF error code when !ok
  uint32_t page_size = 4096;
  uint8_t mem_refs = 0;     // page-table memory references made (for counters)
};

// Physical memory as the walker sees it: 32-bit loads and stores of page
// table entries. The CPU's bus is used directly.
uint32_t phys_read32(cpu::Bus& bus, uint32_t addr);
void phys_write32(cpu::Bus& bus, uint32_t addr, uint32_t value);

// Walk the page tables rooted at cr3 for `linear`. `user` is true for an
// access made at CPL 3 (not for the CPU's implicit supervisor accesses to
// the GDT, IDT and TSS). When `set_ad` is false the walk only looks (the
// debugger and the UI use that to show a translation without changing it).
Translation walk(cpu::Bus& bus, uint32_t cr0, uint32_t cr3, uint32_t cr4, uint32_t linear,
                 Access access, bool user, bool set_ad = true);

// A translator is what the CPU calls on a soft-TLB miss when paging is on.
// The default walks the guest's own tables; the hypervisor substitutes
// shadow or nested translation (emulator/) without the CPU knowing.
class Translator {
 public:
  virtual ~Translator() = default;
  virtual Translation translate(const cpu::CpuState& s, uint32_t linear, Access access,
                                bool user) = 0;
};

}  // namespace isolab::mmu
