// The lab's debugger (lab/debugger.h), through the functions the
// visualizer's buttons and the console's `vm step`, `vm break`,
// `ctr step` and `ctr break` call: each kind of step and each kind of
// breakpoint, for VMs and for containers.
#include <doctest/doctest.h>

#include <sstream>

#include "emulator/vm_exit.h"
#include "lab/console.h"
#include "lab/debugger.h"
#include "lab/lab.h"

using namespace isolab::lab;
using isolab::emulator::ExitReason;
using isolab::emulator::VmState;

namespace {

constexpr uint32_t kWrite = 4;  // Linux i386 write(2)

struct Script {
  int rc;
  std::string out, err;
};

Script run(Lab& lab, const std::string& text) {
  std::ostringstream out, err;
  int rc = run_script(lab, text, "s.isolab", out, err);
  return {rc, out.str(), err.str()};
}

isolab::containers::ContainerSpec spec(const std::string& name, std::vector<std::string> cmd) {
  isolab::containers::ContainerSpec s;
  s.name = name;
  s.cmd = std::move(cmd);
  return s;
}

// A lab with miniOS booted to its shell prompt in VM `a`.
void boot_to_prompt(Lab& lab) {
  Script s = run(lab, "vm create a --mem 16M\nvm start a\nwait until vm.a.console contains \"$ \" --timeout 10s\n");
  REQUIRE_MESSAGE(s.rc == 0, s.err);
}

}  // namespace

TEST_CASE("debugger: one instruction pauses the VM and retires one instruction") {
  Lab lab;
  boot_to_prompt(lab);
  auto& m = *lab.find_vm("a")->machine;
  const uint64_t before = m.cpu.s.insns;
  StepResult r = step_vm(lab, "a", StepKind::Instruction);
  CHECK(r.status == StepStatus::Stopped);
  CHECK(lab.find_vm("a")->state == VmState::Paused);
  // One instruction, or one interrupt delivered (an exit, no instruction).
  CHECK(m.cpu.s.insns - before <= 1);
  CHECK((r.insns == 1 || r.exits > 0));
  CHECK(r.eip == m.cpu.s.eip);
}

TEST_CASE("debugger: step to the next VM exit stops right after it") {
  Lab lab;
  boot_to_prompt(lab);
  auto& m = *lab.find_vm("a")->machine;
  const uint64_t exits = m.exits.exits;
  StepResult r = step_vm(lab, "a", StepKind::Exit);
  REQUIRE_MESSAGE(r.status == StepStatus::Stopped, r.message);
  CHECK(r.exits >= 1);
  CHECK(m.exits.exits == exits + r.exits);
  CHECK(r.message.find("a: VM exit ") == 0);
  // Repeated steps keep finding exits (the idle guest's HLT and timer).
  for (int i = 0; i < 5; i++) CHECK(step_vm(lab, "a", StepKind::Exit).status == StepStatus::Stopped);
}

TEST_CASE("debugger: step to a miniOS process's next system call") {
  Lab lab;
  boot_to_prompt(lab);
  lab.extra("a").pending_input += "echo hi\n";
  StepResult r = step_vm(lab, "a", StepKind::Syscall);
  REQUIRE_MESSAGE(r.status == StepStatus::Stopped, r.message);
  REQUIRE(r.syscall_nr);
  // Stopped after the INT 0x80 went through the guest's IDT: in miniOS's
  // higher-half kernel, with the call's number still in EAX.
  auto& m = *lab.find_vm("a")->machine;
  CHECK(r.eip >= 0xC0000000u);
  CHECK(m.cpu.s.reg[isolab::cpu::EAX] == *r.syscall_nr);
  CHECK(r.message.find("system call") != std::string::npos);
}

TEST_CASE("debugger: a step that never gets there gives up and says so") {
  Lab lab;
  REQUIRE_FALSE(lab.create_vm({.name = "a", .mem_bytes = 16u << 20}));
  StepResult r = step_vm(lab, "a", StepKind::Syscall, /*max_insns=*/1000);
  CHECK(r.status == StepStatus::Budget);
  CHECK(r.insns <= 1000);
  CHECK(r.message.find("a: no syscall stop after") == 0);
  CHECK(step_vm(lab, "ghost", StepKind::Exit).status == StepStatus::Refused);
  lab.find_vm("a")->state = VmState::Crashed;
  r = step_vm(lab, "a", StepKind::Instruction);
  CHECK(r.status == StepStatus::Refused);
  CHECK(r.message == "a is crashed: nothing to step");
  CHECK(step_vm(lab, "a", StepKind::Breakpoint).status == StepStatus::Refused);
}

TEST_CASE("debugger: step to a container's next system call") {
  Lab lab;
  REQUIRE_FALSE(lab.run_container("minios", spec("c1", {"echo", "hello"})));
  REQUIRE_FALSE(lab.run_container("minios", spec("c2", {"echo", "other"})));
  // To its write(2): nothing written before it, the line after.
  CHECK(lab.find_container("c1")->logs.empty());
  StepResult r = step_container(lab, "c1", kWrite);
  REQUIRE_MESSAGE(r.status == StepStatus::Stopped, r.message);
  CHECK(*r.syscall_nr == kWrite);
  CHECK(r.hit == Breakpoint{BreakKind::Syscall, kWrite});
  CHECK(r.message.find("c1: pid 1 (host pid ") == 0);
  CHECK(r.message.find("system call 4 (write) = 6") != std::string::npos);
  CHECK(lab.find_container("c1")->logs == "hello\n");
  // Its next call, whatever it is: echo's exit.
  r = step_container(lab, "c1");
  REQUIRE_MESSAGE(r.status == StepStatus::Stopped, r.message);
  CHECK((*r.syscall_nr == 1 || *r.syscall_nr == 252));
  CHECK(!r.hit);
  // Once it has exited there is nothing to step.
  for (int i = 0; i < 100 && !lab.find_container("c1")->c.exited; i++) lab.run_round();
  CHECK(step_container(lab, "c1").status == StepStatus::Refused);
  CHECK(step_container(lab, "nobody").status == StepStatus::Refused);
}

TEST_CASE("debugger: a breakpoint on an exit reason") {
  Lab lab;
  boot_to_prompt(lab);
  REQUIRE_FALSE(add_breakpoint(lab, "a", {BreakKind::ExitReason, uint32_t(ExitReason::HLT)}));
  auto& m = *lab.find_vm("a")->machine;
  const uint64_t hlts = m.exits[ExitReason::HLT];
  StepResult r = step_vm(lab, "a", StepKind::Breakpoint);
  REQUIRE_MESSAGE(r.status == StepStatus::Stopped, r.message);
  REQUIRE(r.hit);
  CHECK(r.hit->kind == BreakKind::ExitReason);
  CHECK(m.exits[ExitReason::HLT] == hlts + 1);
  CHECK(r.message.find("breakpoint exit HLT") != std::string::npos);
  CHECK(add_breakpoint(lab, "ghost", {BreakKind::Syscall, 4}) == "no VM named 'ghost'");
}

TEST_CASE("debugger: a container's breakpoint on a system call number stops it after that call") {
  Lab lab;
  REQUIRE_FALSE(lab.run_container("minios", spec("c1", {"echo", "hello"})));
  REQUIRE_FALSE(lab.run_container("minios", spec("c2", {"echo", "other"})));
  // None yet: continue is refused and says how to set one.
  StepResult r = continue_container(lab, "c1");
  CHECK(r.status == StepStatus::Refused);
  CHECK(r.message == "c1 has no breakpoints (ctr break c1 syscall NR|NAME)");
  REQUIRE_FALSE(add_container_breakpoint(lab, "c1", {BreakKind::Syscall, kWrite}));
  REQUIRE_FALSE(add_container_breakpoint(lab, "c1", {BreakKind::Syscall, kWrite}));  // kept once
  CHECK(container_breakpoints_of(lab, "c1").size() == 1);
  CHECK(container_breakpoints_of(lab, "c2").empty());  // per container
  CHECK(breakpoints_of(lab, "c1").empty());            // not a VM's
  // Only system calls: a container has no exits, and addresses are per process.
  CHECK(add_container_breakpoint(lab, "c1", {BreakKind::ExitReason, uint32_t(ExitReason::HLT)})->find("its breakpoints are system calls") !=
        std::string::npos);
  CHECK(add_container_breakpoint(lab, "ghost", {BreakKind::Syscall, kWrite}) == "no container named 'ghost'");
  // Other calls (execve, brk, ...) go by; it stops after its write(2), and
  // c2, which has no breakpoint, writes on without stopping anything.
  CHECK(lab.find_container("c1")->logs.empty());
  r = continue_container(lab, "c1");
  REQUIRE_MESSAGE(r.status == StepStatus::Stopped, r.message);
  CHECK(r.hit == Breakpoint{BreakKind::Syscall, kWrite});
  CHECK(*r.syscall_nr == kWrite);
  CHECK(r.message.find("c1: breakpoint syscall 4 (write): pid 1 (host pid ") == 0);
  CHECK(r.message.find("system call 4 (write) = 6") != std::string::npos);
  CHECK(lab.find_container("c1")->logs == "hello\n");
  // echo writes once: continuing again runs it to its end without a stop.
  r = continue_container(lab, "c1", 5'000'000);
  CHECK(r.status == StepStatus::Budget);
  CHECK(r.message.find("c1: no breakpoint (syscall 4 (write)) after ") == 0);
  CHECK_FALSE(remove_container_breakpoint(lab, "c1", {BreakKind::Syscall, 1}));
  CHECK(remove_container_breakpoint(lab, "c1", {BreakKind::Syscall, kWrite}));
  CHECK(container_breakpoints_of(lab, "c1").empty());
  CHECK(clear_container_breakpoints(lab, "c1") == 0);
}

TEST_CASE("debugger: a container's breakpoint on a system call by name, through the console") {
  Lab lab;
  Script s = run(lab,
                 "ctr run --name c1 minios echo hi\n"
                 "ctr break c1\n"
                 "ctr break c1 syscall write\n"
                 "ctr break c1 syscall 20\n"
                 "ctr break c1\n"
                 "ctr step c1 --to break\n"
                 "show ctr.c1.logs\n"
                 "ctr break c1 clear\n"
                 "ctr break c1\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
  CHECK(s.out.find("c1: 0 breakpoints\n"
                   "c1: breakpoint syscall 4 (write)\n"
                   "c1: breakpoint syscall 20 (getpid)\n"
                   "c1: 2 breakpoints: syscall 4 (write), syscall 20 (getpid)\n"
                   "c1: breakpoint syscall ") == 0);
  CHECK(s.out.find("ctr.c1.logs = ") != std::string::npos);
  CHECK(s.out.find("c1: 2 breakpoints cleared\nc1: 0 breakpoints\n") != std::string::npos);
  CHECK(parse_command("ctr break c1 exit HLT").error == "ctr break: (ctr break NAME [syscall NR|NAME|clear])");
  CHECK(parse_command("ctr break c1 syscall nosuch").error.find("ctr break: syscall 'nosuch': not a system call") == 0);
  CHECK(parse_command("ctr step c1 --to exit").error ==
        "ctr step: expected `ctr step NAME [--syscall NR|NAME | --to syscall|break]`");
  CHECK(parse_command("ctr break").error == "ctr break: missing NAME");
  s = run(lab, "ctr break ghost syscall 4\n");
  CHECK(s.rc == 2);
  CHECK(s.err == "s.isolab:1: ctr break: no container named 'ghost'\n");
  s = run(lab, "ctr run --name c2 minios echo x\nctr step c2 --to break\n");
  CHECK(s.rc == 2);
  CHECK(s.err == "s.isolab:2: ctr step: c2 has no breakpoints (ctr break c2 syscall NR|NAME)\n");
}

TEST_CASE("debugger: a breakpoint on a system call number") {
  Lab lab;
  boot_to_prompt(lab);
  lab.extra("a").pending_input += "echo hi\n";
  REQUIRE_FALSE(add_breakpoint(lab, "a", {BreakKind::Syscall, kWrite}));
  StepResult r = step_vm(lab, "a", StepKind::Breakpoint);
  REQUIRE_MESSAGE(r.status == StepStatus::Stopped, r.message);
  CHECK(r.hit == Breakpoint{BreakKind::Syscall, kWrite});
  CHECK(lab.find_vm("a")->machine->cpu.s.reg[isolab::cpu::EAX] == kWrite);
}

TEST_CASE("debugger: a breakpoint on a guest address") {
  Lab lab;
  boot_to_prompt(lab);
  lab.extra("a").pending_input += "ls /bin\n";
  // The kernel's system-call entry: where the first step to a syscall stops.
  StepResult first = step_vm(lab, "a", StepKind::Syscall);
  REQUIRE(first.status == StepStatus::Stopped);
  const uint32_t entry = first.eip;
  step_vm(lab, "a", StepKind::Instruction);  // off it
  REQUIRE(lab.find_vm("a")->machine->cpu.s.eip != entry);
  REQUIRE_FALSE(add_breakpoint(lab, "a", {BreakKind::Address, entry}));
  StepResult r = step_vm(lab, "a", StepKind::Breakpoint);
  REQUIRE_MESSAGE(r.status == StepStatus::Stopped, r.message);
  CHECK(r.hit == Breakpoint{BreakKind::Address, entry});
  CHECK(r.eip == entry);
  CHECK(lab.find_vm("a")->machine->cpu.s.eip == entry);
  CHECK(r.insns > 1);
  CHECK(clear_breakpoints(lab, "a") == 1);
  CHECK(step_vm(lab, "a", StepKind::Breakpoint).status == StepStatus::Refused);
}

TEST_CASE("debugger: breakpoints parse from the console's words") {
  std::string error;
  auto b = parse_breakpoint({"exit", "IO_INSTRUCTION"}, error);
  REQUIRE(b);
  CHECK(b->value == uint32_t(ExitReason::IO_INSTRUCTION));
  CHECK(describe(*b) == "exit IO_INSTRUCTION");
  b = parse_breakpoint({"syscall", "4"}, error);
  REQUIRE(b);
  CHECK(describe(*b) == "syscall 4 (write)");
  b = parse_breakpoint({"addr", "0xc0100000"}, error);
  REQUIRE(b);
  CHECK(b->value == 0xc0100000u);
  CHECK(describe(*b) == "addr 0xc0100000");
  CHECK_FALSE(parse_breakpoint({"exit", "NAP"}, error));
  CHECK(error.find("exit 'NAP': not an exit reason (EXCEPTION_NMI, ") == 0);
  CHECK_FALSE(parse_breakpoint({"addr", "1234"}, error));
  CHECK(error == "addr '1234': expected a guest address such as 0xc0100000");
  CHECK_FALSE(parse_breakpoint({"addr", "0x1ffffffff"}, error));
  CHECK_FALSE(parse_breakpoint({"syscall", "-1"}, error));
  CHECK_FALSE(parse_breakpoint({"syscall", "4x"}, error));
  CHECK(error == "syscall '4x': expected a system call number from 0 to 1023 or a name such as write");
  // A system call by name, as strace shows it: Linux i386's number.
  b = parse_breakpoint({"syscall", "write"}, error);
  REQUIRE(b);
  CHECK(*b == Breakpoint{BreakKind::Syscall, kWrite});
  b = parse_breakpoint({"syscall", "getpid"}, error);
  REQUIRE(b);
  CHECK(b->value == 20);
  CHECK_FALSE(parse_breakpoint({"syscall", "frobnicate"}, error));
  CHECK(error.find("syscall 'frobnicate': not a system call") == 0);
  CHECK_FALSE(parse_breakpoint({"line", "3"}, error));
}

TEST_CASE("debugger: the console's vm step, vm break and ctr step") {
  Lab lab;
  boot_to_prompt(lab);
  Script s = run(lab,
                 "vm break a exit HLT\n"
                 "vm step a --to break\n"
                 "vm step a --to exit\n"
                 "vm step a\n"
                 "expect vm.a.state == \"paused\"\n"
                 "vm type a \"echo x\\n\"\n"
                 "vm step a --to syscall\n"
                 "vm break a clear\n"
                 "ctr run --name c1 minios echo hi\n"
                 "ctr step c1 --syscall 4\n"
                 "show ctr.c1.logs\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
  CHECK(s.out.find("a: breakpoint exit HLT\na: breakpoint exit HLT after ") == 0);
  CHECK(s.out.find("\na: VM exit ") != std::string::npos);
  CHECK(s.out.find("\na: stepped ") != std::string::npos);
  CHECK(s.out.find("\na: system call ") != std::string::npos);
  CHECK(s.out.find("\na: 1 breakpoints cleared\n") != std::string::npos);
  CHECK(s.out.find("system call 4 (write) = 3") != std::string::npos);
  CHECK(s.out.find("ctr.c1.logs = \"hi\\n\"") != std::string::npos);

  CHECK(parse_command("vm step a --to nowhere").error == "vm step: expected `vm step NAME [--to insn|exit|syscall|break]`");
  CHECK(parse_command("vm break a exit NAP").error.find("vm break: exit 'NAP': not an exit reason") == 0);
  CHECK(parse_command("ctr step c1 --syscall x").error ==
        "ctr step: expected `ctr step NAME [--syscall NR|NAME | --to syscall|break]`: syscall 'x': not a system call "
        "this kernel knows by name (a number from 0 to 1023 also works)");
  CHECK(parse_command("vm step").error == "vm step: missing NAME");
  s = run(lab, "vm step ghost --to exit\n");
  CHECK(s.rc == 2);
  CHECK(s.err == "s.isolab:1: vm step: no VM named 'ghost'\n");
  s = run(lab, "vm step a --to break\n");
  CHECK(s.rc == 2);
}
