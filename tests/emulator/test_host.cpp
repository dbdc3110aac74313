// Several VMs on one host: CPU weights decide the share of instructions,
// and a VM that crashes stops alone (DESIGN.md section 4; lessons 3, 4).
#include <doctest/doctest.h>

#include <cstring>

#include "emulator/host.h"

using namespace isolab;
using namespace isolab::emulator;

namespace {

// Put flat 32-bit code at 0x1000 and start there, with an empty IDT so that
// any exception escalates to a triple fault.
void load_code(Machine& m, std::initializer_list<uint8_t> code) {
  std::memcpy(m.ram() + 0x1000, std::data(code), code.size());
  m.cpu.set_flat_protected_mode(0);
  m.cpu.s.eip = 0x1000;
  m.cpu.s.reg[cpu::ESP] = 0x8000;
  m.cpu.s.idtr = {0, 0};
}

MachineConfig small() {
  MachineConfig c;
  c.ram_bytes = 4u << 20;
  return c;
}

}  // namespace

TEST_CASE("host: two busy VMs with CPU weights 1 and 3 retire instructions 1:3") {
  Host host;
  Vm* a = host.add("a", small(), 1);
  Vm* b = host.add("b", small(), 3);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(host.add("a", small(), 1) == nullptr);  // names are unique
  // l: inc eax ; jmp l
  load_code(*a->machine, {0x40, 0xEB, 0xFD});
  load_code(*b->machine, {0x40, 0xEB, 0xFD});
  host.start(*a);
  host.start(*b);
  host.run(50);
  double ratio = double(b->machine->cpu.s.insns) / double(a->machine->cpu.s.insns);
  CHECK(ratio == doctest::Approx(3.0).epsilon(0.02));
  CHECK(a->state == VmState::Running);
}

TEST_CASE("host: a VM that triple-faults stops alone, the other keeps running") {
  Host host;
  Vm* good = host.add("good", small(), 1);
  Vm* bad = host.add("bad", small(), 1);
  load_code(*good->machine, {0x40, 0xEB, 0xFD});
  load_code(*bad->machine, {0x0F, 0x0B});  // ud2, with no IDT to deliver it
  host.start(*good);
  host.start(*bad);
  host.run(10);
  CHECK(bad->state == VmState::Crashed);
  CHECK(bad->machine->exits[ExitReason::TRIPLE_FAULT] == 1);
  uint64_t before = good->machine->cpu.s.insns;
  host.run(10);
  CHECK(good->state == VmState::Running);
  CHECK(good->machine->cpu.s.insns > before);
}

TEST_CASE("host: a paused VM retires nothing until started again") {
  Host host;
  Vm* v = host.add("v", small(), 1);
  load_code(*v->machine, {0x40, 0xEB, 0xFD});
  host.start(*v);
  host.run(2);
  host.pause(*v);
  uint64_t at_pause = v->machine->cpu.s.insns;
  host.run(5);
  CHECK(v->machine->cpu.s.insns == at_pause);
  host.start(*v);
  host.run(1);
  CHECK(v->machine->cpu.s.insns > at_pause);
}
