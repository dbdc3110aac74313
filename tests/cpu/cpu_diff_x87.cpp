// The x87 test-case generator; see cpu_diff_x87.h. Encodings follow the
// SDM Vol. 2 opcode map for the escapes (A.5, tables ).
#include "cpu_diff_x87.h"

#include "cpu/fpu.h"

namespace isolab::cpu::test {

namespace {
constexpr uint32_t SLOTS_LO = DATA_LO + 0x100;  // operand slots (the stack area is avoided)
constexpr uint32_t SLOTS = 96;                  // 16 bytes each, below STACK_LO
}  // namespace

// What the final status word is compared on: TOP, the stack-fault and
// summary bits, and the condition codes the last instruction defined (C1
// only where it is not the round-up bit). Not compared, with the reasons:
// - C1 as the round-up bit (SDM Vol. 1 8.1.3.1) after arithmetic, loads
//   and stores: Unicorn 2.0.1 (QEMU 5.0) never sets it.
// - The exception flags IE DE ZE OE UE PE: QEMU 5.0's x87 helpers do not
//   pass softfloat's flags on to the status word (QEMU 5.1 added that), and
//   raise ZE, not IE, for 0/0 (SDM Vol. 1 4.9.1.2: 0/0 is an invalid
//   operation). test_x87.cpp checks the flags against the SDM instead.
uint16_t X87Generator::fsw_compared() const {
  return uint16_t(FSW_TOP | FSW_SF | FSW_ES | FSW_B | cc_defined_);
}

void X87Generator::modrm_mem(uint8_t opcode, int reg, uint32_t addr) {
  b(opcode);
  b(uint8_t(0x05 | reg << 3));
  imm32(addr);
}

void X87Generator::poke32(uint32_t addr, uint32_t v) {
  b(0xC7);
  b(0x05);
  imm32(addr);
  imm32(v);
}

uint32_t X87Generator::slot() { return SLOTS_LO + 16 * r_.below(SLOTS); }

// A float with an exponent within 2^+-20 (or a small integer, or zero).
uint32_t X87Generator::random_float() {
  if (r_.chance(10)) return r_.chance(50) ? 0 : 0x80000000u;
  const uint32_t sign = r_.chance(50) ? 0x80000000u : 0;
  if (r_.chance(20)) {
    float f = float(int(r_.below(41)) - 20);
    uint32_t bits;
    __builtin_memcpy(&bits, &f, 4);
    return bits;
  }
  const uint32_t exp = 127 - 20 + r_.below(41);
  return sign | exp << 23 | (r_.u32() & 0x7FFFFF);
}

// A double with an exponent within 2^+-40.
uint64_t X87Generator::random_double() {
  if (r_.chance(10)) return r_.chance(50) ? 0 : 0x8000000000000000ull;
  const uint64_t sign = r_.chance(50) ? 0x8000000000000000ull : 0;
  const uint64_t exp = 1023 - 40 + r_.below(81);
  return sign | exp << 52 | (r_.next() & 0xFFFFFFFFFFFFFull);
}

void X87Generator::push_value() {
  const uint32_t a = slot();
  switch (r_.below(8)) {
    case 0:
      poke32(a, random_float());
      modrm_mem(0xD9, 0, a);  // fld dword
      break;
    case 1: {
      const uint64_t d = random_double();
      poke32(a, uint32_t(d)), poke32(a + 4, uint32_t(d >> 32));
      modrm_mem(0xDD, 0, a);  // fld qword
      break;
    }
    case 2: {  // fld tword: a normal extended value within 2^+-40
      poke32(a, r_.u32()), poke32(a + 4, r_.u32() | 0x80000000u);
      poke32(a + 8, (r_.chance(50) ? 0x8000u : 0) | (0x3FFF - 40 + r_.below(81)));
      modrm_mem(0xDB, 5, a);
      break;
    }
    case 3:
      poke32(a, r_.interesting());
      modrm_mem(0xDF, 0, a);  // fild word
      break;
    case 4:
      poke32(a, r_.interesting());
      modrm_mem(0xDB, 0, a);  // fild dword
      break;
    case 5:
      poke32(a, r_.interesting()), poke32(a + 4, r_.chance(50) ? 0 : r_.interesting());
      modrm_mem(0xDF, 5, a);  // fild qword
      break;
    default:
      // fld1 fldl2t fldl2e fldpi fldlg2 fldln2 fldz. The five inexact
      // constants are rounded by RC (SDM Vol. 1 8.3.8); QEMU 5.0 always
      // loads them rounded to nearest, so they are drawn only then.
      if (rc_ == 0) b(0xD9), b(uint8_t(0xE8 + r_.below(7)));
      else b(0xD9), b(r_.chance(50) ? 0xE8 : 0xEE);
  }
  depth_++;
  cc_defined_ = 0;
}

void X87Generator::start() {
  b(0xDB), b(0xE3);  // fninit
  const uint32_t a = slot();
  rc_ = int(r_.below(4));
  poke32(a, 0x037Fu | uint32_t(rc_) << 10);  // a random RC
  modrm_mem(0xD9, 5, a);                    // fldcw
  depth_ = 0;
  const int n = 1 + int(r_.below(4));
  for (int k = 0; k < n; k++) push_value();
}

void X87Generator::arith_reg() {
  static const int ops[6] = {0, 1, 4, 5, 6, 7};  // add mul sub subr div divr
  const int op = ops[r_.below(6)];
  const uint32_t form = r_.below(3);
  if (form == 2 && depth_ >= 2) {
    b(0xDE), b(uint8_t(0xC0 | op << 3 | (1 + r_.below(uint32_t(depth_ - 1)))));  // f<op>p st(i), st0
    depth_--;
  } else {
    b(form == 0 ? 0xD8 : 0xDC), b(uint8_t(0xC0 | op << 3 | r_.below(uint32_t(depth_))));
  }
  cc_defined_ = 0;
}

void X87Generator::arith_mem() {
  static const int ops[6] = {0, 1, 4, 5, 6, 7};
  const int op = ops[r_.below(6)];
  const uint32_t a = slot();
  switch (r_.below(4)) {
    case 0: poke32(a, random_float()), modrm_mem(0xD8, op, a); break;
    case 1: {
      const uint64_t d = random_double();
      poke32(a, uint32_t(d)), poke32(a + 4, uint32_t(d >> 32));
      modrm_mem(0xDC, op, a);
      break;
    }
    case 2: poke32(a, r_.interesting()), modrm_mem(0xDA, op, a); break;
    default: poke32(a, r_.interesting()), modrm_mem(0xDE, op, a); break;
  }
  cc_defined_ = 0;
}

void X87Generator::fnstsw_ax_masked() {
  b(0xDF), b(0xE0);        // fnstsw ax
  b(0x66), b(0x25);        // and ax, imm16
  const uint16_t m = fsw_compared();
  b(uint8_t(m)), b(uint8_t(m >> 8));
}

void X87Generator::compare() {
  const uint32_t i = r_.below(uint32_t(depth_));
  bool eflags = false;
  switch (r_.below(9)) {
    case 0: b(0xD8), b(uint8_t(0xD0 + i)); break;                           // fcom st(i)
    case 1: b(0xD8), b(uint8_t(0xD8 + i)), depth_--; break;                 // fcomp st(i)
    case 2: b(0xDD), b(uint8_t((r_.chance(50) ? 0xE0 : 0xE8) + i)); if (code.back() >= 0xE8) depth_--; break;  // fucom(p)
    case 3:
      if (depth_ < 2) return compare();
      b(r_.chance(50) ? 0xDE : 0xDA), b(code.back() == 0xDE ? 0xD9 : 0xE9);  // fcompp / fucompp
      depth_ -= 2;
      break;
    case 4: b(0xDB), b(uint8_t((r_.chance(50) ? 0xF0 : 0xE8) + i)), eflags = true; break;  // f(u)comi
    case 5: b(0xDF), b(uint8_t((r_.chance(50) ? 0xF0 : 0xE8) + i)), eflags = true, depth_--; break;  // f(u)comip
    case 6: b(0xD9), b(0xE4); break;  // ftst
    case 7: {                         // fcom(p) with a memory operand
      const uint32_t a = slot();
      const int reg = 2 + int(r_.below(2));
      switch (r_.below(3)) {
        case 0: poke32(a, random_float()), modrm_mem(0xD8, reg, a); break;
        case 1: {
          const uint64_t d = random_double();
          poke32(a, uint32_t(d)), poke32(a + 4, uint32_t(d >> 32));
          modrm_mem(0xDC, reg, a);
          break;
        }
        default: poke32(a, r_.interesting()), modrm_mem(0xDA, reg, a); break;
      }
      if (reg == 3) depth_--;
      break;
    }
    default:
      b(0xD9), b(0xE5);  // fxam
      cc_defined_ = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;
      fnstsw_ax_masked();
      return;
  }
  // FCOM and the rest define C0 C2 C3. After FCOMI they are undefined and
  // C1 is 0 (SDM Vol. 1 table 8-6), which QEMU 5.0 leaves as it was: the
  // result is compared in EFLAGS instead.
  cc_defined_ = eflags ? 0 : FSW_C0 | FSW_C2 | FSW_C3;
  fnstsw_ax_masked();
}

void X87Generator::store() {
  const uint32_t a = slot();
  static const struct {
    uint8_t opcode, reg;
    bool pops;
  } forms[] = {{0xD9, 2, false}, {0xD9, 3, true}, {0xDD, 2, false}, {0xDD, 3, true}, {0xDB, 7, true},
               {0xDF, 2, false}, {0xDF, 3, true}, {0xDB, 2, false}, {0xDB, 3, true}, {0xDF, 7, true}};
  // FBSTP (DF /6) is not drawn: QEMU 5.0 (helper_fbst) stores a negative
  // value that rounds to zero as +0, where the x87 keeps the sign (-0 has
  // sign byte 80h, SDM Vol. 1 4.7).
  const uint32_t pick = r_.below(12);
  if (pick < 10) {
    modrm_mem(forms[pick].opcode, forms[pick].reg, a);
    if (forms[pick].pops) depth_--;
  } else if (pick == 10) {
    const uint32_t i = r_.below(uint32_t(depth_));
    const bool pops = r_.chance(50);
    b(0xDD), b(uint8_t((pops ? 0xD8 : 0xD0) + i));  // fst(p) st(i)
    if (pops) depth_--;
  } else {
    modrm_mem(0xD9, 7, a);  // fnstcw
    return;
  }
  cc_defined_ = 0;
}

void X87Generator::one_operand() {
  const uint32_t i = r_.below(uint32_t(depth_));
  switch (r_.below(8)) {
    case 0: b(0xD9), b(0xE0); break;  // fchs
    case 1: b(0xD9), b(0xE1); break;  // fabs
    case 2: b(0xD9), b(0xFA); break;  // fsqrt
    case 3: b(0xD9), b(0xFC); break;  // frndint
    case 4: b(0xD9), b(uint8_t(0xC8 + i)); break;  // fxch st(i)
    case 5:
      if (depth_ == 8) return one_operand();
      b(0xD9), b(uint8_t(0xC0 + i)), depth_++;  // fld st(i)
      break;
    case 6: b(r_.chance(50) ? 0xDA : 0xDB), b(uint8_t(0xC0 | r_.below(4) << 3 | i)); break;  // fcmovcc
    default: b(0xD9), b(0xF6), b(0xD9), b(0xF7); break;  // fdecstp; fincstp
  }
  cc_defined_ = 0;
}

// Not drawn, because Unicorn 2.0.1 (QEMU 5.0) computes them otherwise than
// the SDM says; QEMU 5.1 rewrote each on floatx80:
// - FPREM, FPREM1: in host double precision (helper_fprem), so remainders
//   lose bits, and x rem 0 is +NaN where the x87 gives the negative QNaN
//   indefinite (#IA, SDM Vol. 2 "FPREM").
// - FXTRACT: infinity, zero and NaN are treated as ordinary numbers
//   (fxtract of +inf gives 1.0 and 2^14 there, +inf and +inf on the x87).
// - FSCALE: 0 * 2^+inf is 0 there and the invalid-operation indefinite on
//   the x87 (SDM Vol. 2 "FSCALE", "FSCALE Results").
// - FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1: evaluated
//   with the host's double-precision libm.
// test_x87.cpp checks these instructions against values from the SDM.

void X87Generator::random_instruction() {
  random_insns++;
  if (depth_ == 0 || (depth_ < 8 && r_.chance(15))) return push_value();
  switch (r_.below(10)) {
    case 0: case 1: arith_reg(); break;
    case 2: case 3: arith_mem(); break;
    case 4: case 5: compare(); break;
    case 6: case 7: store(); break;
    default: one_operand(); break;
  }
}

}  // namespace isolab::cpu::test
