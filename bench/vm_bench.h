// `isolab bench vm`: what virtualization costs on the interpreter
// (DESIGN.md section 7, issue 3): the host time of one VM exit round trip,
// shadow versus nested paging on a page-table-heavy guest, and the guest
// instructions miniOS needs to boot to its shell prompt (issue 4).
#pragma once
#include <iosfwd>
#include <string>

namespace isolab::bench {

struct VmBenchOptions {
  double min_seconds = 0.3;  // each timed figure runs at least this long
  std::string only;          // run one part: exit_roundtrip, pt_churn or minios_boot ("" = all)
};

// Run the benchmarks and print one figure a line, `vm.<name> <value>
// [unit]`:
//   vm.exit_roundtrip.io <ns> ns      host time per OUT to an unused port,
//   vm.exit_roundtrip.mmio <ns> ns    per write to an unclaimed MMIO address,
//                                     each over the same loop without the exit
//   vm.pt_churn.<mode> <ms> ms        tests/mmu/guests/pt_churn.S under direct,
//                                     shadow and nested paging, with
//   vm.pt_churn.<mode>.ratio          the time over direct's,
//   vm.pt_churn.<mode>.{exits,pf_fixed,walks,walk_refs}  the counts of one run
//   vm.minios_boot.insns <n> insns    power-on to the first "$ " prompt
// Returns 0; 1 if a guest did not finish or the paging modes disagree on
// the guest's final state; 2 if `only` names no part.
int run_vm_bench(std::ostream& out);
int run_vm_bench(std::ostream& out, const VmBenchOptions& options);

}  // namespace isolab::bench
