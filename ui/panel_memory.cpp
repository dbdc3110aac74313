// The Memory panel: the selected VM's memory as bytes, in two views. The
// physical view reads guest RAM at a guest-physical address; the virtual
// view takes a linear address through the guest's own page tables (the
// 2-level walk of SDM Vol. 3A 4.3, looking only: no A/D bits set) page by
// page, so a student sees the same bytes at a virtual address and at the
// physical one it maps to, and where a page is not present. Lesson 2 asks
// which physical address a virtual one maps to.
#include <imgui.h>

#include <cctype>
#include <cstdio>

#include "mmu/walker.h"
#include "ui/panels.h"

namespace isolab::ui {

namespace {

constexpr int kRows = 16, kCols = 16;
uint32_t g_addr = 0;
int g_view = 1;  // 0 physical, 1 virtual

// The guest-physical address of `addr` in the view, or nothing.
std::optional<uint32_t> to_physical(emulator::Machine& m, uint32_t addr, bool virt) {
  if (!virt || !m.cpu.paging()) return addr;
  const cpu::CpuState& st = m.cpu.s;
  mmu::Translation t = mmu::walk(m, st.cr0, st.cr3, st.cr4, addr, mmu::Access::Read, false, /*set_ad=*/false);
  if (!t.ok) return std::nullopt;
  return t.phys;
}

}  // namespace

void draw_memory(Session& s, PanelPlace p) {
  if (begin_panel("Memory", p) && s.current()) {
    emulator::Machine& m = *s.current()->vm->machine;
    ImGui::RadioButton("virtual", &g_view, 1);
    ImGui::SameLine();
    ImGui::RadioButton("physical", &g_view, 0);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    ImGui::InputScalar("address (0 = ESP)", ImGuiDataType_U32, &g_addr, nullptr, nullptr, "%08X",
                       ImGuiInputTextFlags_CharsHexadecimal);
    const bool virt = g_view == 1;
    const uint32_t base = (g_addr ? g_addr : m.cpu.s.reg[cpu::ESP]) & ~uint32_t(kCols - 1);
    if (virt) {
      if (auto pa = to_physical(m, base, true))
        ImGui::Text("%s: linear %08x -> physical %08x%s", s.current()->vm->name.c_str(), base, *pa,
                    m.cpu.paging() ? " (guest page tables)" : " (paging off)");
      else
        ImGui::Text("%s: linear %08x: not present in the guest's page tables", s.current()->vm->name.c_str(), base);
    } else {
      ImGui::Text("%s: guest-physical %08x of %llu MiB", s.current()->vm->name.c_str(), base,
                  (unsigned long long)(m.ram_size() >> 20));
    }
    ImGui::Separator();
    for (int r = 0; r < kRows; r++) {
      const uint32_t at = base + uint32_t(r * kCols);
      char hex[kCols * 3 + 1] = {}, text[kCols + 1] = {};
      std::optional<uint32_t> pa = to_physical(m, at, virt);
      const bool readable = pa && uint64_t(*pa) + kCols <= m.ram_size() && m.is_ram_page(*pa & ~0xFFFu);
      for (int c = 0; c < kCols; c++) {
        if (readable) {
          const uint8_t b = m.ram()[*pa + uint32_t(c)];
          std::snprintf(hex + 3 * c, 4, "%02x ", b);
          text[c] = std::isprint(b) ? char(b) : '.';
        } else {
          std::snprintf(hex + 3 * c, 4, "-- ");
          text[c] = ' ';
        }
      }
      ImGui::Text("%08x  %s %s", at, hex, text);
    }
  }
  ImGui::End();
}

}  // namespace isolab::ui
