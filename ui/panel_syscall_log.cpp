// The Syscall log panel: the container kernel's latest system calls, as
// strace shows them, from its trace (Kernel::record_syscall): the
// container, the process's host PID, the call's name and Linux i386
// number, its first arguments and its result (a negative result is
// -errno). Filter by container and by number. Unknown calls show as ENOSYS;
// namespace, cgroup and OOM events are in the same trace. Lesson 5: every
// container's calls go to the one kernel. Click a call to break on it in
// its container (lab/debugger.h; the Containers panel's "continue" runs
// to it), as `ctr break NAME syscall NR` does.
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "lab/debugger.h"
#include "ui/panels.h"

namespace isolab::ui {

namespace {

int g_container = 0;  // 0: all; k: the k-th container of the lab
int g_number = -1;    // -1: every call

}  // namespace

void draw_syscall_log(Session& s, PanelPlace p) {
  if (begin_panel("Syscall log", p)) {
    std::string names = std::string("all containers") + '\0';
    for (const auto& lc : s.lab.containers()) names += lc->c.name + '\0';
    ImGui::SetNextItemWidth(140);
    ImGui::Combo("##ctr", &g_container, names.c_str());
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    ImGui::InputInt("number (-1: all)", &g_number);
    g_number = std::clamp(g_number, -1, 1023);
    const std::string only =
        g_container > 0 && size_t(g_container) <= s.lab.containers().size() ? s.lab.containers()[g_container - 1]->c.name : "";
    ImGui::Text("%llu events in all, %llu system calls", (unsigned long long)s.syscalls.total(),
                (unsigned long long)s.lab.kernel.stats.syscalls);
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("calls", 5, flags)) {
      ImGui::TableSetupScrollFreeze(0, 1);
      for (const char* h : {"time ms", "container", "pid", "call", "args -> result"}) ImGui::TableSetupColumn(h);
      ImGui::TableHeadersRow();
      const std::vector<trace::Event> events = s.syscalls.recent();
      int shown = 0;
      for (size_t k = events.size(); k-- > 0 && shown < 200;) {  // newest first
        const trace::Event& e = events[k];
        if (!only.empty() && only != e.source) continue;
        if (g_number >= 0 && (e.kind != trace::Kind::Syscall || int(e.code) != g_number)) continue;
        shown++;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%.3f", double(e.time_ns) / 1e6);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(e.source);
        ImGui::TableNextColumn();
        ImGui::Text("%u", e.detail[0]);
        ImGui::TableNextColumn();
        if (e.kind == trace::Kind::Syscall && s.lab.find_container(e.source)) {
          // Click: break on this system call in this container (again: no more).
          const std::vector<lab::Breakpoint>& bps = lab::container_breakpoints_of(s.lab, e.source);
          const bool has_bp = std::find(bps.begin(), bps.end(), lab::Breakpoint{lab::BreakKind::Syscall, e.code}) != bps.end();
          char label[96];
          std::snprintf(label, sizeof label, "%s%s (%u)##%llu", has_bp ? "* " : "", e.what, e.code, (unsigned long long)e.seq);
          if (has_bp) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.4f, 0.4f, 1.0f));
          if (ImGui::Selectable(label, false)) s.toggle_container_breakpoint(e.source, e.code);
          if (has_bp) ImGui::PopStyleColor();
          if (ImGui::IsItemHovered())
            ImGui::SetTooltip("%s in %s: click to %s", has_bp ? "breakpoint" : "break on", e.source,
                              has_bp ? "remove it" : "stop the container after this call (its continue button)");
        } else {
          ImGui::Text("%s (%u)", e.what, e.code);
        }
        ImGui::TableNextColumn();
        if (e.kind == trace::Kind::Syscall)
          ImGui::Text("%#x, %#x -> %d", e.detail[2], e.detail[3], int32_t(e.detail[1]));
      }
      ImGui::EndTable();
    }
  }
  ImGui::End();
}

}  // namespace isolab::ui
