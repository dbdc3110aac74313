// String instructions: MOVS CMPS STOS LODS SCAS INS OUTS, with the REP,
// REPE and REPNE prefixes (SDM Vol. 2 each page, and "REP/REPE/REPZ/
// REPNE/REPNZ"; Vol. 1 7.3.9).
//
// The source is seg:(E)SI (DS unless overridden), the destination always
// ES:(E)DI; the address size picks SI/DI/CX or ESI/EDI/ECX. A repeated
// instruction updates its registers after every iteration, so a fault or
// an interrupt between iterations leaves a consistent state and restarts
// the instruction where it stopped (SDM Vol. 1 7.3.9.2). isolab runs at
// most the CPU's remaining instruction budget of iterations at once, each
// counted as one retired unit, then lets the run loop look at interrupts.
#include "cpu/ops.h"

namespace isolab::cpu {

enum StrOp { MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS };

struct StrRegs {
  uint32_t si, di, cx;
};

template <int S, int OP>
static void h_string(Cpu& c, const Insn& i) {
  const bool a32 = i.addr32;
  const uint32_t amask = a32 ? 0xFFFFFFFFu : 0xFFFFu;
  const int32_t step = (c.s.eflags & DF) ? -S : S;
  auto get = [&](int r) { return c.r32(r) & amask; };
  auto put = [&](int r, uint32_t v) {
    if (a32) c.r32(r) = v;
    else c.r16(r) = uint16_t(v);
  };
  const bool rep = i.rep != REP_NONE;
  if (OP == INS || OP == OUTS) c.check_io(c.r16(EDX), S);
  uint64_t left_budget = c.run_end > c.s.insns ? c.run_end - c.s.insns : 1;
  uint64_t done = 0;
  for (;;) {
    if (rep && get(ECX) == 0) break;
    bool stop = false;
    switch (OP) {
      case MOVS: {
        uint32_t v = c.read_seg(i.seg, get(ESI), S);
        c.write_seg(ES, get(EDI), S, v);
        put(ESI, get(ESI) + step);
        put(EDI, get(EDI) + step);
        break;
      }
      case CMPS: {
        uint32_t a = c.read_seg(i.seg, get(ESI), S);
        uint32_t b = c.read_seg(ES, get(EDI), S);
        put(ESI, get(ESI) + step);
        put(EDI, get(EDI) + step);
        set_lazy(c.s, FlagOp::Sub, S, a, b, (a - b) & size_mask(S));
        stop = (i.rep == REP_E && a != b) || (i.rep == REP_NE && a == b);
        break;
      }
      case STOS:
        c.write_seg(ES, get(EDI), S, get_reg<S>(c, EAX));
        put(EDI, get(EDI) + step);
        break;
      case LODS:
        set_reg<S>(c, EAX, c.read_seg(i.seg, get(ESI), S));
        put(ESI, get(ESI) + step);
        break;
      case SCAS: {
        uint32_t a = get_reg<S>(c, EAX);
        uint32_t b = c.read_seg(ES, get(EDI), S);
        put(EDI, get(EDI) + step);
        set_lazy(c.s, FlagOp::Sub, S, a, b, (a - b) & size_mask(S));
        stop = (i.rep == REP_E && a != b) || (i.rep == REP_NE && a == b);
        break;
      }
      case INS: {
        c.check_write(ES, get(EDI), S);
        uint32_t v = c.bus.io_read(c.r16(EDX), S);
        if (c.hooks) c.hooks->on_io(c, c.r16(EDX), S, false, v);
        c.write_seg(ES, get(EDI), S, v);
        put(EDI, get(EDI) + step);
        break;
      }
      case OUTS: {
        uint32_t v = c.read_seg(i.seg, get(ESI), S);
        c.bus.io_write(c.r16(EDX), S, v);
        if (c.hooks) c.hooks->on_io(c, c.r16(EDX), S, true, v);
        put(ESI, get(ESI) + step);
        break;
      }
    }
    if (!rep) return;
    put(ECX, get(ECX) - 1);
    done++;
    if (stop || get(ECX) == 0) break;
    if (done >= left_budget) {
      // Budget used: restart this instruction next time (EIP stays).
      c.next_eip = c.s.eip;
      c.end_block();
      break;
    }
  }
  if (done > 1) c.s.insns += done - 1;
}

template <int OP>
static void def_string(OpTable& t, int opcode) {
  def1(t, opcode, h_string<1, OP>, 0);
  def(t, opcode + 1, h_string<2, OP>, h_string<4, OP>, 0);
}

void register_string(OpTable& t) {
  def_string<MOVS>(t, 0xA4);
  def_string<CMPS>(t, 0xA6);
  def_string<STOS>(t, 0xAA);
  def_string<LODS>(t, 0xAC);
  def_string<SCAS>(t, 0xAE);
  def_string<INS>(t, 0x6C);
  def_string<OUTS>(t, 0x6E);
}

}  // namespace isolab::cpu
