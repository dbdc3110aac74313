// The VM exits panel: why the selected VM's CPU left the guest. A bar per
// exit reason (VT-x basic exit reasons, DESIGN.md section 4) from the
// machine's counters, and the latest exits from its trace, each with its
// exit qualification in words: the port and value of an I/O exit, the
// control register and values of a CR access, the address and error code
// of a page fault. Hover a row for the guest state at the exit and the
// host time the VMM spent handling it. Lesson 1 counts these.
#include <imgui.h>

#include <algorithm>
#include <string>

#include "emulator/vm_exit.h"
#include "ui/panels.h"

namespace isolab::ui {

namespace {

// The exit qualification of `e` in words (Machine::vm_exit's detail fields).
std::string qualification(const trace::Event& e) {
  using emulator::ExitReason;
  const uint32_t* d = e.detail;
  char buf[96];
  switch (ExitReason(e.code)) {
    case ExitReason::IO_INSTRUCTION:
      std::snprintf(buf, sizeof buf, "%s port %04x size %u value %x", d[2] ? "out" : "in", d[0], d[1], d[3]);
      break;
    case ExitReason::MMIO:
      std::snprintf(buf, sizeof buf, "%s %08x size %u value %x", d[2] ? "write" : "read", d[0], d[1], d[3]);
      break;
    case ExitReason::CR_ACCESS:
      if (d[1]) std::snprintf(buf, sizeof buf, "mov to cr%u: %08x -> %08x", d[0], d[2], d[3]);
      else std::snprintf(buf, sizeof buf, "mov from cr%u: %08x", d[0], d[2]);
      break;
    case ExitReason::EXCEPTION_NMI:
      // A #PF carries (14, error code, address, 1 fill / 0 reflected) from
      // a TLB miss, or (14, P|W, physical address, size) from a write to a
      // write-protected guest page table.
      if (d[0] == 14 && d[1] == 0 && d[3] == 1) {
        std::snprintf(buf, sizeof buf, "#PF %08x: shadow fill (hidden)", d[2]);
      } else if (d[0] == 14 && d[3] == 0) {
        std::snprintf(buf, sizeof buf, "#PF %08x err %x: the guest's own", d[2], d[1]);
      } else if (d[0] == 14) {
        std::snprintf(buf, sizeof buf, "#PF: page-table write at %08x", d[2]);
      } else {
        std::snprintf(buf, sizeof buf, "vector %u error code %x", d[0], d[1]);
      }
      break;
    case ExitReason::EXTERNAL_INTERRUPT: std::snprintf(buf, sizeof buf, "vector %02x", d[0]); break;
    case ExitReason::INVLPG: std::snprintf(buf, sizeof buf, "linear %08x", d[0]); break;
    case ExitReason::CPUID: std::snprintf(buf, sizeof buf, "leaf %08x", d[0]); break;
    case ExitReason::MSR_READ:
    case ExitReason::MSR_WRITE: std::snprintf(buf, sizeof buf, "msr %x", d[0]); break;
    case ExitReason::EPT_VIOLATION: std::snprintf(buf, sizeof buf, "gpa %08x linear %08x", d[0], d[1]); break;
    default: buf[0] = 0;
  }
  return buf;
}

}  // namespace

void draw_exits(Session& s, PanelPlace p) {
  if (begin_panel("VM exits", p) && s.current()) {
    const VmSlot& slot = *s.current();
    const emulator::ExitCounters& ex = slot.vm->machine->exits;
    ImGui::Text("%s: %llu exits", slot.vm->name.c_str(), (unsigned long long)ex.exits);
    const uint64_t most = std::max<uint64_t>(1, *std::max_element(ex.by_reason.begin(), ex.by_reason.end()));
    for (size_t r = 0; r < ex.by_reason.size(); r++) {
      char label[32];
      std::snprintf(label, sizeof label, "%llu", (unsigned long long)ex.by_reason[r]);
      ImGui::ProgressBar(float(double(ex.by_reason[r]) / double(most)), ImVec2(150, 0), label);
      ImGui::SameLine();
      ImGui::TextUnformatted(emulator::kExitReasonNames[r]);
    }
    ImGui::Separator();
    ImGui::TextUnformatted("latest exits, newest first (hover: guest state)");
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("log", 2, flags)) {
      ImGui::TableSetupScrollFreeze(0, 1);
      for (const char* h : {"reason", "qualification"}) ImGui::TableSetupColumn(h);
      ImGui::TableHeadersRow();
      std::vector<trace::Event> events = slot.exits->recent();
      const size_t shown = std::min<size_t>(events.size(), 64);
      for (size_t k = 0; k < shown; k++) {  // newest first
        const trace::Event& e = events[events.size() - 1 - k];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(e.what);
        if (ImGui::IsItemHovered()) {
          ImGui::BeginTooltip();
          ImGui::Text("exit #%llu at %llu ns, %llu insns", (unsigned long long)e.seq, (unsigned long long)e.time_ns,
                      (unsigned long long)e.insns);
          ImGui::Text("CS:EIP %04x:%08x EFLAGS %08x CR3 %08x", e.state.cs, e.state.eip, e.state.eflags, e.state.cr3);
          ImGui::Text("EAX %08x ECX %08x EDX %08x EBX %08x", e.state.reg[0], e.state.reg[1], e.state.reg[2], e.state.reg[3]);
          ImGui::Text("VMM handling time %llu ns (host)", (unsigned long long)e.handling_ns);
          ImGui::EndTooltip();
        }
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(qualification(e).c_str());
      }
      ImGui::EndTable();
    }
  }
  ImGui::End();
}

}  // namespace isolab::ui
