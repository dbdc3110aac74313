// `isolab bench ui` (ui_bench.h): the figures of ui::bench_ui, printed.
#include "bench/ui_bench.h"

#include <cstdio>
#include <ostream>

#include "ui/gui.h"

namespace isolab::bench {

int run_ui_bench(std::ostream& out, double seconds) {
  ui::UiBenchFigures f;
  if (std::string error = ui::bench_ui(seconds, f); !error.empty()) {
    std::fprintf(stderr, "isolab bench ui: %s\n", error.c_str());
    return 1;
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "ui.frame_ms.mean %.2f ms\nui.frame_ms.p99 %.2f ms\nui.frame_cpu_ms.mean %.2f ms\nui.fps %.1f fps\n"
                "ui.guest_mips.without_ui %.1f MIPS\nui.guest_mips.with_ui %.1f MIPS\n",
                f.frame_ms_mean, f.frame_ms_p99, f.frame_cpu_ms_mean, f.fps, f.mips_without_ui, f.mips_with_ui);
  out << line << std::flush;
  return 0;
}

}  // namespace isolab::bench
