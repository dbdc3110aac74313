// The x87 FPU's data instructions: loads and stores, arithmetic,
// comparisons, transcendental functions and stack manipulation, the escape
// opcodes D8-DF (SDM Vol. 2, each instruction's page; the opcode map in
// Vol. 2 A.5). The control instructions (FNINIT, FLDCW, FNSTENV, ...) are
// in ops_x87_control.cpp; the arithmetic itself in x87_arith.cpp.
//
// How an instruction runs: enter() makes the #NM and #MF checks; memory
// operands are read (which may fault, before anything changes); the
// last-instruction pointers are noted; then the stack is checked for
// underflow (an empty register read) and overflow (a push onto a full
// register), the host computes, and the result is written unless an
// unmasked exception forbids it (x87.h). Masked exceptions give the IEEE
// default results, which the host FPU produces; an unmasked one sets ES
// and waits for the next waiting instruction to deliver #MF.
//
// Limitation: an unmasked overflow or underflow with a register
// destination stores the masked response; real hardware stores the result
// with its exponent wrapped by 24576 (SDM Vol. 1 4.9.1.4, 4.9.1.5) for the
// handler to rescale.
#include "cpu/ops.h"
#include "cpu/x87.h"

namespace isolab::cpu {

namespace {

using namespace x87;

// --- memory operands ---------------------------------------------------------------------

uint32_t off_of(Cpu& c, const Insn& i, uint32_t k) {
  const uint32_t a = c.ea(i) + k;
  return i.addr32 ? a : (a & 0xFFFF);
}
uint64_t read64(Cpu& c, const Insn& i) {
  const uint32_t lo = c.read32(i.seg, off_of(c, i, 0));
  return uint64_t(c.read32(i.seg, off_of(c, i, 4))) << 32 | lo;
}
F80 read80(Cpu& c, const Insn& i) {
  F80 v;
  v.signif = read64(c, i);
  v.sign_exp = c.read16(i.seg, off_of(c, i, 8));
  return v;
}
void write_bytes(Cpu& c, const Insn& i, const uint8_t* b, int n) {
  c.check_write(i.seg, c.ea(i), n);
  for (int k = 0; k < n; k++) c.write8(i.seg, off_of(c, i, uint32_t(k)), b[k]);
}

// --- arithmetic ---------------------------------------------------------------------------

// The operation of ModRM.reg in D8, DA, DC and DE: 0 add, 1 mul, 4 and 5
// subtract, 6 and 7 divide (2 and 3 are the comparisons).
Result compute(int reg, const F80& a, const F80& b, uint16_t cw) {
  switch (reg) {
    case 0: return x87::add(a, b, cw);
    case 1: return x87::mul(a, b, cw);
    case 4: case 5: return x87::sub(a, b, cw);
    default: return x87::div(a, b, cw);
  }
}

// ST(dest) = ST(dest) op src, or src op ST(dest) when `reverse`; then pop
// if asked. `src_flags` are the exceptions of converting a memory source.
void arith(Cpu& c, int reg, bool reverse, int dest, const F80& src, bool src_empty, uint16_t src_flags,
           bool pop_after) {
  FpuState& f = c.s.fpu;
  if (is_empty(f, dest) || src_empty) {
    if (!stack_underflow(f)) return;
    set_st(f, dest, INDEFINITE);
  } else {
    const F80 d = st(f, dest);
    const Result r = reverse ? compute(reg, src, d, f.fcw) : compute(reg, d, src, f.fcw);
    if (raise(f, (r.sw | src_flags) & FSW_EXCEPTIONS) & PRE_COMPUTATION) return;
    set_st(f, dest, r.value);
    set_c1(f, r.sw & FSW_C1);
  }
  if (pop_after) pop(f);
}

// FCOM, FUCOM, FICOM and their popping forms, FCOMI and FUCOMI (to EFLAGS).
// Unordered (a NaN, or a masked stack underflow) is C3 = C2 = C0 = 1, or
// ZF = PF = CF = 1 (SDM Vol. 2 "FCOM", "FCOMI").
void compare(Cpu& c, const F80& src, bool src_empty, uint16_t src_flags, bool unordered_quiet, int pops,
             bool to_eflags) {
  FpuState& f = c.s.fpu;
  uint16_t cc;
  if (is_empty(f, 0) || src_empty) {
    if (!stack_underflow(f)) return;
    cc = FSW_C3 | FSW_C2 | FSW_C0;
  } else {
    const uint16_t sw = unordered_quiet ? ucom(st(f, 0), src, f.fcw) : com(st(f, 0), src, f.fcw);
    if (raise(f, (sw | src_flags) & FSW_EXCEPTIONS) & PRE_COMPUTATION) return;
    cc = sw & (FSW_C3 | FSW_C2 | FSW_C0);
  }
  set_c1(f, false);
  if (to_eflags) {
    const uint32_t fl = (cc & FSW_C3 ? ZF : 0) | (cc & FSW_C2 ? PF : 0) | (cc & FSW_C0 ? CF : 0);
    c.set_flags(fl, ZF | PF | CF | OF | SF | AF);
  } else {
    f.fsw = uint16_t((f.fsw & ~(FSW_C3 | FSW_C2 | FSW_C0)) | cc);
  }
  for (int k = 0; k < pops; k++) pop(f);
}

// Push a loaded value (FLD, FILD, FBLD, the constants). `r` carries the
// conversion's exceptions.
void push_loaded(FpuState& f, const Result& r) {
  if (!is_empty(f, 7)) {
    if (stack_overflow(f)) push(f, INDEFINITE);
    return;
  }
  if (raise(f, r.sw & FSW_EXCEPTIONS) & PRE_COMPUTATION) return;
  set_c1(f, r.sw & FSW_C1);
  push(f, r.value);
}

// --- D8 DA DC DE: arithmetic with a memory source -----------------------------------------

// The memory operand of D8 (m32fp), DA (m32int), DC (m64fp) or DE (m16int).
Result load_source(Cpu& c, const Insn& i) {
  const uint16_t cw = c.s.fpu.fcw;
  switch (i.opcode) {
    case 0xD8: return load_m32(c.read32(i.seg, c.ea(i)), cw);
    case 0xDA: return load_int(int32_t(c.read32(i.seg, c.ea(i))), cw);
    case 0xDC: return load_m64(read64(c, i), cw);
    default: return load_int(int16_t(c.read16(i.seg, c.ea(i))), cw);
  }
}

void h_arith_mem(Cpu& c, const Insn& i) {
  enter(c, true);
  const Result src = load_source(c, i);
  note_instruction(c, i);
  const uint16_t flags = src.sw & FSW_EXCEPTIONS;
  if (i.reg == 2 || i.reg == 3) compare(c, src.value, false, flags, false, i.reg - 2, false);
  else arith(c, i.reg, i.reg >= 4 && (i.reg & 1), 0, src.value, false, flags, false);
}

// D8 /r: ST(0) = ST(0) op ST(i); D8 D0-DF: FCOM, FCOMP ST(i).
void h_arith_st0_sti(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  const F80 src = st(f, i.rm);
  if (i.reg == 2 || i.reg == 3) compare(c, src, is_empty(f, i.rm), 0, false, i.reg - 2, false);
  else arith(c, i.reg, i.reg >= 4 && (i.reg & 1), 0, src, is_empty(f, i.rm), 0, false);
}

// DC /r and DE /r: ST(i) = ST(i) op ST(0), popping for DE. Intel's names
// swap here: DC E0+i is FSUBR ST(i), ST(0), i.e. ST(0) - ST(i).
template <bool Pop>
void h_arith_sti_st0(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  arith(c, i.reg, i.reg >= 4 && !(i.reg & 1), i.rm, st(f, 0), is_empty(f, 0), 0, Pop);
}

// FCOM2 (DC D0+i), FCOMP3 (DC D8+i) and FCOMP5 (DE D0+i): encodings the
// SDM leaves out that Intel's CPUs (and QEMU) execute as FCOM and FCOMP.
void h_fcom_alias(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  const bool pops = i.opcode == 0xDE || i.reg == 3;
  compare(c, st(f, i.rm), is_empty(f, i.rm), 0, false, pops, false);
}

// FCOMPP (DE D9) and FUCOMPP (DA E9): compare ST(0) with ST(1), pop twice.
template <bool Quiet>
void h_compare_pop_pop(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  compare(c, st(f, 1), is_empty(f, 1), 0, Quiet, 2, false);
}

// FUCOM, FUCOMP ST(i) (DD E0-EF).
void h_fucom(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  compare(c, st(f, i.rm), is_empty(f, i.rm), 0, true, i.reg == 5, false);
}

// FCOMI, FUCOMI (DB) and FCOMIP, FUCOMIP (DF): the result in ZF, PF, CF.
template <bool Pop>
void h_fcomi(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  compare(c, st(f, i.rm), is_empty(f, i.rm), 0, i.reg == 5, Pop, true);
}

// FCMOVcc (DA C0-DF, DB C0-DF): ST(0) = ST(i) if the EFLAGS condition
// holds: B (CF), E (ZF), BE (CF or ZF), U (PF), or its negation in DB.
void h_fcmov(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  bool cond;
  switch (i.reg) {
    case 0: cond = c.cf(); break;
    case 1: cond = c.zf(); break;
    case 2: cond = c.cf() || c.zf(); break;
    default: cond = c.pf(); break;
  }
  if (i.opcode == 0xDB) cond = !cond;
  FpuState& f = c.s.fpu;
  if (is_empty(f, 0) || is_empty(f, i.rm)) {
    if (stack_underflow(f)) set_st(f, 0, INDEFINITE);
    return;
  }
  set_c1(f, false);
  if (cond) set_st(f, 0, st(f, i.rm));
}

// --- loads ----------------------------------------------------------------------------------

// FLD m32fp (D9 /0), m64fp (DD /0), m80fp (DB /5); FILD m16 (DF /0), m32
// (DB /0), m64 (DF /5); FBLD m80bcd (DF /4).
void h_load_mem(Cpu& c, const Insn& i) {
  enter(c, true);
  const uint16_t cw = c.s.fpu.fcw;
  Result r;
  switch (i.opcode << 3 | i.reg) {
    case 0xD9 << 3 | 0: r = load_m32(c.read32(i.seg, c.ea(i)), cw); break;
    case 0xDD << 3 | 0: r = load_m64(read64(c, i), cw); break;
    case 0xDB << 3 | 5: r.value = read80(c, i); break;  // no conversion, no exception
    case 0xDF << 3 | 0: r = load_int(int16_t(c.read16(i.seg, c.ea(i))), cw); break;
    case 0xDB << 3 | 0: r = load_int(int32_t(c.read32(i.seg, c.ea(i))), cw); break;
    case 0xDF << 3 | 5: r = load_int(int64_t(read64(c, i)), cw); break;
    default: {  // FBLD
      uint8_t bcd[10];
      const uint64_t lo = read64(c, i);
      const uint16_t hi = c.read16(i.seg, off_of(c, i, 8));
      for (int k = 0; k < 8; k++) bcd[k] = uint8_t(lo >> (8 * k));
      bcd[8] = uint8_t(hi), bcd[9] = uint8_t(hi >> 8);
      r = load_bcd(bcd, cw);
    }
  }
  note_instruction(c, i);
  push_loaded(c.s.fpu, r);
}

// FLD ST(i) (D9 C0+i).
void h_fld_sti(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  if (!is_empty(f, 7)) {
    if (stack_overflow(f)) push(f, INDEFINITE);
    return;
  }
  if (is_empty(f, i.rm)) {
    if (stack_underflow(f)) push(f, INDEFINITE);
    return;
  }
  const F80 v = st(f, i.rm);
  set_c1(f, false);
  push(f, v);
}

// FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ (D9 E8-EE).
void h_fld_constant(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  if (!is_empty(f, 7)) {
    if (stack_overflow(f)) push(f, INDEFINITE);
    return;
  }
  push_loaded(f, load_constant(i.rm, f.fcw));
}

// --- stores ---------------------------------------------------------------------------------

// FST/FSTP m32fp (D9 /2 /3), m64fp (DD /2 /3), FSTP m80fp (DB /7),
// FIST/FISTP m16 (DF /2 /3) and m32 (DB /2 /3), FISTP m64 (DF /7), FBSTP
// (DF /6). An unmasked invalid operation, overflow or underflow leaves
// memory and the stack unchanged (SDM Vol. 1 4.9.1.4, 8.5.4); a masked one
// stores the format's indefinite or the IEEE default.
void h_store_mem(Cpu& c, const Insn& i) {
  enter(c, true);
  FpuState& f = c.s.fpu;
  const int form = i.opcode << 3 | i.reg;
  bool pop_after;
  switch (form) {
    case 0xD9 << 3 | 2: case 0xDD << 3 | 2: case 0xDF << 3 | 2: case 0xDB << 3 | 2: pop_after = false; break;
    default: pop_after = true;
  }
  const bool underflow = is_empty(f, 0);
  const F80 v = underflow ? INDEFINITE : st(f, 0);
  uint16_t sw = 0;
  uint8_t bytes[10];
  int size;
  auto put = [&](uint64_t x, int n) {
    for (int k = 0; k < n; k++) bytes[k] = uint8_t(x >> (8 * k));
    size = n;
  };
  switch (form) {
    case 0xD9 << 3 | 2: case 0xD9 << 3 | 3: put(store_m32(v, f.fcw, sw), 4); break;
    case 0xDD << 3 | 2: case 0xDD << 3 | 3: put(store_m64(v, f.fcw, sw), 8); break;
    case 0xDB << 3 | 7:
      put(v.signif, 8);
      bytes[8] = uint8_t(v.sign_exp), bytes[9] = uint8_t(v.sign_exp >> 8);
      size = 10;
      break;
    case 0xDF << 3 | 2: case 0xDF << 3 | 3: put(uint16_t(store_int16(v, f.fcw, sw)), 2); break;
    case 0xDB << 3 | 2: case 0xDB << 3 | 3: put(uint32_t(store_int32(v, f.fcw, sw)), 4); break;
    case 0xDF << 3 | 7: put(uint64_t(store_int64(v, f.fcw, sw)), 8); break;
    default: store_bcd(v, f.fcw, sw, bytes), size = 10; break;
  }
  const uint16_t flags = uint16_t((sw & FSW_EXCEPTIONS) | (underflow ? FSW_IE | FSW_SF : 0));
  const bool blocked = flags & ~f.fcw & (FSW_IE | FSW_OE | FSW_UE);
  if (!blocked) write_bytes(c, i, bytes, size);  // may fault: nothing has changed yet
  note_instruction(c, i);
  raise(f, flags);
  set_c1(f, !underflow && (sw & FSW_C1));
  if (!blocked && pop_after) pop(f);
}

// FST, FSTP ST(i) (DD D0-DF) and the aliases FSTP1 (D9 D8+i), FSTP8 and
// FSTP9 (DF D0-DF), which Intel's CPUs execute as FSTP.
void h_fst_sti(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  const bool pop_after = !(i.opcode == 0xDD && i.reg == 2);
  if (is_empty(f, 0)) {
    if (!stack_underflow(f)) return;
    set_st(f, i.rm, INDEFINITE);
  } else {
    set_c1(f, false);
    set_st(f, i.rm, st(f, 0));
  }
  if (pop_after) pop(f);
}

// --- one-operand instructions (D9 E0-FF) -------------------------------------------------

// FXCH ST(i) (D9 C8+i, aliases DD C8+i and DF C8+i).
void h_fxch(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  if (is_empty(f, 0) || is_empty(f, i.rm)) {
    if (!stack_underflow(f)) return;
    if (is_empty(f, 0)) set_st(f, 0, INDEFINITE);
    if (is_empty(f, i.rm)) set_st(f, i.rm, INDEFINITE);
  } else {
    set_c1(f, false);
  }
  const F80 a = st(f, 0);
  set_st(f, 0, st(f, i.rm));
  set_st(f, i.rm, a);
}

// FCHS (D9 E0) and FABS (D9 E1): the sign bit only, never an exception
// other than stack underflow.
void h_fchs_fabs(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  if (is_empty(f, 0)) {
    if (stack_underflow(f)) set_st(f, 0, INDEFINITE);
    return;
  }
  set_c1(f, false);
  F80 v = st(f, 0);
  v.sign_exp = uint16_t(i.rm == 0 ? v.sign_exp ^ 0x8000 : v.sign_exp & 0x7FFF);
  set_st(f, 0, v);
}

// FTST (D9 E4): compare ST(0) with 0.0.
void h_ftst(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  uint16_t cc;
  if (is_empty(f, 0)) {
    if (!stack_underflow(f)) return;
    cc = FSW_C3 | FSW_C2 | FSW_C0;
  } else {
    const uint16_t sw = tst(st(f, 0), f.fcw);
    if (raise(f, sw & FSW_EXCEPTIONS) & PRE_COMPUTATION) return;
    cc = sw & (FSW_C3 | FSW_C2 | FSW_C0);
    set_c1(f, false);
  }
  f.fsw = uint16_t((f.fsw & ~(FSW_C3 | FSW_C2 | FSW_C0)) | cc);
}

// FXAM (D9 E5): the class of ST(0) in C3 C2 C0 and its sign in C1; an
// empty register is class 101 (SDM Vol. 2 "FXAM").
void h_fxam(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  const F80 v = st(f, 0);
  uint16_t cc = is_empty(f, 0) ? uint16_t(FSW_C3 | FSW_C0) : uint16_t(xam(v, f.fcw) & (FSW_C3 | FSW_C2 | FSW_C0));
  if (v.sign()) cc |= FSW_C1;
  f.fsw = uint16_t((f.fsw & ~FSW_CC) | cc);
}

// FSQRT, FRNDINT, F2XM1, FSIN, FCOS: ST(0) = fn(ST(0)). FSIN and FCOS set
// C2 and leave ST(0) when |ST(0)| >= 2^63.
template <Result (*Fn)(const F80&, uint16_t), bool SetsC2>
void h_unary(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  if (is_empty(f, 0)) {
    if (stack_underflow(f)) set_st(f, 0, INDEFINITE);
    return;
  }
  const Result r = Fn(st(f, 0), f.fcw);
  if (raise(f, r.sw & FSW_EXCEPTIONS) & PRE_COMPUTATION) return;
  set_st(f, 0, r.value);
  set_c1(f, r.sw & FSW_C1);
  if (SetsC2) f.fsw = uint16_t((f.fsw & ~FSW_C2) | (r.sw & FSW_C2));
}

// FPTAN, FSINCOS, FXTRACT: ST(0) = value, then push value2. FPTAN and
// FSINCOS out of range set C2 and push nothing.
template <Result (*Fn)(const F80&, uint16_t), bool SetsC2>
void h_unary_push(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  if (is_empty(f, 0) || !is_empty(f, 7)) {
    if (!(is_empty(f, 0) ? stack_underflow(f) : stack_overflow(f))) return;
    set_st(f, 0, INDEFINITE);
    push(f, INDEFINITE);
    return;
  }
  const Result r = Fn(st(f, 0), f.fcw);
  if (raise(f, r.sw & FSW_EXCEPTIONS) & PRE_COMPUTATION) return;
  set_c1(f, r.sw & FSW_C1);
  if (SetsC2) {
    f.fsw = uint16_t((f.fsw & ~FSW_C2) | (r.sw & FSW_C2));
    if (r.sw & FSW_C2) return;
  }
  set_st(f, 0, r.value);
  push(f, r.value2);
}

// FPREM, FPREM1, FSCALE: ST(0) = fn(ST(0), ST(1)). FPREM's C0 C1 C3 are
// the quotient's low bits and C2 says the reduction is incomplete.
template <Result (*Fn)(const F80&, const F80&, uint16_t), bool Remainder>
void h_binary_st0(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  if (is_empty(f, 0) || is_empty(f, 1)) {
    if (stack_underflow(f)) set_st(f, 0, INDEFINITE);
    return;
  }
  const Result r = Fn(st(f, 0), st(f, 1), f.fcw);
  if (raise(f, r.sw & FSW_EXCEPTIONS) & PRE_COMPUTATION) return;
  set_st(f, 0, r.value);
  if (Remainder) f.fsw = uint16_t((f.fsw & ~FSW_CC) | (r.sw & FSW_CC));
  else set_c1(f, r.sw & FSW_C1);
}

// FPATAN, FYL2X, FYL2XP1: ST(1) = fn(ST(0), ST(1)), then pop.
template <Result (*Fn)(const F80&, const F80&, uint16_t)>
void h_binary_pop(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  if (is_empty(f, 0) || is_empty(f, 1)) {
    if (!stack_underflow(f)) return;
    set_st(f, 1, INDEFINITE);
  } else {
    const Result r = Fn(st(f, 0), st(f, 1), f.fcw);
    if (raise(f, r.sw & FSW_EXCEPTIONS) & PRE_COMPUTATION) return;
    set_st(f, 1, r.value);
    set_c1(f, r.sw & FSW_C1);
  }
  pop(f);
}

// FDECSTP (D9 F6), FINCSTP (D9 F7): move TOP, tags untouched.
void h_fdecstp_fincstp(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  f.top = uint8_t((f.top + (i.rm == 6 ? 7 : 1)) & 7);
  set_c1(f, false);
}

// FFREE ST(i) (DD C0+i); FFREEP (DF C0+i), undocumented, frees and pops.
void h_ffree(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
  FpuState& f = c.s.fpu;
  f.empty = uint8_t(f.empty | (1u << phys(f, i.rm)));
  if (i.opcode == 0xDF) pop(f);
}

// FNOP (D9 D0).
void h_fnop(Cpu& c, const Insn& i) {
  enter(c, true);
  note_instruction(c, i);
}

}  // namespace

void register_x87(OpTable& t) {
  for (int op = 0xD8; op <= 0xDF; op++) def1(t, op, h_ud, 1);
  EscapeTable& d8 = t.x87[0];
  EscapeTable& d9 = t.x87[1];
  EscapeTable& da = t.x87[2];
  EscapeTable& db = t.x87[3];
  EscapeTable& dc = t.x87[4];
  EscapeTable& dd = t.x87[5];
  EscapeTable& de = t.x87[6];
  EscapeTable& df = t.x87[7];
  // Register forms fill eight entries (rm = ST(i)) at once.
  auto row = [](EscapeTable& e, int reg, Handler h) {
    for (int rm = 0; rm < 8; rm++) e.reg[reg * 8 + rm] = h;
  };

  for (int reg = 0; reg < 8; reg++) {
    d8.mem[reg] = da.mem[reg] = dc.mem[reg] = de.mem[reg] = h_arith_mem;
    row(d8, reg, h_arith_st0_sti);
    row(dc, reg, h_arith_sti_st0<false>);
    row(de, reg, h_arith_sti_st0<true>);
  }
  row(dc, 2, h_fcom_alias);
  row(dc, 3, h_fcom_alias);
  row(de, 2, h_fcom_alias);
  row(de, 3, nullptr);
  de.reg[3 * 8 + 1] = h_compare_pop_pop<false>;  // FCOMPP

  // D9
  d9.mem[0] = h_load_mem;
  d9.mem[2] = d9.mem[3] = h_store_mem;
  row(d9, 0, h_fld_sti);
  row(d9, 1, h_fxch);
  d9.reg[0xD0 - 0xC0] = h_fnop;
  row(d9, 3, h_fst_sti);  // FSTP1
  d9.reg[0xE0 - 0xC0] = d9.reg[0xE1 - 0xC0] = h_fchs_fabs;
  d9.reg[0xE4 - 0xC0] = h_ftst;
  d9.reg[0xE5 - 0xC0] = h_fxam;
  for (int k = 0xE8; k <= 0xEE; k++) d9.reg[k - 0xC0] = h_fld_constant;
  d9.reg[0xF0 - 0xC0] = h_unary<f2xm1, false>;
  d9.reg[0xF1 - 0xC0] = h_binary_pop<yl2x>;
  d9.reg[0xF2 - 0xC0] = h_unary_push<ptan, true>;
  d9.reg[0xF3 - 0xC0] = h_binary_pop<patan>;
  d9.reg[0xF4 - 0xC0] = h_unary_push<xtract, false>;
  d9.reg[0xF5 - 0xC0] = h_binary_st0<prem1, true>;
  d9.reg[0xF6 - 0xC0] = d9.reg[0xF7 - 0xC0] = h_fdecstp_fincstp;
  d9.reg[0xF8 - 0xC0] = h_binary_st0<prem, true>;
  d9.reg[0xF9 - 0xC0] = h_binary_pop<yl2xp1>;
  d9.reg[0xFA - 0xC0] = h_unary<x87::sqrt, false>;
  d9.reg[0xFB - 0xC0] = h_unary_push<sincos, true>;
  d9.reg[0xFC - 0xC0] = h_unary<rndint, false>;
  d9.reg[0xFD - 0xC0] = h_binary_st0<scale, false>;
  d9.reg[0xFE - 0xC0] = h_unary<x87::sin, true>;
  d9.reg[0xFF - 0xC0] = h_unary<x87::cos, true>;

  // DA: FCMOVB/E/BE/U, FUCOMPP
  for (int reg = 0; reg < 4; reg++) row(da, reg, h_fcmov);
  da.reg[0xE9 - 0xC0] = h_compare_pop_pop<true>;

  // DB: FILD m32, FIST(P) m32, FLD/FSTP m80 (FISTTP is SSE3: #UD);
  // FCMOVNB/NE/NBE/NU, FUCOMI, FCOMI.
  db.mem[0] = db.mem[5] = h_load_mem;
  db.mem[2] = db.mem[3] = db.mem[7] = h_store_mem;
  for (int reg = 0; reg < 4; reg++) row(db, reg, h_fcmov);
  row(db, 5, h_fcomi<false>);
  row(db, 6, h_fcomi<false>);

  // DD: FLD/FST/FSTP m64; FFREE, FXCH4, FST, FSTP, FUCOM, FUCOMP ST(i).
  dd.mem[0] = h_load_mem;
  dd.mem[2] = dd.mem[3] = h_store_mem;
  row(dd, 0, h_ffree);
  row(dd, 1, h_fxch);
  row(dd, 2, h_fst_sti);
  row(dd, 3, h_fst_sti);
  row(dd, 4, h_fucom);
  row(dd, 5, h_fucom);

  // DF: FILD m16/m64, FIST(P) m16, FISTP m64, FBLD, FBSTP; FFREEP, FXCH7,
  // FSTP8, FSTP9, FUCOMIP, FCOMIP.
  df.mem[0] = df.mem[4] = df.mem[5] = h_load_mem;
  df.mem[2] = df.mem[3] = df.mem[6] = df.mem[7] = h_store_mem;
  row(df, 0, h_ffree);
  row(df, 1, h_fxch);
  row(df, 2, h_fst_sti);
  row(df, 3, h_fst_sti);
  row(df, 5, h_fcomi<true>);
  row(df, 6, h_fcomi<true>);
}

}  // namespace isolab::cpu
