// Probes: the lab's measured values by dotted name (DESIGN.md section 7),
// read by `show`, `expect`, `wait until` and lessons' checks.
//
//   vm.<name>.state              "created" "running" "paused" "halted" "exited" "crashed"
//   vm.<name>.exits              every VM exit so far
//   vm.<name>.exits.<REASON>     exits by VT-x reason (emulator/vm_exit.h), e.g. HLT, CR_ACCESS
//   vm.<name>.mmu.<counter>      the VMM MMU's counters, KVM's names (mmu/counters.h)
//   vm.<name>.insns              instructions the guest retired
//   vm.<name>.time_ns            the guest's simulated time
//   vm.<name>.weight, .mem, .exit_code
//   vm.<name>.console            everything the guest wrote to its serial console (a string)
//   ctr.<name>.state             "running" or "exited"
//   ctr.<name>.exit_code, ctr.<name>.pid (its init's host PID), ctr.<name>.logs (a string)
//   host.vms, host.vms.running, host.containers, host.containers.running, host.time_ns
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "lab/expr.h"
#include "lab/lab.h"

namespace isolab::lab {

// Read probe `name` in `lab`; nullopt with `error` saying why (the VM or
// container does not exist, the probe is unknown).
std::optional<Value> read_probe(Lab& lab, const std::string& name, std::string& error);

// Check a probe name's shape without a lab: nullopt if it could name a
// probe, or a message saying what is wrong ("unknown probe 'vm.a.exit'",
// "unknown exit reason 'HTL'"). Parsers use this to reject bad checks
// before anything runs.
std::optional<std::string> check_probe_name(const std::string& name);

// A reader over `lab` for eval_expr and check_expr.
ProbeReader probe_reader(Lab& lab);

// Every probe name pattern, for help texts.
std::vector<std::string> probe_patterns();

}  // namespace isolab::lab
