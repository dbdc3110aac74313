// The x87 FPU (cpu/ops_x87.cpp, ops_x87_control.cpp), instruction by
// instruction against values worked out by hand from the SDM (Vol. 1
// chapters 4 and 8, Vol. 2 each instruction's page): rounding and
// precision control, stack overflow and underflow, compare results in the
// status word and EFLAGS, integer stores out of range, the environment
// images, and the #NM and #MF exceptions.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "cpu/flags.h"
#include "cpu/x87_arith.h"
#include "guest.h"

using namespace isolab::cpu;
using isolab::cpu::test::Guest;

namespace {

constexpr uint32_t CODE = 0x1000, DATA = 0x3000;

// Stops the CPU at the first exception and remembers its vector.
struct Catcher : CpuHooks {
  int vector = -1;
  bool on_exception(Cpu& cpu, uint8_t v, uint32_t, bool) override {
    vector = v;
    cpu.request_stop();
    return true;
  }
};

// A small assembler for the forms the tests use: x87 memory operands are
// [disp32] (ModRM mod 00, rm 101).
struct Code {
  std::vector<uint8_t> b;
  Code& op(std::initializer_list<uint8_t> bytes) {
    b.insert(b.end(), bytes);
    return *this;
  }
  Code& mem(uint8_t opcode, int reg, uint32_t addr) {
    b.push_back(opcode);
    b.push_back(uint8_t(0x05 | reg << 3));
    for (int k = 0; k < 4; k++) b.push_back(uint8_t(addr >> (8 * k)));
    return *this;
  }
  Code& fninit() { return op({0xDB, 0xE3}); }
  Code& fldcw(uint32_t a) { return mem(0xD9, 5, a); }
  Code& fld1() { return op({0xD9, 0xE8}); }
  Code& fld_m64(uint32_t a) { return mem(0xDD, 0, a); }
  Code& fld_m80(uint32_t a) { return mem(0xDB, 5, a); }
  Code& fstp_m80(uint32_t a) { return mem(0xDB, 7, a); }
  Code& fstp_m64(uint32_t a) { return mem(0xDD, 3, a); }
  Code& fnstsw_ax() { return op({0xDF, 0xE0}); }
  Code& hlt() { return op({0xF4}); }
};

struct Fpu {
  Guest g;
  Catcher catcher;
  Fpu() { g.cpu.hooks = &catcher; }
  // Run `c` (ending in HLT) from CODE; returns the exception vector or -1.
  int run(const Code& c) {
    g.poke(CODE, c.b);
    // New code at the same address: drop what was decoded from the old.
    for (uint32_t page = CODE; page < CODE + c.b.size() + 0x1000; page += 0x1000) g.cpu.invalidate_code(page);
    g.cpu.s.eip = CODE;
    g.cpu.s.halted = false;
    catcher.vector = -1;
    g.cpu.run(10000);
    return catcher.vector;
  }
  void poke16(uint32_t a, uint16_t v) { std::memcpy(g.bus.ram() + a, &v, 2); }
  void poke64(uint32_t a, uint64_t v) { std::memcpy(g.bus.ram() + a, &v, 8); }
  void poke_double(uint32_t a, double d) { std::memcpy(g.bus.ram() + a, &d, 8); }
  uint16_t peek16(uint32_t a) {
    uint16_t v;
    std::memcpy(&v, g.bus.ram() + a, 2);
    return v;
  }
  uint64_t peek64(uint32_t a) {
    uint64_t v;
    std::memcpy(&v, g.bus.ram() + a, 8);
    return v;
  }
  F80 peek80(uint32_t a) {
    F80 v;
    std::memcpy(&v.signif, g.bus.ram() + a, 8);
    std::memcpy(&v.sign_exp, g.bus.ram() + a + 8, 2);
    return v;
  }
  const FpuState& f() { return g.cpu.s.fpu; }
  uint16_t fsw() { return fpu_status_word(g.cpu.s.fpu); }
  F80 st(int i) { return f().r[(f().top + i) & 7]; }
};

// Control words: all exceptions masked, 64-bit precision, with RC.
constexpr uint16_t CW_NEAREST = 0x037F, CW_DOWN = 0x077F, CW_UP = 0x0B7F, CW_ZERO = 0x0F7F;

}  // namespace

TEST_CASE("x87: FNINIT state, FLD1 + FLD1 = 2.0 stored as a double") {
  Fpu t;
  // The power-up state (SDM Vol. 3A table 9-1) until FNINIT.
  CHECK(t.f().fcw == 0x0040);
  CHECK(fpu_tag_word(t.f()) == 0x5555);
  Code c;
  c.fninit().fld1().fld1().op({0xDE, 0xC1}).fstp_m64(DATA).hlt();  // faddp st1, st0
  REQUIRE(t.run(c) == -1);
  CHECK(t.peek64(DATA) == 0x4000000000000000ull);
  CHECK(t.f().fcw == 0x037F);
  CHECK(t.fsw() == 0);
  CHECK(fpu_tag_word(t.f()) == 0xFFFF);
}

TEST_CASE("x87: 1/3 under each rounding control (FIDIV m32int, FSTP m80)") {
  struct Case {
    uint16_t cw;
    bool negative;
    uint64_t signif;
  };
  // 1/3 = 1.0101...b x 2^-2: the 64-bit significand AAAA...AAAA and then
  // 1010..., so nearest and up round the last digit up to B, down and
  // toward zero keep A; for -1/3, down rounds the magnitude up.
  const Case cases[] = {
      {CW_NEAREST, false, 0xAAAAAAAAAAAAAAABull}, {CW_DOWN, false, 0xAAAAAAAAAAAAAAAAull},
      {CW_UP, false, 0xAAAAAAAAAAAAAAABull},      {CW_ZERO, false, 0xAAAAAAAAAAAAAAAAull},
      {CW_DOWN, true, 0xAAAAAAAAAAAAAAABull},     {CW_UP, true, 0xAAAAAAAAAAAAAAAAull},
  };
  for (const Case& k : cases) {
    Fpu t;
    t.poke16(DATA + 0x100, k.cw);
    t.g.poke32(DATA + 0x104, 3);
    Code c;
    c.fninit().fldcw(DATA + 0x100).fld1();
    if (k.negative) c.op({0xD9, 0xE0});                     // fchs
    c.mem(0xDA, 6, DATA + 0x104).fnstsw_ax().fstp_m80(DATA).hlt();  // fidiv dword [3]
    REQUIRE(t.run(c) == -1);
    const F80 v = t.peek80(DATA);
    CAPTURE(k.cw);
    CHECK(v.signif == k.signif);
    CHECK(v.sign_exp == ((k.negative ? 0x8000 : 0) | 0x3FFD));
    const uint16_t sw = uint16_t(t.g.cpu.s.reg[EAX]);
    CHECK((sw & FSW_PE));                                    // inexact
    CHECK(bool(sw & FSW_C1) == bool(k.signif & 1));         // C1: FIDIV rounded up (SDM Vol. 1 8.1.3.1)
    CHECK(!(t.fsw() & FSW_C1));                              // FSTP m80 does not round
  }
}

TEST_CASE("x87: precision control rounds FDIV to 24 and 53 bits") {
  const struct {
    uint16_t cw;
    uint64_t signif;
  } cases[] = {{0x007F, 0xAAAAAB0000000000ull}, {0x027F, 0xAAAAAAAAAAAAA800ull}, {0x037F, 0xAAAAAAAAAAAAAAABull}};
  for (const auto& k : cases) {
    Fpu t;
    t.poke16(DATA + 0x100, k.cw);
    t.poke_double(DATA + 0x108, 3.0);
    Code c;
    c.fninit().fldcw(DATA + 0x100).fld1().mem(0xDC, 6, DATA + 0x108).fstp_m80(DATA).hlt();  // fdiv qword
    REQUIRE(t.run(c) == -1);
    CAPTURE(k.cw);
    CHECK(t.peek80(DATA).signif == k.signif);
  }
}

TEST_CASE("x87: stack overflow and underflow, masked: IE, SF, C1 and the indefinite") {
  Fpu t;
  Code c;
  c.fninit();
  for (int k = 0; k < 9; k++) c.fld1();
  c.hlt();
  REQUIRE(t.run(c) == -1);
  // The ninth push finds R(TOP-1) full: overflow, C1 = 1 (SDM Vol. 1 8.5.1.1).
  CHECK((t.fsw() & (FSW_IE | FSW_SF | FSW_C1)) == (FSW_IE | FSW_SF | FSW_C1));
  CHECK(t.st(0) == x87::INDEFINITE);
  CHECK(t.f().top == 7);

  Fpu u;
  Code d;
  d.fninit().op({0xD8, 0xC1}).hlt();  // fadd st0, st1 with both empty
  REQUIRE(u.run(d) == -1);
  CHECK((u.fsw() & (FSW_IE | FSW_SF | FSW_C1)) == (FSW_IE | FSW_SF));  // underflow: C1 = 0
  CHECK(u.st(0) == x87::INDEFINITE);
  CHECK((u.fsw() & FSW_ES) == 0);  // masked: no error summary
}

TEST_CASE("x87: an unmasked stack fault changes nothing and raises #MF at the next waiting instruction") {
  Fpu t;
  t.g.cpu.s.cr0 |= CR0_NE;
  t.poke16(DATA + 0x100, 0x037E);  // IM clear
  Code c;
  c.fninit().fldcw(DATA + 0x100).op({0xD8, 0xC1}).fnstsw_ax().op({0xD9, 0xD0}).hlt();  // fadd; fnstsw ax; fnop
  CHECK(t.run(c) == MF);
  const uint16_t ax = uint16_t(t.g.cpu.s.reg[EAX]);
  CHECK((ax & (FSW_IE | FSW_SF | FSW_ES | FSW_B)) == (FSW_IE | FSW_SF | FSW_ES | FSW_B));
  CHECK(t.f().empty == 0xFF);  // the destination was not written
  // #MF is a fault on the waiting instruction: EIP points at the FNOP.
  CHECK(t.g.cpu.s.eip == CODE + 2 + 6 + 2 + 2);
  // FWAIT delivers it too; FNCLEX clears it.
  Fpu u;
  u.g.cpu.s.cr0 |= CR0_NE;
  u.poke16(DATA + 0x100, 0x037E);
  Code d;
  d.fninit().fldcw(DATA + 0x100).op({0xD8, 0xC1, 0xDB, 0xE2, 0x9B}).hlt();  // fadd; fnclex; fwait
  CHECK(u.run(d) == -1);
  Code e;
  e.op({0xD8, 0xC1, 0x9B}).hlt();  // fadd; fwait
  CHECK(u.run(e) == MF);
}

TEST_CASE("x87: FCOM, FTST and FUCOMPP set C3 C2 C0, FNSTSW AX reads them") {
  const struct {
    double a, b;  // ST(0) = a, ST(1) = b
    uint16_t cc;
  } cases[] = {
      {1.0, 2.0, FSW_C0}, {2.0, 1.0, 0}, {2.0, 2.0, FSW_C3}, {__builtin_nan(""), 1.0, FSW_C3 | FSW_C2 | FSW_C0}};
  for (const auto& k : cases) {
    Fpu t;
    t.poke_double(DATA, k.b);
    t.poke_double(DATA + 8, k.a);
    Code c;
    c.fninit().fld_m64(DATA).fld_m64(DATA + 8).op({0xD8, 0xD1}).fnstsw_ax().hlt();  // fcom st1
    REQUIRE(t.run(c) == -1);
    const uint16_t ax = uint16_t(t.g.cpu.s.reg[EAX]);
    CAPTURE(k.a);
    CHECK((ax & (FSW_C3 | FSW_C2 | FSW_C0)) == k.cc);
    // FCOM signals invalid for any NaN (SDM Vol. 2 "FCOM").
    CHECK(bool(ax & FSW_IE) == (k.cc == (FSW_C3 | FSW_C2 | FSW_C0)));
    CHECK(((ax >> 11) & 7) == 6);  // TOP after two pushes
  }
  Fpu t;
  t.poke_double(DATA, -0.5);
  Code c;
  c.fninit().fld_m64(DATA).op({0xD9, 0xE4}).fnstsw_ax().hlt();  // ftst
  REQUIRE(t.run(c) == -1);
  CHECK((t.g.cpu.s.reg[EAX] & (FSW_C3 | FSW_C2 | FSW_C0)) == FSW_C0);
  // FUCOMPP with a quiet NaN: unordered, no invalid, pops both.
  Fpu u;
  u.poke_double(DATA, __builtin_nan(""));
  Code d;
  d.fninit().fld1().fld_m64(DATA).op({0xDA, 0xE9}).fnstsw_ax().hlt();
  REQUIRE(u.run(d) == -1);
  CHECK((u.g.cpu.s.reg[EAX] & 0xFFFF) == (FSW_C3 | FSW_C2 | FSW_C0));  // TOP back at 0, no IE
  CHECK(u.f().empty == 0xFF);
}

TEST_CASE("x87: FCOMI and FUCOMIP set ZF PF CF and clear OF SF AF") {
  const struct {
    double a, b;
    uint32_t flags;
  } cases[] = {{1.0, 2.0, CF}, {2.0, 1.0, 0}, {3.0, 3.0, ZF}, {__builtin_nan(""), 0.0, ZF | PF | CF}};
  for (const auto& k : cases) {
    Fpu t;
    t.poke_double(DATA, k.b);
    t.poke_double(DATA + 8, k.a);
    Code c;
    // Set OF, SF and AF first with an add that overflows: mov al, 7Fh; add al, 1.
    c.op({0xB0, 0x7F, 0x04, 0x01});
    c.fninit().fld_m64(DATA).fld_m64(DATA + 8).op({0xDF, 0xE9}).hlt();  // fucomip st1
    REQUIRE(t.run(c) == -1);
    CAPTURE(k.a);
    CHECK((t.g.cpu.flags() & (ZF | PF | CF | OF | SF | AF)) == k.flags);
    CHECK(!(t.fsw() & FSW_IE));
    CHECK(t.f().top == 7);  // popped once
  }
  // FCOMI signals invalid on a quiet NaN, FUCOMI does not.
  Fpu t;
  t.poke_double(DATA, __builtin_nan(""));
  Code c;
  c.fninit().fld1().fld_m64(DATA).op({0xDB, 0xF1}).hlt();  // fcomi st1
  REQUIRE(t.run(c) == -1);
  CHECK((t.fsw() & FSW_IE));
  CHECK((t.g.cpu.flags() & (ZF | PF | CF)) == (ZF | PF | CF));
}

TEST_CASE("x87: FIST rounds by RC and stores the integer indefinite when out of range") {
  const struct {
    double v;
    uint16_t cw;
    int32_t expect;
  } cases[] = {
      {2.5, CW_NEAREST, 2}, {3.5, CW_NEAREST, 4}, {2.5, CW_UP, 3}, {2.5, CW_DOWN, 2}, {-2.5, CW_DOWN, -3},
      {-2.5, CW_ZERO, -2},  {-2.5, CW_NEAREST, -2},
  };
  for (const auto& k : cases) {
    Fpu t;
    t.poke_double(DATA, k.v);
    t.poke16(DATA + 0x100, k.cw);
    Code c;
    c.fninit().fldcw(DATA + 0x100).fld_m64(DATA).mem(0xDB, 3, DATA + 0x10).hlt();  // fistp dword
    REQUIRE(t.run(c) == -1);
    CAPTURE(k.v);
    CAPTURE(k.cw);
    CHECK(int32_t(t.g.peek32(DATA + 0x10)) == k.expect);
    CHECK((t.fsw() & FSW_PE));
    CHECK(t.f().empty == 0xFF);
  }
  // 1e10 does not fit 32 bits, 40000 does not fit 16: masked IE, the
  // integer indefinite (SDM Vol. 2 "FIST/FISTP": 80000000H, 8000H).
  Fpu t;
  t.poke_double(DATA, 1e10);
  t.poke_double(DATA + 8, 40000.0);
  Code c;
  c.fninit().fld_m64(DATA).mem(0xDB, 2, DATA + 0x10);                // fist dword
  c.fld_m64(DATA + 8).mem(0xDF, 3, DATA + 0x14).hlt();               // fistp word
  REQUIRE(t.run(c) == -1);
  CHECK(t.g.peek32(DATA + 0x10) == 0x80000000u);
  CHECK(t.peek16(DATA + 0x14) == 0x8000);
  CHECK((t.fsw() & FSW_IE));
  CHECK(t.f().top == 7);  // FIST kept 1e10, FISTP popped 40000
  // Unmasked, the store does not happen and nothing is popped.
  Fpu u;
  u.poke_double(DATA, 1e10);
  u.poke16(DATA + 0x100, 0x037E);
  u.g.poke32(DATA + 0x10, 0x12345678);
  Code d;
  d.fninit().fldcw(DATA + 0x100).fld_m64(DATA).mem(0xDB, 3, DATA + 0x10).hlt();
  REQUIRE(u.run(d) == -1);
  CHECK(u.g.peek32(DATA + 0x10) == 0x12345678u);
  CHECK(u.f().top == 7);
  CHECK((u.fsw() & FSW_ES));
}

TEST_CASE("x87: CR0.EM and CR0.TS raise #NM, WAIT only with MP and TS") {
  for (uint32_t bits : {CR0_EM, CR0_TS, CR0_EM | CR0_MP}) {
    Fpu t;
    t.g.cpu.s.cr0 |= bits;
    Code c;
    c.fld1().hlt();
    CAPTURE(bits);
    CHECK(t.run(c) == NM);
    CHECK(t.g.cpu.s.eip == CODE);
  }
  Fpu t;
  t.g.cpu.s.cr0 |= CR0_TS;
  Code c;
  c.op({0x9B}).hlt();
  CHECK(t.run(c) == -1);  // TS without MP: WAIT runs
  t.g.cpu.s.cr0 |= CR0_MP;
  CHECK(t.run(c) == NM);
  // CLTS clears TS and the FPU works again.
  Fpu u;
  u.g.cpu.s.cr0 |= CR0_TS;
  Code d;
  d.op({0x0F, 0x06}).fninit().fld1().hlt();
  CHECK(u.run(d) == -1);
  CHECK(u.f().top == 7);
}

TEST_CASE("x87: CPUID reports the FPU but not MMX, FXSR or SSE") {
  Fpu t;
  Code c;
  c.op({0xB8, 1, 0, 0, 0, 0x0F, 0xA2}).hlt();
  REQUIRE(t.run(c) == -1);
  const uint32_t edx = t.g.cpu.s.reg[EDX];
  CHECK((edx & 1));
  CHECK(!(edx & (1u << 23)));  // MMX
  CHECK(!(edx & (1u << 24)));  // FXSR
  CHECK(!(edx & (1u << 25)));  // SSE
}

TEST_CASE("x87: FNSTENV stores the 28-byte environment and masks, FLDENV restores it") {
  Fpu t;
  t.poke16(DATA + 0x100, 0x0B72);  // RC up; IM, ZM and OM clear (no exception happens)
  Code c;
  c.fninit().fldcw(DATA + 0x100).fld1();
  const uint32_t fld1_at = CODE + uint32_t(c.b.size()) - 2;
  c.mem(0xD9, 6, DATA).fld1().mem(0xD9, 4, DATA).fnstsw_ax().hlt();  // fnstenv; fld1; fldenv
  REQUIRE(t.run(c) == -1);
  CHECK(t.peek16(DATA) == 0x0B72);         // FCW as it was before FNSTENV masked everything
  CHECK(t.peek16(DATA + 4) == 0x3800);     // FSW: TOP = 7
  CHECK(t.peek16(DATA + 8) == 0x3FFF);     // tags: R7 valid, the rest empty
  CHECK(t.g.peek32(DATA + 12) == fld1_at);  // FIP: the last FLD1
  CHECK(t.g.peek32(DATA + 16) == (0x08u | uint32_t(0x1E8) << 16));  // FCS, FOP = D9 E8 -> 1E8h
  // FLDENV brought back the control word and TOP = 7 (the second FLD1's push is gone from TOP).
  CHECK(t.f().fcw == 0x0B72);
  CHECK(t.f().top == 7);
}

TEST_CASE("x87: FNSAVE stores the registers in stack order and reinitialises, FRSTOR restores") {
  Fpu t;
  t.poke_double(DATA + 0x200, 2.0);
  Code c;
  c.fninit().fld1().fld_m64(DATA + 0x200).mem(0xDD, 6, DATA).hlt();  // fnsave [DATA]
  REQUIRE(t.run(c) == -1);
  CHECK(t.f().fcw == 0x037F);
  CHECK(t.f().empty == 0xFF);
  // ST(0) = 2.0 at offset 28, ST(1) = 1.0 at offset 38.
  CHECK(t.peek80(DATA + 28).sign_exp == 0x4000);
  CHECK(t.peek80(DATA + 28).signif == 0x8000000000000000ull);
  CHECK(t.peek80(DATA + 38).sign_exp == 0x3FFF);
  Code d;
  d.mem(0xDD, 4, DATA).op({0xDE, 0xC1}).fstp_m64(DATA + 0x300).hlt();  // frstor; faddp; fstp
  REQUIRE(t.run(d) == -1);
  double r;
  std::memcpy(&r, t.g.bus.ram() + DATA + 0x300, 8);
  CHECK(r == 3.0);
}

TEST_CASE("x87: FXAM classes, FCHS and FABS, FXCH, FCMOVcc") {
  Fpu t;
  Code c;
  c.fninit().op({0xD9, 0xE5}).fnstsw_ax().hlt();  // fxam on empty
  REQUIRE(t.run(c) == -1);
  CHECK((t.g.cpu.s.reg[EAX] & (FSW_C3 | FSW_C2 | FSW_C0)) == (FSW_C3 | FSW_C0));
  Code d;
  d.fninit().op({0xD9, 0xEE, 0xD9, 0xE0, 0xD9, 0xE5}).fnstsw_ax().hlt();  // fldz; fchs; fxam
  REQUIRE(t.run(d) == -1);
  CHECK((t.g.cpu.s.reg[EAX] & FSW_CC) == (FSW_C3 | FSW_C1));  // zero, negative
  Code e;
  e.fninit().op({0xD9, 0xE8, 0xD9, 0xE0, 0xD9, 0xE1, 0xD9, 0xE5}).fnstsw_ax().hlt();  // fld1 fchs fabs fxam
  REQUIRE(t.run(e) == -1);
  CHECK((t.g.cpu.s.reg[EAX] & FSW_CC) == FSW_C2);  // normal, positive
  // fldz; fld1; fxch st1 -> ST0 = 0, ST1 = 1; stc; fcmovb st0, st1 -> ST0 = 1
  Code f;
  f.fninit().op({0xD9, 0xEE, 0xD9, 0xE8, 0xD9, 0xC9}).hlt();
  REQUIRE(t.run(f) == -1);
  CHECK(t.st(0).exponent() == 0);
  CHECK(t.st(1).exponent() == 0x3FFF);
  Code g;
  g.op({0xF8, 0xDA, 0xC1}).hlt();  // clc; fcmovb: not taken
  REQUIRE(t.run(g) == -1);
  CHECK(t.st(0).exponent() == 0);
  Code h;
  h.op({0xF9, 0xDA, 0xC1}).hlt();  // stc; fcmovb: taken
  REQUIRE(t.run(h) == -1);
  CHECK(t.st(0).exponent() == 0x3FFF);
}

TEST_CASE("x87: FSQRT, FPREM, FSCALE, FXTRACT, FPTAN, FSIN out of range, FLDPI by RC") {
  Fpu t;
  t.poke_double(DATA, 2.0);
  t.poke_double(DATA + 8, 7.0);
  t.poke_double(DATA + 16, 0x1p70);
  Code c;
  c.fninit().fld_m64(DATA).op({0xD9, 0xFA}).fstp_m64(DATA + 0x40);               // sqrt(2)
  c.fld_m64(DATA).fld_m64(DATA + 8).op({0xD9, 0xF8}).fstp_m64(DATA + 0x48);      // 7 rem 2
  c.op({0xD9, 0xFD}).fstp_m64(DATA + 0x50);                                      // fscale, ST(1) empty
  c.hlt();
  REQUIRE(t.run(c) == -1);
  double r;
  std::memcpy(&r, t.g.bus.ram() + DATA + 0x40, 8);
  CHECK(r == 1.4142135623730951);
  std::memcpy(&r, t.g.bus.ram() + DATA + 0x48, 8);
  CHECK(r == 1.0);
  // After FSTP the stack holds 2.0 alone, so FSCALE found ST(1) empty:
  // a masked underflow, ST(0) = indefinite, stored as the double QNaN.
  CHECK(t.peek64(DATA + 0x50) == 0xFFF8000000000000ull);
  CHECK((t.fsw() & (FSW_IE | FSW_SF)) == (FSW_IE | FSW_SF));

  Fpu u;
  u.poke_double(DATA, 3.0);
  u.poke_double(DATA + 8, 10.0);
  u.poke_double(DATA + 16, 0x1p70);
  Code d;
  d.fninit().fld_m64(DATA).fld_m64(DATA + 8).op({0xD9, 0xFD}).fstp_m64(DATA + 0x40);  // 10 * 2^3
  d.op({0xDD, 0xD8});                                                                 // fstp st0 (drop 3)
  d.fld_m64(DATA + 8).op({0xD9, 0xF4}).fstp_m64(DATA + 0x48).fstp_m64(DATA + 0x50);   // fxtract 10
  d.fld_m64(DATA).op({0xD9, 0xF2}).fstp_m64(DATA + 0x58).fnstsw_ax();                 // fptan: pushes 1.0
  d.op({0xDD, 0xD8});
  d.fld_m64(DATA + 16).op({0xD9, 0xFE}).hlt();                                        // fsin 2^70
  REQUIRE(u.run(d) == -1);
  std::memcpy(&r, u.g.bus.ram() + DATA + 0x40, 8);
  CHECK(r == 80.0);
  std::memcpy(&r, u.g.bus.ram() + DATA + 0x48, 8);
  CHECK(r == 1.25);  // significand of 10 = 1.25 x 2^3
  std::memcpy(&r, u.g.bus.ram() + DATA + 0x50, 8);
  CHECK(r == 3.0);
  std::memcpy(&r, u.g.bus.ram() + DATA + 0x58, 8);
  CHECK(r == 1.0);
  CHECK(!(u.g.cpu.s.reg[EAX] & FSW_C2));
  CHECK((u.fsw() & FSW_C2));  // |x| >= 2^63: out of range, operand kept
  CHECK(u.st(0).exponent() == 0x3FFF + 70);

  // FLDPI: pi's 66-bit internal value rounds to ...C235 (nearest, up) or
  // ...C234 (down, toward zero) (SDM Vol. 1 8.3.8).
  for (uint16_t cw : {CW_NEAREST, CW_DOWN}) {
    Fpu v;
    v.poke16(DATA + 0x100, cw);
    Code e;
    e.fninit().fldcw(DATA + 0x100).op({0xD9, 0xEB}).fstp_m80(DATA).hlt();
    REQUIRE(v.run(e) == -1);
    CHECK(v.peek80(DATA).signif == (cw == CW_NEAREST ? 0xC90FDAA22168C235ull : 0xC90FDAA22168C234ull));
  }
}

TEST_CASE("x87: FDECSTP, FINCSTP and FFREE move TOP and tags only") {
  Fpu t;
  Code c;
  c.fninit().fld1().op({0xD9, 0xF6, 0xD9, 0xF6, 0xD9, 0xF7}).hlt();  // fld1; fdecstp x2; fincstp
  REQUIRE(t.run(c) == -1);
  CHECK(t.f().top == 6);
  CHECK(t.f().empty == 0x7F);
  Code d;
  d.op({0xDD, 0xC1}).hlt();  // ffree st1 (R7)
  REQUIRE(t.run(d) == -1);
  CHECK(t.f().empty == 0xFF);
}

TEST_CASE("x87: undefined escape encodings raise #UD and FISTTP (SSE3) is not there") {
  for (std::initializer_list<uint8_t> bytes : {std::initializer_list<uint8_t>{0xD9, 0xD1},
                                               {0xD9, 0xE2}, {0xDB, 0xE5}, {0xDF, 0xF8}, {0xD9, 0x08}}) {
    Fpu t;
    Code c;
    c.fninit().op(bytes).hlt();
    CHECK(t.run(c) == UD);
  }
  Fpu t;
  Code c;
  c.fninit().fld1().mem(0xDB, 1, DATA).hlt();  // fisttp dword
  CHECK(t.run(c) == UD);
}
