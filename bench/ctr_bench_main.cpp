// isolab-bench-ctr: the container benchmark on its own (`isolab bench ctr`
// runs the same code). Options, for a quick run:
//   --starts N     containers started for the start figures (default 50)
//   --idle N       idle containers held at once (default 1000)
//   --image NAME   busybox or minios (default: busybox when fetched)
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "bench/ctr_bench.h"

int main(int argc, char** argv) {
  isolab::bench::CtrBenchOptions options;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--starts") && i + 1 < argc) {
      options.starts = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--idle") && i + 1 < argc) {
      options.idle = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--image") && i + 1 < argc) {
      options.image = argv[++i];
    } else {
      std::cerr << "isolab-bench-ctr: unknown argument " << argv[i]
                << " (usage: isolab-bench-ctr [--starts N] [--idle N] [--image busybox|minios])\n";
      return 2;
    }
  }
  if (options.starts < 1 || options.idle < 1) {
    std::cerr << "isolab-bench-ctr: --starts and --idle must be at least 1\n";
    return 2;
  }
  options.compare = std::min(options.compare, options.idle);
  return isolab::bench::run_ctr_bench(std::cout, options);
}
