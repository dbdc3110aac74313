// The host: several VMs in one process, each with its own RAM and a CPU
// weight, scheduled by the hypervisor in rounds of instruction quanta.
//
// Like a VMM's scheduler (KVM leaves this to the Linux CFS; Xen's credit
// scheduler uses weights the same way), each round gives every running VM a
// slice of guest time proportional to its weight, so busy VMs retire
// instructions in the ratio of their weights. A VM that triple-faults,
// panics or powers off stops alone; the others keep running. Lesson 3
// ("the hypervisor allocates") and lesson 4 (VM isolation) run on this.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulator/backend.h"
#include "emulator/machine.h"

namespace isolab::emulator {

// Migrated: sent to another host by `vm migrate --to` (migration.h), gone from this one.
enum class VmState { Created, Running, Paused, Halted, Exited, Crashed, Migrated };
const char* vm_state_name(VmState s);

struct Vm {
  std::string name;
  std::unique_ptr<Machine> machine;
  // What runs its CPU when it is not the interpreter (the kvm backend,
  // which holds a reference to `machine`); null: Machine::run.
  std::unique_ptr<Backend> backend;
  uint32_t weight = 1;
  VmState state = VmState::Created;
  uint32_t exit_code = 0;     // the debug-exit code, when state is Exited
  std::string console;        // everything the guest wrote to its console
};

class Host {
 public:
  // Simulated nanoseconds a weight-1 VM runs per round.
  explicit Host(uint64_t slice_ns = 100000) : slice_ns_(slice_ns) {}

  // Add a VM. Its machine must be loaded (kernel or boot sector) by the
  // caller before it starts. Returns nullptr if the name is taken.
  Vm* add(const std::string& name, const MachineConfig& config, uint32_t weight);
  Vm* find(const std::string& name);
  const std::vector<std::unique_ptr<Vm>>& vms() const { return vms_; }

  void start(Vm& vm) {
    if (vm.state == VmState::Created || vm.state == VmState::Paused) vm.state = VmState::Running;
  }
  void pause(Vm& vm) {
    if (vm.state == VmState::Running) vm.state = VmState::Paused;
  }

  // One round: each running VM runs weight * slice of its guest time.
  // Returns the number of VMs still running.
  size_t run_round();
  // Rounds until no VM runs or `rounds` have passed.
  void run(uint64_t rounds);

 private:
  uint64_t slice_ns_;
  std::vector<std::unique_ptr<Vm>> vms_;
};

}  // namespace isolab::emulator
