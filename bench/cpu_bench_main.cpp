// isolab-bench-cpu: the CPU benchmark on its own (`isolab bench cpu` runs
// the same code). Options, for profiling a short run:
//   --seconds S     run each workload at least S seconds (default 1)
//   --no-unicorn    skip the Unicorn comparison
//   --only NAME     run one workload (arith, sort, crc32)
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "bench/cpu_bench.h"

int main(int argc, char** argv) {
  isolab::bench::CpuBenchOptions options;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      options.min_seconds = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--no-unicorn")) {
      options.unicorn = false;
    } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
      options.only = argv[++i];
    } else {
      std::cerr << "isolab-bench-cpu: unknown argument " << argv[i]
                << " (usage: isolab-bench-cpu [--seconds S] [--no-unicorn] [--only NAME])\n";
      return 2;
    }
  }
  return isolab::bench::run_cpu_bench(std::cout, options);
}
