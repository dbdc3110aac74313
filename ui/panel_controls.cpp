// The Controls panel: run and pause the host's VMs, and step the selected
// VM, one instruction or to its next VM exit, as a debugger steps a
// process. The same three are on F5, F10 and F11 (gui.cpp reads the keys).
#include <imgui.h>

#include "ui/panels.h"

namespace isolab::ui {

void draw_controls(Session& s, PanelPlace p) {
  if (begin_panel("Controls", p)) {
    const bool running = s.any_running();
    if (ImGui::Button(running ? "Pause (F5)" : "Run (F5)")) running ? s.pause_all() : s.run_all();
    ImGui::SameLine();
    if (ImGui::Button("Step to exit (F11)")) s.step_to_exit(s.current());
    ImGui::SameLine();
    if (ImGui::Button("Step insn (F10)")) s.step_instruction(s.current());
    ImGui::Text("selected: %s", s.current().vm->name.c_str());
    ImGui::TextWrapped("%s", s.status.empty() ? (running ? "running" : "paused") : s.status.c_str());
    ImGui::Separator();
    ImGui::Text("frame %llu, %.0f frames/s", (unsigned long long)s.frames, ImGui::GetIO().Framerate);
  }
  ImGui::End();
}

}  // namespace isolab::ui
