// The lab's debugger: stepping and breakpoints (debugger.h).
#include "lab/debugger.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>

#include "containers/container.h"
#include "containers/syscalls/syscalls.h"
#include "emulator/vm_exit.h"
#include "lab/lab.h"

namespace isolab::lab {

using emulator::ExitReason;
using emulator::MachineStop;
using emulator::VmState;

namespace {

constexpr const char* kStepKindNames[] = {"insn", "exit", "syscall", "break"};

std::string syscall_label(uint32_t nr) {
  const containers::syscalls::Syscall* sc = containers::syscalls::lookup(nr);
  return sc ? fmt::format("{} ({})", nr, sc->name) : fmt::format("{}", nr);
}

// Run VM `vm` alone by up to `ns` of its simulated time and record how it
// stopped, as the host's round does for a running VM.
MachineStop run_alone(emulator::Vm& vm, uint64_t ns) {
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

bool steppable(VmState s) { return s == VmState::Running || s == VmState::Paused || s == VmState::Created; }

// The first breakpoint among `bps` that the run from `before` to now hit.
std::optional<Breakpoint> breakpoint_hit(const std::vector<Breakpoint>& bps, const emulator::Machine& m,
                                         const emulator::ExitCounters& before) {
  for (const Breakpoint& b : bps) {
    switch (b.kind) {
      case BreakKind::ExitReason:
        if (m.exits.by_reason[b.value] != before.by_reason[b.value]) return b;
        break;
      case BreakKind::Syscall:
        if (m.stopped_at_syscall() && m.syscall_nr() == b.value) return b;
        break;
      case BreakKind::Address:
        if (m.cpu.s.eip == b.value) return b;
        break;
    }
  }
  return std::nullopt;
}

// The exit reasons, in order, whose counts grew since `before`.
std::string exits_since(const emulator::ExitCounters& now, const emulator::ExitCounters& before) {
  std::string out;
  for (size_t r = 0; r < now.by_reason.size(); r++) {
    uint64_t n = now.by_reason[r] - before.by_reason[r];
    if (!n) continue;
    if (!out.empty()) out += ", ";
    out += n == 1 ? emulator::kExitReasonNames[r] : fmt::format("{} x{}", emulator::kExitReasonNames[r], n);
  }
  return out;
}

// Run `vm` to the first breakpoint of `bps`, to at most `deadline_ns` of its
// simulated time. Address breakpoints need one instruction at a time.
std::optional<Breakpoint> run_to_breakpoint(emulator::Vm& vm, const std::vector<Breakpoint>& bps, uint64_t deadline_ns) {
  emulator::Machine& m = *vm.machine;
  const bool by_address = std::any_of(bps.begin(), bps.end(), [](const Breakpoint& b) { return b.kind == BreakKind::Address; });
  m.stop_on_exit = std::any_of(bps.begin(), bps.end(), [](const Breakpoint& b) { return b.kind == BreakKind::ExitReason; });
  m.stop_on_syscall = std::any_of(bps.begin(), bps.end(), [](const Breakpoint& b) { return b.kind == BreakKind::Syscall; });
  std::optional<Breakpoint> hit;
  while (!hit && steppable(vm.state) && m.now_ns() < deadline_ns) {
    const emulator::ExitCounters before = m.exits;
    if (by_address && !m.cpu.s.halted) {
      run_alone(vm, m.config.ns_per_insn);
    } else {
      // Halted, the guest waits for an interrupt: let the clock jump to it,
      // stopping at the exit that delivers it, then go on by instructions.
      const bool exits_wanted = m.stop_on_exit;
      if (by_address) m.stop_on_exit = true;
      run_alone(vm, deadline_ns - m.now_ns());
      m.stop_on_exit = exits_wanted;
    }
    hit = breakpoint_hit(bps, m, before);
  }
  m.stop_on_exit = false;
  m.stop_on_syscall = false;
  return hit;
}

}  // namespace

const char* step_kind_name(StepKind k) { return kStepKindNames[size_t(k)]; }

std::optional<StepKind> parse_step_kind(const std::string& word) {
  for (size_t k = 0; k < std::size(kStepKindNames); k++)
    if (word == kStepKindNames[k]) return StepKind(k);
  return std::nullopt;
}

std::optional<Breakpoint> parse_breakpoint(const std::vector<std::string>& w, std::string& error) {
  if (w.size() != 2) {
    error = "expected `exit REASON`, `syscall NR` or `addr 0xADDR`";
    return std::nullopt;
  }
  Breakpoint b;
  if (w[0] == "exit") {
    b.kind = BreakKind::ExitReason;
    for (size_t r = 0; r < emulator::kExitReasonNames.size(); r++)
      if (w[1] == emulator::kExitReasonNames[r]) {
        b.value = uint32_t(r);
        return b;
      }
    std::string known;
    for (const char* n : emulator::kExitReasonNames) known += std::string(known.empty() ? "" : ", ") + n;
    error = "exit '" + w[1] + "': not an exit reason (" + known + ")";
    return std::nullopt;
  }
  if (w[0] == "syscall" || w[0] == "addr") {
    const bool addr = w[0] == "addr";
    const std::string& t = w[1];
    if (!addr && !t.empty() && std::isalpha(uint8_t(t[0]))) {
      // By name, as strace prints it: the number from the syscall table.
      for (uint32_t nr = 0; nr < 1024; nr++) {
        const containers::syscalls::Syscall* sc = containers::syscalls::lookup(nr);
        if (sc && t == sc->name) return Breakpoint{BreakKind::Syscall, nr};
      }
      error = "syscall '" + t + "': not a system call this kernel knows by name (a number from 0 to 1023 also works)";
      return std::nullopt;
    }
    char* end = nullptr;
    unsigned long long v = std::strtoull(t.c_str(), &end, addr ? 16 : 10);
    const bool hex_prefix_ok = !addr || (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'));
    if (t.empty() || *end || !hex_prefix_ok || v > (addr ? 0xFFFFFFFFull : 1023ull) || t[0] == '-' || t[0] == '+') {
      error = addr ? "addr '" + t + "': expected a guest address such as 0xc0100000"
                   : "syscall '" + t + "': expected a system call number from 0 to 1023 or a name such as write";
      return std::nullopt;
    }
    b.kind = addr ? BreakKind::Address : BreakKind::Syscall;
    b.value = uint32_t(v);
    return b;
  }
  error = "'" + w[0] + "': expected exit, syscall or addr";
  return std::nullopt;
}

std::string describe(const Breakpoint& b) {
  switch (b.kind) {
    case BreakKind::ExitReason: return std::string("exit ") + emulator::kExitReasonNames[b.value];
    case BreakKind::Syscall: return "syscall " + syscall_label(b.value);
    case BreakKind::Address: return fmt::format("addr {:#010x}", b.value);
  }
  return "?";
}

StepResult step_vm(Lab& lab, const std::string& name, StepKind kind, uint64_t max_insns) {
  StepResult res;
  emulator::Vm* vm = lab.find_vm(name);
  if (!vm) {
    res.message = "no VM named '" + name + "'";
    return res;
  }
  if (!steppable(vm->state)) {
    res.message = fmt::format("{} is {}: nothing to step", name, emulator::vm_state_name(vm->state));
    return res;
  }
  if (vm->backend && vm->backend->kind() == emulator::BackendKind::Kvm) {
    res.message = name + " runs on the kvm backend: the hardware runs it, so it cannot be stepped (use --backend interp)";
    return res;
  }
  if (vm->backend) {  // migrated: another process runs it, a round at a time (emulator/remote_vm.h)
    res.message = name + " runs in another process since its migration: the lab drives it a round at a time, so it "
                         "cannot be stepped";
    return res;
  }
  const std::vector<Breakpoint>& bps = breakpoints_of(lab, name);
  if (kind == StepKind::Breakpoint && bps.empty()) {
    res.message = name + " has no breakpoints (vm break " + name + " exit|syscall|addr ...)";
    return res;
  }
  lab.host.pause(*vm);
  if (vm->state == VmState::Created) vm->state = VmState::Paused;
  emulator::Machine& m = *vm->machine;
  const emulator::ExitCounters before = m.exits;
  const uint64_t insns_before = m.cpu.s.insns;
  const uint32_t eip_before = m.cpu.s.eip;
  const uint64_t deadline = m.now_ns() + max_insns * m.config.ns_per_insn;
  bool arrived = false;
  switch (kind) {
    case StepKind::Instruction:
      if (m.cpu.s.halted) {
        // HLT waits for an interrupt: the clock jumps to it and the step
        // ends at the exit that delivers it, as a stepi over HLT does.
        m.stop_on_exit = true;
        run_alone(*vm, max_insns * m.config.ns_per_insn);
        m.stop_on_exit = false;
      } else {
        run_alone(*vm, m.config.ns_per_insn);
      }
      arrived = m.cpu.s.insns != insns_before || m.exits.exits != before.exits;
      break;
    case StepKind::Exit:
      m.stop_on_exit = true;
      run_alone(*vm, max_insns * m.config.ns_per_insn);
      m.stop_on_exit = false;
      arrived = m.exits.exits != before.exits;
      break;
    case StepKind::Syscall:
      m.stop_on_syscall = true;
      // Exits on the way (timer interrupts, I/O) do not stop it; a halted
      // guest's clock jumps to its next interrupt inside run().
      while (!arrived && steppable(vm->state) && m.now_ns() < deadline) {
        run_alone(*vm, deadline - m.now_ns());
        arrived = m.stopped_at_syscall();
      }
      m.stop_on_syscall = false;
      if (arrived) res.syscall_nr = m.syscall_nr();
      break;
    case StepKind::Breakpoint:
      res.hit = run_to_breakpoint(*vm, bps, deadline);
      arrived = res.hit.has_value();
      if (arrived && res.hit->kind == BreakKind::Syscall) res.syscall_nr = res.hit->value;
      break;
  }
  res.insns = m.cpu.s.insns - insns_before;
  res.exits = m.exits.exits - before.exits;
  res.eip = m.cpu.s.eip;
  const std::string exits = exits_since(m.exits, before);
  const std::string with_exits = exits.empty() ? "" : " (VM exits: " + exits + ")";
  if (!arrived) {
    res.status = StepStatus::Budget;
    res.message = fmt::format("{}: no {} stop after {} instructions{}, EIP {:08x}, {}", name, step_kind_name(kind),
                              res.insns, with_exits, res.eip, emulator::vm_state_name(vm->state));
    return res;
  }
  res.status = StepStatus::Stopped;
  switch (kind) {
    case StepKind::Instruction:
      res.message = fmt::format("{}: stepped {:08x} -> {:08x}{}", name, eip_before, res.eip, with_exits);
      break;
    case StepKind::Exit:
      res.message = fmt::format("{}: VM exit {} after {} instructions, EIP {:08x}", name, exits, res.insns, res.eip);
      break;
    case StepKind::Syscall:
      res.message = fmt::format("{}: system call {} after {} instructions{}, EIP {:08x} in the guest kernel", name,
                                syscall_label(*res.syscall_nr), res.insns, with_exits, res.eip);
      break;
    case StepKind::Breakpoint:
      res.message = fmt::format("{}: breakpoint {} after {} instructions{}, EIP {:08x}", name, describe(*res.hit),
                                res.insns, with_exits, res.eip);
      break;
  }
  return res;
}

namespace {

// Run the container kernel until a process of container `name` completes a
// system call that `wanted` accepts. `what` names the stop for the message
// ("system call", "breakpoint").
StepResult run_container_to(Lab& lab, const std::string& name, const std::function<bool(uint32_t)>& wanted,
                            const std::string& what, uint64_t max_insns) {
  StepResult res;
  LabContainer* lc = lab.find_container(name);
  if (!lc) {
    res.message = "no container named '" + name + "'";
    return res;
  }
  if (lc->c.exited) {
    res.message = name + " has exited: nothing to step";
    return res;
  }
  containers::Kernel& k = lab.kernel;
  struct Seen {
    int pid = 0, host_pid = 0;
    std::string comm;
    uint32_t nr = 0;
    int32_t result = 0;
    uint32_t eip = 0;
  };
  std::optional<Seen> seen;
  k.stop_after_syscall = [&](const containers::Process& p, uint32_t call, int32_t result) {
    if (p.container != name || !wanted(call)) return false;
    seen = Seen{p.pid(), p.host_pid(), p.comm, call, result, k.cpu.s.eip};
    return true;
  };
  const uint64_t insns_before = k.cpu.s.insns;
  // A container whose init ended during the step is collected, as a round does.
  lab.runtime.run_kernel(max_insns, [&] { return seen.has_value(); });
  k.stop_after_syscall = nullptr;
  res.insns = k.cpu.s.insns - insns_before;
  if (!seen) {
    res.status = StepStatus::Budget;
    res.message = fmt::format("{}: no {} after {} instructions", name, what, res.insns);
    return res;
  }
  res.status = StepStatus::Stopped;
  res.syscall_nr = seen->nr;
  res.eip = seen->eip;
  res.message = fmt::format("{}: pid {} (host pid {}) {}: system call {} = {} after {} instructions, EIP {:08x}", name,
                            seen->pid, seen->host_pid, seen->comm, syscall_label(seen->nr), seen->result, res.insns,
                            seen->eip);
  return res;
}

}  // namespace

StepResult step_container(Lab& lab, const std::string& name, std::optional<uint32_t> nr, uint64_t max_insns) {
  StepResult res = run_container_to(
      lab, name, [&](uint32_t call) { return !nr || call == *nr; },
      nr ? "system call " + syscall_label(*nr) : std::string("system call"), max_insns);
  if (res.status == StepStatus::Stopped && nr) res.hit = Breakpoint{BreakKind::Syscall, *nr};
  return res;
}

StepResult continue_container(Lab& lab, const std::string& name, uint64_t max_insns) {
  if (!lab.find_container(name)) return run_container_to(lab, name, nullptr, "", max_insns);  // refused: says why
  const std::vector<Breakpoint> bps = container_breakpoints_of(lab, name);
  if (bps.empty()) {
    StepResult res;
    res.message = name + " has no breakpoints (ctr break " + name + " syscall NR|NAME)";
    return res;
  }
  auto hit = [&](uint32_t call) {
    return std::find(bps.begin(), bps.end(), Breakpoint{BreakKind::Syscall, call}) != bps.end();
  };
  std::string list;
  for (const Breakpoint& b : bps) list += (list.empty() ? "" : ", ") + describe(b);
  StepResult res = run_container_to(lab, name, hit, "breakpoint (" + list + ")", max_insns);
  if (res.status == StepStatus::Stopped) {
    res.hit = Breakpoint{BreakKind::Syscall, *res.syscall_nr};
    res.message = name + ": breakpoint " + describe(*res.hit) + ": " + res.message.substr(name.size() + 2);
  }
  return res;
}

std::optional<std::string> add_breakpoint(Lab& lab, const std::string& name, const Breakpoint& b) {
  if (!lab.find_vm(name)) return "no VM named '" + name + "'";
  std::vector<Breakpoint>& list = lab.breakpoints.by_vm[name];
  if (std::find(list.begin(), list.end(), b) == list.end()) list.push_back(b);
  return std::nullopt;
}

size_t clear_breakpoints(Lab& lab, const std::string& name) {
  auto it = lab.breakpoints.by_vm.find(name);
  if (it == lab.breakpoints.by_vm.end()) return 0;
  size_t n = it->second.size();
  lab.breakpoints.by_vm.erase(it);
  return n;
}

const std::vector<Breakpoint>& breakpoints_of(const Lab& lab, const std::string& name) {
  static const std::vector<Breakpoint> none;
  auto it = lab.breakpoints.by_vm.find(name);
  return it == lab.breakpoints.by_vm.end() ? none : it->second;
}

std::optional<std::string> add_container_breakpoint(Lab& lab, const std::string& name, const Breakpoint& b) {
  if (!lab.find_container(name)) return "no container named '" + name + "'";
  if (b.kind != BreakKind::Syscall)
    return name + " is a container: its breakpoints are system calls (its processes have no VM exits, and "
                  "their addresses are per process)";
  std::vector<Breakpoint>& list = lab.breakpoints.by_container[name];
  if (std::find(list.begin(), list.end(), b) == list.end()) list.push_back(b);
  return std::nullopt;
}

bool remove_container_breakpoint(Lab& lab, const std::string& name, const Breakpoint& b) {
  auto it = lab.breakpoints.by_container.find(name);
  if (it == lab.breakpoints.by_container.end()) return false;
  auto at = std::find(it->second.begin(), it->second.end(), b);
  if (at == it->second.end()) return false;
  it->second.erase(at);
  if (it->second.empty()) lab.breakpoints.by_container.erase(it);
  return true;
}

size_t clear_container_breakpoints(Lab& lab, const std::string& name) {
  auto it = lab.breakpoints.by_container.find(name);
  if (it == lab.breakpoints.by_container.end()) return 0;
  size_t n = it->second.size();
  lab.breakpoints.by_container.erase(it);
  return n;
}

const std::vector<Breakpoint>& container_breakpoints_of(const Lab& lab, const std::string& name) {
  static const std::vector<Breakpoint> none;
  auto it = lab.breakpoints.by_container.find(name);
  return it == lab.breakpoints.by_container.end() ? none : it->second;
}

}  // namespace isolab::lab
