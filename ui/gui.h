// The visualizer's entry point (DESIGN.md section 7: `isolab gui`).
//
// One SDL2 window drawn by Dear ImGui through SDL_Renderer's software
// renderer, so it needs no GPU, and with SDL's offscreen video driver no
// display at all: that is how --screenshot renders headless. Every panel
// is one file, ui/panel_<name>.cpp, and reads the session (session.h).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace isolab::ui {

struct GuiOptions {
  std::string scenario = "default";
  // Render `frames` frames headless, write the last one here as PNG, exit.
  std::string screenshot;
  int frames = 30;
  // Write the titles of the windows drawn in the last frame here, one a
  // line (the tests check that every panel is on screen).
  std::string list_windows;
  // The window is this size and never resizes, so runs repeat.
  int width = 1600;
  int height = 900;
  // Font scale, for a projector (Ctrl + and Ctrl - change it while open).
  float scale = 1.0f;
  // Rasterize only the windows that changed since the last frame
  // (redraw.h): always in the window; in a screenshot only when asked, to
  // show that it draws the same picture as redrawing everything.
  bool redraw_changed_only = false;
};

// Open the visualizer. Returns the process exit status: 0, 1 when drawing
// or writing the screenshot failed, 2 on bad options or no display (with
// one line on stderr saying what).
int run_gui(const GuiOptions& options);

// `isolab bench ui`: two VMs running flat out (the "spin" scenario) on the
// worker thread, first for `seconds` with no window, then for `seconds`
// with the UI drawing on SDL's offscreen driver, paced as the window is
// (about 60 frames a second). Frame time is a frame's whole cost on the UI
// thread: input, the panels (with the lab frozen), rasterizing, presenting;
// the pacing sleep is not counted.
struct UiBenchFigures {
  double mips_without_ui = 0, mips_with_ui = 0;  // guest instructions, all VMs, per wall second
  double frame_ms_mean = 0, frame_ms_p99 = 0;  // wall time per frame
  // The UI thread's CPU time per frame: what a frame costs when the host
  // is not shared (on a loaded machine wall time is mostly waiting for a core).
  double frame_cpu_ms_mean = 0;
  double fps = 0;  // frames drawn per wall second
  uint64_t frames = 0;
  // Wall time a frame waited for the worker to let go of the lab.
  double freeze_wait_ms_mean = 0;
  // The share of the windows on screen rasterized in a frame (redraw.h).
  double windows_redrawn = 0;
  // The UI thread's CPU time per frame by part: each panel (by title), then
  // "(freeze)", "(input)", "(imgui render)", "(rasterize)", "(present)".
  std::vector<std::pair<std::string, double>> breakdown;
};
// Returns an error message, empty on success.
std::string bench_ui(double seconds, UiBenchFigures& out);

}  // namespace isolab::ui
