// Bit and condition instructions: BT BTS BTR BTC, BSF BSR, SETcc, CMOVcc,
// BSWAP, and the atomic exchange family XADD CMPXCHG CMPXCHG8B (SDM Vol. 2,
// each instruction's page). A bit test with a register offset and a memory
// operand addresses the bit string beyond the operand (SDM "BT": the
// offset is signed and selects a word or doubleword relative to the EA).
#include "cpu/ops.h"

namespace isolab::cpu {

enum BitOp { BT, BTS, BTR, BTC };

template <int S, int OP, bool IMM>
static void h_bt(Cpu& c, const Insn& i) {
  constexpr int bits = 8 * S;
  uint32_t offset = IMM ? i.imm : get_reg<S>(c, i.reg);
  uint32_t bit;
  uint32_t v, addr = 0;
  if (!i.is_mem) {
    bit = offset & (bits - 1);
    v = get_reg<S>(c, i.rm);
  } else {
    if (IMM) {
      bit = offset & (bits - 1);
      addr = c.ea(i);
    } else {
      int32_t soff = S == 2 ? int32_t(int16_t(offset)) : int32_t(offset);
      int32_t unit = soff >> (S == 2 ? 4 : 5);  // arithmetic shift: floor division
      bit = uint32_t(soff) & (bits - 1);
      addr = c.ea(i) + uint32_t(unit * S);
      if (!i.addr32) addr &= 0xFFFF;
    }
    v = c.read_seg(i.seg, addr, S);
  }
  bool old = (v >> bit) & 1;
  if (OP != BT) {
    uint32_t nv = OP == BTS ? v | (1u << bit) : OP == BTR ? v & ~(1u << bit) : v ^ (1u << bit);
    if (i.is_mem) c.write_seg(i.seg, addr, S, nv);
    else set_reg<S>(c, i.rm, nv);
  }
  c.set_flags(old ? CF : 0, CF);
}

template <int S, bool REVERSE>
static void h_bsf(Cpu& c, const Insn& i) {
  uint32_t v = read_rm<S>(c, i);
  if (v == 0) {
    c.set_flags(ZF, ZF);
    return;
  }
  uint32_t idx = REVERSE ? 31 - __builtin_clz(v) : __builtin_ctz(v);
  set_reg<S>(c, i.reg, idx);
  c.set_flags(0, ZF);
}

static void h_setcc(Cpu& c, const Insn& i) { write_rm<1>(c, i, c.cond(i.opcode & 0xF) ? 1 : 0); }

template <int S>
static void h_cmovcc(Cpu& c, const Insn& i) {
  uint32_t v = read_rm<S>(c, i);  // the source is read (and may fault) either way
  if (c.cond(i.opcode & 0xF)) set_reg<S>(c, i.reg, v);
}

static void h_bswap(Cpu& c, const Insn& i) { c.r32(i.reg) = __builtin_bswap32(c.r32(i.reg)); }

template <int S>
static void h_xadd(Cpu& c, const Insn& i) {
  uint32_t src = get_reg<S>(c, i.reg);
  uint32_t off = i.is_mem ? c.ea(i) : 0;
  uint32_t dst = i.is_mem ? c.read_seg(i.seg, off, S) : get_reg<S>(c, i.rm);
  uint32_t sum = (dst + src) & size_mask(S);
  if (i.is_mem) {
    c.write_seg(i.seg, off, S, sum);
    set_reg<S>(c, i.reg, dst);
  } else {
    set_reg<S>(c, i.reg, dst);
    set_reg<S>(c, i.rm, sum);
  }
  set_lazy(c.s, FlagOp::Add, S, dst, src, sum);
}

template <int S>
static void h_cmpxchg(Cpu& c, const Insn& i) {
  uint32_t off = i.is_mem ? c.ea(i) : 0;
  uint32_t dst = i.is_mem ? c.read_seg(i.seg, off, S) : get_reg<S>(c, i.rm);
  uint32_t acc = get_reg<S>(c, EAX);
  if (acc == dst) {
    uint32_t src = get_reg<S>(c, i.reg);
    if (i.is_mem) c.write_seg(i.seg, off, S, src);
    else set_reg<S>(c, i.rm, src);
  } else {
    // The destination is written back with its own value (a locked
    // read-modify-write always writes), then the accumulator is loaded.
    if (i.is_mem) c.write_seg(i.seg, off, S, dst);
    set_reg<S>(c, EAX, dst);
  }
  set_lazy(c.s, FlagOp::Sub, S, acc, dst, (acc - dst) & size_mask(S));
}

static void h_cmpxchg8b(Cpu& c, const Insn& i) {
  if (!i.is_mem) c.fault(UD);
  uint32_t off = c.ea(i);
  uint32_t off_hi = i.addr32 ? off + 4 : ((off + 4) & 0xFFFF);
  uint32_t lo = c.read32(i.seg, off), hi = c.read32(i.seg, off_hi);
  c.check_write(i.seg, off, 4);
  c.check_write(i.seg, off_hi, 4);
  if (lo == c.r32(EAX) && hi == c.r32(EDX)) {
    c.write32(i.seg, off, c.r32(EBX));
    c.write32(i.seg, off_hi, c.r32(ECX));
    c.set_flags(ZF, ZF);
  } else {
    c.write32(i.seg, off, lo);
    c.write32(i.seg, off_hi, hi);
    c.r32(EAX) = lo;
    c.r32(EDX) = hi;
    c.set_flags(0, ZF);
  }
}

void register_bits(OpTable& t) {
  def(t, 0x1A3, h_bt<2, BT, false>, h_bt<4, BT, false>, 1);
  def(t, 0x1AB, h_bt<2, BTS, false>, h_bt<4, BTS, false>, 1);
  def(t, 0x1B3, h_bt<2, BTR, false>, h_bt<4, BTR, false>, 1);
  def(t, 0x1BB, h_bt<2, BTC, false>, h_bt<4, BTC, false>, 1);
  OpEntry* ba = def_group(t, 0x1BA, IMM_B, 0xF0);
  def_in_group(ba, 4, h_bt<2, BT, true>, h_bt<4, BT, true>);
  def_in_group(ba, 5, h_bt<2, BTS, true>, h_bt<4, BTS, true>);
  def_in_group(ba, 6, h_bt<2, BTR, true>, h_bt<4, BTR, true>);
  def_in_group(ba, 7, h_bt<2, BTC, true>, h_bt<4, BTC, true>);
  def(t, 0x1BC, h_bsf<2, false>, h_bsf<4, false>, 1);
  def(t, 0x1BD, h_bsf<2, true>, h_bsf<4, true>, 1);
  for (int cc = 0; cc < 16; cc++) {
    def1(t, 0x190 + cc, h_setcc, 1);
    def(t, 0x140 + cc, h_cmovcc<2>, h_cmovcc<4>, 1);
  }
  for (int r = 0; r < 8; r++) def1(t, 0x1C8 + r, h_bswap, 0);
  def1(t, 0x1C0, h_xadd<1>, 1);
  def(t, 0x1C1, h_xadd<2>, h_xadd<4>, 1);
  def1(t, 0x1B0, h_cmpxchg<1>, 1);
  def(t, 0x1B1, h_cmpxchg<2>, h_cmpxchg<4>, 1);
  OpEntry* c7 = def_group(t, 0x1C7);
  def_in_group(c7, 1, h_cmpxchg8b, h_cmpxchg8b);
}

}  // namespace isolab::cpu
