// Redraw only the windows that changed. SDL_Renderer's software renderer
// (the visualizer's, DESIGN.md section 9) draws into the window's surface,
// which keeps its pixels from one frame to the next; rasterizing a whole
// 1600x900 frame of panels costs it about 10 ms of CPU, most of a frame.
// Most panels draw the same picture as in the last frame (a lesson's text,
// a console that did not print, a container list), so each frame this
// compares every top-level window's draw lists with the last frame's (a
// hash of vertices, indices and commands) and rasterizes only the windows
// whose lists differ, each over its own rectangle cleared first: the
// pixels come out as a full redraw gives them. It is the damage tracking
// of a compositor, at the granularity of ImGui's windows.
//
// A full redraw is made when anything cannot be tracked this way: the
// first frame, windows that moved, resized, appeared or went away, windows
// that overlap (a tooltip, a popup, the help overlay, a window dragged over
// another), or draw lists that belong to no window.
#pragma once
#include <SDL.h>
#include <imgui.h>

#include <cstdint>
#include <string>
#include <vector>

namespace isolab::ui {

class Redraw {
 public:
  struct Stats {
    bool full = false;    // the whole frame was rasterized
    int windows = 0;      // top-level windows on screen
    int redrawn = 0;      // of those, rasterized this frame
  };
  // Rasterize ImGui's draw data of this frame (ImGui::Render done) on `r`,
  // whose target is `background` where no window is. `force_full`: draw
  // everything (a screenshot, so every run draws the same way).
  Stats draw(SDL_Renderer* r, ImDrawData* data, SDL_Color background, bool force_full);

 private:
  struct Region {
    std::string name;   // the window's title (its ImGui name)
    SDL_Rect rect{};    // what it covers, in whole pixels
    uint64_t hash = 0;  // of its draw lists (its own and its child windows')
    std::vector<ImDrawList*> lists;
  };
  std::vector<Region> last_;  // what is on screen, in drawing order
};

}  // namespace isolab::ui
