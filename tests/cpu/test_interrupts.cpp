// External interrupts: taken at instruction boundaries, held off for one
// instruction after STI (SDM Vol. 3A 6.8.3), and between the iterations of a
// REP string instruction with a state that resumes it (SDM Vol. 1 7.3.9.2).
#include <doctest/doctest.h>

#include "guest.h"

using namespace isolab::cpu;

namespace {

struct Line : InterruptSource {
  bool asserted = false;
  uint8_t vector = 8;
  int acks = 0;
  bool pending() override { return asserted; }
  uint8_t acknowledge() override {
    acks++;
    asserted = false;
    return vector;
  }
};

struct Seen : CpuHooks {
  uint32_t eip_at_interrupt = 0;
  uint64_t insns_at_interrupt = 0;
  void on_external_interrupt(Cpu& c, uint8_t) override {
    eip_at_interrupt = c.s.eip;
    insns_at_interrupt = c.s.insns;
  }
};

// A real-mode CPU at 0000:1000 with vector 8 pointing at 0000:2000 (HLT).
struct RealGuest {
  RamBus bus{1u << 20};
  Cpu cpu{bus};
  Line line;
  Seen seen;
  RealGuest() {
    for (int s = 0; s < 6; s++) cpu.load_segment_real(s, 0);
    cpu.s.eip = 0x1000;
    cpu.s.reg[ESP] = 0x8000;
    cpu.intc = &line;
    cpu.hooks = &seen;
    bus.ram()[8 * 4 + 0] = 0x00;
    bus.ram()[8 * 4 + 1] = 0x20;  // IP = 0x2000
    bus.ram()[8 * 4 + 2] = 0x00;
    bus.ram()[8 * 4 + 3] = 0x00;  // CS = 0
    bus.ram()[0x2000] = 0xF4;     // hlt
  }
  void code(std::initializer_list<uint8_t> bytes) { std::memcpy(bus.ram() + 0x1000, std::data(bytes), bytes.size()); }
  uint16_t stack16(int k) { return uint16_t(bus.ram()[0x8000 - 6 + 2 * k] | bus.ram()[0x8000 - 6 + 2 * k + 1] << 8); }
};

}  // namespace

TEST_CASE("interrupts: held off by IF=0, taken after the instruction that follows STI") {
  RealGuest g;
  // cli ; nop ; sti ; nop ; nop ; nop
  g.code({0xFA, 0x90, 0xFB, 0x90, 0x90, 0x90});
  g.line.asserted = true;
  g.cpu.run(2);  // cli, nop: masked
  CHECK(g.line.acks == 0);
  g.cpu.run(20);
  CHECK(g.line.acks == 1);
  // STI at 0x1002, the shadowed NOP at 0x1003: the interrupt comes at 0x1004.
  CHECK(g.seen.eip_at_interrupt == 0x1004);
  CHECK(g.cpu.s.eip == 0x2001);  // ran the handler's HLT
  CHECK(g.stack16(0) == 0x1004);  // return IP pushed
  CHECK(g.cpu.s.halted);
}

TEST_CASE("interrupts: a REP STOSB is interrupted between iterations and resumes where it stopped") {
  RealGuest g;
  // sti ; nop ; mov cx, 1000 ; mov di, 0x4000 ; mov al, 0xAB ; rep stosb ; hlt
  g.code({0xFB, 0x90, 0xB9, 0xE8, 0x03, 0xBF, 0x00, 0x40, 0xB0, 0xAB, 0xF3, 0xAA, 0xF4});
  g.cpu.run(5 + 100);  // five instructions, then a hundred iterations
  CHECK(g.cpu.s.eip == 0x100A);  // still at the REP STOSB
  CHECK((g.cpu.s.reg[ECX] & 0xFFFF) == 900);
  CHECK((g.cpu.s.reg[EDI] & 0xFFFF) == 0x4064);
  g.line.asserted = true;
  g.cpu.run(1);
  CHECK(g.line.acks == 1);
  CHECK(g.seen.eip_at_interrupt == 0x100A);
  CHECK(g.stack16(0) == 0x100A);  // IRET will restart the REP STOSB
  CHECK((g.cpu.s.reg[ECX] & 0xFFFF) == 900);
  CHECK(g.bus.ram()[0x4063] == 0xAB);
  CHECK(g.bus.ram()[0x4064] == 0x00);
}

TEST_CASE("interrupts: a REP instruction counts one retired unit per iteration") {
  RealGuest g;
  // mov cx, 10 ; rep stosb ; hlt
  g.code({0xB9, 0x0A, 0x00, 0xF3, 0xAA, 0xF4});
  StopReason r = g.cpu.run(1000);
  CHECK(r == StopReason::Halted);
  CHECK(g.cpu.s.insns == 1 + 10 + 1);
}

TEST_CASE("interrupts: HLT with IF=1 waits, and an interrupt wakes the CPU") {
  RealGuest g;
  // sti ; hlt ; mov ax, 7
  g.code({0xFB, 0xF4, 0xB8, 0x07, 0x00});
  CHECK(g.cpu.run(100) == StopReason::Halted);
  CHECK(g.cpu.s.eip == 0x1002);
  g.line.asserted = true;
  g.cpu.run(1);
  CHECK(g.line.acks == 1);
  CHECK(g.stack16(0) == 0x1002);  // returns after the HLT
}

TEST_CASE("interrupts: a guest whose #UD handler is itself #UD still uses up its budget") {
  RealGuest g;
  // IVT[6] -> 0000:3000, where another UD2 waits.
  g.bus.ram()[6 * 4 + 0] = 0x00;
  g.bus.ram()[6 * 4 + 1] = 0x30;
  g.bus.ram()[6 * 4 + 2] = 0x00;
  g.bus.ram()[6 * 4 + 3] = 0x00;
  g.bus.ram()[0x3000] = 0x0F;
  g.bus.ram()[0x3001] = 0x0B;
  g.code({0x0F, 0x0B});
  g.cpu.s.reg[ESP] = 0x7000;
  CHECK(g.cpu.run(1000) == StopReason::Budget);
  CHECK(g.cpu.stats.exceptions >= 100);
}

TEST_CASE("interrupts: single-stepping traps after an instruction that ends its block") {
  RealGuest g;
  // IVT[1] -> 0000:2000 (HLT). TF set; CLI ends its decoded block.
  g.bus.ram()[1 * 4 + 0] = 0x00;
  g.bus.ram()[1 * 4 + 1] = 0x20;
  g.bus.ram()[1 * 4 + 2] = 0x00;
  g.bus.ram()[1 * 4 + 3] = 0x00;
  g.code({0xFA, 0x90});  // cli ; nop
  g.cpu.s.eflags |= TF;
  g.cpu.run(1);
  CHECK(g.cpu.s.eip == 0x2000);    // in the #DB handler
  CHECK(g.stack16(0) == 0x1001);   // returning after the CLI
  CHECK((g.cpu.s.dr[6] & (1u << 14)) != 0);
}
