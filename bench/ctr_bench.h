// `isolab bench ctr`: what a container costs on the simulated host kernel
// (DESIGN.md section 7, issue 5): how long a container takes to start, and
// how much memory an idle one holds when 1,000 of them share one kernel.
#pragma once
#include <iosfwd>
#include <string>

namespace isolab::bench {

struct CtrBenchOptions {
  int starts = 50;      // containers started one after another for the start figures (median)
  int idle = 1000;      // idle containers held at once in one kernel
  int compare = 100;    // idle containers in a kernel without the page cache, for comparison
  std::string image;    // "busybox" or "minios"; "" = busybox when fetched, else minios
};

// Run the benchmark and print one figure a line, `ctr.<name> <value> [unit]`:
//   ctr.start_wall_us <us> us          host time from the start request to the
//                                      container's first instruction retired
//                                      (median of `starts`): cgroup, namespaces,
//                                      root tree, ELF load, initial stack, switch
//   ctr.start_insns <n> insns          simulated instructions the CPU ran in that
//                                      interval (the kernel's own work is host code)
//   ctr.first_output_insns <n> insns   guest instructions from start to the first
//                                      write to stdout of `sh -c 'echo hi'`
//   ctr.first_output_wall_us <us> us   the same in host time (median)
//   ctr.idle_containers <n>            idle containers held at once: `sh` waiting
//                                      for a command on a pipe nobody writes
//   ctr.idle_frames_per_container <n>  RAM frames each holds (page tables, stack,
//                                      data, heap: the page cache shared apart)
//   ctr.idle_kib_per_container <kib> KiB  the same in KiB
//   ctr.idle_page_cache_kib <kib> KiB  the shared file pages, held once for all
//   ctr.idle_host_rss_kib_per_container <kib> KiB  growth of isolab's own RSS per
//                                      container (host-side bookkeeping; the
//                                      kernel's RAM is allocated up front)
//   ctr.idle_start_all_s <s> s         host time to start them all and run them idle
//   ctr.idle_kib_per_container.no_page_cache <kib> KiB  the same figure in a kernel
//                                      without the page cache (`compare` containers)
// Returns 0, 1 if a container failed to start or go idle, 2 for a bad image name.
int run_ctr_bench(std::ostream& out);
int run_ctr_bench(std::ostream& out, const CtrBenchOptions& options);

}  // namespace isolab::bench
