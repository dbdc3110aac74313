// The lab's debugger: stop a VM after one instruction, at its next VM exit,
// at its next system call, or at a breakpoint; stop a container at its next
// system call or at a system call it has a breakpoint on. The console's
// `vm step`, `vm break`, `ctr step` and `ctr break` verbs and the
// visualizer's buttons (F10, F11, "to syscall", "continue", a container's
// "to syscall" and "continue", "break on this syscall" in the Syscall log)
// call these functions, so a lesson checks exactly what a student clicks.
//
// The stops, as gdb and a VMM's debug stub give them:
// - one instruction: the VM retires one instruction (or takes one interrupt);
// - the next VM exit: the VM runs at full speed until the instruction that
//   left the guest (Machine::stop_on_exit, the VT-x exit as a debugger sees
//   it); one instruction may leave more than once (a shadow fill for its
//   fetch, another for its data), and all of them are counted;
// - the next system call: a miniOS process's INT 0x80 delivered through the
//   guest's IDT (Machine::stop_on_syscall; the guest's kernel is about to
//   handle it), or a container process's call completed by the shared
//   kernel (Kernel::stop_after_syscall), Linux's i386 numbers in both;
// - a breakpoint: an exit reason (KVM's exit names), a system call number
//   (for a VM or a container), or a guest address (EIP, as gdb's `break *0xADDR`). Exit and syscall
//   breakpoints run at full speed; an address breakpoint makes the VM go one
//   instruction at a time (about 3 million a second), as a software
//   debugger single-steps without hardware breakpoint registers.
// Every stop gives up after a budget of instructions (simulated time) and
// says so, so a guest that never exits cannot hang the lab.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace isolab::lab {

class Lab;

enum class BreakKind : uint8_t { ExitReason, Syscall, Address };

struct Breakpoint {
  BreakKind kind = BreakKind::Address;
  uint32_t value = 0;  // the ExitReason's index, the syscall number, or the EIP
  bool operator==(const Breakpoint&) const = default;
};

// Every VM's and every container's breakpoints, by name. Part of the lab's
// state (Lab::breakpoints). A container's are system call numbers only: its
// processes run on the shared kernel, which sees their calls, not their
// exits (they have none) or their addresses.
struct Breakpoints {
  std::map<std::string, std::vector<Breakpoint>> by_vm;
  std::map<std::string, std::vector<Breakpoint>> by_container;
};

// Parse `exit REASON`, `syscall NR|NAME` or `addr 0xADDR` (the words after
// `vm break NAME`; a system call by Linux i386 number or by name, `syscall
// write`). On failure returns nullopt and sets `error`.
std::optional<Breakpoint> parse_breakpoint(const std::vector<std::string>& words, std::string& error);
// "exit HLT", "syscall 4 (write)", "addr 0xc0101234".
std::string describe(const Breakpoint& b);

enum class StepKind : uint8_t { Instruction, Exit, Syscall, Breakpoint };
// "insn", "exit", "syscall", "break": the words of `vm step --to`.
const char* step_kind_name(StepKind k);
std::optional<StepKind> parse_step_kind(const std::string& word);

enum class StepStatus : uint8_t {
  Stopped,   // stopped where asked
  Budget,    // ran out of budget without getting there (or the VM stopped: halted, crashed)
  Refused,   // nothing to step: no such VM or container, or it is not running
};

struct StepResult {
  StepStatus status = StepStatus::Refused;
  std::string message;    // one line: where it stopped and why, or why not
  uint64_t insns = 0;     // instructions retired by the step
  uint64_t exits = 0;     // VM exits during the step
  uint32_t eip = 0;       // where the VM (or the container process) stands after it
  std::optional<uint32_t> syscall_nr;  // the system call it stopped at
  std::optional<Breakpoint> hit;       // the breakpoint that stopped it
};

// Instructions a step may run before giving up: 2 s of simulated time at
// one instruction a nanosecond (a guest computing between timer ticks runs
// 10M instructions without an exit).
constexpr uint64_t kStepBudget = 2'000'000'000;

// Pause VM `name` (the others run on) and run it to the stop `kind` asks for.
StepResult step_vm(Lab& lab, const std::string& name, StepKind kind, uint64_t max_insns = kStepBudget);
// Run the container kernel until a process of container `name` completes a
// system call (number `nr` only, when given). Other containers' processes
// run too, as the shared kernel schedules them.
StepResult step_container(Lab& lab, const std::string& name, std::optional<uint32_t> nr = std::nullopt,
                          uint64_t max_insns = kStepBudget);
// Run the container kernel until a process of container `name` completes a
// system call it has a breakpoint on (`ctr step NAME --to break`, the
// Containers panel's "continue"). Refused when it has none.
StepResult continue_container(Lab& lab, const std::string& name, uint64_t max_insns = kStepBudget);

// Add a breakpoint to VM `name` (a duplicate is kept once). Error message or nullopt.
std::optional<std::string> add_breakpoint(Lab& lab, const std::string& name, const Breakpoint& b);
// Remove VM `name`'s breakpoints; how many there were.
size_t clear_breakpoints(Lab& lab, const std::string& name);
const std::vector<Breakpoint>& breakpoints_of(const Lab& lab, const std::string& name);

// The same for container `name`: system call breakpoints only (`ctr break`).
std::optional<std::string> add_container_breakpoint(Lab& lab, const std::string& name, const Breakpoint& b);
// Remove one of container `name`'s breakpoints; false when it had no such one.
bool remove_container_breakpoint(Lab& lab, const std::string& name, const Breakpoint& b);
size_t clear_container_breakpoints(Lab& lab, const std::string& name);
const std::vector<Breakpoint>& container_breakpoints_of(const Lab& lab, const std::string& name);

}  // namespace isolab::lab
