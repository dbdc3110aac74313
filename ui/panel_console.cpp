// The Console panel: what the selected VM shows its user. Its VGA text
// screen (80x25 character and attribute pairs at 0xB8000, in the 16 CGA
// colours), the tail of what it wrote to its serial port (COM1 and port
// 0xE9), and a line to type into its serial console as at a keyboard.
#include <imgui.h>

#include <cfloat>
#include <string>

#include "ui/panels.h"

namespace isolab::ui {

namespace {

// The 16 text-mode colours of the CGA/VGA default palette.
constexpr ImU32 kVgaColours[16] = {
    IM_COL32(0, 0, 0, 255),       IM_COL32(0, 0, 170, 255),     IM_COL32(0, 170, 0, 255),
    IM_COL32(0, 170, 170, 255),   IM_COL32(170, 0, 0, 255),     IM_COL32(170, 0, 170, 255),
    IM_COL32(170, 85, 0, 255),    IM_COL32(170, 170, 170, 255), IM_COL32(85, 85, 85, 255),
    IM_COL32(85, 85, 255, 255),   IM_COL32(85, 255, 85, 255),   IM_COL32(85, 255, 255, 255),
    IM_COL32(255, 85, 85, 255),   IM_COL32(255, 85, 255, 255),  IM_COL32(255, 255, 85, 255),
    IM_COL32(255, 255, 255, 255),
};

// A code page 437 byte as something the default font can draw: ASCII as
// itself, the rest as a middle dot stand-in.
char printable(uint8_t c) { return c >= 0x20 && c < 0x7F ? char(c) : c == 0 ? ' ' : '.'; }

void draw_vga(const emulator::Vga& vga) {
  const emulator::TextScreen scr = vga.screen();
  const float cw = ImGui::CalcTextSize("M").x, ch = ImGui::GetTextLineHeight();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(origin, ImVec2(origin.x + cw * float(scr.cols), origin.y + ch * float(scr.rows)), kVgaColours[0]);
  for (int r = 0; r < scr.rows; r++) {
    for (int c = 0; c < scr.cols && c < int(scr.lines[r].size()); c++) {
      const uint8_t attr = scr.attributes[r][c];
      const ImVec2 at(origin.x + cw * float(c), origin.y + ch * float(r));
      if (attr >> 4 & 7) dl->AddRectFilled(at, ImVec2(at.x + cw, at.y + ch), kVgaColours[attr >> 4 & 7]);
      const char glyph[2] = {printable(uint8_t(scr.lines[r][c])), 0};
      if (glyph[0] != ' ') dl->AddText(at, kVgaColours[attr & 15], glyph);
    }
  }
  if (scr.cursor_visible && scr.cursor_row < scr.rows) {
    const ImVec2 at(origin.x + cw * float(scr.cursor_col), origin.y + ch * float(scr.cursor_row + 1) - 2);
    dl->AddRectFilled(at, ImVec2(at.x + cw, at.y + 2), kVgaColours[7]);
  }
  ImGui::Dummy(ImVec2(cw * float(scr.cols), ch * float(scr.rows)));
}

}  // namespace

void draw_console(Session& s, PanelPlace p) {
  if (begin_panel("Console", p) && s.current()) {
    VmSlot& slot = *s.current();
    const emulator::Vm& vm = *slot.vm;
    ImGui::Text("%s: VGA text screen", vm.name.c_str());
    draw_vga(vm.machine->vga);
    ImGui::Text("%s: serial console (COM1), %zu bytes", vm.name.c_str(), vm.console.size());
    const float input_h = ImGui::GetFrameHeightWithSpacing();
    ImGui::BeginChild("serial", ImVec2(0, -input_h), true);
    // The tail only: a long session would otherwise cost a frame.
    const size_t keep = 8192;
    const char* text = vm.console.c_str();
    if (vm.console.size() > keep) text += vm.console.size() - keep;
    ImGui::TextUnformatted(text, vm.console.c_str() + vm.console.size());
    if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1) ImGui::SetScrollHereY(1.0f);
    ImGui::EndChild();
    static char line[256] = "";
    ImGui::SetNextItemWidth(-FLT_MIN);
    if (ImGui::InputTextWithHint("##type", "type a line for the serial console, Enter sends", line, sizeof line,
                                 ImGuiInputTextFlags_EnterReturnsTrue)) {
      s.type_line(line);
      line[0] = 0;
      ImGui::SetKeyboardFocusHere(-1);
    }
  }
  ImGui::End();
}

}  // namespace isolab::ui
