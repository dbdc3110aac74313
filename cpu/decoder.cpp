// The x86 instruction decoder. See decoder.h.
#include "cpu/decoder.h"

#include "cpu/cpu.h"
#include "cpu/ops.h"

namespace isolab::cpu {

void h_ud(Cpu& c, const Insn&) { c.fault(UD); }

static OpTable build_table() {
  OpTable t;
  register_alu(t);
  register_mul_div(t);
  register_shift(t);
  register_bits(t);
  register_bcd(t);
  register_mov(t);
  register_stack(t);
  register_branch(t);
  register_string(t);
  register_system(t);
  register_io(t);
  register_x87(t);
  register_x87_control(t);
  return t;
}

static const OpTable& table() {
  static const OpTable t = build_table();
  return t;
}

enum DecodeStatus { DECODE_OK, DECODE_FETCH_FAILED, DECODE_TOO_LONG };

// LOCK is allowed only on these read-modify-write instructions, and only
// with a memory destination (SDM Vol. 2 "LOCK"); anything else is #UD.
static bool lockable(const Insn& in) {
  if (!in.is_mem) return false;
  const int op = in.opcode, r = in.reg;
  if (op < 0x38 && (op & 7) <= 1) return true;  // ADD OR ADC SBB AND SUB XOR r/m, r (not CMP: 0x38)
  switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83: return r != 7;
    case 0x86: case 0x87: return true;
    case 0xF6: case 0xF7: return r == 2 || r == 3;
    case 0xFE: case 0xFF: return r == 0 || r == 1;
    case 0x1AB: case 0x1B3: case 0x1BB: case 0x1B0: case 0x1B1: case 0x1C0: case 0x1C1: return true;
    case 0x1BA: return r >= 5;
    case 0x1C7: return r == 1;
    default: return false;
  }
}

// Decode one instruction. `fetch(offset, byte&)` reads the byte at
// `offset` from the instruction start. On DECODE_FETCH_FAILED, `fail_at`
// is the offset that could not be read.
template <typename Fetch>
static DecodeStatus decode_insn(Fetch&& fetch, bool code32, Insn& in, int& fail_at, bool& defined) {
  const OpTable& t = table();
  int pos = 0;
  uint8_t b = 0;
  auto next = [&](uint8_t& out) -> DecodeStatus {
    if (pos >= 15) return DECODE_TOO_LONG;
    if (!fetch(pos, out)) {
      fail_at = pos;
      return DECODE_FETCH_FAILED;
    }
    pos++;
    return DECODE_OK;
  };
#define NEXT(v)                                  \
  do {                                           \
    DecodeStatus st_ = next(v);                  \
    if (st_ != DECODE_OK) return st_;            \
  } while (0)

  in = Insn{};
  bool opsize16 = !code32, addr16 = !code32;
  int seg = -1;
  // Legacy prefixes (SDM Vol. 2 2.1.1), in any order and number.
  for (;;) {
    NEXT(b);
    switch (b) {
      case 0x66: opsize16 = code32; continue;
      case 0x67: addr16 = code32; continue;
      case 0xF0: in.lock = 1; continue;
      case 0xF2: in.rep = REP_NE; continue;
      case 0xF3: in.rep = REP_E; continue;
      case 0x26: seg = ES; continue;
      case 0x2E: seg = CS; continue;
      case 0x36: seg = SS; continue;
      case 0x3E: seg = DS; continue;
      case 0x64: seg = FS; continue;
      case 0x65: seg = GS; continue;
      default: break;
    }
    break;
  }
  int opcode = b;
  if (b == 0x0F) {
    NEXT(b);
    opcode = 0x100 | b;
  }
  in.opcode = uint16_t(opcode);
  in.opsize = opsize16 ? 2 : 4;
  in.addr32 = !addr16;
  OpEntry entry = t.op[opcode];
  const OpEntry* e = &entry;

  if (e->modrm) {
    uint8_t modrm;
    NEXT(modrm);
    uint8_t mod = modrm >> 6;
    // MOV to and from control and debug registers ignore the mod field:
    // the operand is always a register (SDM Vol. 2 "MOV—Move to/from
    // Control Registers").
    if (opcode >= 0x120 && opcode <= 0x123) mod = 3;
    in.reg = (modrm >> 3) & 7;
    in.rm = modrm & 7;
    in.is_mem = mod != 3;
    int default_seg = DS;
    if (in.is_mem) {
      if (!addr16) {
        // 32-bit addressing (SDM Vol. 2 tables 2-2, 2-3).
        uint8_t rm = modrm & 7;
        if (rm == 4) {
          uint8_t sib;
          NEXT(sib);
          uint8_t base = sib & 7, index = (sib >> 3) & 7;
          in.scale = sib >> 6;
          in.index = index == 4 ? uint8_t(REG_NONE) : index;
          if (base == 5 && mod == 0) {
            in.base = REG_NONE;
          } else {
            in.base = base;
            if (base == ESP || base == EBP) default_seg = SS;
          }
          if (base == 5 && mod == 0) mod = 2;  // disp32, no base
        } else if (rm == 5 && mod == 0) {
          in.base = REG_NONE;
          mod = 2;
        } else {
          in.base = rm;
          if (rm == EBP) default_seg = SS;
        }
        if (mod == 1) {
          uint8_t d;
          NEXT(d);
          in.disp = uint32_t(int32_t(int8_t(d)));
        } else if (mod == 2) {
          uint8_t d[4];
          for (auto& x : d) NEXT(x);
          in.disp = d[0] | d[1] << 8 | d[2] << 16 | uint32_t(d[3]) << 24;
        }
      } else {
        // 16-bit addressing (SDM Vol. 2 table 2-1).
        static const uint8_t base16[8] = {EBX, EBX, EBP, EBP, ESI, EDI, EBP, EBX};
        static const uint8_t index16[8] = {ESI, EDI, ESI, EDI, REG_NONE, REG_NONE, REG_NONE, REG_NONE};
        uint8_t rm = modrm & 7;
        if (mod == 0 && rm == 6) {
          in.base = REG_NONE;
          in.index = REG_NONE;
          mod = 2;
        } else {
          in.base = base16[rm];
          in.index = index16[rm];
          if (rm == 2 || rm == 3 || rm == 6) default_seg = SS;
        }
        if (mod == 1) {
          uint8_t d;
          NEXT(d);
          in.disp = uint32_t(int32_t(int8_t(d))) & 0xFFFF;
        } else if (mod == 2) {
          uint8_t d[2];
          for (auto& x : d) NEXT(x);
          in.disp = d[0] | d[1] << 8;
        }
      }
    }
    in.seg = uint8_t(seg >= 0 ? seg : default_seg);
    if (opcode >= 0xD8 && opcode <= 0xDF) {
      // The x87 escapes: ModRM picks the instruction; the handler finds
      // the whole ModRM byte (for FOP, SDM Vol. 1 8.1.10) in imm, which
      // no escape instruction uses.
      const EscapeTable& x = t.x87[opcode - 0xD8];
      entry.h16 = entry.h32 = in.is_mem ? x.mem[in.reg] : x.reg[modrm & 0x3F];
      in.imm = modrm;
    } else if (e->group >= 0) {
      uint8_t imm = (e->imm_reg_mask & (1u << in.reg)) ? e->imm : uint8_t(IMM_NONE);
      entry = t.groups[e->group][in.reg];
      entry.imm = imm;
    }
  } else {
    in.reg = uint8_t(opcode & 7);
    in.seg = uint8_t(seg >= 0 ? seg : DS);
  }
  in.seg_override = seg >= 0;

  // Immediates (SDM Vol. 2 appendix A operand codes).
  auto imm_bytes = [&](int n, uint32_t& v) -> DecodeStatus {
    v = 0;
    for (int k = 0; k < n; k++) {
      uint8_t x;
      NEXT(x);
      v |= uint32_t(x) << (8 * k);
    }
    return DECODE_OK;
  };
#define IMM(n, v)                                   \
  do {                                              \
    DecodeStatus st_ = imm_bytes(n, v);             \
    if (st_ != DECODE_OK) return st_;               \
  } while (0)
  uint32_t v;
  switch (e->imm) {
    case IMM_NONE: break;
    case IMM_B: IMM(1, in.imm); break;
    case IMM_BS:
    case IMM_BREL:
      IMM(1, v);
      in.imm = uint32_t(int32_t(int8_t(v)));
      if (in.opsize == 2 && e->imm == IMM_BS) in.imm &= 0xFFFF;
      break;
    case IMM_W: IMM(2, in.imm); break;
    case IMM_Z:
      IMM(in.opsize, in.imm);
      break;
    case IMM_ZREL:
      IMM(in.opsize, v);
      in.imm = in.opsize == 2 ? uint32_t(int32_t(int16_t(v))) : v;
      break;
    case IMM_WB:
      IMM(2, in.imm);
      IMM(1, v);
      in.imm2 = uint16_t(v);
      break;
    case IMM_AP:
      IMM(in.opsize, in.imm);
      IMM(2, v);
      in.imm2 = uint16_t(v);
      break;
    case IMM_MOFFS: IMM(in.addr32 ? 4 : 2, in.disp); break;
  }
#undef IMM
#undef NEXT
  in.len = uint8_t(pos);
  defined = e->h16 != nullptr;
  if (in.lock && !lockable(in)) defined = false;
  in.fn = defined ? (in.opsize == 2 ? e->h16 : e->h32) : h_ud;
  in.ends_block = e->ends_block || !defined;
  return DECODE_OK;
}

std::unique_ptr<Block> decode_block(Cpu& cpu, uint32_t eip, uint32_t phys, bool code32) {
  // Decode into scratch space and allocate only once decoding is done: the
  // first instruction's fetch may fault, and a fault unwinds with longjmp,
  // which would skip an owning pointer's destructor and leak the block.
  static thread_local Block scratch;
  scratch = Block{};
  Block* b = &scratch;
  b->key = BlockCache::key(phys, code32);
  b->phys = phys;
  b->last_page = phys & ~0xFFFu;
  const SegmentCache& cs = cpu.s.seg[CS];
  const uint32_t page = phys & ~0xFFFu;
  const uint32_t start_page_lin = (cs.base + eip) & ~0xFFFu;
  uint32_t off = eip;
  for (int n = 0; n < MAX_BLOCK; n++) {
    const bool first = n == 0;
    // Instructions after the first must start on the block's page; the
    // first may run into the next page, read through the TLB.
    if (!first && ((cs.base + off) & ~0xFFFu) != start_page_lin) break;
    Insn& in = b->insns[n];
    int fail_at = -1;
    bool defined = true;
    bool crossed = false;
    auto fetch = [&](int k, uint8_t& out) -> bool {
      uint32_t o = off + uint32_t(k);
      if (!code32) o &= 0xFFFF;
      if (o > cs.limit) return false;
      uint32_t lin = cs.base + o;
      if ((lin & ~0xFFFu) != start_page_lin) {
        if (!first) return false;
        crossed = true;
        out = cpu.fetch8(lin);  // may fault: the instruction cannot be fetched
        return true;
      }
      uint32_t p = page | (lin & 0xFFF);
      out = cpu.bus.is_ram_page(page) ? cpu.bus.ram()[p] : uint8_t(cpu.bus.mmio_read(p, 1));
      return true;
    };
    DecodeStatus st = decode_insn(fetch, code32, in, fail_at, defined);
    if (st == DECODE_TOO_LONG) {
      if (!first) break;
      in = Insn{};
      in.fn = [](Cpu& c, const Insn&) { c.fault(GP, 0); };
      in.len = 15;
      in.ends_block = 1;
    } else if (st == DECODE_FETCH_FAILED) {
      if (!first) break;
      // The CS limit was passed (fetch8 faults on a page fault itself).
      cpu.fault(GP, 0);
    }
    b->count = uint32_t(n + 1);
    if (crossed) {
      uint32_t p;
      cpu.debug_translate(start_page_lin + 0x1000, p);
      b->last_page = p & ~0xFFFu;
    }
    off += in.len;
    if (!code32) off &= 0xFFFF;
    if (in.ends_block || crossed) break;
  }
  return std::make_unique<Block>(*b);
}

int instruction_length(const uint8_t* bytes, size_t size, bool code32, bool& defined) {
  Insn in;
  int fail_at = -1;
  defined = true;
  auto fetch = [&](int k, uint8_t& out) -> bool {
    if (size_t(k) >= size) return false;
    out = bytes[k];
    return true;
  };
  DecodeStatus st = decode_insn(fetch, code32, in, fail_at, defined);
  if (st != DECODE_OK) return 0;
  return in.len;
}

int instruction_length(const uint8_t* bytes, size_t size, bool code32) {
  bool defined;
  int n = instruction_length(bytes, size, code32, defined);
  return defined ? n : 0;
}

}  // namespace isolab::cpu
