// The session behind the visualizer: scenarios boot, the weights share the
// CPU, and the step controls stop where a debugger user expects.
#include <doctest/doctest.h>

#include "ui/session.h"

using namespace isolab;
using namespace isolab::ui;
using emulator::VmState;

namespace {

std::unique_ptr<Session> open(const char* name) {
  const Scenario* sc = find_scenario(name);
  REQUIRE(sc != nullptr);
  std::string error;
  std::unique_ptr<Session> s = Session::create(*sc, error);
  INFO(error);
  REQUIRE(s != nullptr);
  return s;
}

}  // namespace

TEST_CASE("session: an unknown scenario is not found, and default comes first") {
  CHECK(find_scenario("nosuch") == nullptr);
  CHECK(std::string(scenarios().front().name) == "default");
}

TEST_CASE("session: the default scenario runs two miniOS VMs whose CPU shares follow weights 1 and 3") {
  auto s = open("default");
  REQUIRE(s->slots.size() == 2);
  for (int f = 0; f < 40; f++) s->advance_frame(10, 0);
  const emulator::Vm& vm1 = *s->slots[0].vm;
  const emulator::Vm& vm2 = *s->slots[1].vm;
  CHECK(vm1.state == VmState::Running);
  CHECK(vm2.state == VmState::Running);
  CHECK(vm1.console.find("PID") != std::string::npos);  // ps ran
  CHECK(vm2.console.find("hello from vm2") != std::string::npos);
  // Both spin by now: vm2 retires about three times as many instructions.
  const double ratio = double(vm2.machine->cpu.s.insns) / double(vm1.machine->cpu.s.insns);
  CHECK(ratio > 2.0);
  CHECK(ratio < 3.5);
}

TEST_CASE("session: step to exit pauses the VM after the instruction that left the guest") {
  auto s = open("default");
  s->advance_frame(1, 0);  // booting: exits come every few instructions
  VmSlot& slot = s->slots[0];
  for (int k = 0; k < 20; k++) {
    const uint64_t before = slot.vm->machine->exits.exits;
    const uint64_t traced = slot.exits->total();
    s->step_to_exit(slot);
    // One instruction can leave more than once (a fill for its fetch and
    // one for its data), never more than a handful of times.
    const uint64_t left = slot.vm->machine->exits.exits - before;
    INFO(s->status);
    CHECK(left >= 1);
    CHECK(left <= 3);
    CHECK(slot.exits->total() == traced + left);
    CHECK(slot.vm->state == VmState::Paused);
    INFO(s->status);
    CHECK(s->status.find("VM exit") != std::string::npos);
  }
  // The other VM keeps running; the stepped one stays put.
  const uint64_t insns = slot.vm->machine->cpu.s.insns;
  s->advance_frame(10, 0);
  CHECK(slot.vm->machine->cpu.s.insns == insns);
  CHECK(s->slots[1].vm->state == VmState::Running);
  s->run_all();
  s->advance_frame(10, 0);
  CHECK(slot.vm->machine->cpu.s.insns > insns);
}

TEST_CASE("session: a step from a halted guest runs to the interrupt that wakes it") {
  auto s = open("idle");
  for (int f = 0; f < 40; f++) s->advance_frame(10, 0);
  VmSlot& slot = s->slots[0];
  // At the prompt miniOS waits in HLT for the next timer tick or key.
  s->pause_all();
  for (int k = 0; k < 1000 && !slot.vm->machine->cpu.s.halted; k++) s->step_instruction(slot);
  REQUIRE(slot.vm->machine->cpu.s.halted);
  const uint64_t t0 = slot.vm->machine->now_ns();
  const uint64_t traced = slot.exits->total();
  s->step_to_exit(slot);
  CHECK(slot.vm->machine->now_ns() > t0);
  // The exits of this step: the interrupt's first, at the woken instruction.
  std::vector<trace::Event> step;
  for (const trace::Event& e : slot.exits->recent())
    if (e.seq >= traced) step.push_back(e);
  REQUIRE(!step.empty());
  CHECK(step.size() <= 3);
  CHECK(std::string(step.front().what) == "EXTERNAL_INTERRUPT");
}

TEST_CASE("session: a step that finds no exit within its budget says so") {
  auto s = open("default");
  for (int f = 0; f < 40; f++) s->advance_frame(10, 0);  // spinning: an exit only every timer tick
  VmSlot& slot = s->slots[1];
  const uint64_t insns = slot.vm->machine->cpu.s.insns;
  s->step_to_exit(slot, 1000);
  CHECK(slot.vm->machine->cpu.s.insns == insns + 1000);
  CHECK(s->status.find("no VM exit after 1000 instructions") != std::string::npos);
}

TEST_CASE("session: step instruction retires one instruction") {
  auto s = open("default");
  for (int f = 0; f < 40; f++) s->advance_frame(10, 0);  // spinning: never halted
  VmSlot& slot = s->slots[1];
  const uint64_t insns = slot.vm->machine->cpu.s.insns;
  s->step_instruction(slot);
  CHECK(slot.vm->machine->cpu.s.insns == insns + 1);
  CHECK(slot.vm->state == VmState::Paused);
}
