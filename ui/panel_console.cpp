// The Console panel: what the selected VM shows its user. Its VGA text
// screen (80x25 character and attribute pairs at 0xB8000, in the 16 CGA
// colours), the tail of what it wrote to its serial port (COM1 and port
// 0xE9), and a line to type into its serial console as at a keyboard.
//
// Click the screen to type on it as on the VM's terminal: every key goes to
// the guest at once as the byte a terminal sends (Session::type_keys), and
// the guest echoes it (miniOS reads its console from COM1 with a line
// discipline: Backspace, Ctrl-C, Ctrl-D, Ctrl-U; it has no PS/2 keyboard
// driver, so keys go to the serial port, not the 8042). Escape or a click
// elsewhere lets go of the keyboard.
#include <SDL_scancode.h>  // the SDL backend indexes io.KeysDown by scancode
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

// The control keys a terminal sends as bytes, with Ctrl held.
struct ControlKey {
  SDL_Scancode key;
  char byte;
};
constexpr ControlKey kControlKeys[] = {
    {SDL_SCANCODE_C, 0x03},  // ETX: interrupt (miniOS: ^C kills the foreground job)
    {SDL_SCANCODE_D, 0x04},  // EOT: end of input
    {SDL_SCANCODE_P, 0x10},  // miniOS: list processes
    {SDL_SCANCODE_U, 0x15},  // NAK: erase the line
};

bool g_screen_has_keys = false;  // the screen takes the keyboard

// What was typed on the focused screen this frame, as a terminal's bytes.
std::string keys_typed() {
  ImGuiIO& io = ImGui::GetIO();
  std::string bytes;
  if (io.KeyCtrl) {
    for (const ControlKey& k : kControlKeys)
      if (ImGui::IsKeyPressed(k.key)) bytes += k.byte;
  } else {
    for (ImWchar c : io.InputQueueCharacters)
      if (c >= 0x20 && c < 0x7F) bytes += char(c);
  }
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_KeyPadEnter)))
    bytes += '\r';
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Backspace))) bytes += '\x7f';
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Tab))) bytes += '\t';
  io.InputQueueCharacters.resize(0);  // taken: no other widget types them too
  return bytes;
}

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
  // The screen is a button that takes the keyboard when clicked.
  ImGui::InvisibleButton("##screen", ImVec2(cw * float(scr.cols), ch * float(scr.rows)));
  if (ImGui::IsItemClicked()) g_screen_has_keys = true;
  else if (ImGui::IsMouseClicked(0) && !ImGui::IsItemHovered()) g_screen_has_keys = false;
  if (g_screen_has_keys && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) g_screen_has_keys = false;
  if (g_screen_has_keys)
    dl->AddRect(ImVec2(origin.x - 1, origin.y - 1), ImVec2(origin.x + cw * float(scr.cols) + 1, origin.y + ch * float(scr.rows) + 1),
                IM_COL32(255, 200, 60, 255));
}

}  // namespace

void draw_console(Session& s, PanelPlace p) {
  if (begin_panel("Console", p) && s.current()) {
    VmSlot& slot = *s.current();
    const emulator::Vm& vm = *slot.vm;
    ImGui::Text("%s: VGA text screen %s", vm.name.c_str(),
                g_screen_has_keys ? "(typing goes to the VM; Escape lets go)" : "(click it to type on it)");
    draw_vga(vm.machine->vga);
    if (g_screen_has_keys) {
      ImGui::GetIO().WantCaptureKeyboard = true;
      s.type_keys(keys_typed());
    }
    const float input_h = ImGui::GetFrameHeightWithSpacing();
    // The serial log below the screen when there is room for a few lines of
    // it (miniOS writes the same text to both); else its size only.
    if (ImGui::GetContentRegionAvail().y - input_h < 6 * ImGui::GetTextLineHeightWithSpacing()) {
      ImGui::TextDisabled("%s: serial console (COM1), %zu bytes: the same text as the screen", vm.name.c_str(),
                          vm.console.size());
    } else {
      ImGui::Text("%s: serial console (COM1), %zu bytes", vm.name.c_str(), vm.console.size());
      ImGui::BeginChild("serial", ImVec2(0, -input_h), true);
      // The tail only: a long session would otherwise cost a frame.
      const size_t keep = 8192;
      const char* text = vm.console.c_str();
      if (vm.console.size() > keep) text += vm.console.size() - keep;
      ImGui::TextUnformatted(text, vm.console.c_str() + vm.console.size());
      if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1) ImGui::SetScrollHereY(1.0f);
      ImGui::EndChild();
    }
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
