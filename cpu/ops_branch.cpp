// Near control transfers: JMP, Jcc, CALL, RET, LOOP/LOOPcc, JCXZ/JECXZ, and
// BOUND (SDM Vol. 2, each instruction's page; Vol. 1 6.3). Far transfers,
// INT and IRET go through segments.cpp and interrupts.cpp.
#include "cpu/ops.h"

namespace isolab::cpu {

void near_jump(Cpu& c, uint32_t target, int opsize) {
  if (opsize == 2) target &= 0xFFFF;
  if (target > c.s.seg[CS].limit) c.fault(GP, 0);
  c.next_eip = target;
}

static void h_jmp_rel(Cpu& c, const Insn& i) { near_jump(c, c.next_eip + i.imm, i.opsize); }

// One handler per condition code, so the condition folds at compile time.
template <int CC>
static void h_jcc(Cpu& c, const Insn& i) {
  if (!c.cond(CC)) return;
  uint32_t target = c.next_eip + i.imm;
  if (i.opsize == 2) target &= 0xFFFF;
  if (__builtin_expect(target > c.s.seg[CS].limit, 0)) c.fault(GP, 0);
  c.next_eip = target;
}

template <int CC>
static void def_jcc(OpTable& t) {
  def1(t, 0x70 + CC, h_jcc<CC>, 0, IMM_BREL, 0);
  def1(t, 0x180 + CC, h_jcc<CC>, 0, IMM_ZREL, 0);
  if constexpr (CC < 15) def_jcc<CC + 1>(t);
}

static void h_call_rel(Cpu& c, const Insn& i) {
  uint32_t ret = c.next_eip;
  uint32_t target = ret + i.imm;
  if (i.opsize == 2) target &= 0xFFFF;
  if (target > c.s.seg[CS].limit) c.fault(GP, 0);
  c.push(ret, i.opsize);
  c.next_eip = target;
}

template <int S>
static void h_call_rm(Cpu& c, const Insn& i) {
  uint32_t target = read_rm<S>(c, i);
  if (target > c.s.seg[CS].limit) c.fault(GP, 0);
  c.push(c.next_eip, S);
  c.next_eip = target;
}

template <int S>
static void h_jmp_rm(Cpu& c, const Insn& i) { near_jump(c, read_rm<S>(c, i), S); }

template <int S>
static void h_ret(Cpu& c, const Insn& i) {
  uint32_t target = c.read_seg(SS, c.sp(), S);
  if (target > c.s.seg[CS].limit) c.fault(GP, 0);
  c.set_sp(c.sp() + S + (i.imm & 0xFFFF));
  c.next_eip = target;
}

// LOOP, LOOPE, LOOPNE and JCXZ count in CX or ECX by address size.
static inline uint32_t count_reg(Cpu& c, const Insn& i) { return i.addr32 ? c.r32(ECX) : c.r16(ECX); }
static inline void set_count_reg(Cpu& c, const Insn& i, uint32_t v) {
  if (i.addr32) c.r32(ECX) = v;
  else c.r16(ECX) = uint16_t(v);
}

static void h_loop(Cpu& c, const Insn& i) {
  uint32_t n = count_reg(c, i) - 1;
  if (!i.addr32) n &= 0xFFFF;
  bool take = n != 0;
  if (i.opcode == 0xE1) take = take && c.zf();   // LOOPE
  if (i.opcode == 0xE0) take = take && !c.zf();  // LOOPNE
  uint32_t target = c.next_eip + i.imm;
  if (i.opsize == 2) target &= 0xFFFF;
  if (take && target > c.s.seg[CS].limit) c.fault(GP, 0);
  set_count_reg(c, i, n);
  if (take) c.next_eip = target;
}

static void h_jcxz(Cpu& c, const Insn& i) {
  if (count_reg(c, i) == 0) near_jump(c, c.next_eip + i.imm, i.opsize);
}

template <int S>
static void h_bound(Cpu& c, const Insn& i) {
  if (!i.is_mem) c.fault(UD);
  uint32_t off = c.ea(i);
  uint32_t off2 = i.addr32 ? off + S : ((off + S) & 0xFFFF);
  int32_t lower, upper, index;
  if (S == 2) {
    lower = int16_t(c.read16(i.seg, off));
    upper = int16_t(c.read16(i.seg, off2));
    index = int16_t(c.r16(i.reg));
  } else {
    lower = int32_t(c.read32(i.seg, off));
    upper = int32_t(c.read32(i.seg, off2));
    index = int32_t(c.r32(i.reg));
  }
  if (index < lower || index > upper) c.fault(BR);
}

void register_branch(OpTable& t) {
  def1(t, 0xEB, h_jmp_rel, 0, IMM_BREL, 1);
  def1(t, 0xE9, h_jmp_rel, 0, IMM_ZREL, 1);
  // Conditional branches do not end a block: the block goes on along the
  // fall-through path and the run loop leaves it early when one is taken.
  def_jcc<0>(t);
  def1(t, 0xE8, h_call_rel, 0, IMM_ZREL, 1);
  def(t, 0xC3, h_ret<2>, h_ret<4>, 0, IMM_NONE, 1);
  def(t, 0xC2, h_ret<2>, h_ret<4>, 0, IMM_W, 1);
  OpEntry* ff = def_group(t, 0xFF);
  def_in_group(ff, 2, h_call_rm<2>, h_call_rm<4>, 1);
  def_in_group(ff, 4, h_jmp_rm<2>, h_jmp_rm<4>, 1);
  def1(t, 0xE0, h_loop, 0, IMM_BREL, 0);
  def1(t, 0xE1, h_loop, 0, IMM_BREL, 0);
  def1(t, 0xE2, h_loop, 0, IMM_BREL, 0);
  def1(t, 0xE3, h_jcxz, 0, IMM_BREL, 0);
  def(t, 0x62, h_bound<2>, h_bound<4>, 1);
}

}  // namespace isolab::cpu
