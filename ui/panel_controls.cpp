// The Controls panel: run and pause the lab, and step the selected VM as a
// debugger steps a process: one instruction, to its next VM exit, to its
// next system call, or on to its next breakpoint (lab/debugger.h; the same
// functions the console's `vm step` and `vm break` call). F5, F10 and F11
// do the first three (gui.cpp reads the keys). Below: the VM's breakpoints
// and a field to add one, as `vm break` takes them.
#include <imgui.h>

#include <cstdio>
#include <sstream>

#include "lab/debugger.h"
#include "ui/panels.h"

namespace isolab::ui {

void draw_controls(Session& s, PanelPlace p) {
  if (begin_panel("Controls", p)) {
    if (ImGui::Button(s.running ? "Pause (F5)" : "Run (F5)")) s.toggle_run();
    ImGui::SameLine();
    if (ImGui::Button("Step insn (F10)")) s.step_instruction();
    ImGui::SameLine();
    if (ImGui::Button("To exit (F11)")) s.step_to_exit();
    if (ImGui::Button("To syscall")) s.step_to_syscall();
    ImGui::SameLine();
    if (ImGui::Button("Continue")) s.continue_to_break();
    if (const VmSlot* slot = s.current()) {
      const std::string& name = slot->vm->name;
      ImGui::Text("selected: %s (%s)", name.c_str(), emulator::vm_state_name(slot->vm->state));
      const std::vector<lab::Breakpoint>& bps = lab::breakpoints_of(s.lab, name);
      ImGui::Text("breakpoints:");
      for (const lab::Breakpoint& b : bps) {
        ImGui::SameLine();
        ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.5f, 1.0f), "[%s]", lab::describe(b).c_str());
      }
      if (bps.empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("none (click a line of Disassembly)");
      }
      static char text[64] = "exit HLT";
      ImGui::SetNextItemWidth(160);
      if (ImGui::InputText("##break", text, sizeof text, ImGuiInputTextFlags_EnterReturnsTrue)) {
        std::istringstream words(text);
        std::vector<std::string> w;
        for (std::string x; words >> x;) w.push_back(x);
        std::string error;
        if (std::optional<lab::Breakpoint> b = lab::parse_breakpoint(w, error))
          s.post([name, b = *b](Session& s) {
            lab::add_breakpoint(s.lab, name, b);
            s.status = name + ": breakpoint " + lab::describe(b);
          });
        else
          s.status = "vm break: " + error;
      }
      ImGui::SameLine();
      ImGui::TextDisabled("exit REASON | syscall NR | addr 0xADDR, Enter adds");
      ImGui::SameLine();
      if (ImGui::SmallButton("clear")) s.post([name](Session& s) { lab::clear_breakpoints(s.lab, name); });
    }
    ImGui::Separator();
    ImGui::TextWrapped("%s", s.status.empty() ? (s.running ? "running" : "paused") : s.status.c_str());
    ImGui::Separator();
    ImGui::Text("frame %llu, %.0f frames/s, lab time %.3f s, %s", (unsigned long long)s.frames,
                ImGui::GetIO().Framerate, double(s.lab.now_ns()) / 1e9,
                s.has_worker() ? "emulation on a worker thread" : "fixed rounds a frame");
  }
  ImGui::End();
}

}  // namespace isolab::ui
