// The isolab command (DESIGN.md section 7): one entry point with a
// subcommand per world. Exit codes: 0 success, 1 a check or guest failure,
// 2 bad usage or bad input, with one line on stderr saying what and where.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "app/console_cmd.h"
#include "app/ctr_run.h"
#include "app/lesson_cmd.h"
#include "app/tour.h"
#include "app/vm_receive.h"
#include "app/vm_run.h"
#include "ui/gui_main.h"

#ifdef ISOLAB_HAVE_BENCH
#include "bench/cpu_bench.h"
#include "bench/ctr_bench.h"
#include "bench/vm_bench.h"
#include "bench/kvm_bench.h"
#ifdef ISOLAB_HAVE_BENCH_UI
#include "bench/ui_bench.h"
#endif
#endif

namespace {

// A subcommand that the design names but this build does not have yet: it
// says so plainly and exits 2, rather than pretending.
int not_built(const std::string& what, const std::string& issue) {
  std::fprintf(stderr, "isolab: '%s' is not part of this build yet (tracked in %s)\n", what.c_str(), issue.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // `ctr run` takes Docker-style flags and then the container's own
  // command line, which must reach it untouched: it parses its own.
  if (argc >= 3 && std::string(argv[1]) == "ctr") return isolab::app::ctr_main(argc - 2, argv + 2);

  CLI::App app{"isolab: virtual machines and containers, side by side, for teaching"};
  app.require_subcommand(0, 1);

  auto* vm = app.add_subcommand("vm", "run and control virtual machines (miniOS on the x86 interpreter or KVM)");
  vm->require_subcommand(1);
  isolab::app::VmRunOptions vmo;
  auto* vm_run = vm->add_subcommand("run", "boot one VM with its serial console on stdout");
  vm_run->add_option("--image", vmo.image, "minios (default) or a multiboot kernel FILE");
  vm_run->add_option("--initrd", vmo.initrd, "a multiboot module (miniOS: its initrd)");
  vm_run->add_option("--disk", vmo.disks, "an ATA disk image; repeat for the slave; boots the first without --image");
  vm_run->add_option("--rom", vmo.rom, "a ROM image mapped at the reset vector");
  vm_run->add_option("--backend", vmo.backend, "interp (default) or kvm");
  vm_run->add_option("--mem", vmo.mem, "guest RAM, e.g. 64M (default)");
  vm_run->add_option("--paging", vmo.paging, "how the VMM virtualizes paging: shadow (default), nested, or direct (the guest's own tables, for comparison)");
  vm_run->add_option("--input", vmo.input, "text typed into the serial console (\\n for Enter)");
  vm_run->add_option("--timeout", vmo.timeout, "guest-time limit, e.g. 10s (default 60s); exit 124 when reached");
  vm_run->add_option("--trace", vmo.trace, "write every event as JSON lines to FILE");
  vm_run->add_option("--cmdline", vmo.cmdline, "extra kernel command line");
  vm_run->add_flag("--stats", vmo.stats, "print instructions retired, guest time and VM exits by reason on stderr");
  isolab::app::VmReceiveOptions vro;
  auto* vm_receive = vm->add_subcommand("receive", "wait for one live migration (vm migrate --to), then run the VM as vm run does");
  vm_receive->add_option("--listen", vro.listen, "ADDR:PORT to listen on; port 0 picks a free one, said on stderr")->required();
  vm_receive->add_option("--port-file", vro.port_file, "also write the port listened on to FILE");
  vm_receive->add_option("--input", vro.input, "text typed into the serial console after the VM arrives (\\n for Enter)");
  vm_receive->add_option("--timeout", vro.timeout, "guest-time limit after arrival, e.g. 10s (default 60s); exit 124 when reached");
  vm_receive->add_option("--trace", vro.trace, "write every event as JSON lines to FILE");
  vm_receive->add_flag("--quiet", vro.quiet, "no 'listening on' line");
  auto* ctr = app.add_subcommand("ctr", "run containers on the simulated host kernel");
  ctr->allow_extras();
  auto* console = app.add_subcommand("console", "the lab console: read commands from SCRIPT or stdin");
  console->allow_extras();
  auto* lesson = app.add_subcommand("lesson", "list, run or check lessons");
  lesson->allow_extras();
  auto* gui = app.add_subcommand("gui", "open the visualizer");
  isolab::ui::GuiOptions guio;
  isolab::ui::add_gui_options(*gui, guio);

  auto* bench = app.add_subcommand("bench", "run benchmarks; prints one figure a line as `group.name value unit`");
  std::string bench_group = "all";
  bench->add_option("group", bench_group, "cpu | vm | ctr | ui | kvm | all")
      ->check(CLI::IsMember({"all", "cpu", "vm", "ctr", "ui", "kvm"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "isolab: %s (see isolab --help)\n", e.what());
    return 2;
  }

  if (*bench) {
    int rc = 0;
    if (bench_group == "all" || bench_group == "cpu") {
#ifdef ISOLAB_HAVE_BENCH
      rc |= isolab::bench::run_cpu_bench(std::cout);
#else
      return not_built("bench cpu", "issue #2");
#endif
    }
    if (bench_group == "all" || bench_group == "vm") {
#ifdef ISOLAB_HAVE_BENCH
      rc |= isolab::bench::run_vm_bench(std::cout);
#else
      return not_built("bench vm", "issue #3");
#endif
    }
    if (bench_group == "all" || bench_group == "ctr") {
#ifdef ISOLAB_HAVE_BENCH
      rc |= isolab::bench::run_ctr_bench(std::cout);
#else
      return not_built("bench ctr", "issue #5");
#endif
    }
    // kvm runs only when asked for: most hosts cannot (bench/kvm_bench.h).
    if (bench_group == "kvm") {
#ifdef ISOLAB_HAVE_BENCH
      return isolab::bench::run_kvm_bench(std::cout);
#else
      return not_built("bench kvm", "issue #8");
#endif
    }
    if (bench_group == "all" || bench_group == "ui") {
#ifdef ISOLAB_HAVE_BENCH_UI
      rc |= isolab::bench::run_ui_bench(std::cout);
#else
      if (bench_group == "ui") return not_built("bench ui", "issue #7 (the visualizer: SDL2 and Dear ImGui)");
#endif
    }
    return rc;
  }
  if (*vm_run) return isolab::app::vm_run(vmo);
  if (*vm_receive) return isolab::app::vm_receive(vro);
  if (*vm) return not_built("vm", "issue #3");
  if (*ctr) return not_built("ctr", "issue #5");
  if (*console) {
    auto rest = console->remaining();
    if (rest.size() > 1) {
      std::fprintf(stderr, "isolab console: expected at most one SCRIPT\n");
      return 2;
    }
    return isolab::app::console_main(rest.empty() ? "" : rest[0]);
  }
  if (*lesson) return isolab::app::lesson_main(lesson->remaining());
  if (*gui) return isolab::ui::gui_main(guio);

  // No subcommand: the visualizer on the default scenario when a display is
  // available, otherwise say so and run the terminal tour (DESIGN.md 7).
  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if ((display && *display) || (wayland && *wayland)) return isolab::ui::gui_main(isolab::ui::GuiOptions{});
  std::printf("isolab: no display for the visualizer (DISPLAY is not set): running the terminal tour (q quits; isolab --help lists the commands).\n");
  std::fflush(stdout);
  return isolab::app::run_tour();
}
