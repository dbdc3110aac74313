// Shadow paging (see shadow.h): shadow roots and tables, hidden faults,
// and the write-protection that keeps the shadow in step with the guest.
#include "mmu/shadow.h"

#include <algorithm>

namespace isolab::mmu {

namespace {
uint32_t pd_index(uint32_t linear) { return linear >> 22; }
uint32_t pt_index(uint32_t linear) { return (linear >> 12) & 0x3FF; }
uint32_t slot_linear(uint32_t pdi, uint32_t pti) { return (pdi << 22) | (pti << 12); }
constexpr uint32_t kFrame = 0xFFFFF000u;
// A shadow PTE bit the hardware ignores (bits 9-11 are free for software):
// the guest's page is a user page, though this entry keeps the user out.
constexpr uint32_t kGuestUser = 1u << 9;
}  // namespace

ShadowMmu::ShadowMmu(cpu::Bus& bus, CpuControl& cpu) : bus_(bus), cpu_(cpu) {}

// The guest settings a shadow entry depends on besides the guest's tables.
uint32_t ShadowMmu::role_of(const cpu::CpuState& s) {
  return (s.cr0 & (cpu::CR0_PG | cpu::CR0_WP)) | (s.cr4 & cpu::CR4_PSE);
}

int ShadowMmu::roots_in_use() const {
  return int(std::count_if(roots_.begin(), roots_.end(), [](const ShadowRoot& r) { return r.in_use; }));
}

bool ShadowMmu::is_root_pd(uint32_t page) const {
  return std::any_of(roots_.begin(), roots_.end(), [&](const ShadowRoot& r) { return r.in_use && r.guest_pd == page; });
}

// --- roots ---------------------------------------------------------------------

// Make the current root the one for the guest's CR3. The machine switches
// roots on every CR3 load (load_cr3); this also covers a CR3 set without
// one (a test, a restored snapshot).
void ShadowMmu::ensure_root(const cpu::CpuState& s) {
  if (uint32_t role = role_of(s); role != role_) {
    for (int r = 0; r < kMaxRoots; r++)
      if (roots_[r].in_use) drop_root(r);
    role_ = role;
  }
  const uint32_t pd = s.cr3 & kFrame;
  if (current_ >= 0 && roots_[current_].guest_pd == pd) return;
  current_ = find_or_build_root(pd);
  roots_[current_].last_used = ++clock_;
  cpu_.flush_tlb();  // what the CPU cached came from another root
}

// The root for guest page directory `guest_pd`, from the cache or newly
// built (empty: it fills on demand), evicting the least recently used.
int ShadowMmu::find_or_build_root(uint32_t guest_pd) {
  int victim = -1;
  for (int r = 0; r < kMaxRoots; r++) {
    if (roots_[r].in_use && roots_[r].guest_pd == guest_pd) return r;
    if (r == current_) continue;
    if (!roots_[r].in_use) {
      if (victim < 0 || roots_[victim].in_use) victim = r;
    } else if (victim < 0 || (roots_[victim].in_use && roots_[r].last_used < roots_[victim].last_used)) {
      victim = r;
    }
  }
  counters.mmu_cache_miss++;
  if (roots_[victim].in_use) drop_root(victim);
  ShadowRoot& root = roots_[victim];
  root = ShadowRoot{};
  root.in_use = true;
  root.guest_pd = guest_pd;
  cpu_.watch_page(guest_pd);
  return victim;
}

void ShadowMmu::load_cr3(const cpu::CpuState& s) {
  counters.tlb_flush++;
  if (s.cr0 & cpu::CR0_PG) ensure_root(s);
}

void ShadowMmu::paging_mode_changed() { reset(); }

void ShadowMmu::reset() {
  counters.tlb_flush++;
  for (int r = 0; r < kMaxRoots; r++)
    if (roots_[r].in_use) drop_root(r);
  current_ = -1;
}

// Give a root up: its shadow tables, and the write-protection of the guest
// tables nothing else shadows.
void ShadowMmu::drop_root(int root) {
  for (uint32_t pdi = 0; pdi < 1024; pdi++) zap_pde(root, pdi);
  roots_[root].in_use = false;
  if (root == current_) {
    current_ = -1;
    cpu_.flush_tlb();
  }
  release_if_unused(roots_[root].guest_pd);
}

// --- the hardware's half: walking the shadow tables --------------------------------

Translation ShadowMmu::walk_shadow(const cpu::CpuState& s, uint32_t linear, Access access, bool user) {
  ensure_root(s);
  Translation t;
  const bool write = access == Access::Write;
  t.error_code = (write ? PFERR_W : 0) | (user ? PFERR_U : 0);
  counters.walks++;
  counters.walk_refs++;
  t.mem_refs = 1;
  const uint32_t spde = roots_[current_].pde[pd_index(linear)];
  if (!(spde & PTE_P)) return t;
  counters.walk_refs++;
  t.mem_refs = 2;
  const uint32_t spte = tables_[spde >> 12]->pte[pt_index(linear)];
  if (!(spte & PTE_P)) return t;
  // Rights as hardware with CR0.WP=1 checks them (see shadow.h).
  t.error_code |= PFERR_P;
  if ((user && !(spte & PTE_U)) || (write && !(spte & PTE_W))) return t;
  t.ok = true;
  t.error_code = 0;
  t.phys = (spte & kFrame) | (linear & 0xFFF);
  t.user = spte & (PTE_U | kGuestUser);
  t.writable = spte & PTE_W;
  return t;
}

// --- the VMM's half: the page fault ------------------------------------------

Translation ShadowMmu::page_fault(const cpu::CpuState& s, uint32_t linear, Access access, bool user) {
  ensure_root(s);
  // Walk the guest's tables exactly as the hardware would have: this sets
  // the guest's A bits, and D on a write, or finds the guest's own fault.
  Translation guest = walk(bus_, s.cr0, s.cr3, s.cr4, linear, access, user);
  if (!guest.ok) {
    counters.pf_guest++;
    return guest;
  }
  counters.pf_fixed++;
  install(s, linear, access, user);
  // The hardware retries the access, and now the shadow allows it.
  return walk_shadow(s, linear, access, user);
}

Translation ShadowMmu::translate(const cpu::CpuState& s, uint32_t linear, Access access, bool user) {
  Translation t = walk_shadow(s, linear, access, user);
  return t.ok ? t : page_fault(s, linear, access, user);
}

// Install the shadow PTE for `linear` from the guest's entries, which the
// guest walk has just found to allow this access (and has marked A, D).
void ShadowMmu::install(const cpu::CpuState& s, uint32_t linear, Access access, bool user) {
  const uint32_t pdi = pd_index(linear), pti = pt_index(linear);
  const uint32_t pde = phys_read32(bus_, (s.cr3 & kFrame) + pdi * 4);
  const bool large = (pde & PTE_PS) && (s.cr4 & cpu::CR4_PSE);
  uint32_t rights, leaf, frame, guest_pt = 0;
  if (large) {
    rights = leaf = pde;
    frame = (pde & 0xFFC00000u) | (pti << 12);
  } else {
    guest_pt = pde & kFrame;
    const uint32_t pte = phys_read32(bus_, guest_pt + pti * 4);
    rights = pde & pte;
    leaf = pte;
    frame = pte & kFrame;
  }
  uint32_t spte = frame | PTE_P | PTE_A | (rights & PTE_U);
  // Writable only once the guest's entry is dirty, so the first write
  // comes back here to set D.
  if ((rights & PTE_W) && (leaf & PTE_D)) spte |= PTE_W | PTE_D;
  // A ring-0 write the guest's tables forbid got this far only because the
  // guest runs with CR0.WP=0: a supervisor-only writable entry.
  // (An available bit remembers that the guest's page is a user page.)
  if (access == Access::Write && !user && !(rights & PTE_W))
    spte = (spte | PTE_W | PTE_D | (spte & PTE_U ? kGuestUser : 0)) & ~PTE_U;

  ShadowRoot& root = roots_[current_];
  if (!(root.pde[pdi] & PTE_P))
    root.pde[pdi] = (new_table(current_, pdi, guest_pt, large) << 12) | PTE_P | PTE_W | PTE_U | PTE_A;
  uint32_t& slot = tables_[root.pde[pdi] >> 12]->pte[pti];
  if ((slot & PTE_P) && slot != spte) cpu_.flush_tlb_page(linear);
  slot = spte;
  // The guest is using these tables: they are not being flooded.
  for (uint32_t page : {root.guest_pd, guest_pt})
    if (auto it = flood_.find(page); it != flood_.end()) it->second = 0;
}

// A fresh shadow table for slot `pdi` of `root`, shadowing guest page
// table `guest_pt` (write-protected from now on), or a guest 4 MiB page.
uint32_t ShadowMmu::new_table(int root, uint32_t pdi, uint32_t guest_pt, bool large) {
  uint32_t n;
  if (!free_tables_.empty()) {
    n = free_tables_.back();
    free_tables_.pop_back();
  } else {
    n = uint32_t(tables_.size());
    tables_.push_back(std::make_unique<ShadowTable>());
  }
  ShadowTable& t = *tables_[n];
  t.pte.fill(0);
  t.guest_pt = guest_pt;
  t.large = large;
  if (!large) {
    shadowed_by_[guest_pt].push_back({root, pdi});
    cpu_.watch_page(guest_pt);
  }
  return n;
}

// --- zapping ---------------------------------------------------------------------

void ShadowMmu::zap_pde(int root, uint32_t pdi) {
  ShadowRoot& r = roots_[root];
  const uint32_t spde = r.pde[pdi];
  if (!(spde & PTE_P)) return;
  const uint32_t n = spde >> 12;
  const ShadowTable& t = *tables_[n];
  if (root == current_)
    for (uint32_t pti = 0; pti < 1024; pti++)
      if (t.pte[pti] & PTE_P) cpu_.flush_tlb_page(slot_linear(pdi, pti));
  r.pde[pdi] = 0;
  counters.mmu_shadow_zapped++;
  free_tables_.push_back(n);
  if (t.large) return;
  auto it = shadowed_by_.find(t.guest_pt);
  std::erase(it->second, Slot{root, pdi});
  if (it->second.empty()) {
    shadowed_by_.erase(it);
    release_if_unused(t.guest_pt);
  }
}

void ShadowMmu::zap_pte(int root, uint32_t pdi, uint32_t pti) {
  const uint32_t spde = roots_[root].pde[pdi];
  if (!(spde & PTE_P)) return;
  uint32_t& spte = tables_[spde >> 12]->pte[pti];
  if (!(spte & PTE_P)) return;
  spte = 0;
  counters.mmu_shadow_zapped++;
  if (root == current_) cpu_.flush_tlb_page(slot_linear(pdi, pti));
}

// Stop write-protecting a guest page nothing is shadowed from any more.
void ShadowMmu::release_if_unused(uint32_t page) {
  if (shadowed_by_.count(page) || is_root_pd(page)) return;
  cpu_.unwatch_page(page);
  flood_.erase(page);
}

// --- guest events ------------------------------------------------------------------

void ShadowMmu::guest_write(uint32_t phys, int size) {
  counters.mmu_pte_write++;
  const uint32_t page = phys & kFrame;
  const uint32_t first = (phys & 0xFFF) / 4;
  const uint32_t last = std::min<uint32_t>(((phys & 0xFFF) + uint32_t(size) - 1) / 4, 1023);
  // A page directory entry: the whole shadow table built from it goes.
  for (int r = 0; r < kMaxRoots; r++)
    if (roots_[r].in_use && roots_[r].guest_pd == page)
      for (uint32_t pdi = first; pdi <= last; pdi++) zap_pde(r, pdi);
  // A page table entry: the shadow PTE built from it, in every root.
  if (auto it = shadowed_by_.find(page); it != shadowed_by_.end())
    for (const Slot& slot : std::vector<Slot>(it->second))
      for (uint32_t pti = first; pti <= last; pti++) zap_pte(slot.root, slot.pdi, pti);
  if ((shadowed_by_.count(page) || is_root_pd(page)) && ++flood_[page] >= kWriteFloodLimit) unshadow(page);
}

// The guest keeps writing a page it no longer walks: stop shadowing it.
void ShadowMmu::unshadow(uint32_t page) {
  for (int r = 0; r < kMaxRoots; r++)
    if (roots_[r].in_use && roots_[r].guest_pd == page) drop_root(r);
  if (auto it = shadowed_by_.find(page); it != shadowed_by_.end())
    for (const Slot& slot : std::vector<Slot>(it->second)) zap_pde(slot.root, slot.pdi);
  release_if_unused(page);
}

void ShadowMmu::invlpg(uint32_t linear) {
  counters.invlpg++;
  if (current_ < 0) return;
  const uint32_t spde = roots_[current_].pde[pd_index(linear)];
  if (spde & PTE_P) tables_[spde >> 12]->pte[pt_index(linear)] = 0;
}

}  // namespace isolab::mmu
