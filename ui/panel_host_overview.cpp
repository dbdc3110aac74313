// The Host overview panel: the whole simulated host as boxes, the picture
// of DESIGN.md section 1. On the left, each VM is a box holding its own
// kernel (miniOS) with its state, CPU weight and share, and RAM; on the
// right, the containers are boxes standing on the one shared kernel drawn
// under them, each with its state, processes and memory.current. The
// hypervisor and the shared kernel both sit on the host's one CPU.
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "ui/panels.h"

namespace isolab::ui {

namespace {

const ImU32 kVmColour = IM_COL32(60, 90, 160, 255), kKernelColour = IM_COL32(150, 100, 40, 255),
            kCtrColour = IM_COL32(50, 130, 80, 255), kHostColour = IM_COL32(70, 70, 80, 255),
            kText = IM_COL32(240, 240, 240, 255), kDead = IM_COL32(120, 50, 50, 255);

void box(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 fill, const char* text) {
  dl->AddRectFilled(a, b, fill, 4.0f);
  dl->AddRect(a, b, IM_COL32(255, 255, 255, 90), 4.0f);
  dl->PushClipRect(a, b, true);
  dl->AddText(ImVec2(a.x + 4, a.y + 2), kText, text);
  dl->PopClipRect();
}

}  // namespace

void draw_host_overview(Session& s, PanelPlace p) {
  if (begin_panel("Host overview", p)) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float w = std::max(200.0f, avail.x), h = std::max(120.0f, avail.y);
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const float half = w * 0.5f - 4;
    // The hardware under everything.
    box(dl, ImVec2(o.x, o.y + h - line * 1.4f), ImVec2(o.x + w, o.y + h), kHostColour, "host: one CPU, the lab's clock");
    // Left: the hypervisor and its VMs, each with a kernel of its own.
    const float hv_top = o.y + h - line * 2.8f;
    box(dl, ImVec2(o.x, hv_top), ImVec2(o.x + half, o.y + h - line * 1.5f), IM_COL32(90, 60, 120, 255), "hypervisor");
    uint64_t all_insns = 0;
    for (const VmSlot& sl : s.slots) all_insns += sl.vm->machine->cpu.s.insns;
    const size_t nvm = std::max<size_t>(1, s.slots.size());
    const float vw = (half - 4.0f * float(nvm - 1)) / float(nvm);
    for (size_t k = 0; k < s.slots.size(); k++) {
      const emulator::Vm& vm = *s.slots[k].vm;
      const float x0 = o.x + float(k) * (vw + 4);
      const bool alive = vm.state == emulator::VmState::Running || vm.state == emulator::VmState::Paused ||
                         vm.state == emulator::VmState::Created;
      char text[160];
      std::snprintf(text, sizeof text, "VM %s\n%s, weight %u\nCPU %.0f%%, %llu MiB", vm.name.c_str(),
                    emulator::vm_state_name(vm.state), vm.weight,
                    all_insns ? 100.0 * double(vm.machine->cpu.s.insns) / double(all_insns) : 0.0,
                    (unsigned long long)(vm.machine->config.ram_bytes >> 20));
      box(dl, ImVec2(x0, o.y), ImVec2(x0 + vw, hv_top - 4), alive ? kVmColour : kDead, text);
      box(dl, ImVec2(x0 + 4, hv_top - 4 - line * 1.3f), ImVec2(x0 + vw - 4, hv_top - 8), kKernelColour, "its own kernel");
    }
    // Right: the containers on the one shared kernel.
    const float cx = o.x + half + 8, cw = w - half - 8;
    const float kernel_top = o.y + h - line * 2.8f;
    char ktext[96];
    std::snprintf(ktext, sizeof ktext, "ONE shared kernel: %zu processes", s.lab.kernel.processes().size());
    box(dl, ImVec2(cx, kernel_top), ImVec2(cx + cw, o.y + h - line * 1.5f), kKernelColour, ktext);
    const auto& ctrs = s.lab.containers();
    const size_t nc = std::max<size_t>(1, ctrs.size());
    const float bw = (cw - 4.0f * float(nc - 1)) / float(nc);
    for (size_t k = 0; k < ctrs.size(); k++) {
      const lab::LabContainer& lc = *ctrs[k];
      const float x0 = cx + float(k) * (bw + 4);
      const uint64_t mem = lc.c.cgroup ? lc.c.cgroup->memory.counter.usage * 4 : 0;
      const size_t procs = lc.c.cgroup ? lc.c.cgroup->procs.size() : 0;
      char text[160];
      std::snprintf(text, sizeof text, "%s\n%s\n%zu procs\n%llu KiB", lc.c.name.c_str(), lc.c.exited ? "exited" : "running",
                    procs, (unsigned long long)mem);
      box(dl, ImVec2(x0, o.y + line * 1.5f), ImVec2(x0 + bw, kernel_top - 4), lc.c.exited ? kDead : kCtrColour, text);
    }
    if (ctrs.empty()) dl->AddText(ImVec2(cx + 4, o.y + line * 2), kText, "no containers");
    ImGui::Dummy(ImVec2(w, h));
  }
  ImGui::End();
}

}  // namespace isolab::ui
