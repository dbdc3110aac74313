// The Comparison dashboard: VMs against containers on the same host, in
// numbers measured by the running lab (DESIGN.md section 1's claims):
// - start-up, in simulated time: a VM's from power-on to its shell's first
//   prompt (its whole kernel boots first) against a container's from its
//   start to its first system call (a process starts on a kernel that
//   already runs);
// - memory: the host memory a VM's RAM really uses (pages it wrote,
//   Machine::private_ram_bytes) against a container's memory.current, and
//   the density that follows: how many such containers fit in one VM's;
// - exits against system calls: how often each leaves its code for the
//   layer below, plotted per frame.
#include <imgui.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cstdio>
#include <map>

#include "ui/panels.h"

namespace isolab::ui {

namespace {

constexpr size_t kHistory = 120;
std::array<float, kHistory> g_exits{}, g_calls{};
size_t g_next = 0;
uint64_t g_last_exits = 0, g_last_calls = 0, g_last_frame = 0;
// private_ram_bytes reads /proc/self/smaps: sampled every kMemoryEvery frames.
constexpr uint64_t kMemoryEvery = 30;
std::map<const emulator::Machine*, uint64_t> g_private_bytes;

}  // namespace

void draw_comparison(Session& s, PanelPlace p) {
  if (begin_panel("Comparison", p)) {
    uint64_t exits = 0, vm_bytes = 0, vm_ready = 0;
    size_t vms = 0, ready_vms = 0;
    for (const VmSlot& sl : s.slots) {
      exits += sl.vm->machine->exits.exits;
      const emulator::Machine* m = sl.vm->machine.get();
      if (!g_private_bytes.count(m) || s.frames % kMemoryEvery == 0) g_private_bytes[m] = m->private_ram_bytes();
      vm_bytes += g_private_bytes[m];
      vms++;
      if (*sl.ready_ns) {
        vm_ready += *sl.ready_ns;
        ready_vms++;
      }
    }
    uint64_t ctr_bytes = 0, ctr_start = 0;
    size_t ctrs = 0, started = 0;
    for (const auto& lc : s.lab.containers()) {
      if (lc->c.exited) continue;
      ctrs++;
      if (lc->c.cgroup) ctr_bytes += lc->c.cgroup->memory.counter.usage * 4096;
      auto it = s.container_figures.find(lc->c.name);
      if (it != s.container_figures.end() && it->second.first_syscall_ns) {
        ctr_start += it->second.first_syscall_ns;
        started++;
      }
    }
    if (s.frames != g_last_frame) {  // one sample a frame
      g_exits[g_next] = float(exits - std::min(exits, g_last_exits));
      g_calls[g_next] = float(s.lab.kernel.stats.syscalls - std::min(s.lab.kernel.stats.syscalls, g_last_calls));
      g_next = (g_next + 1) % kHistory;
      g_last_exits = exits;
      g_last_calls = s.lab.kernel.stats.syscalls;
      g_last_frame = s.frames;
    }
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_BordersInnerV;
    if (ImGui::BeginTable("cmp", 3, flags)) {
      for (const char* h : {"", "VM (mean)", "container (mean)"}) ImGui::TableSetupColumn(h);
      ImGui::TableHeadersRow();
      auto row = [](const char* what, const std::string& a, const std::string& b) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(what);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(a.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(b.c_str());
      };
      char a[64], b[64];
      std::snprintf(a, sizeof a, ready_vms ? "%.2f ms to prompt" : "booting", double(vm_ready) / double(std::max<size_t>(1, ready_vms)) / 1e6);
      std::snprintf(b, sizeof b, started ? "%.1f us to 1st call" : "-", double(ctr_start) / double(std::max<size_t>(1, started)) / 1e3);
      row("start-up", a, b);
      const double vm_mib = double(vm_bytes) / double(std::max<size_t>(1, vms)) / 1048576.0;
      const double ctr_kib = double(ctr_bytes) / double(std::max<size_t>(1, ctrs)) / 1024.0;
      std::snprintf(a, sizeof a, "%.1f MiB (host)", vm_mib);
      std::snprintf(b, sizeof b, "%.0f KiB (cgroup)", ctr_kib);
      row("memory", a, b);
      std::snprintf(a, sizeof a, "1 VM");
      if (ctr_kib > 0) std::snprintf(b, sizeof b, "%.0f containers", vm_mib * 1024.0 / ctr_kib);
      else std::snprintf(b, sizeof b, "-");
      row("fit in 1 VM's", a, b);
      std::snprintf(a, sizeof a, "%llu", (unsigned long long)exits);
      std::snprintf(b, sizeof b, "%llu", (unsigned long long)s.lab.kernel.stats.syscalls);
      row("exits / calls", a, b);
      ImGui::EndTable();
    }
    const float pw = ImGui::GetContentRegionAvail().x * 0.5f - 4;
    ImGui::PlotLines("##exits", g_exits.data(), int(kHistory), int(g_next), "VM exits / frame", 0.0f, FLT_MAX, ImVec2(pw, 50));
    ImGui::SameLine();
    ImGui::PlotLines("##calls", g_calls.data(), int(kHistory), int(g_next), "syscalls / frame", 0.0f, FLT_MAX, ImVec2(pw, 50));
  }
  ImGui::End();
}

}  // namespace isolab::ui
