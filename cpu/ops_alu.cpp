// Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP, TEST,
// INC DEC NEG NOT (SDM Vol. 2, each instruction's page; Vol. 1 7.3.2).
//
// The eight classic operations share one encoding pattern (opcodes
// 00-3F: Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iz) and the groups
// 80-83, so one template covers them all. Flags are recorded lazily.
#include "cpu/ops.h"

namespace isolab::cpu {

enum AluOp { ADD, OR, ADC, SBB, AND, SUB, XOR, CMP };

template <int OP, int S>
static inline uint32_t alu_apply(Cpu& c, uint32_t a, uint32_t b, uint8_t& carry) {
  const uint32_t m = size_mask(S);
  switch (OP) {
    case ADD: return (a + b) & m;
    case OR: return a | b;
    case ADC: carry = c.cf(); return (a + b + carry) & m;
    case SBB: carry = c.cf(); return (a - b - carry) & m;
    case AND: return a & b;
    case SUB:
    case CMP: return (a - b) & m;
    case XOR: return a ^ b;
  }
  return 0;
}

template <int OP, int S>
static inline void alu_flags(Cpu& c, uint32_t a, uint32_t b, uint32_t r, uint8_t carry) {
  constexpr FlagOp kind = OP == ADD ? FlagOp::Add
                        : OP == ADC ? FlagOp::Adc
                        : OP == SBB ? FlagOp::Sbb
                        : (OP == SUB || OP == CMP) ? FlagOp::Sub
                                                   : FlagOp::Logic;
  set_lazy(c.s, kind, S, a, b, r);
  c.s.lazy.carry = carry;
}

// op r/m, reg
template <int OP, int S>
static void h_alu_rm_r(Cpu& c, const Insn& i) {
  uint32_t b = get_reg<S>(c, i.reg);
  uint8_t carry = 0;
  if (!i.is_mem) {
    uint32_t a = get_reg<S>(c, i.rm);
    uint32_t r = alu_apply<OP, S>(c, a, b, carry);
    if (OP != CMP) set_reg<S>(c, i.rm, r);
    alu_flags<OP, S>(c, a, b, r, carry);
    return;
  }
  uint32_t off = c.ea(i);
  uint32_t a = c.read_seg(i.seg, off, S);
  uint32_t r = alu_apply<OP, S>(c, a, b, carry);
  if (OP != CMP) c.write_seg(i.seg, off, S, r);
  alu_flags<OP, S>(c, a, b, r, carry);
}

// op reg, r/m
template <int OP, int S>
static void h_alu_r_rm(Cpu& c, const Insn& i) {
  uint32_t a = get_reg<S>(c, i.reg);
  uint32_t b = read_rm<S>(c, i);
  uint8_t carry = 0;
  uint32_t r = alu_apply<OP, S>(c, a, b, carry);
  if (OP != CMP) set_reg<S>(c, i.reg, r);
  alu_flags<OP, S>(c, a, b, r, carry);
}

// op AL/eAX, imm
template <int OP, int S>
static void h_alu_acc_imm(Cpu& c, const Insn& i) {
  uint32_t a = get_reg<S>(c, EAX);
  uint32_t b = i.imm & size_mask(S);
  uint8_t carry = 0;
  uint32_t r = alu_apply<OP, S>(c, a, b, carry);
  if (OP != CMP) set_reg<S>(c, EAX, r);
  alu_flags<OP, S>(c, a, b, r, carry);
}

// op r/m, imm (groups 80-83)
template <int OP, int S>
static void h_alu_rm_imm(Cpu& c, const Insn& i) {
  uint32_t b = i.imm & size_mask(S);
  uint8_t carry = 0;
  if (!i.is_mem) {
    uint32_t a = get_reg<S>(c, i.rm);
    uint32_t r = alu_apply<OP, S>(c, a, b, carry);
    if (OP != CMP) set_reg<S>(c, i.rm, r);
    alu_flags<OP, S>(c, a, b, r, carry);
    return;
  }
  uint32_t off = c.ea(i);
  uint32_t a = c.read_seg(i.seg, off, S);
  uint32_t r = alu_apply<OP, S>(c, a, b, carry);
  if (OP != CMP) c.write_seg(i.seg, off, S, r);
  alu_flags<OP, S>(c, a, b, r, carry);
}

// TEST r/m, reg and TEST r/m, imm and TEST acc, imm: AND without a result.
template <int S>
static void h_test_rm_r(Cpu& c, const Insn& i) {
  uint32_t r = read_rm<S>(c, i) & get_reg<S>(c, i.reg);
  set_lazy(c.s, FlagOp::Logic, S, 0, 0, r);
}
template <int S>
static void h_test_rm_imm(Cpu& c, const Insn& i) {
  uint32_t r = read_rm<S>(c, i) & i.imm & size_mask(S);
  set_lazy(c.s, FlagOp::Logic, S, 0, 0, r);
}
template <int S>
static void h_test_acc_imm(Cpu& c, const Insn& i) {
  uint32_t r = get_reg<S>(c, EAX) & i.imm & size_mask(S);
  set_lazy(c.s, FlagOp::Logic, S, 0, 0, r);
}

// INC and DEC leave CF alone: it is captured into the lazy record.
template <int S, bool DEC>
static inline void incdec_flags(Cpu& c, uint32_t a, uint32_t r) {
  uint8_t carry = c.cf();
  set_lazy(c.s, DEC ? FlagOp::Dec : FlagOp::Inc, S, a, 1, r);
  c.s.lazy.carry = carry;
}
template <int S, bool DEC>
static void h_incdec_reg(Cpu& c, const Insn& i) {
  uint32_t a = get_reg<S>(c, i.reg);
  uint32_t r = (DEC ? a - 1 : a + 1) & size_mask(S);
  set_reg<S>(c, i.reg, r);
  incdec_flags<S, DEC>(c, a, r);
}
template <int S, bool DEC>
static void h_incdec_rm(Cpu& c, const Insn& i) {
  if (!i.is_mem) {
    uint32_t a = get_reg<S>(c, i.rm);
    uint32_t r = (DEC ? a - 1 : a + 1) & size_mask(S);
    set_reg<S>(c, i.rm, r);
    incdec_flags<S, DEC>(c, a, r);
    return;
  }
  uint32_t off = c.ea(i);
  uint32_t a = c.read_seg(i.seg, off, S);
  uint32_t r = (DEC ? a - 1 : a + 1) & size_mask(S);
  c.write_seg(i.seg, off, S, r);
  incdec_flags<S, DEC>(c, a, r);
}

template <int S>
static void h_not(Cpu& c, const Insn& i) {
  if (!i.is_mem) {
    set_reg<S>(c, i.rm, ~get_reg<S>(c, i.rm));
    return;
  }
  uint32_t off = c.ea(i);
  c.write_seg(i.seg, off, S, ~c.read_seg(i.seg, off, S));
}

template <int S>
static void h_neg(Cpu& c, const Insn& i) {
  uint32_t off = i.is_mem ? c.ea(i) : 0;
  uint32_t b = i.is_mem ? c.read_seg(i.seg, off, S) : get_reg<S>(c, i.rm);
  uint32_t r = (0 - b) & size_mask(S);
  if (i.is_mem) c.write_seg(i.seg, off, S, r);
  else set_reg<S>(c, i.rm, r);
  set_lazy(c.s, FlagOp::Neg, S, 0, b, r);
}

template <int OP>
static void def_alu_family(OpTable& t) {
  const int base = OP * 8;
  def1(t, base + 0, h_alu_rm_r<OP, 1>, 1);
  def(t, base + 1, h_alu_rm_r<OP, 2>, h_alu_rm_r<OP, 4>, 1);
  def1(t, base + 2, h_alu_r_rm<OP, 1>, 1);
  def(t, base + 3, h_alu_r_rm<OP, 2>, h_alu_r_rm<OP, 4>, 1);
  def1(t, base + 4, h_alu_acc_imm<OP, 1>, 0, IMM_B);
  def(t, base + 5, h_alu_acc_imm<OP, 2>, h_alu_acc_imm<OP, 4>, 0, IMM_Z);
  def_in_group(def_group(t, 0x80, IMM_B), OP, h_alu_rm_imm<OP, 1>, h_alu_rm_imm<OP, 1>);
  def_in_group(def_group(t, 0x81, IMM_Z), OP, h_alu_rm_imm<OP, 2>, h_alu_rm_imm<OP, 4>);
  def_in_group(def_group(t, 0x82, IMM_B), OP, h_alu_rm_imm<OP, 1>, h_alu_rm_imm<OP, 1>);
  def_in_group(def_group(t, 0x83, IMM_BS), OP, h_alu_rm_imm<OP, 2>, h_alu_rm_imm<OP, 4>);
}

void register_alu(OpTable& t) {
  def_alu_family<ADD>(t);
  def_alu_family<OR>(t);
  def_alu_family<ADC>(t);
  def_alu_family<SBB>(t);
  def_alu_family<AND>(t);
  def_alu_family<SUB>(t);
  def_alu_family<XOR>(t);
  def_alu_family<CMP>(t);

  def1(t, 0x84, h_test_rm_r<1>, 1);
  def(t, 0x85, h_test_rm_r<2>, h_test_rm_r<4>, 1);
  def1(t, 0xA8, h_test_acc_imm<1>, 0, IMM_B);
  def(t, 0xA9, h_test_acc_imm<2>, h_test_acc_imm<4>, 0, IMM_Z);

  for (int r = 0; r < 8; r++) {
    def(t, 0x40 + r, h_incdec_reg<2, false>, h_incdec_reg<4, false>, 0);
    def(t, 0x48 + r, h_incdec_reg<2, true>, h_incdec_reg<4, true>, 0);
  }
  OpEntry* fe = def_group(t, 0xFE);
  def_in_group(fe, 0, h_incdec_rm<1, false>, h_incdec_rm<1, false>);
  def_in_group(fe, 1, h_incdec_rm<1, true>, h_incdec_rm<1, true>);
  OpEntry* ff = def_group(t, 0xFF);
  def_in_group(ff, 0, h_incdec_rm<2, false>, h_incdec_rm<4, false>);
  def_in_group(ff, 1, h_incdec_rm<2, true>, h_incdec_rm<4, true>);

  // F6/F7: TEST (with an immediate) NOT NEG; MUL/DIV are in ops_muldiv.cpp.
  // The immediate belongs to /0 and /1 only (/1 is an undocumented alias of TEST).
  OpEntry* f6 = def_group(t, 0xF6, IMM_B, 0x03);
  OpEntry* f7 = def_group(t, 0xF7, IMM_Z, 0x03);
  def_in_group(f6, 0, h_test_rm_imm<1>, h_test_rm_imm<1>);
  def_in_group(f6, 1, h_test_rm_imm<1>, h_test_rm_imm<1>);
  def_in_group(f7, 0, h_test_rm_imm<2>, h_test_rm_imm<4>);
  def_in_group(f7, 1, h_test_rm_imm<2>, h_test_rm_imm<4>);
  def_in_group(f6, 2, h_not<1>, h_not<1>);
  def_in_group(f7, 2, h_not<2>, h_not<4>);
  def_in_group(f6, 3, h_neg<1>, h_neg<1>);
  def_in_group(f7, 3, h_neg<2>, h_neg<4>);
}

}  // namespace isolab::cpu
