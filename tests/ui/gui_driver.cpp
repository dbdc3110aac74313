// `isolab gui` on its own: the subcommand as app/main.cpp declares it, with
// the same glue (ui/gui_main.h), for the tests in test_gui.cpp.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "ui/gui_main.h"

int main(int argc, char** argv) {
  CLI::App app{"isolab gui, as the tests run it"};
  app.require_subcommand(1);
  auto* gui = app.add_subcommand("gui", "open the visualizer");
  isolab::ui::GuiOptions options;
  isolab::ui::add_gui_options(*gui, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "isolab: %s (see isolab --help)\n", e.what());
    return 2;
  }
  return isolab::ui::gui_main(options);
}
