// The random test-case generator of the Unicorn differential test; see
// cpu_diff_gen.h. Encodings follow the SDM Vol. 2 chapter 2 (ModRM and
// SIB, tables 2-1 to 2-3) and each instruction's opcode table.
#include "cpu_diff_gen.h"

#include <algorithm>

namespace isolab::cpu::test {

namespace {
constexpr uint8_t SEG_PREFIX[6] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65};
enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP };

// The flags condition code `cc` reads (SDM Vol. 1 appendix B).
uint32_t cond_reads(int cc) {
  static const uint32_t reads[8] = {OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF};
  return reads[cc >> 1];
}
bool is_logic(int op) { return op == OP_OR || op == OP_AND || op == OP_XOR; }
uint32_t mask_of(int size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
// The inverse of an odd number modulo 2^32 (Newton's iteration).
uint32_t inverse_odd(uint32_t a) {
  uint32_t x = a;
  for (int k = 0; k < 5; k++) x *= 2 - a * x;
  return x;
}
}  // namespace

// --- setup ---------------------------------------------------------------------

void Generator::mov_r32(int reg, uint32_t v) {
  if (!code32_) b(0x66);
  b(uint8_t(0xB8 + reg));
  imm(v, 4);
  if (reg == ESP) {
    uint32_t lin = base_[SS] + (code32_ ? v : (v & 0xFFFF));
    esp_ok_ = lin >= STACK_LO && lin < STACK_HI;
    stack_uses_ = 0;
  }
}

size_t Generator::mov_r32_patchable(int reg) {
  mov_r32(reg, 0);
  return code.size() - 4;
}

size_t Generator::poke32(uint32_t lin, uint32_t v) {
  uint32_t off = offset_in(DS, lin);
  if (code32_) {
    b(0xC7), b(0x05), imm(off, 4);
  } else {
    b(0x66), b(0xC7), b(0x06), imm(off, 2);
  }
  imm(v, 4);
  return code.size() - 4;
}

void Generator::set_esp_sane(uint32_t upper) {
  uint32_t lin = STACK_LO + 64 + r_.below(STACK_HI - STACK_LO - 128);
  uint32_t v = offset_in(SS, lin);
  if (!code32_) v = (v & 0xFFFF) | upper;  // a 16-bit stack uses SP only
  mov_r32(ESP, v);
}

void Generator::need(uint32_t reads) {
  if (!(undefined & reads)) return;
  // CMP r, r defines all six arithmetic flags.
  if (r_.chance(50)) b(0x66);
  b(r_.chance(50) ? 0x39 : 0x3B);
  b(uint8_t(0xC0 | r_.below(64)));
  flags(ARITH_FLAGS, 0);
}

// --- operands ------------------------------------------------------------------

int Generator::pick_reg(int size, uint32_t avoid) {
  for (;;) {
    int n = int(r_.below(8));
    int r32 = size == 1 ? (n & 3) : n;
    if (!(avoid & (1u << r32))) return n;
  }
}

Generator::Mem Generator::mem(int size, uint32_t avoid, bool write, uint32_t lin) {
  Mem m;
  m.asz = pick_asz();
  m.lin = lin ? lin : random_lin(size);
  auto pick = [&](uint32_t allowed) -> int {
    allowed &= ~avoid & 0xFF;
    if (!allowed) return -1;
    for (;;) {
      int n = int(r_.below(8));
      if (allowed & (1u << n)) return n;
    }
  };
  auto choose_seg = [&](int deflt) {
    m.seg = deflt;
    if (r_.chance(30)) {
      m.seg = int(r_.below(6));
      if (write && m.seg == CS && code32_) m.seg = DS;  // a code segment is not writable in protected mode
      m.override_seg = true;
    }
    return offset_in(m.seg, m.lin);
  };
  std::vector<std::pair<int, uint32_t>> regs;  // register values to set

  if (m.asz == 4) {
    for (;;) {
      int form = int(r_.below(5));
      if (form == 0) {  // [disp32]
        uint32_t off = choose_seg(DS);
        m.bytes = {0x05};
        for (int k = 0; k < 4; k++) m.bytes.push_back(uint8_t(off >> (8 * k)));
        break;
      }
      if (form <= 3) {  // [reg], [reg + disp8], [reg + disp32]
        int reg = pick(form == 1 ? 0xCF : 0xEF);
        if (reg < 0) continue;
        uint32_t off = choose_seg(reg == EBP ? SS : DS);
        uint32_t disp = form == 1 ? 0 : form == 2 ? uint32_t(int32_t(int8_t(r_.u32()))) : r_.u32();
        m.bytes = {uint8_t((form - 1) << 6 | reg)};
        for (int k = 0; k < (form == 1 ? 0 : form == 2 ? 1 : 4); k++) m.bytes.push_back(uint8_t(disp >> (8 * k)));
        regs.push_back({reg, off - disp});
        break;
      }
      // SIB: [base + index * scale + disp]
      int mod = int(r_.below(3));
      int base = pick(0xFF);
      if (base < 0) base = 5, mod = 0;  // no register allowed: [disp32] through SIB
      bool has_base = !(mod == 0 && base == 5);
      int index = r_.chance(20) ? 4 : pick(0xEF);
      if (index < 0) index = 4;
      int scale = int(r_.below(4));
      if (index != 4 && index == base && has_base && scale == 0) scale = 1;
      uint32_t off = choose_seg(has_base && (base == ESP || base == EBP) ? SS : DS);
      uint32_t disp = mod == 1 ? uint32_t(int32_t(int8_t(r_.u32()))) : (mod == 2 || !has_base) ? r_.u32() : 0;
      if (index == 4) {
        if (has_base) regs.push_back({base, off - disp});
        else disp = off;
      } else if (has_base && index == base) {
        uint32_t v = (off - disp) * inverse_odd(1u + (1u << scale));
        regs.push_back({base, v});
      } else {
        uint32_t vi = r_.chance(50) ? r_.below(64) - 32 : r_.u32();
        regs.push_back({index, vi});
        if (has_base) regs.push_back({base, off - disp - (vi << scale)});
        else disp = off - (vi << scale);
      }
      m.bytes = {uint8_t(mod << 6 | 4), uint8_t(scale << 6 | index << 3 | base)};
      int dsize = mod == 1 ? 1 : (mod == 2 || !has_base) ? 4 : 0;
      for (int k = 0; k < dsize; k++) m.bytes.push_back(uint8_t(disp >> (8 * k)));
      break;
    }
  } else {
    // 16-bit forms: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP]/disp16 [BX].
    static const int8_t base16[8] = {EBX, EBX, EBP, EBP, ESI, EDI, EBP, EBX};
    static const int8_t index16[8] = {ESI, EDI, ESI, EDI, -1, -1, -1, -1};
    for (;;) {
      int mod = int(r_.below(3)), rmf = int(r_.below(8));
      bool direct = mod == 0 && rmf == 6;
      int bs = direct ? -1 : base16[rmf], ix = direct ? -1 : index16[rmf];
      if ((bs >= 0 && (avoid & (1u << bs))) || (ix >= 0 && (avoid & (1u << ix)))) continue;
      uint32_t off = choose_seg(bs == EBP ? SS : DS);
      uint32_t disp = mod == 1 ? uint32_t(int32_t(int8_t(r_.u32()))) : (mod == 2 || direct) ? (r_.u32() & 0xFFFF) : 0;
      if (direct) disp = off;
      m.bytes = {uint8_t(mod << 6 | rmf)};
      int dsize = mod == 1 ? 1 : (mod == 2 || direct) ? 2 : 0;
      for (int k = 0; k < dsize; k++) m.bytes.push_back(uint8_t(disp >> (8 * k)));
      if (!direct) {
        uint32_t vi = ix >= 0 ? r_.u32() : 0;
        if (ix >= 0) regs.push_back({ix, vi});
        uint32_t vb = (off - disp - vi) & 0xFFFF;
        regs.push_back({bs, vb | (r_.u32() << 16)});  // the upper half is ignored
      }
      break;
    }
  }
  for (auto [reg, v] : regs) mov_r32(reg, v);
  return m;
}

Generator::Opnd Generator::rm(int size, uint32_t avoid, bool write, int mem_percent) {
  Opnd o;
  if (r_.chance(mem_percent)) {
    o.is_mem = true;
    o.m = mem(size, avoid, write);
  } else {
    o.reg = pick_reg(size, avoid);
    if (write) wrote_reg(size, o.reg);
  }
  return o;
}

void Generator::emit(const Opnd& o, int osz, std::initializer_list<uint8_t> opcode, int reg, std::vector<uint8_t> extra) {
  if (needs_66(osz)) extra.push_back(0x66);
  if (o.is_mem) {
    if (needs_67(o.m.asz)) extra.push_back(0x67);
    if (o.m.override_seg) extra.push_back(SEG_PREFIX[o.m.seg]);
  }
  prefixes(extra);
  for (uint8_t x : opcode) b(x);
  if (o.is_mem) {
    b(uint8_t(o.m.bytes[0] | reg << 3));
    for (size_t k = 1; k < o.m.bytes.size(); k++) b(o.m.bytes[k]);
  } else {
    b(uint8_t(0xC0 | reg << 3 | o.reg));
  }
}

// --- families ----------------------------------------------------------------------

// ADD OR ADC SBB AND SUB XOR CMP and TEST in all their encodings.
void Generator::alu() {
  const int op = int(r_.below(9));  // 8 = TEST
  const int size = r_.chance(30) ? 1 : pick_osz();
  const int w = size == 1 ? 0 : 1;
  const bool test = op == 8, writes = !test && op != OP_CMP;
  if (op == OP_ADC || op == OP_SBB) need(CF);
  auto lock = [&](const Opnd& o) {
    return (o.is_mem && writes && r_.chance(15)) ? std::vector<uint8_t>{0xF0} : std::vector<uint8_t>{};
  };
  switch (r_.below(4)) {
    case 0: {  // r/m, reg
      Opnd o = rm(size, 0, writes);
      int reg = pick_reg(size, 0);
      emit(o, size, {uint8_t(test ? 0x84 + w : op * 8 + w)}, reg, lock(o));
      break;
    }
    case 1: {  // reg, r/m (TEST has no such form: use r/m, reg)
      Opnd o = rm(size, 0, false);
      int reg = pick_reg(size, 0);
      emit(o, size, {uint8_t(test ? 0x84 + w : op * 8 + 2 + w)}, reg);
      if (writes) wrote_reg(size, reg);
      break;
    }
    case 2: {  // AL/eAX, imm
      if (needs_66(size)) b(0x66);
      b(uint8_t(test ? 0xA8 + w : op * 8 + 4 + w));
      imm(r_.interesting(), size);
      break;
    }
    default: {  // r/m, imm (80 81 82 83; F6/F7 /0 for TEST)
      Opnd o = rm(size, 0, writes);
      if (test) {
        emit(o, size, {uint8_t(0xF6 + w)}, 0);
        imm(r_.interesting(), size);
      } else if (size == 1) {
        emit(o, 1, {uint8_t(code32_ && r_.chance(10) ? 0x82 : 0x80)}, op, lock(o));
        imm(r_.u32(), 1);
      } else if (r_.chance(50)) {
        emit(o, size, {0x83}, op, lock(o));
        imm(r_.u32(), 1);
      } else {
        emit(o, size, {0x81}, op, lock(o));
        imm(r_.interesting(), size);
      }
      break;
    }
  }
  flags(ARITH_FLAGS, (test || is_logic(op)) ? undefined_flags(Uf::Logic) : 0);
}

void Generator::incdec_negnot() {
  const int size = r_.chance(30) ? 1 : pick_osz();
  const int kind = int(r_.below(5));  // inc/dec short, inc/dec r/m, not, neg
  if (kind == 0 && size != 1) {
    int reg = pick_reg(size, 0), dec = int(r_.below(2));
    if (needs_66(size)) b(0x66);
    b(uint8_t(0x40 + 8 * dec + reg));
    wrote_reg(size, reg);
    flags(ARITH_FLAGS & ~CF, 0);
    return;
  }
  Opnd o = rm(size, 0, true);
  std::vector<uint8_t> lock;
  // Unicorn 2.0.1 deviation: LOCK NEG sets SF, ZF and PF from the operand
  // instead of the result (`lock neg dword [m]` with [m]=1 gives EFLAGS 13,
  // plain NEG 97). So NEG goes without LOCK.
  if (o.is_mem && kind != 4 && r_.chance(15)) lock = {0xF0};
  if (kind <= 2) {
    emit(o, size, {uint8_t(size == 1 ? 0xFE : 0xFF)}, int(r_.below(2)), lock);
    flags(ARITH_FLAGS & ~CF, 0);
  } else {
    emit(o, size, {uint8_t(size == 1 ? 0xF6 : 0xF7)}, kind == 3 ? 2 : 3, lock);
    if (kind == 4) flags(ARITH_FLAGS, 0);
  }
}

// MUL and the three forms of IMUL.
void Generator::muldiv() {
  const int size = r_.chance(25) ? 1 : pick_osz();
  switch (r_.below(4)) {
    case 0:
    case 1: {
      bool is_imul = r_.below(2);
      Opnd o = rm(size, 0, false);
      emit(o, size, {uint8_t(size == 1 ? 0xF6 : 0xF7)}, is_imul ? 5 : 4);
      flags(ARITH_FLAGS, undefined_flags(is_imul ? Uf::Imul : Uf::Mul));
      return;
    }
    default: {
      const int osz = pick_osz();
      Opnd o = rm(osz, 0, false);
      int reg = pick_reg(osz, 0);
      int form = int(r_.below(3));
      if (form == 0) {
        emit(o, osz, {0x0F, 0xAF}, reg);
      } else if (form == 1) {
        emit(o, osz, {0x69}, reg);
        imm(r_.interesting(), osz);
      } else {
        emit(o, osz, {0x6B}, reg);
        imm(r_.u32(), 1);
      }
      wrote_reg(osz, reg);
      flags(ARITH_FLAGS, undefined_flags(Uf::Imul));
      return;
    }
  }
}

// DIV and IDIV with a dividend and divisor chosen so that no #DE occurs.
void Generator::divide() {
  const int size = r_.chance(25) ? 1 : pick_osz();
  const bool is_signed = r_.below(2);
  const int bits = 8 * size;
  const uint32_t m = mask_of(size);
  uint32_t d = 0, lo = 0, hi = 0;
  for (;;) {
    d = r_.interesting() & m;
    if (r_.chance(30)) d &= 0xFF;
    if (d == 0) continue;
    lo = r_.interesting() & m;
    if (!is_signed) {
      hi = r_.u32() % d;  // the quotient then fits
    } else {
      hi = r_.chance(70) ? ((lo >> (bits - 1)) & 1 ? m : 0) : r_.u32() & m;
    }
    __int128 n = (__int128(hi) << bits) | lo;
    __int128 dv = d;
    if (is_signed) {
      if (hi & (1u << (bits - 1))) n -= __int128(1) << (2 * bits);
      if (d & (1u << (bits - 1))) dv -= __int128(1) << bits;
      __int128 q = n / dv;
      if (q >= -(__int128(1) << (bits - 1)) && q < (__int128(1) << (bits - 1))) break;
    } else if (n / dv <= m) {
      break;
    }
  }
  const uint32_t avoid = size == 1 ? (1u << EAX) | (1u << ESP) : (1u << EAX) | (1u << EDX) | (1u << ESP);
  Opnd o = rm(size, avoid, false);
  if (size == 1) {
    mov_r32(EAX, (r_.u32() << 16) | (hi << 8) | lo);
  } else if (size == 2) {
    mov_r32(EAX, (r_.u32() << 16) | lo);
    mov_r32(EDX, (r_.u32() << 16) | hi);
  } else {
    mov_r32(EAX, lo);
    mov_r32(EDX, hi);
  }
  if (o.is_mem) poke32(o.m.lin, (r_.u32() & ~m) | d);
  else if (size == 1) mov_r8(o.reg, uint8_t(d));
  else mov_r32(o.reg, (r_.u32() & ~m) | d);
  emit(o, size, {uint8_t(size == 1 ? 0xF6 : 0xF7)}, is_signed ? 7 : 6);
  flags(ARITH_FLAGS, undefined_flags(is_signed ? Uf::Idiv : Uf::Div));
}

// Group 2: ROL ROR RCL RCR SHL SHR SAL(/6) SAR by 1, CL or imm8.
void Generator::shift() {
  const int size = r_.chance(30) ? 1 : pick_osz();
  const int op = int(r_.below(8));
  const int from = int(r_.below(3));  // imm8, 1, CL
  const int bits = 8 * size;
  uint32_t count = from == 1 ? 1 : r_.chance(80) ? r_.below(uint32_t(bits) + 2) : r_.below(256);
  if (op == 2 || op == 3) need(CF);
  Opnd o = rm(size, from == 2 ? (1u << ECX) : 0, true);
  if (from == 2) {
    mov_r8(1, uint8_t(count));
  }
  const int w = size == 1 ? 0 : 1;
  if (from == 0) {
    emit(o, size, {uint8_t(0xC0 + w)}, op);
    imm(count, 1);
  } else {
    emit(o, size, {uint8_t((from == 1 ? 0xD0 : 0xD2) + w)}, op);
  }
  const uint32_t masked = count & 31;
  if (masked == 0) return;  // no flag changes
  if (op <= 1) flags(CF | OF, undefined_flags(Uf::Rotate, masked, bits));
  else if (op <= 3) flags(CF | OF, undefined_flags(Uf::RotateC, masked, bits));
  else if (op == 7) flags(ARITH_FLAGS, undefined_flags(Uf::Shift, masked, 64));  // SAR: CF stays defined
  else flags(ARITH_FLAGS, undefined_flags(Uf::Shift, masked, bits));
}

void Generator::double_shift() {
  const int osz = pick_osz();
  const bool right = r_.below(2), by_cl = r_.below(2);
  uint32_t masked = r_.below(osz == 2 ? 17 : 32);  // above 16 a 16-bit result is undefined
  uint32_t count = masked | (r_.chance(20) ? r_.below(8) << 5 : 0);
  Opnd o = rm(osz, by_cl ? (1u << ECX) : 0, true);
  int reg = pick_reg(osz, 0);
  if (by_cl) mov_r8(1, uint8_t(count));
  emit(o, osz, {0x0F, uint8_t((right ? 0xAC : 0xA4) + by_cl)}, reg);
  if (!by_cl) imm(count, 1);
  if (masked) flags(ARITH_FLAGS, undefined_flags(Uf::DoubleShift, masked, 8u * osz));
}

void Generator::bit_test() {
  const int osz = pick_osz();
  const int op = int(r_.below(4));  // BT BTS BTR BTC
  std::vector<uint8_t> lock;
  if (r_.below(2)) {
    Opnd o = rm(osz, 0, op != 0);
    if (o.is_mem && op && r_.chance(15)) lock = {0xF0};
    emit(o, osz, {0x0F, 0xBA}, 4 + op, lock);
    imm(r_.u32(), 1);
  } else {
    int reg = pick_reg(osz, 1u << ESP);
    Opnd o = rm(osz, 1u << reg, op != 0);
    if (o.is_mem) {
      // A register bit offset reaches outside the operand: keep it near.
      uint32_t bit = r_.below(512) - 256;
      mov_r32(reg, osz == 2 ? (r_.u32() << 16) | (bit & 0xFFFF) : bit);
      if (op && r_.chance(15)) lock = {0xF0};
    }
    static const uint8_t opc[4] = {0xA3, 0xAB, 0xB3, 0xBB};
    emit(o, osz, {0x0F, opc[op]}, reg, lock);
  }
  flags(ARITH_FLAGS & ~ZF, undefined_flags(Uf::BitTest));
}

void Generator::bit_scan() {
  const int osz = pick_osz();
  Opnd o = rm(osz, 1u << ESP, false);
  int reg = pick_reg(osz, 0);
  if (r_.chance(15)) {  // a zero source: ZF=1, the destination is left alone
    if (o.is_mem) poke32(o.m.lin, r_.u32() & ~mask_of(osz));
    else mov_r32(o.reg, r_.u32() & ~mask_of(osz));
  }
  emit(o, osz, {0x0F, uint8_t(r_.below(2) ? 0xBD : 0xBC)}, reg);
  wrote_reg(osz, reg);
  flags(ARITH_FLAGS, undefined_flags(Uf::BitScan));
}

void Generator::setcc_cmovcc() {
  const int cc = int(r_.below(16));
  need(cond_reads(cc));
  if (r_.below(2)) {
    Opnd o = rm(1, 0, true);
    emit(o, 1, {0x0F, uint8_t(0x90 + cc)}, 0);
  } else {
    const int osz = pick_osz();
    Opnd o = rm(osz, 0, false);
    int reg = pick_reg(osz, 0);
    emit(o, osz, {0x0F, uint8_t(0x40 + cc)}, reg);
    wrote_reg(osz, reg);
  }
}

void Generator::exchange() {
  const int size = r_.chance(25) ? 1 : pick_osz();
  const int w = size == 1 ? 0 : 1;
  std::vector<uint8_t> lock;
  switch (r_.below(6)) {
    case 0: {  // XCHG r/m, reg
      Opnd o = rm(size, 0, true);
      int reg = pick_reg(size, 0);
      if (o.is_mem && r_.chance(15)) lock = {0xF0};
      emit(o, size, {uint8_t(0x86 + w)}, reg, lock);
      wrote_reg(size, reg);
      return;
    }
    case 1: {  // XCHG eAX, reg
      int osz = pick_osz(), reg = 1 + int(r_.below(7));
      if (needs_66(osz)) b(0x66);
      b(uint8_t(0x90 + reg));
      wrote_reg(osz, reg);
      return;
    }
    case 2: {  // XADD
      Opnd o = rm(size, 0, true);
      int reg = pick_reg(size, 0);
      if (o.is_mem && r_.chance(15)) lock = {0xF0};
      emit(o, size, {0x0F, uint8_t(0xC0 + w)}, reg, lock);
      wrote_reg(size, reg);
      flags(ARITH_FLAGS, 0);
      return;
    }
    case 3: {  // CMPXCHG, equal half the time
      Opnd o = rm(size, (1u << EAX) | (1u << ESP), true);
      int reg = pick_reg(size, 0);
      if (r_.below(2)) {
        uint32_t v = r_.interesting();
        if (size == 1) v = (v & 0xFF) * 0x01010101u;  // any byte register then matches AL
        mov_r32(EAX, v);
        if (o.is_mem) poke32(o.m.lin, v);
        else mov_r32(size == 1 ? (o.reg & 3) : o.reg, v);
      }
      if (o.is_mem && r_.chance(15)) lock = {0xF0};
      emit(o, size, {0x0F, uint8_t(0xB0 + w)}, reg, lock);
      flags(ARITH_FLAGS, 0);
      return;
    }
    case 4: {  // CMPXCHG8B, equal half the time
      const uint32_t avoid = (1u << EAX) | (1u << ECX) | (1u << EDX) | (1u << EBX);
      Opnd o;
      o.is_mem = true;
      o.m = mem(8, avoid, true);
      if (r_.below(2)) {
        uint32_t lo = r_.u32(), hi = r_.u32();
        mov_r32(EAX, lo);
        mov_r32(EDX, hi);
        poke32(o.m.lin, lo);
        poke32(o.m.lin + 4, hi);
      }
      if (r_.chance(15)) lock = {0xF0};
      emit(o, code32_ ? 4 : 2, {0x0F, 0xC7}, 1, lock);
      // Unicorn 2.0.1 deviation: CMPXCHG8B sets ZF right but fills the
      // rest of EFLAGS from a stale flags state (CF=1 after `cmp edx,ecx`
      // with 5 and 3; the memory value, DF and all, after SCASD), though
      // the SDM Vol. 2A "CMPXCHG8B/CMPXCHG16B" says CF PF AF SF OF are
      // unaffected. So ZF is captured with SETZ and a CMP redefines the
      // flags, which also clears Unicorn's stale state.
      b(0x0F), b(0x94), b(uint8_t(0xC0 | r_.below(8)));
      flags(ARITH_FLAGS, ARITH_FLAGS);
      need(ARITH_FLAGS);
      return;
    }
    default: {  // BSWAP r32 (a 16-bit operand is undefined)
      int reg = int(r_.below(8));
      if (!code32_) b(0x66);
      b(0x0F), b(uint8_t(0xC8 + reg));
      wrote_reg(4, reg);
      return;
    }
  }
}

void Generator::bcd_misc() {
  switch (r_.below(12)) {
    case 10:  // PUSHF: every flag goes to memory, so all must be defined
      stack_ready();
      need(ARITH_FLAGS);
      if (!code32_ && r_.chance(50)) b(0x66);
      b(0x9C);
      return;
    case 11: {  // POPF of a chosen value: the arithmetic flags and DF
      uint32_t v = (r_.u32() & (ARITH_FLAGS | DF)) | 0x2;
      stack_ready();
      if (!code32_) b(0x66);
      b(0x68), b(uint8_t(v)), b(uint8_t(v >> 8)), b(uint8_t(v >> 16)), b(uint8_t(v >> 24));  // push imm32
      if (!code32_) b(0x66);
      b(0x9D);  // popf (32-bit)
      flags(ARITH_FLAGS, 0);
      return;
    }
    case 0:  // DAA DAS
      need(CF | AF);
      if (r_.chance(50)) mov_r8(0, uint8_t(r_.u32()));
      b(r_.below(2) ? 0x27 : 0x2F);
      flags(ARITH_FLAGS, undefined_flags(Uf::Decimal));
      return;
    case 1:  // AAA AAS
      need(AF);
      b(r_.below(2) ? 0x37 : 0x3F);
      flags(ARITH_FLAGS, undefined_flags(Uf::AsciiAdd));
      return;
    case 2: {  // AAM (not by 0: #DE) AAD
      bool aam = r_.below(2);
      uint8_t base = r_.chance(50) ? 10 : uint8_t(r_.u32());
      if (aam && base == 0) base = 10;
      b(aam ? 0xD4 : 0xD5), b(base);
      flags(ARITH_FLAGS, undefined_flags(Uf::AsciiMul));
      return;
    }
    case 3:
    case 4: {  // CBW/CWDE, CWD/CDQ
      int osz = pick_osz();
      if (needs_66(osz)) b(0x66);
      b(r_.below(2) ? 0x98 : 0x99);
      return;
    }
    case 5:  // CLC STC
      b(r_.below(2) ? 0xF8 : 0xF9);
      flags(CF, 0);
      return;
    case 6:  // CMC
      need(CF);
      b(0xF5);
      flags(CF, 0);
      return;
    case 7:  // CLD STD
      b(r_.below(2) ? 0xFC : 0xFD);
      return;
    case 8:  // LAHF
      need(SF | ZF | AF | PF | CF);
      b(0x9F);
      return;
    default:  // SAHF
      b(0x9E);
      flags(SF | ZF | AF | PF | CF, 0);
      return;
  }
}

void Generator::mov_forms() {
  const int size = r_.chance(30) ? 1 : pick_osz();
  const int w = size == 1 ? 0 : 1;
  switch (r_.below(9)) {
    case 0: {  // MOV r/m, reg
      Opnd o = rm(size, 0, true, 60);
      emit(o, size, {uint8_t(0x88 + w)}, pick_reg(size, 0));
      return;
    }
    case 1: {  // MOV reg, r/m
      Opnd o = rm(size, 0, false, 60);
      int reg = pick_reg(size, 0);
      emit(o, size, {uint8_t(0x8A + w)}, reg);
      wrote_reg(size, reg);
      return;
    }
    case 2: {  // MOV r/m, imm
      Opnd o = rm(size, 0, true, 60);
      emit(o, size, {uint8_t(0xC6 + w)}, 0);
      imm(r_.interesting(), size);
      return;
    }
    case 3: {  // MOV reg, imm
      int reg = pick_reg(size, 0);
      if (needs_66(size)) b(0x66);
      b(uint8_t((size == 1 ? 0xB0 : 0xB8) + reg));
      imm(r_.interesting(), size);
      wrote_reg(size, reg);
      return;
    }
    case 4: {  // MOV AL/eAX, moffs and back
      const int asz = pick_asz();
      const int seg = r_.chance(30) ? int(r_.below(6)) : DS;
      const bool store = r_.below(2) && !(seg == CS && code32_);
      std::vector<uint8_t> p;
      if (needs_66(size)) p.push_back(0x66);
      if (needs_67(asz)) p.push_back(0x67);
      if (seg != DS || r_.chance(10)) p.push_back(SEG_PREFIX[seg]);
      prefixes(p);
      b(uint8_t((store ? 0xA2 : 0xA0) + w));
      imm(offset_in(seg, random_lin(size)), asz);
      return;
    }
    case 5: {  // MOVZX MOVSX
      const int osz = pick_osz();
      const int src = r_.below(2) ? 1 : 2;
      Opnd o = rm(src, 0, false);
      int reg = pick_reg(osz, 0);
      emit(o, osz, {0x0F, uint8_t((r_.below(2) ? 0xBE : 0xB6) + (src == 2))}, reg);
      wrote_reg(osz, reg);
      return;
    }
    case 6: {  // LEA (no memory access)
      const int osz = pick_osz();
      Opnd o;
      o.is_mem = true;
      o.m = mem(1, 0, false);
      int reg = pick_reg(osz, 0);
      emit(o, osz, {0x8D}, reg);
      wrote_reg(osz, reg);
      return;
    }
    case 7: {  // XLAT
      const int asz = pick_asz();
      const int seg = r_.chance(30) ? int(r_.below(6)) : DS;
      const uint8_t al = uint8_t(r_.u32());
      mov_r8(0, al);
      uint32_t v = offset_in(seg, random_lin(1, 300)) - al;
      mov_r32(EBX, asz == 2 ? (v & 0xFFFF) | (r_.u32() << 16) : v);
      std::vector<uint8_t> p;
      if (needs_67(asz)) p.push_back(0x67);
      if (seg != DS || r_.chance(10)) p.push_back(SEG_PREFIX[seg]);
      prefixes(p);
      b(0xD7);
      return;
    }
    default: {  // NOP, and the P6 multi-byte NOP 0F 1F /0 (no memory access)
      if (r_.below(2)) {
        b(0x90);
        return;
      }
      Opnd o = rm(4, 0, false);
      emit(o, pick_osz(), {0x0F, 0x1F}, 0);
      return;
    }
  }
}

void Generator::stack() {
  const int osz = pick_osz();
  stack_ready();
  switch (r_.below(9)) {
    case 0: {  // PUSH reg / POP reg
      int reg = int(r_.below(8));
      bool pop = r_.below(2);
      if (needs_66(osz)) b(0x66);
      b(uint8_t((pop ? 0x58 : 0x50) + reg));
      if (pop) wrote_reg(osz, reg);
      return;
    }
    case 1:  // PUSH imm
      if (needs_66(osz)) b(0x66);
      if (r_.below(2)) {
        b(0x68);
        imm(r_.interesting(), osz);
      } else {
        b(0x6A);
        imm(r_.u32(), 1);
      }
      return;
    case 2: {  // PUSH r/m
      Opnd o = rm(osz, 1u << ESP, false);
      emit(o, osz, {0xFF}, 6);
      return;
    }
    case 3: {  // POP r/m
      Opnd o = rm(osz, 1u << ESP, true);
      emit(o, osz, {0x8F}, 0);
      return;
    }
    case 4:
    case 5:  // PUSHA POPA
      if (needs_66(osz)) b(0x66);
      b(r_.below(2) ? 0x60 : 0x61);
      return;
    case 6:
    case 7: {  // ENTER alloc, level with EBP in the stack area
      uint32_t bp = offset_in(SS, STACK_LO + 200 + r_.below(STACK_HI - STACK_LO - 400));
      uint32_t upper = r_.u32() << 16;
      if (!code32_ && osz == 4) {
        // Unicorn 2.0.1 (QEMU) deviation: with an operand size other than
        // the stack size, it sets the frame pointer by the stack size (BP
        // only here), where the SDM "ENTER" says the operand size decides
        // (EBP = ESP). The two agree when EBP and ESP have the same upper half.
        set_esp_sane(upper);
      }
      mov_r32(EBP, code32_ ? bp : (bp & 0xFFFF) | upper);
      if (needs_66(osz)) b(0x66);
      b(0xC8);
      imm(r_.chance(50) ? 0 : r_.below(48), 2);
      b(uint8_t(r_.chance(40) ? 0 : r_.chance(80) ? r_.below(4) : r_.below(8) | (r_.u32() & 0xE0)));
      return;
    }
    default: {  // LEAVE: ESP = EBP, so EBP points into the stack area
      uint32_t bp = offset_in(SS, STACK_LO + 200 + r_.below(STACK_HI - STACK_LO - 400));
      mov_r32(EBP, code32_ ? bp : (bp & 0xFFFF) | (r_.u32() << 16));
      if (needs_66(osz)) b(0x66);
      b(0xC9);
      esp_ok_ = true;
      return;
    }
  }
}

// MOVS CMPS STOS LODS SCAS, plain or with REP/REPE/REPNE, in both directions.
void Generator::string_op() {
  static const uint8_t opc[5] = {0xA4, 0xA6, 0xAA, 0xAC, 0xAE};
  enum { MOVS, CMPS, STOS, LODS, SCAS };
  const int op = int(r_.below(5));
  const int size = r_.chance(35) ? 1 : pick_osz();
  const int asz = pick_asz();
  const int rep = r_.chance(35) ? 0 : r_.chance(85) ? 0xF3 : 0xF2;
  const uint32_t n = r_.below(7);
  const bool uses_si = op == MOVS || op == CMPS || op == LODS;
  const bool uses_di = op != LODS;
  const int src_seg = uses_si && r_.chance(30) ? int(r_.below(6)) : DS;
  int dir = 0;  // unknown: the initial DF
  if (r_.chance(80)) {
    dir = r_.below(2) ? -1 : 1;
    b(dir < 0 ? 0xFD : 0xFC);
  }
  const uint32_t src = random_lin(size, 128), dst = random_lin(size, 128);
  auto with_upper = [&](uint32_t off) { return asz == 2 ? (off & 0xFFFF) | (r_.u32() << 16) : off; };
  // REPE CMPS / SCAS compare equal data half the time, so that they run on.
  if (rep && (op == CMPS || op == SCAS) && dir && r_.below(2)) {
    const uint32_t len = n * uint32_t(size);
    const uint32_t first = dir > 0 ? 0 : uint32_t(size) * (n ? n - 1 : 0);
    uint32_t pattern = r_.u32();
    if (size == 1) pattern = (pattern & 0xFF) * 0x01010101u;
    if (size == 2) pattern = (pattern & 0xFFFF) * 0x00010001u;
    if (op == SCAS) mov_r32(EAX, pattern);
    for (uint32_t k = 0; k < len; k += 4) {
      uint32_t v = op == SCAS ? pattern : r_.u32();
      if (r_.chance(10)) v ^= 1u << r_.below(32);  // an early mismatch
      poke32(dst - first + k, v);
      if (op == CMPS) poke32(src - first + k, v);
    }
  }
  if (uses_si) mov_r32(ESI, with_upper(offset_in(src_seg, src)));
  if (uses_di) mov_r32(EDI, with_upper(offset_in(ES, dst)));
  if (rep) mov_r32(ECX, asz == 2 ? n | (r_.u32() << 16) : n);
  std::vector<uint8_t> p;
  if (rep) p.push_back(uint8_t(rep));
  if (needs_66(size)) p.push_back(0x66);
  if (needs_67(asz)) p.push_back(0x67);
  if (src_seg != DS || (uses_si && r_.chance(10))) p.push_back(SEG_PREFIX[src_seg]);
  prefixes(p);
  b(uint8_t(opc[op] + (size != 1)));
  if ((op == CMPS || op == SCAS) && (!rep || n)) flags(ARITH_FLAGS, 0);
}

// Jcc / JMP / JCXZ / CALL forward over a few bytes, so that taken and not
// taken end in different states.
void Generator::jump_over() {
  const int kind = int(r_.below(6));  // Jcc short, Jcc near, JMP short, JMP near, JCXZ, CALL
  const int cc = int(r_.below(16));
  const int osz = pick_osz();
  if (kind <= 1) need(cond_reads(cc));
  int asz = 4;
  if (kind == 4) {
    asz = pick_asz();
    if (r_.below(2)) mov_r32(ECX, asz == 2 ? r_.u32() << 16 : 0);
  }
  if (kind == 5) stack_ready();
  const size_t at = code.size();
  const uint32_t saved_undef = undefined;
  const bool saved_esp = esp_ok_;
  const int saved_uses = stack_uses_;
  if (kind == 2 || kind == 3 || kind == 5) {
    for (uint32_t k = r_.below(12); k; k--) b(uint8_t(r_.u32()));  // never executed
  } else {
    random_instruction(false);
    undefined |= saved_undef;
    esp_ok_ = esp_ok_ && saved_esp;
    stack_uses_ = std::max(stack_uses_, saved_uses);
  }
  const uint32_t len = uint32_t(code.size() - at);
  std::vector<uint8_t> br;
  auto rel = [&](int size) {
    for (int k = 0; k < size; k++) br.push_back(uint8_t(len >> (8 * k)));
  };
  const bool short_ok = len < 128;
  if (needs_66(osz)) br.push_back(0x66);
  if (kind == 0 && short_ok) {
    br.push_back(uint8_t(0x70 + cc)), rel(1);
  } else if (kind <= 1) {
    br.push_back(0x0F), br.push_back(uint8_t(0x80 + cc)), rel(osz);
  } else if (kind == 2 && short_ok) {
    br.push_back(0xEB), rel(1);
  } else if (kind <= 3) {
    br.push_back(0xE9), rel(osz);
  } else if (kind == 4) {
    if (needs_67(asz)) br.push_back(0x67);
    if (!short_ok) {  // JCXZ has only a short form: skip nothing
      code.resize(at);
      undefined = saved_undef, esp_ok_ = saved_esp, stack_uses_ = saved_uses;
      br.push_back(0xE3), br.push_back(0);
    } else {
      br.push_back(0xE3), rel(1);
    }
  } else {
    br.push_back(0xE8), rel(osz);
  }
  code.insert(code.begin() + long(at), br.begin(), br.end());
}

// LOOP / LOOPE / LOOPNE back over an ALU instruction, 1 to 4 times.
void Generator::loop() {
  const int asz = pick_asz();
  const uint32_t n = 1 + r_.below(4);
  mov_r32(ECX, asz == 2 ? n | (r_.u32() << 16) : n);
  const size_t body = code.size();
  const int size = r_.chance(30) ? 1 : pick_osz();
  const uint32_t avoid = (1u << ECX) | (1u << ESP);
  const int dst = pick_reg(size, avoid), src = pick_reg(size, 0);
  const int ops[6] = {OP_ADD, OP_OR, OP_AND, OP_SUB, OP_XOR, OP_CMP};
  const int op = ops[r_.below(6)];
  if (needs_66(size)) b(0x66);
  if (r_.below(2)) {
    b(uint8_t(op * 8 + (size != 1))), b(uint8_t(0xC0 | src << 3 | dst));
  } else {
    b(size == 1 ? 0x80 : 0x83), b(uint8_t(0xC0 | op << 3 | dst)), b(uint8_t(r_.u32() & 0x87));
  }
  flags(ARITH_FLAGS, is_logic(op) ? undefined_flags(Uf::Logic) : 0);
  random_insns++;
  if (needs_67(asz)) b(0x67);
  if (r_.chance(15)) b(0x66);  // a 16-bit operand size truncates EIP: harmless below 64 KiB
  const int kind = int(r_.below(3));  // LOOPNE LOOPE LOOP
  b(uint8_t(0xE0 + kind));
  b(uint8_t(int(body) - int(code.size() + 1)));
  // Unicorn 2.0.1 deviation: when LOOPE/LOOPNE ends because the count
  // reached 0, it leaves garbage in EFLAGS (e.g. 94b2 after `cmp esi,esi`
  // with ESI=94b0), though LOOPcc changes no flag (SDM Vol. 2A "LOOP/LOOPcc").
  // A CMP after them redefines the flags and clears Unicorn's bad state
  // (which shows even in DF when EFLAGS is read).
  if (kind < 2) {
    flags(ARITH_FLAGS, ARITH_FLAGS);
    need(ARITH_FLAGS);
  }
}

// CALL and RET pairs, CALL/JMP through a register or memory.
void Generator::call_ret() {
  const int kind = int(r_.below(3));
  if (kind == 0) {  // call L1 ; jmp L2 ; L1: ret [n] ; L2:
    stack_ready();
    const int call_osz = pick_osz();
    const int ret_osz = call_osz == 2 ? 2 : pick_osz();  // never pop more than was pushed
    const bool imm16 = r_.below(2);
    const uint32_t ret_len = (needs_66(ret_osz) ? 1 : 0) + (imm16 ? 3 : 1);
    if (needs_66(call_osz)) b(0x66);
    b(0xE8), imm(2, call_osz);
    b(0xEB), b(uint8_t(ret_len));
    if (needs_66(ret_osz)) b(0x66);
    if (imm16) {
      b(0xC2), imm(r_.below(5) * 2, 2);
    } else {
      b(0xC3);
    }
    return;
  }
  // CALL/JMP r/m to just past a few bytes that are never executed.
  const bool call = kind == 1;
  if (call) stack_ready();
  const int osz = pick_osz();
  Opnd o;
  size_t target_at;
  if (r_.below(2)) {
    o.is_mem = true;
    o.m = mem(osz, 1u << ESP, false);
    target_at = poke32(o.m.lin, 0);
  } else {
    o.reg = pick_reg(4, 1u << ESP);
    target_at = mov_r32_patchable(o.reg);
  }
  emit(o, osz, {0xFF}, call ? 2 : 4);
  for (uint32_t k = r_.below(8); k; k--) b(uint8_t(r_.u32()));
  patch32(target_at, here());
}

void Generator::random_instruction(bool allow_control) {
  struct Family {
    void (Generator::*fn)();
    int weight;
    bool control;
  };
  static const Family families[] = {
    {&Generator::alu, 20, false},          {&Generator::incdec_negnot, 6, false},
    {&Generator::muldiv, 5, false},        {&Generator::divide, 4, false},
    {&Generator::shift, 10, false},        {&Generator::double_shift, 4, false},
    {&Generator::bit_test, 5, false},      {&Generator::bit_scan, 3, false},
    {&Generator::setcc_cmovcc, 6, false},  {&Generator::exchange, 6, false},
    {&Generator::bcd_misc, 6, false},      {&Generator::mov_forms, 10, false},
    {&Generator::stack, 6, true},          {&Generator::string_op, 6, false},
    {&Generator::jump_over, 6, true},      {&Generator::loop, 3, true},
    {&Generator::call_ret, 4, true},
  };
  int total = 0;
  for (const Family& f : families)
    if (allow_control || !f.control) total += f.weight;
  int pick = int(r_.below(uint32_t(total)));
  for (const Family& f : families) {
    if (!allow_control && f.control) continue;
    if (pick < f.weight) {
      random_insns++;
      (this->*f.fn)();
      return;
    }
    pick -= f.weight;
  }
}

}  // namespace isolab::cpu::test
