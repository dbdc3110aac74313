// The panels of the visualizer, one file each (ui/panel_<name>.cpp). Each
// draws one ImGui window under a fixed title, reading the session; only
// the VMs panel (which VM is selected) changes the session directly; the
// controls (run, pause, step, breakpoints, typed input, a lesson's Run)
// are posted to the session, which carries them out between slices.
#pragma once
#include "ui/session.h"

namespace isolab::ui {

// Where a panel sits when it first appears (and whenever the layout
// changes: layout.h), in pixels.
struct PanelPlace {
  float x, y, w, h;
};

void draw_vm_list(Session& s, PanelPlace p);       // "VMs"
void draw_controls(Session& s, PanelPlace p);      // "Controls"
void draw_registers(Session& s, PanelPlace p);     // "Registers"
void draw_disassembly(Session& s, PanelPlace p);   // "Disassembly"
void draw_exits(Session& s, PanelPlace p);         // "VM exits"
void draw_page_tables(Session& s, PanelPlace p);   // "Page tables"
void draw_console(Session& s, PanelPlace p);       // "Console"
void draw_host_overview(Session& s, PanelPlace p); // "Host overview"
void draw_memory(Session& s, PanelPlace p);        // "Memory"
void draw_syscall_log(Session& s, PanelPlace p);   // "Syscall log"
void draw_lesson(Session& s, PanelPlace p);        // "Lesson"
void draw_containers(Session& s, PanelPlace p);    // "Containers"
void draw_comparison(Session& s, PanelPlace p);    // "Comparison"

// Begin a panel's window at its place (layout.cpp), with its tab group's
// row of tabs on top when it shares its place. Returns ImGui::Begin's
// result; the caller always calls ImGui::End.
bool begin_panel(const char* title, PanelPlace p);

// Every panel, in drawing order: its window title (a contract with
// tests/ui, which look for these titles) and the function that draws it.
struct PanelEntry {
  const char* title;
  void (*draw)(Session& s, PanelPlace p);
};
inline constexpr PanelEntry kPanels[] = {
    {"VMs", draw_vm_list},          {"Controls", draw_controls},       {"VM exits", draw_exits},
    {"Host overview", draw_host_overview}, {"Registers", draw_registers}, {"Disassembly", draw_disassembly},
    {"Memory", draw_memory},        {"Console", draw_console},         {"Page tables", draw_page_tables},
    {"Syscall log", draw_syscall_log}, {"Lesson", draw_lesson},        {"Containers", draw_containers},
    {"Comparison", draw_comparison},
};
inline constexpr size_t kPanelCount = sizeof kPanels / sizeof kPanels[0];

}  // namespace isolab::ui
