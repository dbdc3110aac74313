// `isolab gui [--scenario NAME] [--screenshot FILE.png --frames N]
// [--list-windows FILE]`: the command-line glue between app/main.cpp's
// CLI11 parser and the visualizer. Built in every configuration: without
// SDL2 and Dear ImGui the command says so and exits 2.
#pragma once
#include "ui/gui.h"

namespace CLI {
class App;
}

namespace isolab::ui {

// Declare the gui subcommand's options on `gui`, parsed into `options`.
void add_gui_options(CLI::App& gui, GuiOptions& options);
// Run the parsed command; returns the process exit status.
int gui_main(const GuiOptions& options);

}  // namespace isolab::ui
