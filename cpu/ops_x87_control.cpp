// The x87 FPU's control instructions (SDM Vol. 1 8.3.12 and Vol. 2, each
// instruction's page): FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW, FNSTENV,
// FLDENV, FNSAVE, FRSTOR, WAIT/FWAIT and the 8087/287 leftovers that the
// 387 and later execute as no-ops. Control instructions leave the
// last-instruction pointers alone; the FN forms do not wait (they neither
// deliver a pending #MF nor, apart from CR0.EM/TS, fault).
//
// The environment image (FNSTENV, FLDENV, and the first part of FNSAVE and
// FRSTOR) has four layouts, by operand size and mode (SDM Vol. 1 figures
// 8-9 to 8-12): 28 bytes with a 32-bit operand size, 14 with a 16-bit one;
// in real mode the pointers are 20-bit linear addresses split across
// fields. Reserved fields are stored as zero.
#include "cpu/ops.h"
#include "cpu/x87.h"

namespace isolab::cpu {

namespace {

using namespace x87;

uint32_t offset(const Insn& i, uint32_t base, uint32_t k) {
  const uint32_t a = base + k;
  return i.addr32 ? a : (a & 0xFFFF);
}

// The environment's size for this instruction's operand size.
uint32_t env_size(const Insn& i) { return i.opsize == 4 ? 28 : 14; }

void store_env(Cpu& c, const Insn& i, uint32_t base) {
  const FpuState& f = c.s.fpu;
  const bool real = !c.protected_mode();
  const uint32_t ip = real ? uint32_t(f.fcs) * 16 + f.fip : f.fip;
  const uint32_t dp = real ? uint32_t(f.fds) * 16 + f.fdp : f.fdp;
  const uint16_t cw = f.fcw, sw = fpu_status_word(f), tw = fpu_tag_word(f);
  if (i.opsize == 4) {
    uint32_t w[7] = {cw, sw, tw, 0, 0, 0, 0};
    if (real) {
      w[3] = ip & 0xFFFF;
      w[4] = (ip >> 16) << 12 | (f.fop & 0x7FF);
      w[5] = dp & 0xFFFF;
      w[6] = (dp >> 16) << 12;
    } else {
      w[3] = ip;
      w[4] = f.fcs | uint32_t(f.fop & 0x7FF) << 16;
      w[5] = dp;
      w[6] = f.fds;
    }
    for (uint32_t k = 0; k < 7; k++) c.write32(i.seg, offset(i, base, 4 * k), w[k]);
  } else {
    uint16_t w[7] = {cw, sw, tw, 0, 0, 0, 0};
    if (real) {
      w[3] = uint16_t(ip);
      w[4] = uint16_t(((ip >> 16) & 0xF) << 12 | (f.fop & 0x7FF));
      w[5] = uint16_t(dp);
      w[6] = uint16_t(((dp >> 16) & 0xF) << 12);
    } else {
      w[3] = uint16_t(ip), w[4] = f.fcs, w[5] = uint16_t(dp), w[6] = f.fds;
    }
    for (uint32_t k = 0; k < 7; k++) c.write16(i.seg, offset(i, base, 2 * k), w[k]);
  }
}

// Read the environment into `f` (the caller commits it).
void load_env(Cpu& c, const Insn& i, uint32_t base, FpuState& f) {
  const bool real = !c.protected_mode();
  uint32_t w[7];
  for (uint32_t k = 0; k < 7; k++)
    w[k] = i.opsize == 4 ? c.read32(i.seg, offset(i, base, 4 * k)) : c.read16(i.seg, offset(i, base, 2 * k));
  f.fcw = uint16_t(w[0]);
  f.fsw = uint16_t(w[1] & ~FSW_TOP);
  f.top = uint8_t((w[1] >> 11) & 7);
  // Only empty or not matters when a tag word is loaded; the other tags
  // are worked out from the registers when stored (SDM Vol. 3A, "x87 FPU
  // Tag Word" in the chapter on architecture compatibility).
  f.empty = 0;
  for (int k = 0; k < 8; k++)
    if (((w[2] >> (2 * k)) & 3) == TAG_EMPTY) f.empty = uint8_t(f.empty | (1u << k));
  if (real) {
    const uint32_t high = i.opsize == 4 ? 0xFFFF : 0xF;  // the pointers' bits 16 and up, at bit 12
    f.fip = (w[3] & 0xFFFF) | ((w[4] >> 12) & high) << 16;
    f.fcs = 0;
    f.fop = uint16_t(w[4] & 0x7FF);
    f.fdp = (w[5] & 0xFFFF) | ((w[6] >> 12) & high) << 16;
    f.fds = 0;
  } else if (i.opsize == 4) {
    f.fip = w[3], f.fcs = uint16_t(w[4]), f.fop = uint16_t((w[4] >> 16) & 0x7FF);
    f.fdp = w[5], f.fds = uint16_t(w[6]);
  } else {
    f.fip = w[3], f.fcs = uint16_t(w[4]), f.fdp = w[5], f.fds = uint16_t(w[6]);
  }
  update_summary(f);
}

// --- the handlers ------------------------------------------------------------------------------

// FNINIT (DB E3).
void h_fninit(Cpu& c, const Insn&) {
  enter(c, false);
  fpu_init(c.s.fpu);
}

// FNCLEX (DB E2): clear the exception flags, SF, ES and B.
void h_fnclex(Cpu& c, const Insn&) {
  enter(c, false);
  c.s.fpu.fsw &= uint16_t(~(FSW_EXCEPTIONS | FSW_SF | FSW_ES | FSW_B));
}

// FNENI, FNDISI (DB E0, E1: the 8087's interrupt mask) and FNSETPM (DB E4:
// the 287's protected mode): no-ops since the 387.
void h_obsolete(Cpu& c, const Insn&) { enter(c, false); }

// FLDCW m16 (D9 /5). Bit 6 reads as 1 and bits 13-15 as 0. Unmasking a
// flag that is already set makes it pending: the next waiting instruction
// raises #MF (SDM Vol. 2 "FLDCW").
void h_fldcw(Cpu& c, const Insn& i) {
  enter(c, true);
  const uint16_t v = c.read16(i.seg, c.ea(i));
  FpuState& f = c.s.fpu;
  f.fcw = uint16_t((v & 0x1F3F) | 0x40);
  update_summary(f);
}

// FNSTCW m16 (D9 /7).
void h_fnstcw(Cpu& c, const Insn& i) {
  enter(c, false);
  c.write16(i.seg, c.ea(i), c.s.fpu.fcw);
}

// FNSTSW m16 (DD /7) and FNSTSW AX (DF E0).
void h_fnstsw(Cpu& c, const Insn& i) {
  enter(c, false);
  const uint16_t sw = fpu_status_word(c.s.fpu);
  if (i.is_mem) c.write16(i.seg, c.ea(i), sw);
  else c.r16(EAX) = sw;
}

// FNSTENV m14/28byte (D9 /6): store the environment, then mask every
// exception.
void h_fnstenv(Cpu& c, const Insn& i) {
  enter(c, false);
  const uint32_t base = c.ea(i);
  c.check_write(i.seg, base, int(env_size(i)));
  store_env(c, i, base);
  c.s.fpu.fcw |= FCW_MASKS;
}

// FLDENV m14/28byte (D9 /4).
void h_fldenv(Cpu& c, const Insn& i) {
  enter(c, true);
  FpuState f = c.s.fpu;
  load_env(c, i, c.ea(i), f);  // may fault: commit only after every read
  c.s.fpu = f;
}

// FNSAVE m94/108byte (DD /6): the environment, then ST(0)..ST(7) as ten
// bytes each, then FNINIT.
void h_fnsave(Cpu& c, const Insn& i) {
  enter(c, false);
  const uint32_t base = c.ea(i);
  const uint32_t regs = env_size(i);
  c.check_write(i.seg, base, int(regs + 80));
  store_env(c, i, base);
  FpuState& f = c.s.fpu;
  for (int k = 0; k < 8; k++) {
    const F80& v = st(f, k);
    const uint32_t at = regs + 10 * uint32_t(k);
    c.write32(i.seg, offset(i, base, at), uint32_t(v.signif));
    c.write32(i.seg, offset(i, base, at + 4), uint32_t(v.signif >> 32));
    c.write16(i.seg, offset(i, base, at + 8), v.sign_exp);
  }
  fpu_init(f);
}

// FRSTOR m94/108byte (DD /4).
void h_frstor(Cpu& c, const Insn& i) {
  enter(c, true);
  const uint32_t base = c.ea(i);
  FpuState f = c.s.fpu;
  load_env(c, i, base, f);
  const uint32_t regs = env_size(i);
  for (int k = 0; k < 8; k++) {
    const uint32_t at = regs + 10 * uint32_t(k);
    F80 v;
    v.signif = c.read32(i.seg, offset(i, base, at)) | uint64_t(c.read32(i.seg, offset(i, base, at + 4))) << 32;
    v.sign_exp = c.read16(i.seg, offset(i, base, at + 8));
    f.r[phys(f, k)] = v;
  }
  c.s.fpu = f;
}

// WAIT/FWAIT (9B): #NM only when CR0.MP and CR0.TS are both set (SDM Vol.
// 3A table 2-2), then a pending unmasked exception is delivered.
void h_fwait(Cpu& c, const Insn&) {
  if ((c.s.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) c.fault(NM);
  if ((c.s.fpu.fsw & FSW_ES) && (c.s.cr0 & CR0_NE)) c.fault(MF);
}

}  // namespace

void register_x87_control(OpTable& t) {
  EscapeTable& d9 = t.x87[1];
  EscapeTable& db = t.x87[3];
  EscapeTable& dd = t.x87[5];
  EscapeTable& df = t.x87[7];
  d9.mem[4] = h_fldenv;
  d9.mem[5] = h_fldcw;
  d9.mem[6] = h_fnstenv;
  d9.mem[7] = h_fnstcw;
  db.reg[0xE0 - 0xC0] = db.reg[0xE1 - 0xC0] = db.reg[0xE4 - 0xC0] = h_obsolete;
  db.reg[0xE2 - 0xC0] = h_fnclex;
  db.reg[0xE3 - 0xC0] = h_fninit;
  dd.mem[4] = h_frstor;
  dd.mem[6] = h_fnsave;
  dd.mem[7] = h_fnstsw;
  df.reg[0xE0 - 0xC0] = h_fnstsw;
  def1(t, 0x9B, h_fwait, 0);
}

}  // namespace isolab::cpu
