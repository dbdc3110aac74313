// The VMs panel: every VM of the host with its state, CPU weight, the
// instructions it has retired (and its share of all of them, which follows
// the weights while the VMs are busy) and its VM exits. Clicking a row
// selects the VM the other panels show. Lesson 3 watches the shares.
#include <imgui.h>

#include "ui/panels.h"

namespace isolab::ui {

void draw_vm_list(Session& s, PanelPlace p) {
  if (begin_panel("VMs", p)) {
    uint64_t all_insns = 0;
    for (const VmSlot& slot : s.slots) all_insns += slot.vm->machine->cpu.s.insns;
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("vms", 8, flags)) {
      for (const char* h : {"VM", "state", "weight", "insns", "CPU share", "exits", "backend", "paging"})
        ImGui::TableSetupColumn(h);
      ImGui::TableHeadersRow();
      for (size_t k = 0; k < s.slots.size(); k++) {
        const emulator::Vm& vm = *s.slots[k].vm;
        const emulator::Machine& m = *vm.machine;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        if (ImGui::Selectable(vm.name.c_str(), s.selected == k, ImGuiSelectableFlags_SpanAllColumns)) s.selected = k;
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(emulator::vm_state_name(vm.state));
        ImGui::TableNextColumn();
        ImGui::Text("%u", vm.weight);
        ImGui::TableNextColumn();
        ImGui::Text("%.2fM", double(m.cpu.s.insns) / 1e6);
        ImGui::TableNextColumn();
        const float share = all_insns ? float(double(m.cpu.s.insns) / double(all_insns)) : 0.0f;
        char label[16];
        std::snprintf(label, sizeof label, "%.0f%%", share * 100);
        ImGui::ProgressBar(share, ImVec2(70, 0), label);
        ImGui::TableNextColumn();
        ImGui::Text("%llu", (unsigned long long)m.exits.exits);
        ImGui::TableNextColumn();
        // Under kvm the hardware walks the guest's tables (nested paging).
        ImGui::TextUnformatted(vm.backend ? emulator::kBackendNames[size_t(vm.backend->kind())] : "interp");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(vm.backend ? "hardware" : emulator::paging_mode_name(m.config.paging));
      }
      ImGui::EndTable();
    }
    if (const VmSlot* cur = s.current()) {
      const emulator::Machine& m = *cur->vm->machine;
      ImGui::Separator();
      ImGui::Text("%s: %llu MiB RAM, guest time %.3f ms", cur->vm->name.c_str(),
                  (unsigned long long)(m.config.ram_bytes >> 20), double(m.now_ns()) / 1e6);
    }
  }
  ImGui::End();
}

}  // namespace isolab::ui
