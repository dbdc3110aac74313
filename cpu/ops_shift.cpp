// Shifts and rotates: ROL ROR RCL RCR SHL SHR SAR (group 2: C0 C1 D0-D3)
// and the double shifts SHLD SHRD (SDM Vol. 2 "RCL/RCR/ROL/ROR",
// "SAL/SAR/SHL/SHR", "SHLD", "SHRD").
//
// The count is masked to 5 bits; a masked count of 0 changes nothing, not
// even flags. OF is defined only for 1-bit shifts and AF never: isolab
// applies the 1-bit formula to every count, and the undefined-flag table
// masks them in the differential test.
#include "cpu/ops.h"

namespace isolab::cpu {

enum ShiftOp { ROL, ROR, RCL, RCR, SHL, SHR, SAL, SAR };

// Compute result and new arithmetic flags of a group-2 operation. Returns
// false when the count is 0 (no change at all).
template <int S, int OP>
static inline bool shift_apply(Cpu& c, uint32_t v, uint32_t count, uint32_t& res, uint32_t& fl, uint32_t& mask) {
  constexpr int bits = 8 * S;
  const uint32_t m = size_mask(S), msb = sign_bit(S);
  count &= 31;
  if (count == 0) return false;
  uint32_t f = 0;
  switch (OP) {
    case ROL: {
      uint32_t n = count % bits;
      res = ((v << n) | (n ? v >> (bits - n) : 0)) & m;
      bool cf = res & 1;
      if (cf) f |= CF;
      if (bool(res & msb) != cf) f |= OF;
      mask = CF | OF;
      break;
    }
    case ROR: {
      uint32_t n = count % bits;
      res = ((v >> n) | (n ? v << (bits - n) : 0)) & m;
      if (res & msb) f |= CF;
      if (bool(res & msb) != bool(res & (msb >> 1))) f |= OF;
      mask = CF | OF;
      break;
    }
    case RCL: {
      const bool cf_in = c.cf();
      uint32_t n = count % (bits + 1);
      uint64_t wide = (uint64_t(cf_in) << bits) | v;  // bits+1 wide: CF above the operand
      for (uint32_t k = 0; k < n; k++) wide = ((wide << 1) | (wide >> bits)) & ((2ull << bits) - 1);
      res = uint32_t(wide) & m;
      bool cf = (wide >> bits) & 1;
      if (cf) f |= CF;
      if (bool(res & msb) != cf) f |= OF;
      mask = CF | OF;
      break;
    }
    case RCR: {
      const bool cf_in = c.cf();
      uint32_t n = count % (bits + 1);
      if (bool(v & msb) != cf_in) f |= OF;
      uint64_t wide = (uint64_t(cf_in) << bits) | v;
      for (uint32_t k = 0; k < n; k++) wide = ((wide >> 1) | ((wide & 1) << bits)) & ((2ull << bits) - 1);
      res = uint32_t(wide) & m;
      if ((wide >> bits) & 1) f |= CF;
      mask = CF | OF;
      break;
    }
    case SHL:
    case SAL: {
      res = count < 32 ? (v << count) & m : 0;
      bool cf = count <= uint32_t(bits) ? (v >> (bits - count)) & 1 : 0;
      if (cf) f |= CF;
      if (bool(res & msb) != cf) f |= OF;
      mask = ARITH_FLAGS;
      break;
    }
    case SHR: {
      res = v >> count;
      if (count <= uint32_t(bits) && ((v >> (count - 1)) & 1)) f |= CF;
      if (v & msb) f |= OF;
      mask = ARITH_FLAGS;
      break;
    }
    case SAR: {
      int32_t sv = S == 1 ? int8_t(v) : S == 2 ? int16_t(v) : int32_t(v);
      uint32_t n = count > 31 ? 31 : count;
      res = uint32_t(sv >> n) & m;
      if ((sv >> (n - 1)) & 1) f |= CF;
      mask = ARITH_FLAGS;
      break;
    }
  }
  if (mask == ARITH_FLAGS) {
    if (res == 0) f |= ZF;
    if (res & msb) f |= SF;
    if (!__builtin_parity(res & 0xFF)) f |= PF;
  }
  fl = f;
  return true;
}

enum CountFrom { COUNT_IMM, COUNT_ONE, COUNT_CL };

// One handler per operation, operand size and count source, so the
// operation's code is chosen at decode time, not per execution.
template <int S, int FROM, int OP>
static void h_shift(Cpu& c, const Insn& i) {
  uint32_t count = FROM == COUNT_IMM ? i.imm : FROM == COUNT_ONE ? 1 : c.r8(1);
  uint32_t off = i.is_mem ? c.ea(i) : 0;
  uint32_t v = i.is_mem ? c.read_seg(i.seg, off, S) : get_reg<S>(c, i.rm);
  uint32_t res, fl, mask;
  if (!shift_apply<S, OP>(c, v, count, res, fl, mask)) return;
  if (i.is_mem) c.write_seg(i.seg, off, S, res);
  else set_reg<S>(c, i.rm, res);
  c.set_flags(fl, mask);
}

// SHLD/SHRD r/m, reg, count: shift r/m, filling from reg.
template <int S, bool RIGHT, int FROM>
static void h_shd(Cpu& c, const Insn& i) {
  constexpr int bits = 8 * S;
  uint32_t count = (FROM == COUNT_IMM ? i.imm : c.r8(1)) & 31;
  if (count == 0) return;
  uint32_t off = i.is_mem ? c.ea(i) : 0;
  uint32_t dst = i.is_mem ? c.read_seg(i.seg, off, S) : get_reg<S>(c, i.rm);
  uint32_t src = get_reg<S>(c, i.reg);
  // Shift the concatenation; for 16-bit operands with a count above 16
  // the result is undefined, and isolab shifts the 48-bit value dst:src:dst
  // as the Pentium does.
  uint64_t res64;
  bool cf;
  if constexpr (S == 4) {
    if (!RIGHT) {
      uint64_t w = (uint64_t(dst) << 32) | src;
      res64 = (w << count) >> 32;
      cf = (dst >> (32 - count)) & 1;
    } else {
      uint64_t w = (uint64_t(src) << 32) | dst;
      res64 = w >> count;
      cf = (dst >> (count - 1)) & 1;
    }
  } else {
    if (!RIGHT) {
      uint64_t w = (uint64_t(dst) << 32) | (uint64_t(src) << 16) | dst;
      res64 = (w << count) >> 32;
      cf = ((w << (count - 1)) >> 47) & 1;
    } else {
      uint64_t w = (uint64_t(dst) << 32) | (uint64_t(src) << 16) | dst;
      res64 = w >> count;
      cf = (w >> (count - 1)) & 1;
    }
  }
  uint32_t res = uint32_t(res64) & size_mask(S);
  const uint32_t msb = sign_bit(S);
  uint32_t f = 0;
  if (cf) f |= CF;
  if (bool(res & msb) != bool(dst & msb)) f |= OF;
  if (res == 0) f |= ZF;
  if (res & msb) f |= SF;
  if (!__builtin_parity(res & 0xFF)) f |= PF;
  (void)bits;
  if (i.is_mem) c.write_seg(i.seg, off, S, res);
  else set_reg<S>(c, i.rm, res);
  c.set_flags(f, ARITH_FLAGS);
}

template <int OP>
static void def_shift_op(OpEntry* c0, OpEntry* c1, OpEntry* d0, OpEntry* d1, OpEntry* d2, OpEntry* d3) {
  def_in_group(c0, OP, h_shift<1, COUNT_IMM, OP>, h_shift<1, COUNT_IMM, OP>);
  def_in_group(c1, OP, h_shift<2, COUNT_IMM, OP>, h_shift<4, COUNT_IMM, OP>);
  def_in_group(d0, OP, h_shift<1, COUNT_ONE, OP>, h_shift<1, COUNT_ONE, OP>);
  def_in_group(d1, OP, h_shift<2, COUNT_ONE, OP>, h_shift<4, COUNT_ONE, OP>);
  def_in_group(d2, OP, h_shift<1, COUNT_CL, OP>, h_shift<1, COUNT_CL, OP>);
  def_in_group(d3, OP, h_shift<2, COUNT_CL, OP>, h_shift<4, COUNT_CL, OP>);
}

void register_shift(OpTable& t) {
  OpEntry* c0 = def_group(t, 0xC0, IMM_B);
  OpEntry* c1 = def_group(t, 0xC1, IMM_B);
  OpEntry* d0 = def_group(t, 0xD0);
  OpEntry* d1 = def_group(t, 0xD1);
  OpEntry* d2 = def_group(t, 0xD2);
  OpEntry* d3 = def_group(t, 0xD3);
  def_shift_op<ROL>(c0, c1, d0, d1, d2, d3);
  def_shift_op<ROR>(c0, c1, d0, d1, d2, d3);
  def_shift_op<RCL>(c0, c1, d0, d1, d2, d3);
  def_shift_op<RCR>(c0, c1, d0, d1, d2, d3);
  def_shift_op<SHL>(c0, c1, d0, d1, d2, d3);
  def_shift_op<SHR>(c0, c1, d0, d1, d2, d3);
  def_shift_op<SAL>(c0, c1, d0, d1, d2, d3);
  def_shift_op<SAR>(c0, c1, d0, d1, d2, d3);
  def(t, 0x1A4, h_shd<2, false, COUNT_IMM>, h_shd<4, false, COUNT_IMM>, 1, IMM_B);
  def(t, 0x1A5, h_shd<2, false, COUNT_CL>, h_shd<4, false, COUNT_CL>, 1);
  def(t, 0x1AC, h_shd<2, true, COUNT_IMM>, h_shd<4, true, COUNT_IMM>, 1, IMM_B);
  def(t, 0x1AD, h_shd<2, true, COUNT_CL>, h_shd<4, true, COUNT_CL>, 1);
}

}  // namespace isolab::cpu
