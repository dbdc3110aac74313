// The terminal tour (DESIGN.md section 7): what `isolab` runs with no
// arguments when no display is available for the visualizer: the default
// scenario with a live text dashboard and the first lesson's steps. Ends on
// q or Ctrl-C (exit 0); when stdout is not a terminal, after a bounded
// number of frames (exit 0). 2 when the scenario cannot be built.
#pragma once

namespace isolab::app {

int run_tour();

}  // namespace isolab::app
