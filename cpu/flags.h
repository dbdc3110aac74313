// Lazy arithmetic flags (SDM Vol. 1 3.4.3 and appendix A, "EFLAGS Cross-
// Reference").
//
// An arithmetic instruction records its operation, operand size, operands
// and result in CpuState::lazy instead of computing six flags. Each flag is
// worked out here when something reads it. An instruction whose flag rules
// are not one of the lazy operations (shifts, multiplies, BCD, POPF)
// computes its flags itself and stores them with set_flags(), which makes
// the lazy record FlagOp::Known.
#pragma once
#include "cpu/cpu.h"

namespace isolab::cpu {

inline uint32_t size_mask(int size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
inline uint32_t sign_bit(int size) { return 1u << (8 * size - 1); }

// Record an operation for lazy evaluation. `res` is masked to `size`.
inline void set_lazy(CpuState& s, FlagOp op, int size, uint32_t a, uint32_t b, uint32_t res) {
  s.lazy.op = op;
  s.lazy.size = uint8_t(size);
  s.lazy.a = a;
  s.lazy.b = b;
  s.lazy.res = res;
}

inline bool Cpu::cf() {
  const LazyFlags& l = s.lazy;
  switch (l.op) {
    case FlagOp::Known: return s.eflags & CF;
    case FlagOp::Add: return l.res < l.a;
    case FlagOp::Adc: return l.carry ? l.res <= l.a : l.res < l.a;
    case FlagOp::Sub: return l.a < l.b;
    case FlagOp::Sbb: return l.carry ? l.a <= l.b : l.a < l.b;
    case FlagOp::Logic: return false;
    case FlagOp::Inc:
    case FlagOp::Dec: return l.carry;
    case FlagOp::Neg: return l.res != 0;
  }
  return false;
}

inline bool Cpu::zf() {
  if (s.lazy.op == FlagOp::Known) return s.eflags & ZF;
  return s.lazy.res == 0;
}

inline bool Cpu::sf() {
  if (s.lazy.op == FlagOp::Known) return s.eflags & SF;
  return s.lazy.res & sign_bit(s.lazy.size);
}

inline bool Cpu::of() {
  const LazyFlags& l = s.lazy;
  const uint32_t sb = sign_bit(l.size);
  switch (l.op) {
    case FlagOp::Known: return s.eflags & OF;
    case FlagOp::Add:
    case FlagOp::Adc: return ((l.a ^ l.res) & (l.b ^ l.res)) & sb;
    case FlagOp::Sub:
    case FlagOp::Sbb: return ((l.a ^ l.b) & (l.a ^ l.res)) & sb;
    case FlagOp::Logic: return false;
    case FlagOp::Inc: return l.res == sb;
    case FlagOp::Dec: return l.res == sb - 1;
    case FlagOp::Neg: return l.res == sb;
  }
  return false;
}

inline bool Cpu::pf() {
  if (s.lazy.op == FlagOp::Known) return s.eflags & PF;
  return !__builtin_parity(s.lazy.res & 0xFF);
}

inline bool Cpu::af() {
  const LazyFlags& l = s.lazy;
  switch (l.op) {
    case FlagOp::Known: return s.eflags & AF;
    case FlagOp::Logic: return false;
    default: return (l.a ^ l.b ^ l.res) & 0x10;
  }
}

inline uint32_t Cpu::flags() {
  if (s.lazy.op == FlagOp::Known) return s.eflags;
  uint32_t f = s.eflags & ~ARITH_FLAGS;
  if (cf()) f |= CF;
  if (pf()) f |= PF;
  if (af()) f |= AF;
  if (zf()) f |= ZF;
  if (sf()) f |= SF;
  if (of()) f |= OF;
  return f;
}

inline void Cpu::set_flags(uint32_t value, uint32_t mask) {
  // Replacing every arithmetic flag needs none of the lazy ones worked out.
  uint32_t f = (mask & ARITH_FLAGS) == ARITH_FLAGS ? s.eflags : flags();
  s.eflags = (f & ~mask) | (value & mask) | FLAG_1;
  s.lazy.op = FlagOp::Known;
}

// Condition codes (SDM Vol. 1 appendix B). The common pairs after CMP and
// TEST are answered straight from the operands, without building flags.
inline bool Cpu::cond(int cc) {
  const LazyFlags& l = s.lazy;
  if (l.op != FlagOp::Known) {
    // ZF and SF come from the recorded result whatever the operation:
    // the JNZ closing a DEC-counted loop needs nothing else.
    switch (cc) {
      case 0x4: return l.res == 0;
      case 0x5: return l.res != 0;
      case 0x8: return l.res & sign_bit(l.size);
      case 0x9: return !(l.res & sign_bit(l.size));
      default: break;
    }
  }
  if (l.op == FlagOp::Sub) {
    const uint32_t sb = sign_bit(l.size);
    switch (cc) {
      case 0x2: return l.a < l.b;                             // B
      case 0x3: return l.a >= l.b;                            // AE
      case 0x4: return l.a == l.b;                            // E
      case 0x5: return l.a != l.b;                            // NE
      case 0x6: return l.a <= l.b;                            // BE
      case 0x7: return l.a > l.b;                             // A
      case 0xC: return (l.a ^ sb) < (l.b ^ sb);               // L
      case 0xD: return !((l.a ^ sb) < (l.b ^ sb));            // GE
      case 0xE: return (l.a ^ sb) <= (l.b ^ sb);              // LE
      case 0xF: return (l.a ^ sb) > (l.b ^ sb);               // G
      default: break;
    }
  }
  if (l.op == FlagOp::Logic) {
    // After AND/OR/XOR/TEST: CF = OF = 0, so every condition is about the
    // result alone.
    const bool z = l.res == 0, sgn = l.res & sign_bit(l.size);
    bool r;
    switch (cc >> 1) {
      case 0: r = false; break;           // O
      case 1: r = false; break;           // B
      case 2: r = z; break;               // E
      case 3: r = z; break;               // BE
      case 4: r = sgn; break;             // S
      case 5: r = !__builtin_parity(l.res & 0xFF); break;  // P
      case 6: r = sgn; break;             // L: SF != OF, OF = 0
      default: r = z || sgn; break;       // LE
    }
    return (cc & 1) ? !r : r;
  }
  bool r;
  switch (cc >> 1) {
    case 0: r = of(); break;
    case 1: r = cf(); break;
    case 2: r = zf(); break;
    case 3: r = cf() || zf(); break;
    case 4: r = sf(); break;
    case 5: r = pf(); break;
    case 6: r = sf() != of(); break;
    default: r = zf() || (sf() != of()); break;
  }
  return (cc & 1) ? !r : r;
}

}  // namespace isolab::cpu
