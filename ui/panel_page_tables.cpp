// The Page tables panel: the selected VM's own page tables, walked from its
// CR3 (SDM Vol. 3A 4.3: a page directory of 1024 PDEs, each a 4 MiB page
// with PS or a page table of 1024 PTEs), one translation walked step by
// step, and the VMM's MMU beside them: the shadow entry that really maps
// the address and the counters KVM would show. Every walk here is made with
// set_ad=false, so looking never sets an accessed or dirty bit. Lesson 2.
#include <imgui.h>

#include <cstring>
#include <string>

#include "mmu/walker.h"
#include "ui/panels.h"

namespace isolab::ui {

namespace {

std::string entry_bits(uint32_t e) {
  std::string out;
  auto add = [&](uint32_t bit, const char* name) {
    if (e & bit) out += name;
    else out += std::string(std::char_traits<char>::length(name), '.');
  };
  add(mmu::PTE_P, "P");
  add(mmu::PTE_W, "W");
  add(mmu::PTE_U, "U");
  add(mmu::PTE_A, "A");
  add(mmu::PTE_D, "D");
  add(mmu::PTE_PS, "S");
  add(mmu::PTE_G, "G");
  return out;
}

// A page-table entry from guest RAM. Outside RAM it reads as not present,
// rather than through mmu::phys_read32, whose MMIO read would be a VM exit.
uint32_t read_entry(emulator::Machine& m, uint32_t addr) {
  if (!m.is_ram_page(addr & ~0xFFFu)) return 0;
  uint32_t v;
  std::memcpy(&v, m.ram() + addr, 4);
  return v;
}

// The address the Translate box shows; 0 follows EIP.
uint32_t g_translate_va = 0;

void draw_translation(emulator::Machine& m) {
  const cpu::CpuState& st = m.cpu.s;
  ImGui::SetNextItemWidth(100);
  ImGui::InputScalar("translate (0 = EIP)", ImGuiDataType_U32, &g_translate_va, nullptr, nullptr, "%08X",
                     ImGuiInputTextFlags_CharsHexadecimal);
  const uint32_t va = g_translate_va ? g_translate_va : st.seg[cpu::CS].base + st.eip;
  const uint32_t pd = st.cr3 & ~0xFFFu;
  const uint32_t pdi = va >> 22, pti = (va >> 12) & 0x3FF;
  const uint32_t pde = read_entry(m, pd + 4 * pdi);
  ImGui::Text("VA %08x = PDE %u, PTE %u, offset %03x", va, pdi, pti, va & 0xFFF);
  ImGui::Text("  PDE @%08x = %08x %s", pd + 4 * pdi, pde, entry_bits(pde).c_str());
  if ((pde & mmu::PTE_P) && !((pde & mmu::PTE_PS) && (st.cr4 & cpu::CR4_PSE))) {
    const uint32_t pt = pde & ~0xFFFu;
    const uint32_t pte = read_entry(m, pt + 4 * pti);
    ImGui::Text("  PTE @%08x = %08x %s", pt + 4 * pti, pte, entry_bits(pte).c_str());
  }
  mmu::Translation t = mmu::walk(m, st.cr0, st.cr3, st.cr4, va, mmu::Access::Read, false, /*set_ad=*/false);
  if (t.ok) ImGui::Text("  guest walk: GVA %08x -> GPA %08x (%u refs)", va, t.phys, t.mem_refs);
  else ImGui::Text("  guest walk: not mapped, #PF error code %x", t.error_code);
  if (m.config.paging == emulator::PagingMode::Shadow) {
    const mmu::ShadowRoot* root = m.shadow.current_root();
    if (!root) {
      ImGui::TextUnformatted("  shadow: no root yet");
    } else if (!(root->pde[pdi] & mmu::PTE_P)) {
      ImGui::TextUnformatted("  shadow: PDE not filled (the next access faults into the VMM)");
    } else {
      const uint32_t spte = m.shadow.table(root->pde[pdi]).pte[pti];
      if (spte & mmu::PTE_P) ImGui::Text("  shadow PTE %08x %s -> HPA %08x", spte, entry_bits(spte).c_str(), (spte & ~0xFFFu) | (va & 0xFFF));
      else ImGui::TextUnformatted("  shadow: PTE not filled (the next access faults into the VMM)");
    }
  }
}

void draw_directory(emulator::Machine& m) {
  const cpu::CpuState& st = m.cpu.s;
  const uint32_t pd = st.cr3 & ~0xFFFu;
  const bool pse = st.cr4 & cpu::CR4_PSE;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("pd", 4, flags, ImVec2(0, ImGui::GetContentRegionAvail().y))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const char* h : {"PDE", "VA", "entry", "walk of its first page"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (uint32_t i = 0; i < 1024; i++) {
    const uint32_t pde = read_entry(m, pd + 4 * i);
    if (!(pde & mmu::PTE_P)) continue;
    const uint32_t va = i << 22;
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    const bool large = (pde & mmu::PTE_PS) && pse;
    char id[16];
    std::snprintf(id, sizeof id, "%4u", i);
    bool open = false;
    if (large) ImGui::Text("%s", id);
    else open = ImGui::TreeNodeEx(id, ImGuiTreeNodeFlags_SpanFullWidth);
    ImGui::TableNextColumn();
    ImGui::Text("%08x", va);
    ImGui::TableNextColumn();
    ImGui::Text("%08x %s", pde, entry_bits(pde).c_str());
    ImGui::TableNextColumn();
    mmu::Translation t = mmu::walk(m, st.cr0, st.cr3, st.cr4, va, mmu::Access::Read, false, /*set_ad=*/false);
    if (t.ok) ImGui::Text("-> %08x%s", t.phys, large ? " (4 MiB)" : "");
    else ImGui::Text("#PF %x", t.error_code);
    if (!open) continue;
    const uint32_t pt = pde & ~0xFFFu;
    for (uint32_t j = 0; j < 1024; j++) {
      const uint32_t pte = read_entry(m, pt + 4 * j);
      if (!(pte & mmu::PTE_P)) continue;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("  %4u", j);
      ImGui::TableNextColumn();
      ImGui::Text("%08x", va | (j << 12));
      ImGui::TableNextColumn();
      ImGui::Text("%08x %s", pte, entry_bits(pte).c_str());
      ImGui::TableNextColumn();
      ImGui::Text("-> %08x", pte & ~0xFFFu);
    }
    ImGui::TreePop();
  }
  ImGui::EndTable();
}

void draw_counters(const emulator::Machine& m) {
  ImGui::Text("VMM MMU: %s paging", emulator::paging_mode_name(m.config.paging));
  if (m.config.paging == emulator::PagingMode::Shadow)
    ImGui::Text("shadow roots cached: %d of %d", m.shadow.roots_in_use(), mmu::ShadowMmu::kMaxRoots);
  const mmu::MmuCounters c = m.mmu_counters();
  if (ImGui::BeginTable("mmu", 2, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
    for (const mmu::MmuCounterField& f : mmu::kMmuCounterFields) {
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(f.name);
      ImGui::TableNextColumn();
      ImGui::Text("%llu", (unsigned long long)(c.*f.field));
    }
    ImGui::EndTable();
  }
}

}  // namespace

void draw_page_tables(Session& s, PanelPlace p) {
  if (begin_panel("Page tables", p) && s.current()) {
    emulator::Machine& m = *s.current()->vm->machine;
    if (!m.cpu.paging()) {
      ImGui::Text("%s: paging is off (CR0.PG=0): linear addresses are physical", s.current()->vm->name.c_str());
      draw_counters(m);
    } else {
      ImGui::Text("%s: guest page directory at %08x (CR3)", s.current()->vm->name.c_str(), m.cpu.s.cr3 & ~0xFFFu);
      if (ImGui::BeginTable("split", 2, ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("left", ImGuiTableColumnFlags_WidthStretch, 0.68f);
        ImGui::TableSetupColumn("right", ImGuiTableColumnFlags_WidthStretch, 0.32f);
        ImGui::TableNextColumn();
        draw_translation(m);
        ImGui::Separator();
        draw_directory(m);
        ImGui::TableNextColumn();
        draw_counters(m);
        ImGui::EndTable();
      }
    }
  }
  ImGui::End();
}

}  // namespace isolab::ui
