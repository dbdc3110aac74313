// Multiply and divide: MUL IMUL DIV IDIV (SDM Vol. 2 "MUL", "IMUL", "DIV",
// "IDIV"). Division by zero and a quotient that does not fit raise #DE
// before anything is written. SF, ZF, AF and PF are undefined after
// MUL/IMUL; isolab sets SF, ZF and PF from the low half of the result and
// clears AF, and the differential test masks them (tests/cpu/undefined_flags).
#include "cpu/ops.h"

namespace isolab::cpu {

static inline void mul_flags(Cpu& c, int size, uint32_t low, bool overflow) {
  uint32_t f = 0;
  if (overflow) f |= CF | OF;
  uint32_t m = size_mask(size);
  if ((low & m) == 0) f |= ZF;
  if (low & sign_bit(size)) f |= SF;
  if (!__builtin_parity(low & 0xFF)) f |= PF;
  c.set_flags(f, ARITH_FLAGS);
}

template <int S>
static void h_mul(Cpu& c, const Insn& i) {
  uint64_t src = read_rm<S>(c, i);
  if constexpr (S == 1) {
    uint32_t r = uint32_t(c.r8(0)) * uint32_t(src);
    c.r16(EAX) = uint16_t(r);
    mul_flags(c, 1, r, (r >> 8) != 0);
  } else if constexpr (S == 2) {
    uint32_t r = uint32_t(c.r16(EAX)) * uint32_t(src);
    c.r16(EAX) = uint16_t(r);
    c.r16(EDX) = uint16_t(r >> 16);
    mul_flags(c, 2, r, (r >> 16) != 0);
  } else {
    uint64_t r = uint64_t(c.r32(EAX)) * src;
    c.r32(EAX) = uint32_t(r);
    c.r32(EDX) = uint32_t(r >> 32);
    mul_flags(c, 4, uint32_t(r), (r >> 32) != 0);
  }
}

template <int S>
static inline int64_t sext(uint32_t v) {
  if constexpr (S == 1) return int8_t(v);
  else if constexpr (S == 2) return int16_t(v);
  else return int32_t(v);
}

// One-operand IMUL: AX = AL * r/m8, DX:AX = AX * r/m16, EDX:EAX = EAX * r/m32.
template <int S>
static void h_imul1(Cpu& c, const Insn& i) {
  int64_t src = sext<S>(read_rm<S>(c, i));
  int64_t a = sext<S>(get_reg<S>(c, EAX));
  int64_t r = a * src;
  bool overflow = r != sext<S>(uint32_t(r));
  if constexpr (S == 1) {
    c.r16(EAX) = uint16_t(r);
  } else if constexpr (S == 2) {
    c.r16(EAX) = uint16_t(r);
    c.r16(EDX) = uint16_t(uint64_t(r) >> 16);
  } else {
    c.r32(EAX) = uint32_t(r);
    c.r32(EDX) = uint32_t(uint64_t(r) >> 32);
  }
  mul_flags(c, S, uint32_t(r), overflow);
}

// Two- and three-operand IMUL: reg = r/m * (reg | imm), truncated.
template <int S, bool IMM>
static void h_imul_r(Cpu& c, const Insn& i) {
  int64_t a = sext<S>(read_rm<S>(c, i));
  int64_t b = IMM ? sext<S>(i.imm) : sext<S>(get_reg<S>(c, i.reg));
  int64_t r = a * b;
  bool overflow = r != sext<S>(uint32_t(r));
  set_reg<S>(c, i.reg, uint32_t(r));
  mul_flags(c, S, uint32_t(r), overflow);
}

template <int S>
static void h_div(Cpu& c, const Insn& i) {
  uint64_t d = read_rm<S>(c, i);
  if (d == 0) c.fault(DE);
  uint64_t n;
  if constexpr (S == 1) n = c.r16(EAX);
  else if constexpr (S == 2) n = (uint32_t(c.r16(EDX)) << 16) | c.r16(EAX);
  else n = (uint64_t(c.r32(EDX)) << 32) | c.r32(EAX);
  uint64_t q = n / d, r = n % d;
  if (q > size_mask(S)) c.fault(DE);
  if constexpr (S == 1) {
    c.r8(0) = uint8_t(q);
    c.r8(4) = uint8_t(r);
  } else {
    set_reg<S>(c, EAX, uint32_t(q));
    set_reg<S>(c, EDX, uint32_t(r));
  }
}

template <int S>
static void h_idiv(Cpu& c, const Insn& i) {
  int64_t d = sext<S>(read_rm<S>(c, i));
  if (d == 0) c.fault(DE);
  int64_t n;
  if constexpr (S == 1) n = int16_t(c.r16(EAX));
  else if constexpr (S == 2) n = int32_t((uint32_t(c.r16(EDX)) << 16) | c.r16(EAX));
  else n = int64_t((uint64_t(c.r32(EDX)) << 32) | c.r32(EAX));
  // INT64_MIN / -1 cannot happen for S <= 4: n fits in 64 bits with room.
  int64_t q = n / d, r = n % d;
  const int64_t qmax = int64_t(sign_bit(S)) - 1, qmin = -int64_t(sign_bit(S));
  if (q > qmax || q < qmin) c.fault(DE);
  if constexpr (S == 1) {
    c.r8(0) = uint8_t(q);
    c.r8(4) = uint8_t(r);
  } else {
    set_reg<S>(c, EAX, uint32_t(q));
    set_reg<S>(c, EDX, uint32_t(r));
  }
}

void register_mul_div(OpTable& t) {
  OpEntry* f6 = def_group(t, 0xF6, IMM_B, 0x03);
  OpEntry* f7 = def_group(t, 0xF7, IMM_Z, 0x03);
  def_in_group(f6, 4, h_mul<1>, h_mul<1>);
  def_in_group(f7, 4, h_mul<2>, h_mul<4>);
  def_in_group(f6, 5, h_imul1<1>, h_imul1<1>);
  def_in_group(f7, 5, h_imul1<2>, h_imul1<4>);
  def_in_group(f6, 6, h_div<1>, h_div<1>);
  def_in_group(f7, 6, h_div<2>, h_div<4>);
  def_in_group(f6, 7, h_idiv<1>, h_idiv<1>);
  def_in_group(f7, 7, h_idiv<2>, h_idiv<4>);
  def(t, 0x1AF, h_imul_r<2, false>, h_imul_r<4, false>, 1);
  def(t, 0x69, h_imul_r<2, true>, h_imul_r<4, true>, 1, IMM_Z);
  def(t, 0x6B, h_imul_r<2, true>, h_imul_r<4, true>, 1, IMM_BS);
}

}  // namespace isolab::cpu
