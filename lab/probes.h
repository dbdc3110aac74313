// Probes: the lab's measured values by dotted name (DESIGN.md section 7),
// read by `show`, `expect`, `wait until` and lessons' checks.
//
//   vm.<name>.state              "created" "running" "paused" "halted" "exited" "crashed" "migrated"
//   vm.<name>.exits              every VM exit so far
//   vm.<name>.exits.<REASON>     exits by VT-x reason (emulator/vm_exit.h), e.g. HLT, CR_ACCESS
//   vm.<name>.mmu.<counter>      the VMM MMU's counters, KVM's names (mmu/counters.h), and
//                                walks / walk_refs: page walks on TLB misses and the entries they read
//   vm.<name>.insns              instructions the guest retired
//   vm.<name>.time_ns            the guest's simulated time
//   vm.<name>.weight, .mem, .exit_code
//   vm.<name>.console            everything the guest wrote to its serial console (a string)
//   vm.<name>.cr3                the guest's CR3 now (its current process's page directory)
//   vm.<name>.boot_insns         instructions the guest had retired when its console first
//   vm.<name>.boot_ns            showed the prompt "$ ", and its simulated time then (0 before)
//   vm.<name>.host_pid           the process that runs its guest: the lab's, or since `vm migrate`
//                                the target's
//   vm.<name>.migration.<field>  its migration (emulator/migration.h), 0 before one: rounds,
//                                pages_sent, bytes_sent, dirty_at_stop (pages sent while paused),
//                                downtime_ns and total_ns (simulated: bytes / bandwidth),
//                                downtime_us (wall: pause to the target's acknowledgement),
//                                wp_faults (first writes to a clean page while dirty logging),
//                                insns_at_stop (its instructions when it was paused to move)
//   vm.<name>.translate.<ADDR>   the guest-physical address linear ADDR (0xC0100000 or decimal)
//                                maps to in the guest's page tables under its current CR3;
//                                an error if it is not mapped
//   ctr.<name>.state             "running", "exited", or "failed" (the kernel refused its program)
//   ctr.<name>.exit_code, ctr.<name>.pid (its init's host PID), ctr.<name>.logs (a string)
//   ctr.<name>.hostpid.<N>       the host PID of the live process that is PID N inside it
//   ctr.<name>.error             why it failed: "exec format error: ..." ("" otherwise)
//   ctr.<name>.start_insns       container-kernel instructions from `ctr run` to its first
//   ctr.<name>.start_ns          byte of output, and the kernel's simulated time (0 before)
//   ctr.<name>.<FILE>            its cgroup's interface file, as cat shows it: a number, or the
//                                text ("max"): pids.current, pids.max, memory.current, memory.max...
//   ctr.<name>.<FILE>.<KEY>      a key of a keyed file: pids.events.max, memory.events.oom_kill...
//   host.vms, host.vms.running, host.containers, host.containers.running, host.time_ns
//   host.kernel.insns            instructions the container kernel's CPU retired (all containers)
//   host.kernel.processes        processes in the container kernel's table
//   host.cgroups                 cgroups in the hierarchy, the root included
//   ctr.<name>.ns.<kind>         namespace views (lesson 6), of the container's live init and
//   host.ns.<kind>               of the host: a namespace's identity (the inode number
//                                /proc/<pid>/ns/<kind> shows), ctr.<name>.hostname and
//   ctr.<name>.hostname          host.hostname (the UTS name), .mounts (/proc/<pid>/mounts),
//   ctr.<name>.mounts            .net.devices (how many network devices its net namespace has)
//   ctr.<name>.net.devices
//   ctr.<name>.net.addr          its eth0's IPv4 address ("172.17.0.2"; "" with --network none)
//   ctr.<name>.net.<dev>.<ctr>   a device's counter (rx_packets tx_packets rx_bytes tx_bytes
//   ctr.<name>.net.veth.<ctr>    rx_dropped tx_dropped forwarded); veth: the host end of its
//   host.net.<dev>.<ctr>         eth0's pair; host: docker0, lo, the veths
//   ctr.<name>.age_usec          simulated µs of the container kernel's clock since `ctr run`
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
