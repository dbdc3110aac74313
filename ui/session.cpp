// The visualizer's session: scenarios, the host they build, and the run,
// pause and step controls. See session.h.
#include "ui/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "emulator/loader.h"
#if __has_include("minios_paths.h")
#include "minios_paths.h"
#endif

namespace isolab::ui {

using emulator::MachineStop;
using emulator::VmState;

const std::vector<Scenario>& scenarios() {
  // Two VMs with CPU weights 1 and 3: they boot miniOS, a student's first
  // commands are typed in, then each runs a CPU hog, so the VMs panel shows
  // the hypervisor sharing the CPU 1:3 (DESIGN.md section 1).
  static const std::vector<Scenario> table = {
      {"default", "two miniOS VMs, weights 1 and 3, typing ps and friends, then spinning",
       {{"vm1", 1, {"uname -a\n", "ps\n", "free\n", "spin\n"}},
        {"vm2", 3, {"echo hello from vm2\n", "ls /bin\n", "ps\n", "spin\n"}}}},
      {"idle", "two miniOS VMs, weights 1 and 3, at the shell prompt after ps",
       {{"vm1", 1, {"ps\n"}}, {"vm2", 3, {"ps\n"}}}},
  };
  return table;
}

const Scenario* find_scenario(const std::string& name) {
  for (const Scenario& s : scenarios())
    if (name == s.name) return &s;
  return nullptr;
}

std::unique_ptr<Session> Session::create(const Scenario& scenario, std::string& error) {
#ifndef ISOLAB_MINIOS_KERNEL
  error = "this build has no miniOS image (build the minios target)";
  return nullptr;
#else
  auto session = std::make_unique<Session>();
  std::vector<uint8_t> kernel, initrd;
  try {
    kernel = emulator::read_file(ISOLAB_MINIOS_KERNEL);
    initrd = emulator::read_file(ISOLAB_MINIOS_INITRD);
  } catch (const emulator::LoadError& e) {
    error = e.what();
    return nullptr;
  }
  session->slots.reserve(scenario.vms.size());
  for (const ScenarioVm& sv : scenario.vms) {
    emulator::MachineConfig cfg;
    cfg.ram_bytes = 32u << 20;
    emulator::Vm* vm = session->host.add(sv.name, cfg, sv.weight);
    if (!vm) {
      error = fmt::format("scenario '{}': VM name '{}' is used twice", scenario.name, sv.name);
      return nullptr;
    }
    vm->machine->name = sv.name;
    try {
      emulator::load_multiboot(vm->machine->cpu, kernel, "minios", {{initrd, "initrd"}});
    } catch (const emulator::LoadError& e) {
      error = fmt::format("{}: {}", ISOLAB_MINIOS_KERNEL, e.what());
      return nullptr;
    }
    VmSlot& slot = session->slots.emplace_back();
    slot.vm = vm;
    slot.exits = std::make_unique<trace::Trace>(256);
    slot.input = sv.lines;
    vm->machine->trace = slot.exits.get();
  }
  // The slots no longer move: the machines' callbacks may point at them.
  for (VmSlot& slot : session->slots) {
    VmSlot* s = &slot;
    slot.vm->machine->on_idle = [s]() {
      if (s->typed >= s->input.size()) return false;
      s->vm->machine->uart.receive(s->input[s->typed++]);
      return true;
    };
    session->host.start(*slot.vm);
  }
  return session;
#endif
}

void Session::advance_frame(uint64_t rounds, double budget_ms) {
  frames++;
  if (rounds) {
    host.run(rounds);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  while (host.run_round() > 0) {
    std::chrono::duration<double, std::milli> spent = std::chrono::steady_clock::now() - start;
    if (spent.count() >= budget_ms) break;
  }
}

void Session::run_all() {
  for (VmSlot& s : slots) host.start(*s.vm);
  status = "running";
}

void Session::pause_all() {
  for (VmSlot& s : slots) host.pause(*s.vm);
  status = "paused";
}

bool Session::any_running() const {
  for (const VmSlot& s : slots)
    if (s.vm->state == VmState::Running) return true;
  return false;
}

MachineStop Session::run_alone(emulator::Vm& vm, uint64_t ns) {
  MachineStop stop = vm.machine->run(ns);
  switch (stop) {
    case MachineStop::Timeout:
    case MachineStop::Exited: break;
    case MachineStop::Halted: vm.state = VmState::Halted; break;
    case MachineStop::DebugExit:
      vm.exit_code = vm.machine->exit_code();
      vm.state = vm.exit_code == 1 ? VmState::Crashed : VmState::Exited;  // as Host::run_round
      break;
    case MachineStop::TripleFault: vm.state = VmState::Crashed; break;
  }
  return stop;
}

static bool can_step(const emulator::Vm& vm, std::string& status) {
  if (vm.state == VmState::Running || vm.state == VmState::Paused || vm.state == VmState::Created) return true;
  status = fmt::format("{} is {}: nothing to step", vm.name, emulator::vm_state_name(vm.state));
  return false;
}

void Session::step_to_exit(VmSlot& slot, uint64_t max_insns) {
  emulator::Vm& vm = *slot.vm;
  if (!can_step(vm, status)) return;
  host.pause(vm);
  if (vm.state == VmState::Created) vm.state = VmState::Paused;
  emulator::Machine& m = *vm.machine;
  const uint64_t exits_before = m.exits.exits;
  const uint64_t insns_before = m.cpu.s.insns;
  // At full speed: the machine stops right after the instruction that
  // left the guest (Machine::stop_on_exit). A halted guest jumps to its
  // next device event inside run(), where an interrupt may wake it.
  m.stop_on_exit = true;
  run_alone(vm, max_insns * m.config.ns_per_insn);
  m.stop_on_exit = false;
  const uint64_t ran = m.cpu.s.insns - insns_before;
  if (m.exits.exits == exits_before) {
    status = fmt::format("{}: no VM exit after {} instructions ({})", vm.name, ran, emulator::vm_state_name(vm.state));
    return;
  }
  std::vector<trace::Event> recent = slot.exits->recent();
  const char* reason = recent.empty() ? "?" : recent.back().what;
  const uint64_t count = m.exits.exits - exits_before;
  status = count == 1 ? fmt::format("{}: VM exit {} after {} instructions, EIP {:08x}", vm.name, reason, ran, m.cpu.s.eip)
                      : fmt::format("{}: {} VM exits, the last {}, after {} instructions, EIP {:08x}", vm.name, count,
                                    reason, ran, m.cpu.s.eip);
}

void Session::step_instruction(VmSlot& slot) {
  emulator::Vm& vm = *slot.vm;
  if (!can_step(vm, status)) return;
  host.pause(vm);
  if (vm.state == VmState::Created) vm.state = VmState::Paused;
  emulator::Machine& m = *vm.machine;
  const uint64_t exits_before = m.exits.exits;
  const uint32_t eip_before = m.cpu.s.eip;
  run_alone(vm, 1);
  status = fmt::format("{}: stepped {:08x} -> {:08x}{}", vm.name, eip_before, m.cpu.s.eip,
                       m.exits.exits != exits_before ? " (with a VM exit)" : "");
}

void Session::type_line(VmSlot& slot, const std::string& line) {
  slot.vm->machine->uart.receive(line + "\n");
}

}  // namespace isolab::ui
