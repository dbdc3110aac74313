// The stack: PUSH and POP of general registers, memory and immediates,
// PUSHA/POPA, ENTER and LEAVE (SDM Vol. 2, each instruction's page; Vol. 1
// 6.2-6.5). Multi-push instructions write below ESP first and move ESP
// only at the end, so a fault part-way leaves the registers untouched.
#include "cpu/ops.h"

namespace isolab::cpu {

// Write `v` below stack pointer `sp` (not committed); returns the new sp.
static inline uint32_t push_at(Cpu& c, uint32_t sp, uint32_t v, int size) {
  sp -= uint32_t(size);
  if (!c.stack32()) sp &= 0xFFFF;
  c.write_seg(SS, sp, size, v);
  return sp;
}

template <int S>
static void h_push_r(Cpu& c, const Insn& i) { c.push(get_reg<S>(c, i.reg), S); }

template <int S>
static void h_pop_r(Cpu& c, const Insn& i) {
  uint32_t v = c.pop(S);  // POP ESP: the popped value wins over the increment
  set_reg<S>(c, i.reg, v);
}

template <int S>
static void h_push_imm(Cpu& c, const Insn& i) { c.push(i.imm, S); }

template <int S>
static void h_push_rm(Cpu& c, const Insn& i) { c.push(read_rm<S>(c, i), S); }

// POP r/m: the address is computed after ESP is incremented (SDM "POP").
template <int S>
static void h_pop_rm(Cpu& c, const Insn& i) {
  uint32_t old_sp = c.sp();
  uint32_t v = c.read_seg(SS, old_sp, S);
  uint32_t new_sp = old_sp + S;
  if (!c.stack32()) new_sp &= 0xFFFF;
  if (!i.is_mem) {
    c.set_sp(new_sp);
    set_reg<S>(c, i.rm, v);
    return;
  }
  uint32_t saved = c.r32(ESP);
  c.set_sp(new_sp);
  uint32_t off = c.ea(i);
  c.r32(ESP) = saved;
  c.write_seg(i.seg, off, S, v);
  c.set_sp(new_sp);
}

template <int S>
static void h_pusha(Cpu& c, const Insn&) {
  uint32_t sp = c.sp();
  uint32_t original_esp = get_reg<S>(c, ESP);
  for (int r = 0; r < 8; r++) sp = push_at(c, sp, r == ESP ? original_esp : get_reg<S>(c, r), S);
  c.set_sp(sp);
}

template <int S>
static void h_popa(Cpu& c, const Insn&) {
  uint32_t sp = c.sp();
  uint32_t v[8];
  for (int r = 7; r >= 0; r--) {
    v[r] = c.read_seg(SS, sp, S);
    sp += S;
    if (!c.stack32()) sp &= 0xFFFF;
  }
  for (int r = 0; r < 8; r++)
    if (r != ESP) set_reg<S>(c, r, v[r]);
  c.set_sp(sp);
}

// ENTER imm16, imm8 (SDM "ENTER"): make a stack frame, copying `level-1`
// enclosing frame pointers for nested procedures.
template <int S>
static void h_enter(Cpu& c, const Insn& i) {
  uint32_t alloc = i.imm & 0xFFFF;
  uint32_t level = i.imm2 & 31;
  const bool s32 = c.stack32();
  uint32_t sp = push_at(c, c.sp(), get_reg<S>(c, EBP), S);
  // FrameTemp is ESP (or SP, by operand size) after the push: on a 16-bit
  // stack a 32-bit FrameTemp keeps ESP's upper half (SDM "ENTER": "the
  // OperandSize attribute determines ... the data being transferred from
  // SP/ESP into the BP/EBP register"; Bochs agrees).
  uint32_t frame = (s32 || S == 2) ? sp : (c.r32(ESP) & 0xFFFF0000u) | sp;
  if (level > 0) {
    uint32_t bp = s32 ? c.r32(EBP) : c.r16(EBP);
    for (uint32_t k = 1; k < level; k++) {
      bp -= S;
      if (!s32) bp &= 0xFFFF;
      sp = push_at(c, sp, c.read_seg(SS, bp, S), S);
    }
    sp = push_at(c, sp, frame, S);
  }
  uint32_t new_sp = sp - alloc;
  if (!s32) new_sp &= 0xFFFF;
  // The new top of stack must be writable (the SDM's ENTER checks it).
  if (alloc) c.check_write(SS, new_sp, 1);
  set_reg<S>(c, EBP, frame);
  c.set_sp(new_sp);
}

template <int S>
static void h_leave(Cpu& c, const Insn&) {
  uint32_t bp = c.stack32() ? c.r32(EBP) : c.r16(EBP);
  uint32_t v = c.read_seg(SS, bp, S);
  c.set_sp(bp + S);
  set_reg<S>(c, EBP, v);
}

void register_stack(OpTable& t) {
  for (int r = 0; r < 8; r++) {
    def(t, 0x50 + r, h_push_r<2>, h_push_r<4>, 0);
    def(t, 0x58 + r, h_pop_r<2>, h_pop_r<4>, 0);
  }
  def(t, 0x68, h_push_imm<2>, h_push_imm<4>, 0, IMM_Z);
  def(t, 0x6A, h_push_imm<2>, h_push_imm<4>, 0, IMM_BS);
  def_in_group(def_group(t, 0xFF), 6, h_push_rm<2>, h_push_rm<4>);
  def_in_group(def_group(t, 0x8F), 0, h_pop_rm<2>, h_pop_rm<4>);
  def(t, 0x60, h_pusha<2>, h_pusha<4>, 0);
  def(t, 0x61, h_popa<2>, h_popa<4>, 0);
  def(t, 0xC8, h_enter<2>, h_enter<4>, 0, IMM_WB);
  def(t, 0xC9, h_leave<2>, h_leave<4>, 0);
}

}  // namespace isolab::cpu
