// Several VMs in one process. See host.h.
#include "emulator/host.h"

namespace isolab::emulator {

const char* vm_state_name(VmState s) {
  switch (s) {
    case VmState::Created: return "created";
    case VmState::Running: return "running";
    case VmState::Paused: return "paused";
    case VmState::Halted: return "halted";
    case VmState::Exited: return "exited";
    case VmState::Crashed: return "crashed";
    case VmState::Migrated: return "migrated";
  }
  return "unknown";
}

Vm* Host::add(const std::string& name, const MachineConfig& config, uint32_t weight) {
  if (find(name)) return nullptr;
  auto vm = std::make_unique<Vm>();
  vm->name = name;
  vm->weight = weight ? weight : 1;
  vm->machine = std::make_unique<Machine>(config);
  Vm* raw = vm.get();
  raw->machine->on_console = [raw](uint8_t b) { raw->console += char(b); };
  vms_.push_back(std::move(vm));
  return raw;
}

Vm* Host::find(const std::string& name) {
  for (auto& vm : vms_)
    if (vm->name == name) return vm.get();
  return nullptr;
}

size_t Host::run_round() {
  size_t running = 0;
  for (auto& vm : vms_) {
    if (vm->state != VmState::Running) continue;
    // A fault in one guest ends that guest's run and nothing else: each
    // VM has its own CPU, RAM and devices, and its run returns here.
    MachineStop stop = vm->backend ? vm->backend->run(slice_ns_ * vm->weight) : vm->machine->run(slice_ns_ * vm->weight);
    switch (stop) {
      case MachineStop::Timeout:
      case MachineStop::Exited: running++; break;
      case MachineStop::Halted: vm->state = VmState::Halted; break;
      case MachineStop::DebugExit:
        vm->exit_code = vm->machine->exit_code();
        // isa-debug-exit writes of 0 (code 1) are how miniOS reports a panic.
        vm->state = vm->exit_code == 1 ? VmState::Crashed : VmState::Exited;
        break;
      case MachineStop::TripleFault: vm->state = VmState::Crashed; break;
    }
  }
  return running;
}

void Host::run(uint64_t rounds) {
  for (uint64_t r = 0; r < rounds; r++)
    if (run_round() == 0) return;
}

}  // namespace isolab::emulator
