// The terminal tour (DESIGN.md section 7): what `isolab` runs with no
// arguments when no display is available for the visualizer.
#pragma once

namespace isolab::app {

int run_tour();

}  // namespace isolab::app
