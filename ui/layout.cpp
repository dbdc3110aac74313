// The panels' layout (layout.h).
#include "ui/layout.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace isolab::ui {

namespace {

// The panel's index in kPanels, by title.
size_t panel(const char* title) {
  for (size_t k = 0; k < kPanelCount; k++)
    if (std::strcmp(kPanels[k].title, title) == 0) return k;
  return kPanelCount;  // not reached: the tables below name kPanels' titles
}

// A column of the tiled layout: its share of the width (0: what is left),
// and its panels from the top with their shares of the height.
struct TiledColumn {
  float share;
  std::vector<std::pair<const char*, float>> panels;
};

// The tab groups of a tabbed layout, column by column, two rows each.
using TabColumns = std::vector<std::vector<std::vector<const char*>>>;

const TabColumns kThreeColumns = {
    {{"VMs", "Controls", "Host overview"}, {"VM exits", "Registers", "Disassembly"}},
    {{"Console", "Memory"}, {"Page tables", "Syscall log"}},
    {{"Lesson", "Comparison"}, {"Containers"}},
};
const TabColumns kTwoColumns = {
    {{"Controls", "VMs", "Host overview", "VM exits"},
     {"Console", "Registers", "Disassembly", "Memory", "Page tables"}},
    {{"Lesson", "Comparison"}, {"Containers", "Syscall log"}},
};

// Whole pixels, so windows meet without gaps or overlaps (redraw.h).
PanelPlace snap(float x, float y, float w, float h) {
  const float x0 = std::round(x), y0 = std::round(y);
  return {x0, y0, std::round(x + w) - x0, std::round(y + h) - y0};
}

Layout tiled(float w, float h, float scale) {
  // The Console column holds the VGA screen's 80 columns of the default
  // font (7 pixels a character) with the window's padding.
  const float console = std::min(w * 0.40f, std::max(w * 0.30f, (80 * 7 + 24) * scale));
  const float rest = (w - console) / 3;
  const std::vector<TiledColumn> columns = {
      {rest * 0.95f, {{"VMs", 0.15f}, {"Controls", 0.24f}, {"VM exits", 0.33f}, {"Host overview", 0.28f}}},
      {rest * 1.00f, {{"Registers", 0.36f}, {"Disassembly", 0.34f}, {"Memory", 0.30f}}},
      {console, {{"Console", 0.46f}, {"Page tables", 0.28f}, {"Syscall log", 0.26f}}},
      {0, {{"Lesson", 0.40f}, {"Containers", 0.36f}, {"Comparison", 0.24f}}},
  };
  Layout l;
  l.name = "tiled";
  float x = 0;
  for (const TiledColumn& c : columns) {
    const float cw = c.share > 0 ? c.share : w - x;
    float y = 0;
    for (const auto& [title, share] : c.panels) {
      const size_t k = panel(title);
      const float ph = &c.panels.back().first == &title ? h - y : h * share;
      l.place[k] = snap(x, y, cw, ph);
      l.group[k] = -1;
      y += ph;
    }
    x += cw;
  }
  return l;
}

Layout tabbed(float w, float h, const TabColumns& columns, const char* name) {
  Layout l;
  l.name = name;
  const float cw = w / float(columns.size());
  for (size_t c = 0; c < columns.size(); c++) {
    // The top group gets a little more height: the screen, the lesson.
    const float top = h * 0.55f;
    for (size_t r = 0; r < columns[c].size(); r++) {
      const PanelPlace p = snap(cw * float(c), r ? top : 0, c + 1 == columns.size() ? w - cw * float(c) : cw,
                                r ? h - top : top);
      std::vector<size_t>& g = l.groups.emplace_back();
      for (const char* title : columns[c][r]) {
        const size_t k = panel(title);
        l.place[k] = p;
        l.group[k] = int(l.groups.size() - 1);
        g.push_back(k);
      }
    }
  }
  return l;
}

bool same_places(const Layout& a, const Layout& b) {
  if (std::strcmp(a.name, b.name) != 0) return false;
  for (size_t k = 0; k < kPanelCount; k++) {
    const PanelPlace &p = a.place[k], &q = b.place[k];
    if (p.x != q.x || p.y != q.y || p.w != q.w || p.h != q.h) return false;
  }
  return true;
}

}  // namespace

Layout layout_for(float width, float height, float scale) {
  const float tw = width / scale, th = height / scale;  // in text pixels
  if (tw >= 1500 && th >= 800) return tiled(width, height, scale);
  if (tw >= 1100) return tabbed(width, height, kThreeColumns, "tabbed-3");
  return tabbed(width, height, kTwoColumns, "tabbed-2");
}

LayoutState& layout_state() {
  static LayoutState state;
  return state;
}

void use_layout(const Layout& l) {
  LayoutState& st = layout_state();
  st.moved = !same_places(st.layout, l);
  if (!st.moved) return;
  std::vector<size_t> selected;
  for (const std::vector<size_t>& g : l.groups) {
    // Keep the panel the student chose if it is in this group too.
    size_t pick = g.front();
    for (size_t k : st.selected)
      if (std::find(g.begin(), g.end(), k) != g.end()) pick = k;
    selected.push_back(pick);
  }
  st.layout = l;
  st.selected = selected;
}

bool panel_shown(size_t k) {
  const LayoutState& st = layout_state();
  const int g = st.layout.group[k];
  return g < 0 || st.selected[size_t(g)] == k;
}

namespace {

// A row of tabs atop a tabbed panel: its group's panels, this one lit; a
// click shows another from the next frame on.
void draw_tabs(const char* title) {
  LayoutState& st = layout_state();
  const size_t k = panel(title);
  const int g = k < kPanelCount ? st.layout.group[k] : -1;
  if (g < 0 || st.layout.groups[size_t(g)].size() < 2) return;
  bool first = true;
  for (size_t member : st.layout.groups[size_t(g)]) {
    if (!first) ImGui::SameLine(0, 2);
    first = false;
    const bool current = member == k;
    ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(current ? ImGuiCol_TabActive : ImGuiCol_Tab));
    if (ImGui::SmallButton(kPanels[member].title) && !current) st.selected[size_t(g)] = member;
    ImGui::PopStyleColor();
  }
  ImGui::Separator();
}

}  // namespace

bool begin_panel(const char* title, PanelPlace p) {
  // At a new layout every window goes to its place; in between the user
  // may move and resize them.
  const ImGuiCond cond = layout_state().moved ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
  ImGui::SetNextWindowPos(ImVec2(p.x, p.y), cond);
  ImGui::SetNextWindowSize(ImVec2(p.w, p.h), cond);
  const bool open = ImGui::Begin(title);
  if (open) draw_tabs(title);
  return open;
}

}  // namespace isolab::ui
