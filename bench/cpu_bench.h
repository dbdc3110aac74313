// `isolab bench cpu`: the interpreter's speed in millions of guest
// instructions per second (MIPS) on three workloads, with Unicorn running
// the same guest code in the same run for comparison (DESIGN.md section 7).
#pragma once
#include <iosfwd>
#include <string>

namespace isolab::bench {

struct CpuBenchOptions {
  double min_seconds = 1.0;  // each workload runs at least this long on isolab
  bool unicorn = true;       // also run the guests on Unicorn, if it was built in
  std::string only;          // run only the workload of this name ("" = all)
};

// Run the workloads and print one figure a line, `cpu.<workload> <value>
// MIPS`, then `cpu.<workload>.unicorn <value> MIPS`, `cpu.<workload>.ratio
// <isolab/unicorn>` and `cpu.<workload>.result <EAX>`. Returns 0, or 1 if a
// guest did not halt or the two emulators disagree on its result.
int run_cpu_bench(std::ostream& out);
int run_cpu_bench(std::ostream& out, const CpuBenchOptions& options);

}  // namespace isolab::bench
