// `isolab bench ui` (ui_bench.h): the figures of ui::bench_ui, printed.
#include "bench/ui_bench.h"

#include <cctype>
#include <cstdio>
#include <string>
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
  out << line;
  std::snprintf(line, sizeof line, "ui.freeze_wait_ms.mean %.2f ms\nui.windows_redrawn %.1f %%\n", f.freeze_wait_ms_mean,
                100 * f.windows_redrawn);
  out << line;
  // A frame's CPU time by part, named for the bench's one-word format:
  // "Page tables" -> ui.frame_cpu_ms.page_tables, "(rasterize)" -> .rasterize.
  for (const auto& [part, ms] : f.breakdown) {
    std::string key;
    for (char ch : part) {
      if (ch == ' ') key += '_';
      else if (ch != '(' && ch != ')') key += char(std::tolower(uint8_t(ch)));
    }
    std::snprintf(line, sizeof line, "ui.frame_cpu_ms.%s %.3f ms\n", key.c_str(), ms);
    out << line;
  }
  out << std::flush;
  return 0;
}

}  // namespace isolab::bench
