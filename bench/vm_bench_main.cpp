// isolab-bench-vm: the VM benchmark on its own (`isolab bench vm` runs the
// same code). Options, for a quick run or one part:
//   --seconds S     run each timed figure at least S seconds (default 0.3)
//   --only NAME     run one part (exit_roundtrip, pt_churn, minios_boot)
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "bench/vm_bench.h"

int main(int argc, char** argv) {
  isolab::bench::VmBenchOptions options;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      options.min_seconds = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
      options.only = argv[++i];
    } else {
      std::cerr << "isolab-bench-vm: unknown argument " << argv[i]
                << " (usage: isolab-bench-vm [--seconds S] [--only NAME])\n";
      return 2;
    }
  }
  return isolab::bench::run_vm_bench(std::cout, options);
}
