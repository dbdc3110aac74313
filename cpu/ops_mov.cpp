// Data movement: MOV in its general forms, MOVZX MOVSX, LEA, XCHG, XLAT,
// NOP and the multi-byte NOP (SDM Vol. 2 "MOV", "MOVZX", "MOVSX", "LEA",
// "XCHG", "XLAT/XLATB", "NOP"). Moves to and from segment, control and
// debug registers are in ops_system.cpp.
#include "cpu/ops.h"

namespace isolab::cpu {

template <int S>
static void h_mov_rm_r(Cpu& c, const Insn& i) {
  uint32_t v = get_reg<S>(c, i.reg);
  if (!i.is_mem) set_reg<S>(c, i.rm, v);
  else c.write_seg(i.seg, c.ea(i), S, v);
}

template <int S>
static void h_mov_r_rm(Cpu& c, const Insn& i) {
  if (!i.is_mem) set_reg<S>(c, i.reg, get_reg<S>(c, i.rm));
  else set_reg<S>(c, i.reg, c.read_seg(i.seg, c.ea(i), S));
}

// MOV AL/eAX, moffs and MOV moffs, AL/eAX: the offset is in disp.
template <int S>
static void h_mov_acc_moffs(Cpu& c, const Insn& i) { set_reg<S>(c, EAX, c.read_seg(i.seg, i.disp, S)); }
template <int S>
static void h_mov_moffs_acc(Cpu& c, const Insn& i) { c.write_seg(i.seg, i.disp, S, get_reg<S>(c, EAX)); }

template <int S>
static void h_mov_r_imm(Cpu& c, const Insn& i) { set_reg<S>(c, i.reg, i.imm); }

template <int S>
static void h_mov_rm_imm(Cpu& c, const Insn& i) { write_rm<S>(c, i, i.imm); }

template <int D, int S, bool SIGNED>
static void h_movx(Cpu& c, const Insn& i) {
  uint32_t v = read_rm<S>(c, i);
  if (SIGNED) v = S == 1 ? uint32_t(int32_t(int8_t(v))) : uint32_t(int32_t(int16_t(v)));
  set_reg<D>(c, i.reg, v);
}

template <int S>
static void h_lea(Cpu& c, const Insn& i) {
  if (!i.is_mem) c.fault(UD);
  set_reg<S>(c, i.reg, c.ea(i));
}

template <int S>
static void h_xchg_rm_r(Cpu& c, const Insn& i) {
  uint32_t a = get_reg<S>(c, i.reg);
  if (!i.is_mem) {
    uint32_t b = get_reg<S>(c, i.rm);
    set_reg<S>(c, i.rm, a);
    set_reg<S>(c, i.reg, b);
    return;
  }
  uint32_t off = c.ea(i);
  uint32_t b = c.read_seg(i.seg, off, S);
  c.write_seg(i.seg, off, S, a);
  set_reg<S>(c, i.reg, b);
}

template <int S>
static void h_xchg_acc(Cpu& c, const Insn& i) {
  uint32_t a = get_reg<S>(c, EAX);
  set_reg<S>(c, EAX, get_reg<S>(c, i.reg));
  set_reg<S>(c, i.reg, a);
}

static void h_nop(Cpu&, const Insn&) {}

static void h_xlat(Cpu& c, const Insn& i) {
  uint32_t off = c.r32(EBX) + c.r8(0);
  if (!i.addr32) off = (c.r16(EBX) + c.r8(0)) & 0xFFFF;
  c.r8(0) = c.read8(i.seg, off);
}

void register_mov(OpTable& t) {
  def1(t, 0x88, h_mov_rm_r<1>, 1);
  def(t, 0x89, h_mov_rm_r<2>, h_mov_rm_r<4>, 1);
  def1(t, 0x8A, h_mov_r_rm<1>, 1);
  def(t, 0x8B, h_mov_r_rm<2>, h_mov_r_rm<4>, 1);
  def1(t, 0xA0, h_mov_acc_moffs<1>, 0, IMM_MOFFS);
  def(t, 0xA1, h_mov_acc_moffs<2>, h_mov_acc_moffs<4>, 0, IMM_MOFFS);
  def1(t, 0xA2, h_mov_moffs_acc<1>, 0, IMM_MOFFS);
  def(t, 0xA3, h_mov_moffs_acc<2>, h_mov_moffs_acc<4>, 0, IMM_MOFFS);
  for (int r = 0; r < 8; r++) {
    def1(t, 0xB0 + r, h_mov_r_imm<1>, 0, IMM_B);
    def(t, 0xB8 + r, h_mov_r_imm<2>, h_mov_r_imm<4>, 0, IMM_Z);
  }
  def_in_group(def_group(t, 0xC6, IMM_B, 0x01), 0, h_mov_rm_imm<1>, h_mov_rm_imm<1>);
  def_in_group(def_group(t, 0xC7, IMM_Z, 0x01), 0, h_mov_rm_imm<2>, h_mov_rm_imm<4>);
  def(t, 0x1B6, h_movx<2, 1, false>, h_movx<4, 1, false>, 1);
  def(t, 0x1B7, h_movx<2, 2, false>, h_movx<4, 2, false>, 1);
  def(t, 0x1BE, h_movx<2, 1, true>, h_movx<4, 1, true>, 1);
  def(t, 0x1BF, h_movx<2, 2, true>, h_movx<4, 2, true>, 1);
  def(t, 0x8D, h_lea<2>, h_lea<4>, 1);
  def1(t, 0x86, h_xchg_rm_r<1>, 1);
  def(t, 0x87, h_xchg_rm_r<2>, h_xchg_rm_r<4>, 1);
  def1(t, 0x90, h_nop, 0);  // XCHG eAX, eAX; with F3, PAUSE
  for (int r = 1; r < 8; r++) def(t, 0x90 + r, h_xchg_acc<2>, h_xchg_acc<4>, 0);
  def1(t, 0xD7, h_xlat, 0);
  // The P6 family's multi-byte NOP (0F 1F /0) and the hint-NOP space around it.
  for (int op = 0x119; op <= 0x11F; op++) def1(t, op, h_nop, 1);
}

}  // namespace isolab::cpu
