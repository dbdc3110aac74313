// The Registers panel: the selected VM's CPU as the SDM draws it (Vol. 1
// 3.4 and Vol. 3A 2.5, 3.4.3): the general registers, EIP, EFLAGS with each
// set flag by name, the control registers with their bits, and the six
// segment registers with their hidden descriptor caches.
#include <imgui.h>

#include <string>

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "ui/panels.h"

namespace isolab::ui {

namespace {

struct BitName {
  uint32_t mask;
  const char* name;
};

constexpr BitName kEflagsBits[] = {
    {cpu::CF, "CF"}, {cpu::PF, "PF"}, {cpu::AF, "AF"}, {cpu::ZF, "ZF"}, {cpu::SF, "SF"},
    {cpu::TF, "TF"}, {cpu::IF, "IF"}, {cpu::DF, "DF"}, {cpu::OF, "OF"}, {cpu::NT, "NT"},
    {cpu::RF, "RF"}, {cpu::VM, "VM"}, {cpu::AC, "AC"}, {cpu::VIF, "VIF"}, {cpu::VIP, "VIP"},
    {cpu::ID, "ID"},
};
constexpr BitName kCr0Bits[] = {
    {cpu::CR0_PE, "PE"}, {cpu::CR0_MP, "MP"}, {cpu::CR0_EM, "EM"}, {cpu::CR0_TS, "TS"},
    {cpu::CR0_ET, "ET"}, {cpu::CR0_NE, "NE"}, {cpu::CR0_WP, "WP"}, {cpu::CR0_AM, "AM"},
    {cpu::CR0_NW, "NW"}, {cpu::CR0_CD, "CD"}, {cpu::CR0_PG, "PG"},
};
constexpr BitName kCr4Bits[] = {
    {cpu::CR4_VME, "VME"}, {cpu::CR4_PVI, "PVI"}, {cpu::CR4_TSD, "TSD"},
    {cpu::CR4_DE, "DE"},   {cpu::CR4_PSE, "PSE"}, {cpu::CR4_PGE, "PGE"},
};
constexpr const char* kRegNames[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
constexpr const char* kSegNames[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};

template <size_t N>
std::string set_bits(uint32_t value, const BitName (&bits)[N]) {
  std::string out;
  for (const BitName& b : bits)
    if (value & b.mask) {
      if (!out.empty()) out += ' ';
      out += b.name;
    }
  return out;
}

// A descriptor cache's attributes in words: code/data, its rights, DPL,
// present, 16/32-bit and granularity.
std::string describe_attr(const cpu::SegmentCache& sc) {
  if (!sc.present()) return "not present";
  std::string out;
  if (sc.is_system()) out = "system type " + std::to_string(sc.type());
  else if (sc.is_code()) out = (sc.type() & 2) ? "code RX" : "code X";
  else out = (sc.type() & 2) ? (sc.expand_down() ? "data RW down" : "data RW") : "data R";
  out += " DPL" + std::to_string(sc.dpl());
  if (!sc.is_system()) out += sc.big() ? " 32" : " 16";
  return out;
}

}  // namespace

void draw_registers(Session& s, PanelPlace p) {
  if (begin_panel("Registers", p) && s.current()) {
    cpu::Cpu& c = s.current()->vm->machine->cpu;
    const cpu::CpuState& st = c.s;
    ImGui::Text("%s, CPL %u, %s%s", s.current()->vm->name.c_str(), st.cpl,
                c.protected_mode() ? (st.seg[cpu::CS].big() ? "protected 32-bit" : "protected 16-bit") : "real mode",
                st.halted ? ", halted" : "");
    if (ImGui::BeginTable("gpr", 4, ImGuiTableFlags_SizingFixedFit)) {
      for (int r = 0; r < 8; r++) {
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(kRegNames[r]);
        ImGui::TableNextColumn();
        ImGui::Text("%08x", st.reg[r]);
      }
      ImGui::EndTable();
    }
    ImGui::Text("EIP    %08x", st.eip);
    const uint32_t eflags = c.flags();
    ImGui::Text("EFLAGS %08x  IOPL=%u", eflags, (eflags & cpu::IOPL) >> 12);
    ImGui::TextWrapped("       %s", set_bits(eflags, kEflagsBits).c_str());
    ImGui::Separator();
    ImGui::Text("CR0 %08x  %s", st.cr0, set_bits(st.cr0, kCr0Bits).c_str());
    ImGui::Text("CR2 %08x  (last #PF address)", st.cr2);
    ImGui::Text("CR3 %08x  (page directory)", st.cr3);
    ImGui::Text("CR4 %08x  %s", st.cr4, set_bits(st.cr4, kCr4Bits).c_str());
    ImGui::Separator();
    const ImGuiTableFlags flags = ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg;
    if (ImGui::BeginTable("segs", 5, flags)) {
      for (const char* h : {"seg", "sel", "base", "limit", "cache"}) ImGui::TableSetupColumn(h);
      ImGui::TableHeadersRow();
      auto row = [](const char* name, const cpu::SegmentCache& sc) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(name);
        ImGui::TableNextColumn();
        ImGui::Text("%04x", sc.selector);
        ImGui::TableNextColumn();
        ImGui::Text("%08x", sc.base);
        ImGui::TableNextColumn();
        ImGui::Text("%08x", sc.limit);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(describe_attr(sc).c_str());
      };
      for (int k = 0; k < 6; k++) row(kSegNames[k], st.seg[k]);
      row("LDTR", st.ldtr);
      row("TR", st.tr);
      ImGui::EndTable();
    }
    ImGui::Text("GDTR %08x/%04x  IDTR %08x/%04x", st.gdtr.base, st.gdtr.limit, st.idtr.base, st.idtr.limit);
  }
  ImGui::End();
}

}  // namespace isolab::ui
