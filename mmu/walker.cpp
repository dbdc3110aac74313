// The 32-bit page walk (SDM Vol. 3A 4.3, 4.6, 4.7). See walker.h.
#include "mmu/walker.h"

#include <cstring>

namespace isolab::mmu {

uint32_t phys_read32(cpu::Bus& bus, uint32_t addr) {
  if (bus.is_ram_page(addr & ~0xFFFu) && (addr & 3) == 0) {
    uint32_t v;
    std::memcpy(&v, bus.ram() + addr, 4);
    return v;
  }
  return bus.mmio_read(addr, 4);
}

void phys_write32(cpu::Bus& bus, uint32_t addr, uint32_t value) {
  if (bus.is_ram_page(addr & ~0xFFFu) && !bus.is_readonly_page(addr & ~0xFFFu) && (addr & 3) == 0) {
    std::memcpy(bus.ram() + addr, &value, 4);
    if (bus.dirty_log.on) bus.dirty_log.mark(addr, false);  // the walker's A/D bits
    return;
  }
  bus.mmio_write(addr, 4, value);
}

// Whether an access with the combined rights of the two levels is allowed
// (SDM Vol. 3A 4.6.1): user accesses need U/S at both levels and, to write,
// R/W at both; supervisor writes need R/W at both only when CR0.WP is set.
static bool allowed(uint32_t rights, Access access, bool user, uint32_t cr0) {
  bool write = access == Access::Write;
  if (user) {
    if (!(rights & PTE_U)) return false;
    if (write && !(rights & PTE_W)) return false;
    return true;
  }
  if (write && (cr0 & cpu::CR0_WP) && !(rights & PTE_W)) return false;
  return true;
}

Translation walk(cpu::Bus& bus, uint32_t cr0, uint32_t cr3, uint32_t cr4, uint32_t linear,
                 Access access, bool user, bool set_ad) {
  Translation t;
  const bool write = access == Access::Write;
  const uint32_t access_bits = (write ? PFERR_W : 0) | (user ? PFERR_U : 0);

  uint32_t pde_addr = (cr3 & 0xFFFFF000u) | ((linear >> 22) << 2);
  uint32_t pde = phys_read32(bus, pde_addr);
  t.mem_refs = 1;
  if (!(pde & PTE_P)) {
    t.error_code = access_bits;
    return t;
  }

  if ((pde & PTE_PS) && (cr4 & cpu::CR4_PSE)) {
    // A 4 MiB page. Bits 21:13 would hold physical address bits 39:32 with
    // PSE-36; this CPU's physical addresses are 32 bits, so they are
    // reserved and a set bit is a reserved-bit fault.
    if (pde & 0x003FE000u) {
      t.error_code = access_bits | PFERR_P | PFERR_RSVD;
      return t;
    }
    if (!allowed(pde, access, user, cr0)) {
      t.error_code = access_bits | PFERR_P;
      return t;
    }
    uint32_t want = PTE_A | (write ? PTE_D : 0);
    if (set_ad && (pde & want) != want) phys_write32(bus, pde_addr, pde | want);
    t.ok = true;
    t.phys = (pde & 0xFFC00000u) | (linear & 0x003FFFFFu);
    t.page_size = 4u << 20;
    t.user = pde & PTE_U;
    t.writable = write && allowed(pde, Access::Write, user, cr0);
    return t;
  }

  uint32_t pte_addr = (pde & 0xFFFFF000u) | (((linear >> 12) & 0x3FF) << 2);
  uint32_t pte = phys_read32(bus, pte_addr);
  t.mem_refs = 2;
  if (!(pte & PTE_P)) {
    t.error_code = access_bits;
    return t;
  }
  uint32_t rights = pde & pte & (PTE_U | PTE_W);
  if (!allowed(rights, access, user, cr0)) {
    t.error_code = access_bits | PFERR_P;
    return t;
  }
  if (set_ad) {
    if (!(pde & PTE_A)) phys_write32(bus, pde_addr, pde | PTE_A);
    uint32_t want = PTE_A | (write ? PTE_D : 0);
    if ((pte & want) != want) phys_write32(bus, pte_addr, pte | want);
  }
  t.ok = true;
  t.phys = (pte & 0xFFFFF000u) | (linear & 0xFFF);
  t.user = rights & PTE_U;
  // A read fill must not grant writes: D is set only by a write walk.
  t.writable = write && allowed(rights, Access::Write, user, cr0);
  return t;
}

}  // namespace isolab::mmu
