// Decimal arithmetic (DAA DAS AAA AAS AAM AAD), sign extension of the
// accumulator (CBW/CWDE, CWD/CDQ) and the flag instructions that need no
// privilege (CLC STC CMC CLD STD LAHF SAHF). Each follows the pseudo-code
// on its page in the SDM Vol. 2.
#include "cpu/ops.h"

namespace isolab::cpu {

static inline uint32_t szp(uint8_t v) {
  uint32_t f = 0;
  if (v == 0) f |= ZF;
  if (v & 0x80) f |= SF;
  if (!__builtin_parity(v)) f |= PF;
  return f;
}

static void h_daa(Cpu& c, const Insn&) {
  uint8_t al = c.r8(0), old_al = al;
  bool old_cf = c.cf(), cf = false, af = false;
  if ((al & 0xF) > 9 || c.af()) {
    cf = old_cf || al > 0xF9;
    al = uint8_t(al + 6);
    af = true;
  }
  if (old_al > 0x99 || old_cf) {
    al = uint8_t(al + 0x60);
    cf = true;
  } else {
    cf = false;
  }
  c.r8(0) = al;
  c.set_flags(szp(al) | (cf ? CF : 0) | (af ? AF : 0), ARITH_FLAGS);
}

static void h_das(Cpu& c, const Insn&) {
  uint8_t al = c.r8(0), old_al = al;
  bool old_cf = c.cf(), cf = false, af = false;
  if ((al & 0xF) > 9 || c.af()) {
    cf = old_cf || al < 6;
    al = uint8_t(al - 6);
    af = true;
  }
  if (old_al > 0x99 || old_cf) {
    al = uint8_t(al - 0x60);
    cf = true;
  }
  c.r8(0) = al;
  c.set_flags(szp(al) | (cf ? CF : 0) | (af ? AF : 0), ARITH_FLAGS);
}

static void h_aaa(Cpu& c, const Insn&) {
  bool adjust = (c.r8(0) & 0xF) > 9 || c.af();
  if (adjust) c.r16(EAX) = uint16_t(c.r16(EAX) + 0x106);
  c.r8(0) &= 0xF;
  c.set_flags(adjust ? (AF | CF) : 0, AF | CF);
}

static void h_aas(Cpu& c, const Insn&) {
  bool adjust = (c.r8(0) & 0xF) > 9 || c.af();
  if (adjust) {
    c.r16(EAX) = uint16_t(c.r16(EAX) - 6);
    c.r8(4) = uint8_t(c.r8(4) - 1);
  }
  c.r8(0) &= 0xF;
  c.set_flags(adjust ? (AF | CF) : 0, AF | CF);
}

static void h_aam(Cpu& c, const Insn& i) {
  uint8_t base = uint8_t(i.imm);
  if (base == 0) c.fault(DE);
  uint8_t al = c.r8(0);
  c.r8(4) = al / base;
  c.r8(0) = al % base;
  c.set_flags(szp(c.r8(0)), ARITH_FLAGS);
}

static void h_aad(Cpu& c, const Insn& i) {
  uint8_t al = uint8_t(c.r8(0) + c.r8(4) * uint8_t(i.imm));
  c.r16(EAX) = al;
  c.set_flags(szp(al), ARITH_FLAGS);
}

static void h_cbw(Cpu& c, const Insn& i) {
  if (i.opsize == 2) c.r16(EAX) = uint16_t(int16_t(int8_t(c.r8(0))));
  else c.r32(EAX) = uint32_t(int32_t(int16_t(c.r16(EAX))));
}

static void h_cwd(Cpu& c, const Insn& i) {
  if (i.opsize == 2) c.r16(EDX) = (c.r16(EAX) & 0x8000) ? 0xFFFF : 0;
  else c.r32(EDX) = (c.r32(EAX) & 0x80000000u) ? 0xFFFFFFFFu : 0;
}

static void h_clc(Cpu& c, const Insn&) { c.set_flags(0, CF); }
static void h_stc(Cpu& c, const Insn&) { c.set_flags(CF, CF); }
static void h_cmc(Cpu& c, const Insn&) { c.set_flags(c.cf() ? 0 : CF, CF); }
static void h_cld(Cpu& c, const Insn&) { c.s.eflags &= ~DF; }
static void h_std(Cpu& c, const Insn&) { c.s.eflags |= DF; }

static void h_lahf(Cpu& c, const Insn&) { c.r8(4) = uint8_t((c.flags() & (SF | ZF | AF | PF | CF)) | FLAG_1); }
static void h_sahf(Cpu& c, const Insn&) { c.set_flags(c.r8(4), SF | ZF | AF | PF | CF); }

void register_bcd(OpTable& t) {
  def1(t, 0x27, h_daa, 0);
  def1(t, 0x2F, h_das, 0);
  def1(t, 0x37, h_aaa, 0);
  def1(t, 0x3F, h_aas, 0);
  def1(t, 0xD4, h_aam, 0, IMM_B);
  def1(t, 0xD5, h_aad, 0, IMM_B);
  def1(t, 0x98, h_cbw, 0);
  def1(t, 0x99, h_cwd, 0);
  def1(t, 0xF8, h_clc, 0);
  def1(t, 0xF9, h_stc, 0);
  def1(t, 0xF5, h_cmc, 0);
  def1(t, 0xFC, h_cld, 0);
  def1(t, 0xFD, h_std, 0);
  def1(t, 0x9F, h_lahf, 0);
  def1(t, 0x9E, h_sahf, 0);
}

}  // namespace isolab::cpu
