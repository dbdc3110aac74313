// Nested paging (see nested.h): the guest walk of walker.cpp, unchanged,
// run over a memory in which every guest-physical reference goes through
// the host tables first.
#include "mmu/nested.h"

namespace isolab::mmu {

namespace {
constexpr uint32_t kFrame = 0xFFFFF000u;
constexpr uint32_t kHostRights = PTE_P | PTE_W | PTE_U;
}  // namespace

// Guest-physical memory as the 2-D walk sees it. mmu::walk reads and writes
// the guest's entries through a Bus; this one answers each access by first
// translating its guest-physical address through the host tables. It has
// no RAM of its own, so phys_read32/phys_write32 call mmio_read/mmio_write.
class NestedMmu::GuestPhysicalMemory : public cpu::Bus {
 public:
  explicit GuestPhysicalMemory(NestedMmu& mmu) : mmu_(mmu) {}
  uint8_t* ram() override { return nullptr; }
  uint64_t ram_size() const override { return 0; }
  bool is_ram_page(uint32_t) const override { return false; }

  uint32_t mmio_read(uint32_t gpa, int size) override {
    uint32_t hpa;
    if (!reference(gpa, hpa)) return 0;  // reads as not present; the walk stops
    mmu_.refs_++;                        // the guest's own entry
    return phys_read32(mmu_.bus_, hpa);
  }
  // The guest walk setting A or D in an entry it has just read (so the
  // host translation exists; it is not counted again).
  void mmio_write(uint32_t gpa, int size, uint32_t value) override {
    uint32_t hpa = gpa, unused = 0;
    if (mmu_.bus_.is_ram_page(gpa & kFrame) && !mmu_.host_translate(gpa, hpa, unused)) return;
    phys_write32(mmu_.bus_, hpa, value);
  }

  // One guest-physical reference through the host tables: false on an EPT
  // violation (RAM the host tables lack). MMIO is never in the host tables:
  // the walk finds nothing and the access goes to the bus as an MMIO exit.
  bool reference(uint32_t gpa, uint32_t& hpa) {
    const bool mapped = mmu_.host_translate(gpa, hpa, mmu_.refs_);
    if (!mmu_.bus_.is_ram_page(gpa & kFrame)) {
      hpa = gpa;  // the host walk found nothing: an MMIO exit follows
      return true;
    }
    if (mapped) return true;
    mmu_.violation_ = true;
    mmu_.violation_gpa_ = gpa;
    return false;
  }

 private:
  NestedMmu& mmu_;
};

NestedMmu::NestedMmu(cpu::Bus& bus) : bus_(bus) {}

bool NestedMmu::host_translate(uint32_t gpa, uint32_t& hpa, uint32_t& refs) const {
  refs++;
  const uint32_t pde = host_pd_[gpa >> 22];
  if (!(pde & PTE_P)) return false;
  refs++;
  const uint32_t pte = (*host_pts_[pde >> 12])[(gpa >> 12) & 0x3FF];
  if (!(pte & PTE_P)) return false;
  hpa = (pte & kFrame) | (gpa & 0xFFF);
  return true;
}

void NestedMmu::map_page(uint32_t gpa) {
  counters.pf_fixed++;
  uint32_t& pde = host_pd_[gpa >> 22];
  if (!(pde & PTE_P)) {
    counters.mmu_cache_miss++;
    pde = (uint32_t(host_pts_.size()) << 12) | kHostRights;
    host_pts_.push_back(std::make_unique<std::array<uint32_t, 1024>>());
  }
  (*host_pts_[pde >> 12])[(gpa >> 12) & 0x3FF] = (gpa & kFrame) | kHostRights;
}

bool NestedMmu::walk_2d(const cpu::CpuState& s, uint32_t linear, Access access, bool user, Translation& out) {
  GuestPhysicalMemory memory(*this);
  violation_ = false;
  refs_ = 0;
  counters.walks++;
  // CR3 holds a guest-physical address: the walk translates it like any other.
  out = walk(memory, s.cr0, s.cr3, s.cr4, linear, access, user);
  if (!violation_ && out.ok) {
    // The final reference: the data's guest-physical address.
    uint32_t hpa;
    if (memory.reference(out.phys, hpa)) {
      out.phys = hpa;
      out.page_size = 4096;  // the host maps 4 KiB pages: the TLB entry is one
    }
  }
  counters.walk_refs += refs_;
  out.mem_refs = uint8_t(refs_);
  return !violation_;
}

Translation NestedMmu::translate(const cpu::CpuState& s, uint32_t linear, Access access, bool user) {
  Translation t;
  while (!walk_2d(s, linear, access, user, t)) map_page(violation_gpa_);
  return t;
}

}  // namespace isolab::mmu
