// `isolab bench ui`: does the visualizer keep up while the guests run flat
// out? (DESIGN.md section 7, issue 7: at least 30 frames a second with two
// VMs running.) Two miniOS VMs run `spin` on the session's worker thread,
// first with no window, then with the UI drawing every frame, paced at
// about 60 frames a second as the window is, on SDL's offscreen driver with the software renderer (ui/gui.h bench_ui).
#pragma once
#include <iosfwd>

namespace isolab::bench {

// Print, one a line:
//   ui.frame_ms.mean <ms> ms          a frame's cost on the UI thread
//   ui.frame_ms.p99 <ms> ms           (input, panels with the lab frozen,
//                                     rasterizing, presenting), wall time
//   ui.frame_cpu_ms.mean <ms> ms      the UI thread's CPU time a frame
//   ui.fps <n> fps                    frames drawn a second
//   ui.guest_mips.without_ui <n> MIPS  both VMs' instructions per wall second
//   ui.guest_mips.with_ui <n> MIPS     the same while the UI draws
//   ui.freeze_wait_ms.mean <ms> ms    wall time a frame waited for the worker to let go of the lab
//   ui.windows_redrawn <n> %          the share of the windows rasterized a frame (ui/redraw.h)
//   ui.frame_cpu_ms.<part> <ms> ms    a frame's CPU time by part: each panel by title
//                                     (vms, controls, ..., comparison), then freeze,
//                                     input, imgui_render, rasterize, present
// `seconds` for each half. Returns 0, or 1 (with a line on stderr) when the
// scenario or the offscreen window cannot be set up.
int run_ui_bench(std::ostream& out, double seconds = 3.0);

}  // namespace isolab::bench
