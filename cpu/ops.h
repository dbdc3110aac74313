// What every instruction family (ops_*.cpp) shares: operand access by
// size, and the opcode table each family fills in with its handlers.
//
// A handler is `void h(Cpu&, const Insn&)`. It reads its operands, computes,
// writes its destination and only then records flags, so an instruction
// that faults on its write changes nothing (faults restart the instruction).
#pragma once
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"

namespace isolab::cpu {

// --- registers by operand size (1, 2, 4 bytes) --------------------------------
template <int S>
inline uint32_t get_reg(Cpu& c, int n) {
  if constexpr (S == 1) return c.r8(n);
  else if constexpr (S == 2) return c.r16(n);
  else return c.r32(n);
}
template <int S>
inline void set_reg(Cpu& c, int n, uint32_t v) {
  if constexpr (S == 1) c.r8(n) = uint8_t(v);
  else if constexpr (S == 2) c.r16(n) = uint16_t(v);
  else c.r32(n) = v;
}

// --- the ModRM r/m operand ------------------------------------------------------
template <int S>
inline uint32_t read_rm(Cpu& c, const Insn& i) {
  if (!i.is_mem) return get_reg<S>(c, i.rm);
  return c.read_seg(i.seg, c.ea(i), S);
}
template <int S>
inline void write_rm(Cpu& c, const Insn& i, uint32_t v) {
  if (!i.is_mem) set_reg<S>(c, i.rm, v);
  else c.write_seg(i.seg, c.ea(i), S, v);
}

// --- the opcode table -------------------------------------------------------------
// Immediate operand kinds, by the SDM's operand notation (Vol. 2 A.2).
enum ImmKind : uint8_t {
  IMM_NONE,
  IMM_B,     // Ib, zero-extended
  IMM_BS,    // Ib, sign-extended to the operand size
  IMM_W,     // Iw
  IMM_Z,     // Iz: Iw or Id by operand size
  IMM_WB,    // Iw then Ib (ENTER)
  IMM_AP,    // Ap: a far pointer, offset (by operand size) then selector
  IMM_MOFFS, // Ob/Ov: an offset by address size (stored in disp)
  IMM_BREL,  // Jb: a signed 8-bit displacement
  IMM_ZREL,  // Jz: a signed 16- or 32-bit displacement
};

struct OpEntry {
  Handler h16 = nullptr;  // handler for 16-bit operand size (and byte ops)
  Handler h32 = nullptr;  // handler for 32-bit operand size
  uint8_t modrm = 0;
  uint8_t imm = IMM_NONE;
  uint8_t ends_block = 0;
  int8_t group = -1;      // >= 0: the entry is chosen by ModRM.reg from groups[group]
  uint8_t imm_reg_mask = 0;  // groups only: the imm applies when (1 << reg) & mask (F6/F7 TEST)
};

constexpr int NUM_GROUPS = 24;
// The x87 escapes D8-DF (SDM Vol. 2 A.5, tables ): with a
// memory operand the instruction is chosen by ModRM.reg, with a register
// operand by the whole low six bits of ModRM (reg * 8 + rm). A null
// handler is an undefined encoding (#UD).
struct EscapeTable {
  Handler mem[8] = {};
  Handler reg[64] = {};
};
struct OpTable {
  OpEntry op[512];                 // 0x00-0xFF, then 0x0F 0x00-0xFF at 0x100
  OpEntry groups[NUM_GROUPS][8];
  int next_group = 0;
  EscapeTable x87[8];              // D8-DF
};

// Fill entries. A family calls these from its register_* function.
inline void def(OpTable& t, int opcode, Handler h16, Handler h32, uint8_t modrm, uint8_t imm = IMM_NONE,
                uint8_t ends = 0) {
  OpEntry& e = t.op[opcode];
  e.h16 = h16;
  e.h32 = h32;
  e.modrm = modrm;
  e.imm = imm;
  e.ends_block = ends;
}
// Handler for all sizes.
inline void def1(OpTable& t, int opcode, Handler h, uint8_t modrm, uint8_t imm = IMM_NONE, uint8_t ends = 0) {
  def(t, opcode, h, h, modrm, imm, ends);
}
// Make opcode a group; returns the group's 8 entries to fill.
inline OpEntry* def_group(OpTable& t, int opcode, uint8_t imm = IMM_NONE, uint8_t imm_reg_mask = 0xFF) {
  OpEntry& e = t.op[opcode];
  if (e.group < 0) {
    e.group = int8_t(t.next_group++);
    e.modrm = 1;
    e.imm = imm;
    e.imm_reg_mask = imm_reg_mask;
  }
  return t.groups[e.group];
}
inline void def_in_group(OpEntry* g, int reg, Handler h16, Handler h32, uint8_t ends = 0) {
  g[reg].h16 = h16;
  g[reg].h32 = h32;
  g[reg].ends_block = ends;
  g[reg].modrm = 1;
}

// Each family registers its opcodes.
void register_alu(OpTable& t);
void register_mul_div(OpTable& t);
void register_shift(OpTable& t);
void register_bits(OpTable& t);
void register_bcd(OpTable& t);
void register_mov(OpTable& t);
void register_stack(OpTable& t);
void register_branch(OpTable& t);
void register_string(OpTable& t);
void register_system(OpTable& t);
void register_io(OpTable& t);
void register_x87(OpTable& t);          // ops_x87.cpp
void register_x87_control(OpTable& t);  // ops_x87_control.cpp

// The #UD handler for undefined encodings.
void h_ud(Cpu& c, const Insn& i);

// Helpers shared by families.
// Jump to a near target, truncated to 16 bits for 16-bit operand size;
// faults #GP(0) beyond the CS limit in protected mode.
void near_jump(Cpu& c, uint32_t target, int opsize);

}  // namespace isolab::cpu
