// The visualizer's entry point (DESIGN.md section 7: `isolab gui`).
//
// One SDL2 window drawn by Dear ImGui through SDL_Renderer's software
// renderer, so it needs no GPU, and with SDL's offscreen video driver no
// display at all: that is how --screenshot renders headless. Every panel
// is one file, ui/panel_<name>.cpp, and reads the session (session.h).
#pragma once
#include <string>

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
};

// Open the visualizer. Returns the process exit status: 0, 1 when drawing
// or writing the screenshot failed, 2 on bad options or no display (with
// one line on stderr saying what).
int run_gui(const GuiOptions& options);

}  // namespace isolab::ui
