// What the x87 instruction files (ops_x87.cpp, ops_x87_control.cpp) share:
// the register stack, exception recording and the checks every x87
// instruction makes first. SDM Vol. 1 chapter 8 and Vol. 3A 2.5 (CR0.EM,
// MP, TS, NE) and 6.15 (#NM, #MF).
#pragma once
#include "cpu/cpu.h"
#include "cpu/fpu.h"
#include "cpu/insn.h"
#include "cpu/x87_arith.h"

namespace isolab::cpu::x87 {

// --- the register stack ------------------------------------------------------------------
inline int phys(const FpuState& f, int i) { return (f.top + i) & 7; }
inline F80& st(FpuState& f, int i) { return f.r[phys(f, i)]; }
inline bool is_empty(const FpuState& f, int i) { return (f.empty >> phys(f, i)) & 1; }
inline void set_st(FpuState& f, int i, const F80& v) {
  const int p = phys(f, i);
  f.r[p] = v;
  f.empty = uint8_t(f.empty & ~(1u << p));
}
inline void push(FpuState& f, const F80& v) {
  f.top = uint8_t((f.top - 1) & 7);
  set_st(f, 0, v);
}
inline void pop(FpuState& f) {
  f.empty = uint8_t(f.empty | (1u << f.top));
  f.top = uint8_t((f.top + 1) & 7);
}
inline void set_c1(FpuState& f, bool v) { f.fsw = uint16_t(v ? f.fsw | FSW_C1 : f.fsw & ~FSW_C1); }

// --- exceptions ----------------------------------------------------------------------------
// ES (error summary) and B (busy, a copy of ES since the 387) say that a
// flag is set whose exception the FCW leaves unmasked (SDM Vol. 1 8.1.3.x).
inline void update_summary(FpuState& f) {
  if (f.fsw & ~f.fcw & FSW_EXCEPTIONS) f.fsw |= FSW_ES | FSW_B;
  else f.fsw = uint16_t(f.fsw & ~(FSW_ES | FSW_B));
}
// Set the sticky exception flags `flags` (SF included). Returns the ones
// that are unmasked: the #MF they cause is delivered at the next waiting
// x87 instruction (SDM Vol. 1 8.7).
inline uint16_t raise(FpuState& f, uint16_t flags) {
  f.fsw |= flags & (FSW_EXCEPTIONS | FSW_SF);
  update_summary(f);
  return flags & ~f.fcw & FSW_EXCEPTIONS;
}
// The exceptions detected before a result exists (invalid operation,
// denormal operand, divide by zero): when unmasked, the instruction leaves
// its destination and the stack unchanged (SDM Vol. 1 4.9.2 and 8.5).
constexpr uint16_t PRE_COMPUTATION = FSW_IE | FSW_DE | FSW_ZE;
// A stack underflow: an empty register was read (SDM Vol. 1 8.5.1.1):
// IE with SF and C1 = 0. Returns true when IE is masked and the
// instruction goes on with its masked response.
inline bool stack_underflow(FpuState& f) {
  set_c1(f, false);
  return !raise(f, FSW_IE | FSW_SF);
}
// A stack overflow: a push onto a full register: IE with SF and C1 = 1.
inline bool stack_overflow(FpuState& f) {
  set_c1(f, true);
  return !raise(f, FSW_IE | FSW_SF);
}

// --- entry checks ---------------------------------------------------------------------------
// Every x87 instruction: #NM when CR0.EM or CR0.TS is set (SDM Vol. 3A
// table 2-2). A waiting instruction (all but FNINIT, FNCLEX, FNSTSW,
// FNSTCW, FNSTENV, FNSAVE) first delivers a pending unmasked exception as
// #MF when CR0.NE is set. With CR0.NE clear a PC reports it through FERR#
// and IRQ 13, which isolab does not wire: the exception stays pending in
// the status word and execution goes on.
inline void enter(Cpu& c, bool waiting) {
  if (c.s.cr0 & (CR0_EM | CR0_TS)) c.fault(NM);
  if (waiting && (c.s.fpu.fsw & FSW_ES) && (c.s.cr0 & CR0_NE)) c.fault(MF);
}
// The last-instruction pointers a non-control instruction leaves for an
// exception handler (SDM Vol. 1 8.1.8, 8.1.9). The decoder keeps the
// ModRM byte of D8-DF in Insn::imm.
inline void note_instruction(Cpu& c, const Insn& i) {
  FpuState& f = c.s.fpu;
  f.fip = c.s.eip;
  f.fcs = c.s.seg[CS].selector;
  f.fop = uint16_t(((i.opcode & 7) << 8) | (i.imm & 0xFF));
  if (i.is_mem) {
    f.fdp = c.ea(i);
    f.fds = c.s.seg[i.seg].selector;
  }
}

}  // namespace isolab::cpu::x87
