// `isolab gui`: options and dispatch. See gui_main.h.
#include "ui/gui_main.h"

#include <CLI/CLI.hpp>
#include <cstdio>

namespace isolab::ui {

void add_gui_options(CLI::App& gui, GuiOptions& o) {
  gui.add_option("--scenario", o.scenario, "what to open: default (two miniOS VMs and three containers, the first lesson open), idle, spin, or lesson-NN");
  auto* shot = gui.add_option("--screenshot", o.screenshot, "render headless and write the last frame to FILE.png");
  gui.add_option("--frames", o.frames, "frames to render before the screenshot (default 30)")
      ->needs(shot)
      ->check(CLI::Range(1, 100000));
  gui.add_option_function<std::string>(
      "--size",
      [&o](const std::string& size) {
        int w = 0, h = 0;
        char x = 0, extra = 0;
        if (std::sscanf(size.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || x != 'x')
          throw CLI::ValidationError("--size", "'" + size + "': expected WIDTHxHEIGHT such as 1280x720");
        o.width = w;
        o.height = h;
      },
      "window size in pixels, WIDTHxHEIGHT (default 1600x900; 1280x720 for a projector)");
  gui.add_option("--scale", o.scale, "font scale for a projector, 0.5 to 4 (default 1; Ctrl +/- while open)");
  gui.add_flag("--redraw-changed-only", o.redraw_changed_only,
               "with --screenshot: rasterize only the windows that changed each frame, as the window does");
  gui.add_option("--list-windows", o.list_windows, "write the titles of the windows drawn in the last frame to FILE");
}

int gui_main(const GuiOptions& o) {
#ifdef ISOLAB_HAVE_GUI
  return run_gui(o);
#else
  std::fprintf(stderr,
               "isolab gui: this build has no visualizer (SDL2 or Dear ImGui was not found when it was configured;"
               " install libsdl2-dev libimgui-dev libstb-dev and configure again)\n");
  return 2;
#endif
}

}  // namespace isolab::ui
