// Where the panels go: a layout chosen from the display's size in text
// units (pixels divided by the font scale), so a laptop's 1600x900 and a
// projector's 1280x720 at --scale 1.5 both stay readable. Dear ImGui 1.86
// (Debian's) has no docking, so the layout is a table of rectangles:
// - "tiled", at least 1500x800 text pixels: every panel on screen, in four
//   columns (the host; the CPU; the guest's screen and memory; the lesson
//   and the containers), the Console column wide enough for the VGA
//   screen's 80 columns;
// - "tabbed", smaller: the panels in groups, a group's panels sharing one
//   rectangle with a row of tabs on top to switch between them (three
//   columns from 1100 text pixels wide, two below).
// When the layout changes (the window or the font scale changed), the
// windows move to it; in between the user may move and resize them.
#pragma once
#include <cstddef>
#include <vector>

#include "ui/panels.h"

namespace isolab::ui {

struct Layout {
  const char* name = "";                  // "tiled", "tabbed-3" or "tabbed-2"
  PanelPlace place[kPanelCount] = {};     // by kPanels index; tabbed panels share their group's
  int group[kPanelCount] = {};            // the tab group of each panel, -1 when tiled
  std::vector<std::vector<size_t>> groups;  // each group's panels (kPanels indices), in tab order
};

// The layout for a display of `width` x `height` pixels with text at `scale`.
Layout layout_for(float width, float height, float scale);

// The layout in use: draw_panels sets it each frame (layout_for's result);
// begin_panel places windows by it and draws the tab rows.
struct LayoutState {
  Layout layout;
  std::vector<size_t> selected;  // each group's shown panel (a kPanels index)
  bool moved = false;            // the layout changed this frame: windows go to their places
};
LayoutState& layout_state();
// Make `l` the layout in use (keeping each group's tab where it can).
void use_layout(const Layout& l);
// Is kPanels[k] drawn this frame (tiled, or its group's selected tab)?
bool panel_shown(size_t k);

}  // namespace isolab::ui
