// System instructions: segment registers, far transfers, INT and IRET,
// EFLAGS.IF and IOPL, HLT, descriptor tables, control and debug
// registers, MSRs, CPUID, and port I/O (SDM Vol. 2, each instruction's
// page; Vol. 3A chapters 2-6 for what they mean).
//
// The privilege rules live here (CPL 0 for what changes the machine's
// configuration, CPL <= IOPL for IF and I/O); the heavy lifting of segment
// loads and far transfers is in segments.cpp, delivery in interrupts.cpp.
// Each privileged event is reported through CpuHooks after the CPU has done
// its architectural work.
#include "cpu/descriptor.h"
#include "cpu/ops.h"

namespace isolab::cpu {

static bool protected_at_cpl_above_0(Cpu& c) { return c.protected_mode() && c.s.cpl != 0; }
// Instructions reserved to ring 0: #GP(0) elsewhere in protected mode.
static void require_cpl0(Cpu& c) {
  if (protected_at_cpl_above_0(c)) c.fault(GP, 0);
}
// Instructions that protected mode introduced: #UD in real mode.
static void require_protected(Cpu& c) {
  if (!c.protected_mode()) c.fault(UD);
}
static uint8_t iopl(Cpu& c) { return (c.s.eflags & IOPL) >> 12; }
static void require_mem(const Insn& i, Cpu& c) {
  if (!i.is_mem) c.fault(UD);
}

// --- segment registers -------------------------------------------------------
// Every segment register load ends the block (ops are registered with
// ends_block): the segment caches and, for SS, the interrupt shadow change.

// MOV SS and POP SS hold off interrupts (and single-step traps) until the
// next instruction has run, so that a following MOV ESP completes the
// stack switch (SDM Vol. 3A 6.8.3).
static void set_interrupt_shadow(Cpu& c) {
  c.s.irq_inhibit_until = c.s.insns + 2;
  c.end_block();
}

static void load_sreg(Cpu& c, int seg, uint16_t selector) {
  c.load_segment(seg, selector);
  if (seg == SS) set_interrupt_shadow(c);
  c.end_block();
}

static int sreg_of_push_pop(const Insn& i) {
  if (i.opcode >= 0x100) return i.opcode < 0x1A8 ? FS : GS;  // 0F A0/A1, 0F A8/A9
  return (i.opcode >> 3) & 3;                               // 06 0E 16 1E, 07 17 1F
}

// A 32-bit push of a segment register writes the selector zero-extended
// (as QEMU does; some newer CPUs write only the low word).
static void h_push_sreg(Cpu& c, const Insn& i) { c.push(c.s.seg[sreg_of_push_pop(i)].selector, i.opsize); }

static void h_pop_sreg(Cpu& c, const Insn& i) {
  const uint16_t sel = uint16_t(c.read_seg(SS, c.sp(), i.opsize));
  const int seg = sreg_of_push_pop(i);
  // ESP moves only once the load succeeded; POP SS pops from the old stack.
  const uint32_t new_sp = c.sp() + uint32_t(i.opsize);
  load_sreg(c, seg, sel);
  c.set_sp(new_sp);
}

// 8C: MOV r/m16, Sreg. To a register with 32-bit operand size the
// selector is zero-extended (P6 and later); to memory it is always a word.
static void h_mov_rm_sreg(Cpu& c, const Insn& i) {
  if (i.reg > GS) c.fault(UD);
  const uint16_t sel = c.s.seg[i.reg].selector;
  if (i.is_mem) c.write16(i.seg, c.ea(i), sel);
  else if (i.opsize == 4) c.r32(i.rm) = sel;
  else c.r16(i.rm) = sel;
}

// 8E: MOV Sreg, r/m16. CS cannot be loaded this way (#UD).
static void h_mov_sreg_rm(Cpu& c, const Insn& i) {
  if (i.reg > GS || i.reg == CS) c.fault(UD);
  load_sreg(c, i.reg, uint16_t(read_rm<2>(c, i)));
}

// LES, LDS, LSS, LFS, LGS: a far pointer from memory, offset then selector.
static void h_load_far_pointer(Cpu& c, const Insn& i) {
  require_mem(i, c);
  int seg;
  switch (i.opcode) {
    case 0xC4: seg = ES; break;
    case 0xC5: seg = DS; break;
    case 0x1B2: seg = SS; break;
    case 0x1B4: seg = FS; break;
    default: seg = GS; break;
  }
  const uint32_t ea = c.ea(i);
  const uint32_t off = c.read_seg(i.seg, ea, i.opsize);
  const uint16_t sel = c.read16(i.seg, i.addr32 ? ea + i.opsize : (ea + i.opsize) & 0xFFFF);
  c.load_segment(seg, sel);  // LSS does not set the interrupt shadow
  c.end_block();
  if (i.opsize == 4) c.r32(i.reg) = off;
  else c.r16(i.reg) = uint16_t(off);
}

// ARPL r/m16, r16: raise the RPL of a selector to the caller's (ZF=1 if
// it changed). Protected mode only.
static void h_arpl(Cpu& c, const Insn& i) {
  require_protected(c);
  const uint16_t dst = uint16_t(read_rm<2>(c, i));
  const uint16_t src = c.r16(i.reg);
  if (rpl(dst) < rpl(src)) {
    write_rm<2>(c, i, uint16_t((dst & ~3) | rpl(src)));
    c.set_flags(ZF, ZF);
  } else {
    c.set_flags(0, ZF);
  }
}

// --- far transfers -------------------------------------------------------------

static void h_call_far_imm(Cpu& c, const Insn& i) { c.far_call(i.imm2, i.imm, i.opsize, c.next_eip); }
static void h_jmp_far_imm(Cpu& c, const Insn& i) { c.far_jump(i.imm2, i.imm, i.opsize); }

// FF /3 and FF /5: the far pointer is in memory (a register is #UD).
static void read_far_pointer(Cpu& c, const Insn& i, uint16_t& sel, uint32_t& off) {
  require_mem(i, c);
  const uint32_t ea = c.ea(i);
  off = c.read_seg(i.seg, ea, i.opsize);
  sel = c.read16(i.seg, i.addr32 ? ea + i.opsize : (ea + i.opsize) & 0xFFFF);
}
static void h_call_far_mem(Cpu& c, const Insn& i) {
  uint16_t sel;
  uint32_t off;
  read_far_pointer(c, i, sel, off);
  c.far_call(sel, off, i.opsize, c.next_eip);
}
static void h_jmp_far_mem(Cpu& c, const Insn& i) {
  uint16_t sel;
  uint32_t off;
  read_far_pointer(c, i, sel, off);
  c.far_jump(sel, off, i.opsize);
}

static void h_retf(Cpu& c, const Insn& i) { c.far_return(i.opsize, uint16_t(i.opcode == 0xCA ? i.imm : 0)); }
static void h_iret(Cpu& c, const Insn& i) { c.interrupt_return(i.opsize); }

// --- software interrupts ----------------------------------------------------------
// The embedder sees INT n, INT3 and INTO first (a container kernel turns INT
// 0x80 into a system call); if it handles the event the CPU goes on after
// the instruction, at the EIP the hook left.
static void software_interrupt(Cpu& c, uint8_t vector) {
  c.end_block();
  if (c.hooks) {
    const uint32_t insn_eip = c.s.eip;
    c.s.eip = c.next_eip;
    if (c.hooks->on_software_interrupt(c, vector)) {
      c.next_eip = c.s.eip;
      return;
    }
    c.s.eip = insn_eip;
  }
  c.deliver(vector, false, 0, true, false, true);
}

static void h_int3(Cpu& c, const Insn&) { software_interrupt(c, BP); }
static void h_int_imm(Cpu& c, const Insn& i) { software_interrupt(c, uint8_t(i.imm)); }
static void h_into(Cpu& c, const Insn&) {
  if (c.of()) software_interrupt(c, OF_);
}
// INT1 (ICEBP) raises #DB like a hardware debug event: no DPL check, and
// a fault during its delivery gets the EXT bit (SDM Vol. 3A 6.13).
static void h_int1(Cpu& c, const Insn&) { c.deliver(DB, false, 0, false, true, true); }

// --- EFLAGS -------------------------------------------------------------------------

// PUSHF pushes EFLAGS with VM and RF read as 0 (SDM Vol. 2 PUSHF).
static void h_pushf(Cpu& c, const Insn& i) { c.push(c.flags() & ~(VM | RF), i.opsize); }

// POPF changes only the flags the current privilege allows: IOPL only at
// CPL 0, IF only if CPL <= IOPL; never VM, VIF or VIP; RF is cleared (SDM
// Vol. 2 POPF). Real mode counts as CPL 0.
static void h_popf(Cpu& c, const Insn& i) {
  const uint32_t v = c.read_seg(SS, c.sp(), i.opsize);
  uint32_t mask = ARITH_FLAGS | TF | DF | NT;
  if (i.opsize == 4) mask |= AC | ID | RF;
  if (!protected_at_cpl_above_0(c)) mask |= IOPL | IF;
  else if (c.s.cpl <= iopl(c)) mask |= IF;
  if (i.opsize == 2) mask &= 0xFFFF;
  const uint32_t old = c.flags();
  c.set_sp(c.sp() + uint32_t(i.opsize));
  c.set_flags(v & ~RF, mask);
  // A new TF or IF changes what the run loop must do between instructions.
  if ((old ^ c.s.eflags) & (TF | IF)) c.end_block();
}

// CLI and STI need CPL <= IOPL in protected mode (no VME/PVI here).
static void h_cli(Cpu& c, const Insn&) {
  if (c.protected_mode() && c.s.cpl > iopl(c)) c.fault(GP, 0);
  c.s.eflags &= ~IF;
  c.end_block();
}

// STI enables interrupts after the next instruction, so that "STI; HLT"
// and "STI; RET" cannot be interrupted in between (SDM Vol. 2 STI).
static void h_sti(Cpu& c, const Insn&) {
  if (c.protected_mode() && c.s.cpl > iopl(c)) c.fault(GP, 0);
  if (!(c.s.eflags & IF)) c.s.irq_inhibit_until = c.s.insns + 2;
  c.s.eflags |= IF;
  c.end_block();
}

static void h_hlt(Cpu& c, const Insn&) {
  require_cpl0(c);
  c.s.halted = true;
  c.end_block();
  if (c.hooks) c.hooks->on_hlt(c);
}

// --- port I/O ----------------------------------------------------------------------

static int io_size(const Insn& i) { return (i.opcode & 1) ? i.opsize : 1; }
static uint16_t io_port(Cpu& c, const Insn& i) { return i.opcode >= 0xEC ? c.r16(EDX) : uint16_t(i.imm); }

static void h_in(Cpu& c, const Insn& i) {
  const int size = io_size(i);
  const uint16_t port = io_port(c, i);
  c.check_io(port, size);
  const uint32_t v = c.bus.io_read(port, size);
  if (size == 1) c.r8(0) = uint8_t(v);  // AL
  else if (size == 2) c.r16(EAX) = uint16_t(v);
  else c.r32(EAX) = v;
  if (c.hooks) c.hooks->on_io(c, port, size, false, v);
}

static void h_out(Cpu& c, const Insn& i) {
  const int size = io_size(i);
  const uint16_t port = io_port(c, i);
  c.check_io(port, size);
  const uint32_t v = c.r32(EAX) & size_mask(size);
  c.bus.io_write(port, size, v);
  if (c.hooks) c.hooks->on_io(c, port, size, true, v);
}

// --- 0F 00: LDTR and TR, and VERR/VERW ------------------------------------------------

// SLDT and STR store a selector: a word to memory, zero-extended to a
// 32-bit register.
static void store_selector(Cpu& c, const Insn& i, uint16_t sel) {
  if (i.is_mem) c.write16(i.seg, c.ea(i), sel);
  else if (i.opsize == 4) c.r32(i.rm) = sel;
  else c.r16(i.rm) = sel;
}
static void h_sldt(Cpu& c, const Insn& i) {
  require_protected(c);
  store_selector(c, i, c.s.ldtr.selector);
}
static void h_str(Cpu& c, const Insn& i) {
  require_protected(c);
  store_selector(c, i, c.s.tr.selector);
}

// LLDT: a null selector leaves the LDT unusable; otherwise the selector
// must name an LDT descriptor in the GDT (SDM Vol. 3A 3.5.1).
static void h_lldt(Cpu& c, const Insn& i) {
  require_protected(c);
  require_cpl0(c);
  const uint16_t sel = uint16_t(read_rm<2>(c, i));
  if (is_null(sel)) {
    c.s.ldtr = SegmentCache{};
    c.s.ldtr.selector = sel;
    c.s.ldtr.attr = 0;
    c.s.ldtr.limit = 0;
    return;
  }
  if (sel & 4) c.fault(GP, sel_error(sel));
  const uint64_t d = c.read_descriptor(sel);
  if (!desc_is_system(d) || desc_type(d) != SYS_LDT) c.fault(GP, sel_error(sel));
  if (!desc_present(d)) c.fault(NP, sel_error(sel));
  Cpu::cache_from_descriptor(c.s.ldtr, sel, d);
  c.end_block();
}

// LTR: the selector must name an available TSS in the GDT, which LTR then
// marks busy (SDM Vol. 3A 7.2.4).
static void h_ltr(Cpu& c, const Insn& i) {
  require_protected(c);
  require_cpl0(c);
  const uint16_t sel = uint16_t(read_rm<2>(c, i));
  if (is_null(sel)) c.fault(GP, 0);
  if (sel & 4) c.fault(GP, sel_error(sel));
  const uint64_t d = c.read_descriptor(sel);
  const uint8_t type = desc_type(d);
  if (!desc_is_system(d) || (type != SYS_TSS16_AVAIL && type != SYS_TSS32_AVAIL)) c.fault(GP, sel_error(sel));
  if (!desc_present(d)) c.fault(NP, sel_error(sel));
  const uint64_t busy = d | (2ull << 40);
  c.write_linear(c.s.gdtr.base + (sel & 0xFFF8) + 5, 1, uint32_t(busy >> 40) & 0xFF, false);
  Cpu::cache_from_descriptor(c.s.tr, sel, busy);
  c.end_block();
}

// Could the current program load this selector into a data segment
// register? Used by VERR/VERW and (with system types) LAR/LSL. Never faults.
static bool visible_at_cpl(Cpu& c, uint16_t sel, uint64_t d) {
  if (desc_conforming(d)) return true;
  return desc_dpl(d) >= c.s.cpl && desc_dpl(d) >= rpl(sel);
}

static void h_verr_verw(Cpu& c, const Insn& i) {
  require_protected(c);
  const uint16_t sel = uint16_t(read_rm<2>(c, i));
  uint64_t d = 0;
  bool ok = try_read_descriptor(c, sel, d) && !desc_is_system(d) && visible_at_cpl(c, sel, d);
  if (ok) ok = i.reg == 4 ? (desc_is_data(d) || desc_readable_code(d)) : desc_writable_data(d);
  c.set_flags(ok ? ZF : 0, ZF);
}

// --- 0F 01: descriptor table registers, MSW, INVLPG ---------------------------------------

// SGDT/SIDT store the limit and the base; with 16-bit operand size only
// 24 bits of the base, and the top byte as 0.
static void store_table(Cpu& c, const Insn& i, const TableRegister& t) {
  require_mem(i, c);
  const uint32_t ea = c.ea(i);
  const uint32_t ea2 = i.addr32 ? ea + 2 : (ea + 2) & 0xFFFF;
  c.check_write(i.seg, ea, 2);
  c.check_write(i.seg, ea2, 4);
  c.write16(i.seg, ea, t.limit);
  c.write32(i.seg, ea2, i.opsize == 2 ? t.base & 0xFFFFFF : t.base);
}
static void load_table(Cpu& c, const Insn& i, TableRegister& t) {
  require_mem(i, c);
  require_cpl0(c);
  const uint32_t ea = c.ea(i);
  const uint16_t limit = c.read16(i.seg, ea);
  const uint32_t base = c.read32(i.seg, i.addr32 ? ea + 2 : (ea + 2) & 0xFFFF);
  t.limit = limit;
  t.base = i.opsize == 2 ? base & 0xFFFFFF : base;
  c.end_block();
}
static void h_sgdt(Cpu& c, const Insn& i) { store_table(c, i, c.s.gdtr); }
static void h_sidt(Cpu& c, const Insn& i) { store_table(c, i, c.s.idtr); }
static void h_lgdt(Cpu& c, const Insn& i) { load_table(c, i, c.s.gdtr); }
static void h_lidt(Cpu& c, const Insn& i) { load_table(c, i, c.s.idtr); }

// SMSW stores CR0: a word to memory, the whole register to a 32-bit
// register (as P6 and QEMU do). Not privileged.
static void h_smsw(Cpu& c, const Insn& i) {
  if (i.is_mem) c.write16(i.seg, c.ea(i), uint16_t(c.s.cr0));
  else if (i.opsize == 4) c.r32(i.rm) = c.s.cr0;
  else c.r16(i.rm) = uint16_t(c.s.cr0);
}

// LMSW loads PE, MP, EM and TS; it can set PE but not clear it.
static void h_lmsw(Cpu& c, const Insn& i) {
  require_cpl0(c);
  const uint32_t v = read_rm<2>(c, i);
  const uint32_t cr0 = (c.s.cr0 & ~uint32_t(CR0_MP | CR0_EM | CR0_TS)) | (v & (CR0_PE | CR0_MP | CR0_EM | CR0_TS));
  c.write_cr(0, cr0);
}

// INVLPG drops the TLB entry of the page holding the operand. A 4 MiB page
// covers many 4 KiB TLB entries that this one address does not name, so
// with CR4.PSE on the whole TLB goes (SDM Vol. 3A 4.10.4.1).
static void h_invlpg(Cpu& c, const Insn& i) {
  require_mem(i, c);
  require_cpl0(c);
  const uint32_t lin = c.s.seg[i.seg].base + c.ea(i);
  if (c.s.cr4 & CR4_PSE) c.flush_tlb();
  else c.flush_tlb_page(lin);
  c.end_block();
  if (c.hooks) c.hooks->on_invlpg(c, lin);
}

// --- LAR, LSL -------------------------------------------------------------------------------

// Which system descriptors LAR (and, for the segments among them, LSL) may
// report (SDM Vol. 2 LAR, LSL): TSSs, LDTs, and for LAR the gates.
static bool lar_system_type_ok(uint8_t type, bool lsl) {
  switch (type) {
    case SYS_TSS16_AVAIL: case SYS_LDT: case SYS_TSS16_BUSY: case SYS_TSS32_AVAIL: case SYS_TSS32_BUSY:
      return true;
    case SYS_CALL_GATE16: case SYS_TASK_GATE: case SYS_CALL_GATE32:
      return !lsl;
    default:
      return false;
  }
}

static bool lar_lsl_lookup(Cpu& c, const Insn& i, bool lsl, uint64_t& d) {
  require_protected(c);
  const uint16_t sel = uint16_t(read_rm<2>(c, i));
  if (!try_read_descriptor(c, sel, d)) return false;
  if (desc_is_system(d) && !lar_system_type_ok(desc_type(d), lsl)) return false;
  return visible_at_cpl(c, sel, d);
}

static void h_lar(Cpu& c, const Insn& i) {
  uint64_t d;
  if (!lar_lsl_lookup(c, i, false, d)) {
    c.set_flags(0, ZF);
    return;
  }
  const uint32_t rights = uint32_t(d >> 32) & 0x00F0FF00u;
  if (i.opsize == 4) c.r32(i.reg) = rights;
  else c.r16(i.reg) = uint16_t(rights);
  c.set_flags(ZF, ZF);
}

static void h_lsl(Cpu& c, const Insn& i) {
  uint64_t d;
  if (!lar_lsl_lookup(c, i, true, d)) {
    c.set_flags(0, ZF);
    return;
  }
  const uint32_t limit = desc_limit(d);
  if (i.opsize == 4) c.r32(i.reg) = limit;
  else c.r16(i.reg) = uint16_t(limit);
  c.set_flags(ZF, ZF);
}

// --- control and debug registers -------------------------------------------------------------

static void h_clts(Cpu& c, const Insn&) {
  require_cpl0(c);
  c.write_cr(0, c.s.cr0 & ~CR0_TS);
}

// INVD and WBINVD: there are no caches to write back.
static void h_invd(Cpu& c, const Insn&) { require_cpl0(c); }
static void h_ud2(Cpu& c, const Insn&) { c.fault(UD); }

// MOV to and from CRn and DRn always name a general register: the mod
// field is ignored (SDM Vol. 2 MOV-Move to/from Control Registers).
static bool cr_exists(int cr) { return cr == 0 || cr == 2 || cr == 3 || cr == 4; }

static void h_mov_r_cr(Cpu& c, const Insn& i) {
  if (!cr_exists(i.reg)) c.fault(UD);
  require_cpl0(c);
  const uint32_t v = i.reg == 0 ? c.s.cr0 : i.reg == 2 ? c.s.cr2 : i.reg == 3 ? c.s.cr3 : c.s.cr4;
  c.r32(i.rm) = v;
  if (c.hooks) c.hooks->on_cr_read(c, i.reg);
}

static void h_mov_cr_r(Cpu& c, const Insn& i) {
  if (!cr_exists(i.reg)) c.fault(UD);
  require_cpl0(c);
  c.write_cr(i.reg, c.r32(i.rm));
}

// DR4 and DR5 are DR6 and DR7 unless CR4.DE makes them #UD. Breakpoints
// are stored but not acted on.
static int debug_register(Cpu& c, int n) {
  if (n == 4 || n == 5) {
    if (c.s.cr4 & CR4_DE) c.fault(UD);
    return n + 2;
  }
  return n;
}

static void h_mov_r_dr(Cpu& c, const Insn& i) {
  const int n = debug_register(c, i.reg);
  require_cpl0(c);
  c.r32(i.rm) = c.s.dr[n];
}

static void h_mov_dr_r(Cpu& c, const Insn& i) {
  const int n = debug_register(c, i.reg);
  require_cpl0(c);
  uint32_t v = c.r32(i.rm);
  if (n == 6) v = (v & 0xE00Fu) | 0xFFFF0FF0u;  // reserved bits read as 1 (bit 12 as 0)
  if (n == 7) v = (v & ~0xD800u) | 0x400u;      // bit 10 reads as 1, 11-12 and 14-15 as 0
  c.s.dr[n] = v;
}

// --- MSRs, the TSC, CPUID --------------------------------------------------------------------

// The MSRs of state.h; anything else is #GP(0). Returns false if unknown.
static bool msr_read(Cpu& c, uint32_t msr, uint64_t& v) {
  switch (msr) {
    case MSR_TSC: v = c.tsc(); return true;
    case MSR_APIC_BASE: v = c.s.apic_base; return true;
    case MSR_SYSENTER_CS: v = c.s.sysenter_cs; return true;
    case MSR_SYSENTER_ESP: v = c.s.sysenter_esp; return true;
    case MSR_SYSENTER_EIP: v = c.s.sysenter_eip; return true;
    case MSR_MISC_ENABLE: v = c.s.misc_enable; return true;
    case MSR_PAT: v = c.s.pat; return true;
    default: return false;
  }
}

static bool msr_write(Cpu& c, uint32_t msr, uint64_t v) {
  switch (msr) {
    case MSR_TSC: c.s.tsc_offset = v - c.s.insns; return true;
    case MSR_APIC_BASE: c.s.apic_base = v; return true;
    case MSR_SYSENTER_CS: c.s.sysenter_cs = uint32_t(v); return true;
    case MSR_SYSENTER_ESP: c.s.sysenter_esp = uint32_t(v); return true;
    case MSR_SYSENTER_EIP: c.s.sysenter_eip = uint32_t(v); return true;
    case MSR_MISC_ENABLE: c.s.misc_enable = v; return true;
    case MSR_PAT: c.s.pat = v; return true;
    default: return false;
  }
}

static void h_rdmsr(Cpu& c, const Insn&) {
  require_cpl0(c);
  const uint32_t msr = c.r32(ECX);
  uint64_t v;
  if (!msr_read(c, msr, v)) c.fault(GP, 0);
  c.r32(EAX) = uint32_t(v);
  c.r32(EDX) = uint32_t(v >> 32);
  if (c.hooks) c.hooks->on_msr(c, msr, false);
}

static void h_wrmsr(Cpu& c, const Insn&) {
  require_cpl0(c);
  const uint32_t msr = c.r32(ECX);
  if (!msr_write(c, msr, uint64_t(c.r32(EDX)) << 32 | c.r32(EAX))) c.fault(GP, 0);
  if (c.hooks) c.hooks->on_msr(c, msr, true);
}

// CR4.TSD reserves RDTSC to ring 0.
static void h_rdtsc(Cpu& c, const Insn&) {
  if ((c.s.cr4 & CR4_TSD) && protected_at_cpl_above_0(c)) c.fault(GP, 0);
  const uint64_t t = c.tsc();
  c.r32(EAX) = uint32_t(t);
  c.r32(EDX) = uint32_t(t >> 32);
}

// CPUID.1:EDX feature bits this CPU implements (SDM Vol. 2 CPUID, table 3-11).
enum : uint32_t {
  CPUID_FPU = 1u << 0, CPUID_DE = 1u << 2, CPUID_PSE = 1u << 3, CPUID_TSC = 1u << 4, CPUID_MSR = 1u << 5,
  CPUID_CX8 = 1u << 8, CPUID_APIC = 1u << 9, CPUID_CMOV = 1u << 15,
};

// An honest Pentium II-class i686 with the x87 FPU but without MMX, SSE, FXSR,
// SYSENTER, global pages or VME: family 6, model 3, stepping 3. Leaf 0
// says "GenuineIntel" so that programs take their usual paths. The APIC
// bit is set if the machine has a local APIC (Cpu::has_local_apic) and
// IA32_APIC_BASE has not disabled it (bit 11), as on real parts. Leaves
// above 1 return leaf 1, as Intel CPUs do for leaves beyond the maximum.
static void h_cpuid(Cpu& c, const Insn&) {
  const uint32_t leaf = c.r32(EAX);
  if (leaf == 0) {
    c.r32(EAX) = 1;
    c.r32(EBX) = 0x756E6547;  // "Genu"
    c.r32(EDX) = 0x49656E69;  // "ineI"
    c.r32(ECX) = 0x6C65746E;  // "ntel"
  } else {
    uint32_t edx = CPUID_FPU | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_CX8 | CPUID_CMOV;
    if (c.has_local_apic && (c.s.apic_base & (1u << 11))) edx |= CPUID_APIC;
    c.r32(EAX) = 0x633;
    c.r32(EBX) = 0;
    c.r32(ECX) = 0;
    c.r32(EDX) = edx;
  }
  if (c.hooks) c.hooks->on_cpuid(c, leaf);
}

// --- the table ---------------------------------------------------------------------------------

void register_system(OpTable& t) {
  // PUSH/POP of segment registers; there is no POP CS (0F is the escape).
  for (int op : {0x06, 0x0E, 0x16, 0x1E, 0x1A0, 0x1A8}) def1(t, op, h_push_sreg, 0);
  for (int op : {0x07, 0x17, 0x1F, 0x1A1, 0x1A9}) def1(t, op, h_pop_sreg, 0, IMM_NONE, 1);
  def1(t, 0x8C, h_mov_rm_sreg, 1);
  def1(t, 0x8E, h_mov_sreg_rm, 1, IMM_NONE, 1);
  for (int op : {0xC4, 0xC5, 0x1B2, 0x1B4, 0x1B5}) def1(t, op, h_load_far_pointer, 1, IMM_NONE, 1);
  def1(t, 0x63, h_arpl, 1);

  def1(t, 0x9A, h_call_far_imm, 0, IMM_AP, 1);
  def1(t, 0xEA, h_jmp_far_imm, 0, IMM_AP, 1);
  OpEntry* ff = def_group(t, 0xFF);
  def_in_group(ff, 3, h_call_far_mem, h_call_far_mem, 1);
  def_in_group(ff, 5, h_jmp_far_mem, h_jmp_far_mem, 1);
  def1(t, 0xCA, h_retf, 0, IMM_W, 1);
  def1(t, 0xCB, h_retf, 0, IMM_NONE, 1);
  def1(t, 0xCF, h_iret, 0, IMM_NONE, 1);

  def1(t, 0xCC, h_int3, 0, IMM_NONE, 1);
  def1(t, 0xCD, h_int_imm, 0, IMM_B, 1);
  def1(t, 0xCE, h_into, 0, IMM_NONE, 1);
  def1(t, 0xF1, h_int1, 0, IMM_NONE, 1);

  def1(t, 0x9C, h_pushf, 0);
  def1(t, 0x9D, h_popf, 0);
  def1(t, 0xFA, h_cli, 0, IMM_NONE, 1);
  def1(t, 0xFB, h_sti, 0, IMM_NONE, 1);
  def1(t, 0xF4, h_hlt, 0, IMM_NONE, 1);

  OpEntry* g0 = def_group(t, 0x100);
  def_in_group(g0, 0, h_sldt, h_sldt);
  def_in_group(g0, 1, h_str, h_str);
  def_in_group(g0, 2, h_lldt, h_lldt, 1);
  def_in_group(g0, 3, h_ltr, h_ltr, 1);
  def_in_group(g0, 4, h_verr_verw, h_verr_verw);
  def_in_group(g0, 5, h_verr_verw, h_verr_verw);
  OpEntry* g1 = def_group(t, 0x101);
  def_in_group(g1, 0, h_sgdt, h_sgdt);
  def_in_group(g1, 1, h_sidt, h_sidt);
  def_in_group(g1, 2, h_lgdt, h_lgdt, 1);
  def_in_group(g1, 3, h_lidt, h_lidt, 1);
  def_in_group(g1, 4, h_smsw, h_smsw);
  def_in_group(g1, 6, h_lmsw, h_lmsw, 1);
  def_in_group(g1, 7, h_invlpg, h_invlpg, 1);
  def1(t, 0x102, h_lar, 1);
  def1(t, 0x103, h_lsl, 1);
  def1(t, 0x106, h_clts, 0, IMM_NONE, 1);
  def1(t, 0x108, h_invd, 0);
  def1(t, 0x109, h_invd, 0);
  def1(t, 0x10B, h_ud2, 0, IMM_NONE, 1);
  def1(t, 0x120, h_mov_r_cr, 1);
  def1(t, 0x121, h_mov_r_dr, 1);
  def1(t, 0x122, h_mov_cr_r, 1, IMM_NONE, 1);
  def1(t, 0x123, h_mov_dr_r, 1);
  def1(t, 0x130, h_wrmsr, 0, IMM_NONE, 1);
  def1(t, 0x131, h_rdtsc, 0);
  def1(t, 0x132, h_rdmsr, 0);
  def1(t, 0x1A2, h_cpuid, 0);
}

void register_io(OpTable& t) {
  def1(t, 0xE4, h_in, 0, IMM_B);
  def1(t, 0xE5, h_in, 0, IMM_B);
  def1(t, 0xEC, h_in, 0);
  def1(t, 0xED, h_in, 0);
  def1(t, 0xE6, h_out, 0, IMM_B);
  def1(t, 0xE7, h_out, 0, IMM_B);
  def1(t, 0xEE, h_out, 0);
  def1(t, 0xEF, h_out, 0);
}

}  // namespace isolab::cpu
