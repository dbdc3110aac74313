// Segmentation and protection: loading segment registers, far JMP, CALL
// and RET (through call gates too), IRET, the TSS ring stacks, the I/O
// permission bitmap and the control registers.
//
// Follows the Intel SDM Vol. 3A chapter 3 (descriptors, the GDT and LDT),
// 5.4-5.6 and 5.8 (privilege checks on segment loads and control
// transfers), 7.2 (the TSS), Vol. 1 19.5 (the I/O bitmap), Vol. 3A 2.5
// (CR0-CR4), and the pseudo-code on the Vol. 2 pages for MOV, JMP, CALL,
// RET and IRET. Every check, and every memory access that may fault, comes
// before the first register is changed: a fault restarts the instruction.
//
// Not modelled: hardware task switching (a JMP or CALL to a TSS or task
// gate, and IRET with EFLAGS.NT set, raise #GP) and virtual-8086 mode.
#include "cpu/descriptor.h"
#include "cpu/flags.h"

namespace isolab::cpu {

// Accessed bit of a code or data descriptor's type field.
constexpr uint64_t DESC_ACCESSED = 1ull << 40;

// Linear address of the descriptor that `selector` names, after checking
// that it lies inside its table (GDT, or LDT when TI is set). Faults with
// `vector` and the selector's error code, plus `ext` (the EXT bit).
static uint32_t descriptor_address(Cpu& c, uint16_t selector, uint8_t vector, uint32_t ext) {
  const uint32_t index = selector & 0xFFF8;
  if (selector & 4) {
    const SegmentCache& ldt = c.s.ldtr;
    if (!ldt.present() || index + 7 > ldt.limit) c.fault(vector, sel_error(selector) | ext);
    return ldt.base + index;
  }
  if (index + 7 > c.s.gdtr.limit) c.fault(vector, sel_error(selector) | ext);
  return c.s.gdtr.base + index;
}

static uint64_t read_desc_at(Cpu& c, uint32_t lin) {
  return c.read_linear(lin, 4, false) | uint64_t(c.read_linear(lin + 4, 4, false)) << 32;
}

// read_descriptor with the EXT bit in the error code, for interrupt delivery.
uint64_t read_descriptor_ext(Cpu& c, uint16_t selector, uint8_t vector, uint32_t ext) {
  return read_desc_at(c, descriptor_address(c, selector, vector, ext));
}

uint64_t Cpu::read_descriptor(uint16_t selector, uint8_t vector) {
  return read_descriptor_ext(*this, selector, vector, 0);
}

bool try_read_descriptor(Cpu& c, uint16_t selector, uint64_t& desc) {
  if (is_null(selector)) return false;
  const uint32_t index = selector & 0xFFF8;
  uint32_t lin;
  if (selector & 4) {
    const SegmentCache& ldt = c.s.ldtr;
    if (!ldt.present() || index + 7 > ldt.limit) return false;
    lin = ldt.base + index;
  } else {
    if (index + 7 > c.s.gdtr.limit) return false;
    lin = c.s.gdtr.base + index;
  }
  desc = read_desc_at(c, lin);
  return true;
}

// The CPU sets the accessed bit in a code or data descriptor the first
// time a segment register is loaded from it (SDM Vol. 3A 3.4.5.1).
void Cpu::write_descriptor_accessed(uint16_t selector, uint64_t desc) {
  if (desc_is_system(desc) || (desc & DESC_ACCESSED)) return;
  uint32_t lin = descriptor_address(*this, selector, GP, 0) + 5;
  write_linear(lin, 1, uint32_t(desc >> 40) | 1, false);
}

void Cpu::cache_from_descriptor(SegmentCache& sc, uint16_t selector, uint64_t desc) {
  sc.selector = selector;
  sc.base = desc_base(desc);
  sc.limit = desc_limit(desc);
  sc.attr = desc_attr(desc);
  update_flat(sc, true);
}

// Flat segments (base 0, 4 GiB, expand-up) let the inline accessors in
// cpu.h skip the segment checks and go straight to the TLB.
void Cpu::update_flat(SegmentCache& sc, bool protected_mode) {
  const bool flat = protected_mode && sc.present() && !sc.is_system() && sc.base == 0 &&
                    sc.limit == 0xFFFFFFFFu && !sc.expand_down();
  const bool writable = sc.attr & 2;  // W for data, R for code
  sc.flat_read = flat && (!sc.is_code() || writable);
  sc.flat_write = flat && !sc.is_code() && writable;
}

// A segment register that holds the null selector: any access through it
// faults #GP(0) (the cache is marked not present).
static void load_null(SegmentCache& sc, uint16_t selector) {
  sc = SegmentCache{};
  sc.selector = selector;
  sc.limit = 0;
  sc.attr = 0;
}

// Real mode keeps the cached limit and size (which is what "unreal mode"
// relies on) and sets only the selector and base, with a present,
// accessed, writable data (or, for CS, code) segment at DPL 0.
void Cpu::load_segment_real(int seg, uint16_t selector) {
  SegmentCache& sc = s.seg[seg];
  sc.selector = selector;
  sc.base = uint32_t(selector) << 4;
  sc.attr = uint16_t((sc.attr & 0xF000) | (seg == CS ? 0x9B : 0x93));
  update_flat(sc, false);
}

// MOV, POP, LDS/LES/LFS/LGS/LSS to a segment register (SDM Vol. 3A 5.4.1,
// 5.5, and the MOV pseudo-code). CS is never loaded this way.
void Cpu::load_segment(int seg, uint16_t selector) {
  if (!protected_mode()) {
    load_segment_real(seg, selector);
    return;
  }
  const uint32_t err = sel_error(selector);
  uint64_t d;
  if (seg == SS) {
    // The stack must be a present, writable data segment at exactly CPL.
    if (is_null(selector)) fault(GP, 0);
    if (rpl(selector) != s.cpl) fault(GP, err);
    d = read_descriptor(selector);
    if (!desc_writable_data(d) || desc_dpl(d) != s.cpl) fault(GP, err);
    if (!desc_present(d)) fault(SS_, err);
  } else {
    if (is_null(selector)) {
      load_null(s.seg[seg], selector);
      return;
    }
    d = read_descriptor(selector);
    if (!desc_is_data(d) && !desc_readable_code(d)) fault(GP, err);
    // Data and non-conforming code need DPL >= both CPL and RPL.
    if (!desc_conforming(d) && (rpl(selector) > desc_dpl(d) || s.cpl > desc_dpl(d))) fault(GP, err);
    if (!desc_present(d)) fault(NP, err);
  }
  write_descriptor_accessed(selector, d);
  cache_from_descriptor(s.seg[seg], selector, d | DESC_ACCESSED);
}

void Cpu::set_cpl(uint8_t cpl) {
  s.cpl = cpl;
  s.seg[CS].selector = uint16_t((s.seg[CS].selector & ~3) | cpl);
}

// Load CS from a checked descriptor and make `cpl` current: CS.RPL is
// always CPL (SDM Vol. 3A 5.8.1). The caller has set the accessed bit in
// memory (write_descriptor_accessed) before committing anything.
static void load_cs(Cpu& c, uint16_t selector, uint64_t desc, uint8_t cpl) {
  Cpu::cache_from_descriptor(c.s.seg[CS], uint16_t((selector & ~3) | cpl), desc | DESC_ACCESSED);
  c.s.cpl = cpl;
}

// The privilege rules for a direct JMP or CALL to a code segment (SDM Vol.
// 3A 5.8.2): conforming code needs DPL <= CPL, non-conforming code needs
// DPL == CPL and RPL <= CPL.
static void check_direct_code(Cpu& c, uint16_t selector, uint64_t d) {
  const uint32_t err = sel_error(selector);
  if (!desc_is_code(d)) c.fault(GP, err);
  if (desc_conforming(d) ? desc_dpl(d) > c.s.cpl : (desc_dpl(d) != c.s.cpl || rpl(selector) > c.s.cpl))
    c.fault(GP, err);
  if (!desc_present(d)) c.fault(NP, err);
}

// The checks on a call gate and its target, shared by JMP and CALL (SDM
// Vol. 3A 5.8.4). Returns the target code segment's descriptor.
static uint64_t check_call_gate(Cpu& c, uint16_t selector, uint64_t gate) {
  const uint32_t err = sel_error(selector);
  if (desc_dpl(gate) < c.s.cpl || desc_dpl(gate) < rpl(selector)) c.fault(GP, err);
  if (!desc_present(gate)) c.fault(NP, err);
  const uint16_t target = gate_selector(gate);
  if (is_null(target)) c.fault(GP, 0);
  const uint64_t td = c.read_descriptor(target);
  if (!desc_is_code(td) || desc_dpl(td) > c.s.cpl) c.fault(GP, sel_error(target));
  if (!desc_present(td)) c.fault(NP, sel_error(target));
  return td;
}

// Hardware task switches are not modelled: a far JMP or CALL that names a
// TSS or a task gate, or anything that is not code or a call gate, is #GP.
static bool is_call_gate(uint64_t d) {
  return desc_is_system(d) && (desc_type(d) == SYS_CALL_GATE16 || desc_type(d) == SYS_CALL_GATE32);
}

void Cpu::far_jump(uint16_t selector, uint32_t offset, int opsize) {
  uint32_t target = opsize == 2 ? offset & 0xFFFF : offset;
  end_block();
  if (!protected_mode()) {
    if (target > s.seg[CS].limit) fault(GP, 0);
    load_segment_real(CS, selector);
    next_eip = target;
    return;
  }
  if (is_null(selector)) fault(GP, 0);
  const uint64_t d = read_descriptor(selector);
  if (!desc_is_system(d)) {
    check_direct_code(*this, selector, d);
    if (target > desc_limit(d)) fault(GP, 0);
    write_descriptor_accessed(selector, d);
    load_cs(*this, selector, d, s.cpl);
    next_eip = target;
    return;
  }
  if (!is_call_gate(d)) fault(GP, sel_error(selector));
  // A JMP through a call gate never changes privilege: the target must be
  // conforming or at CPL.
  const uint64_t td = check_call_gate(*this, selector, d);
  const uint16_t tsel = gate_selector(d);
  if (!desc_conforming(td) && desc_dpl(td) != s.cpl) fault(GP, sel_error(tsel));
  target = gate_is_32(d) ? gate_offset(d) : gate_offset(d) & 0xFFFF;
  if (target > desc_limit(td)) fault(GP, 0);
  write_descriptor_accessed(tsel, td);
  load_cs(*this, tsel, td, s.cpl);
  next_eip = target;
}

void Cpu::far_call(uint16_t selector, uint32_t offset, int opsize, uint32_t return_eip) {
  // Faults on a push are page faults found before anything is written.
  auto probe = [this](uint32_t lin, int size, bool user) {
    translate(lin, mmu::Access::Write, user);
    if ((lin & 0xFFF) + uint32_t(size) > 0x1000) translate((lin | 0xFFF) + 1, mmu::Access::Write, user);
  };
  const bool user = s.cpl == 3;
  auto probe_here = [&](uint32_t lin, int size) { probe(lin, size, user); };
  uint32_t target = opsize == 2 ? offset & 0xFFFF : offset;
  end_block();

  if (!protected_mode()) {
    if (target > s.seg[CS].limit) fault(GP, 0);
    StackFrame f(s.seg[SS], s.reg[ESP], 0);
    f.push(*this, s.seg[CS].selector, opsize);
    f.push(*this, return_eip, opsize);
    f.write(*this, false, probe_here);
    s.reg[ESP] = f.new_esp(s.reg[ESP]);
    load_segment_real(CS, selector);
    next_eip = target;
    return;
  }

  if (is_null(selector)) fault(GP, 0);
  const uint64_t d = read_descriptor(selector);
  if (!desc_is_system(d)) {
    check_direct_code(*this, selector, d);
    if (target > desc_limit(d)) fault(GP, 0);
    StackFrame f(s.seg[SS], s.reg[ESP], 0);
    f.push(*this, s.seg[CS].selector, opsize);
    f.push(*this, return_eip, opsize);
    write_descriptor_accessed(selector, d);
    f.write(*this, user, probe_here);
    s.reg[ESP] = f.new_esp(s.reg[ESP]);
    load_cs(*this, selector, d, s.cpl);
    next_eip = target;
    return;
  }
  if (!is_call_gate(d)) fault(GP, sel_error(selector));
  const uint64_t td = check_call_gate(*this, selector, d);
  const uint16_t tsel = gate_selector(d);
  const int size = gate_is_32(d) ? 4 : 2;  // the gate, not the CALL, sets the push size
  target = size == 4 ? gate_offset(d) : gate_offset(d) & 0xFFFF;
  const uint8_t dpl = desc_dpl(td);

  if (desc_conforming(td) || dpl == s.cpl) {
    if (target > desc_limit(td)) fault(GP, 0);
    StackFrame f(s.seg[SS], s.reg[ESP], 0);
    f.push(*this, s.seg[CS].selector, size);
    f.push(*this, return_eip, size);
    write_descriptor_accessed(tsel, td);
    f.write(*this, user, probe_here);
    s.reg[ESP] = f.new_esp(s.reg[ESP]);
    load_cs(*this, tsel, td, s.cpl);
    next_eip = target;
    return;
  }

  // To a more privileged ring (SDM Vol. 3A 5.8.5): switch to the ring's
  // stack from the TSS, and copy the gate's parameter count of words or
  // dwords from the caller's stack, so the callee finds them where a near
  // call would have left them.
  uint16_t new_ss;
  uint32_t new_esp;
  tss_stack(dpl, new_ss, new_esp);
  const uint32_t ss_err = sel_error(new_ss);
  if (is_null(new_ss)) fault(TS, 0);
  if (rpl(new_ss) != dpl) fault(TS, ss_err);
  const uint64_t sd = read_descriptor(new_ss, TS);
  if (!desc_writable_data(sd) || desc_dpl(sd) != dpl) fault(TS, ss_err);
  if (!desc_present(sd)) fault(SS_, ss_err);
  if (target > desc_limit(td)) fault(GP, 0);

  uint32_t params[32];
  const int count = gate_param_count(d);
  for (int k = 0; k < count; k++) {
    uint32_t off = sp() + uint32_t(k * size);
    if (!stack32()) off &= 0xFFFF;
    params[k] = read_seg(SS, off, size);
  }
  SegmentCache ss_cache;
  cache_from_descriptor(ss_cache, new_ss, sd | DESC_ACCESSED);
  StackFrame f(ss_cache, new_esp, ss_err);
  f.push(*this, s.seg[SS].selector, size);
  f.push(*this, s.reg[ESP], size);
  for (int k = count - 1; k >= 0; k--) f.push(*this, params[k], size);
  f.push(*this, s.seg[CS].selector, size);
  f.push(*this, return_eip, size);
  write_descriptor_accessed(new_ss, sd);
  write_descriptor_accessed(tsel, td);
  f.write(*this, false, [&](uint32_t lin, int n) { probe(lin, n, false); });  // rings 0-2: supervisor

  s.seg[SS] = ss_cache;
  s.reg[ESP] = f.new_esp(new_esp);
  load_cs(*this, tsel, td, dpl);
  next_eip = target;
}

// Returning to an outer ring pops the caller's SS:ESP, which must name a
// writable data segment at the new CPL (SDM Vol. 2 RET, IRET).
static uint64_t check_outer_stack(Cpu& c, uint16_t ss_sel, uint8_t new_cpl) {
  if (is_null(ss_sel)) c.fault(GP, 0);
  const uint32_t err = sel_error(ss_sel);
  if (rpl(ss_sel) != new_cpl) c.fault(GP, err);
  const uint64_t sd = c.read_descriptor(ss_sel);
  if (!desc_writable_data(sd) || desc_dpl(sd) != new_cpl) c.fault(GP, err);
  if (!desc_present(sd)) c.fault(SS_, err);
  return sd;
}

// After a return to an outer ring, a data segment register the outer ring
// could not have loaded itself (data or non-conforming code with DPL <
// CPL) becomes null, so the caller cannot keep using the inner ring's data.
static void drop_inner_segments(Cpu& c) {
  for (int seg : {ES, DS, FS, GS}) {
    const SegmentCache& sc = c.s.seg[seg];
    const bool conforming_code = sc.is_code() && (sc.attr & 4);
    if (!conforming_code && sc.dpl() < c.s.cpl) load_null(c.s.seg[seg], 0);
  }
}

// The checks on the CS popped by RET far and IRET in protected mode.
static void check_return_cs(Cpu& c, uint16_t cs, uint64_t d) {
  const uint32_t err = sel_error(cs);
  if (rpl(cs) < c.s.cpl) c.fault(GP, err);
  if (!desc_is_code(d)) c.fault(GP, err);
  if (desc_conforming(d) ? desc_dpl(d) > rpl(cs) : desc_dpl(d) != rpl(cs)) c.fault(GP, err);
  if (!desc_present(d)) c.fault(NP, err);
}

// Offset `k` bytes above the stack pointer, wrapping on a 16-bit stack.
static uint32_t stack_at(Cpu& c, uint32_t k) {
  uint32_t off = c.sp() + k;
  return c.stack32() ? off : off & 0xFFFF;
}

void Cpu::far_return(int opsize, uint16_t pop_bytes) {
  end_block();
  const uint32_t eip = read_seg(SS, stack_at(*this, 0), opsize);
  const uint16_t cs = read16(SS, stack_at(*this, opsize));
  const uint32_t frame = uint32_t(2 * opsize) + pop_bytes;
  if (!protected_mode()) {
    if (eip > s.seg[CS].limit) fault(GP, 0);
    load_segment_real(CS, cs);
    set_sp(sp() + frame);
    next_eip = eip;
    return;
  }
  if (is_null(cs)) fault(GP, 0);
  const uint64_t d = read_descriptor(cs);
  check_return_cs(*this, cs, d);
  if (eip > desc_limit(d)) fault(GP, 0);
  const uint8_t new_cpl = rpl(cs);
  if (new_cpl == s.cpl) {
    write_descriptor_accessed(cs, d);
    load_cs(*this, cs, d, s.cpl);
    set_sp(sp() + frame);
    next_eip = eip;
    return;
  }
  // To an outer ring: the caller's ESP and SS sit above the parameters
  // that the immediate also releases, and the immediate applies to the
  // caller's stack too (it holds the same parameters).
  const uint32_t new_esp = read_seg(SS, stack_at(*this, frame), opsize);
  const uint16_t new_ss = read16(SS, stack_at(*this, frame + opsize));
  const uint64_t sd = check_outer_stack(*this, new_ss, new_cpl);
  write_descriptor_accessed(new_ss, sd);
  write_descriptor_accessed(cs, d);
  load_cs(*this, cs, d, new_cpl);
  cache_from_descriptor(s.seg[SS], new_ss, sd | DESC_ACCESSED);
  set_sp(new_esp + pop_bytes);  // ESP or SP, by the new stack's B bit
  drop_inner_segments(*this);
  next_eip = eip;
}

void Cpu::interrupt_return(int opsize) {
  end_block();
  const uint32_t eip = read_seg(SS, stack_at(*this, 0), opsize);
  const uint16_t cs = read16(SS, stack_at(*this, opsize));
  const uint32_t new_flags = read_seg(SS, stack_at(*this, 2 * opsize), opsize);

  if (!protected_mode()) {
    if (eip > s.seg[CS].limit) fault(GP, 0);
    // Every flag but VM, VIF and VIP (and the reserved bits) comes back.
    uint32_t mask = opsize == 4 ? (ARITH_FLAGS | TF | IF | DF | IOPL | NT | RF | AC | ID) : 0x7FD5u;
    load_segment_real(CS, cs);
    set_sp(sp() + uint32_t(3 * opsize));
    set_flags(new_flags, mask);
    next_eip = eip;
    return;
  }
  // A nested-task return would switch tasks back through the TSS's link
  // field; hardware task switching is not modelled.
  if (s.eflags & NT) fault(GP, 0);
  // Returning to virtual-8086 mode is not modelled either.
  if (opsize == 4 && (new_flags & VM) && s.cpl == 0) fault(GP, 0);
  if (is_null(cs)) fault(GP, 0);
  const uint64_t d = read_descriptor(cs);
  check_return_cs(*this, cs, d);
  if (eip > desc_limit(d)) fault(GP, 0);

  // Which flags IRET may change depends on the privilege it runs at: IF
  // only if CPL <= IOPL, IOPL only at CPL 0 (SDM Vol. 2 IRET).
  const uint8_t iopl = (s.eflags & IOPL) >> 12;
  uint32_t mask = ARITH_FLAGS | TF | DF | NT;
  if (opsize == 4) mask |= RF | AC | ID;
  if (s.cpl <= iopl) mask |= IF;
  if (s.cpl == 0) mask |= IOPL | (opsize == 4 ? VIF | VIP : 0);
  if (opsize == 2) mask &= 0xFFFF;

  const uint8_t new_cpl = rpl(cs);
  if (new_cpl == s.cpl) {
    write_descriptor_accessed(cs, d);
    load_cs(*this, cs, d, s.cpl);
    set_sp(sp() + uint32_t(3 * opsize));
    set_flags(new_flags, mask);
    next_eip = eip;
    return;
  }
  const uint32_t new_esp = read_seg(SS, stack_at(*this, 3 * opsize), opsize);
  const uint16_t new_ss = read16(SS, stack_at(*this, 4 * opsize));
  const uint64_t sd = check_outer_stack(*this, new_ss, new_cpl);
  write_descriptor_accessed(new_ss, sd);
  write_descriptor_accessed(cs, d);
  set_flags(new_flags, mask);  // with the old CPL's rules, before CPL changes
  load_cs(*this, cs, d, new_cpl);
  cache_from_descriptor(s.seg[SS], new_ss, sd | DESC_ACCESSED);
  set_sp(new_esp);
  drop_inner_segments(*this);
  next_eip = eip;
}

// The stack for ring `dpl` from the current TSS (SDM Vol. 3A 7.2.1): a
// 32-bit TSS holds ESP0/SS0 at offset 4, ESP1/SS1 at 12, ESP2/SS2 at 20; a
// 16-bit TSS holds SP0/SS0 at offset 2, SP1/SS1 at 6, SP2/SS2 at 10. `ext`
// is the EXT bit for the #TS error code.
void tss_stack_ext(Cpu& c, int dpl, uint16_t& ss, uint32_t& esp, uint32_t ext) {
  const SegmentCache& tr = c.s.tr;
  const uint32_t err = sel_error(tr.selector) | ext;
  const uint8_t type = tr.type();
  if (!tr.present()) c.fault(TS, err);
  if (type == SYS_TSS32_AVAIL || type == SYS_TSS32_BUSY) {
    const uint32_t off = 4 + uint32_t(dpl) * 8;
    if (off + 7 > tr.limit) c.fault(TS, err);
    esp = c.read_linear(tr.base + off, 4, false);
    ss = uint16_t(c.read_linear(tr.base + off + 4, 2, false));
  } else if (type == SYS_TSS16_AVAIL || type == SYS_TSS16_BUSY) {
    const uint32_t off = 2 + uint32_t(dpl) * 4;
    if (off + 3 > tr.limit) c.fault(TS, err);
    esp = c.read_linear(tr.base + off, 2, false);
    ss = uint16_t(c.read_linear(tr.base + off + 2, 2, false));
  } else {
    c.fault(TS, err);
  }
}

void Cpu::tss_stack(int dpl, uint16_t& ss, uint32_t& esp) { tss_stack_ext(*this, dpl, ss, esp, 0); }

// IN, OUT, INS, OUTS in protected mode with CPL > IOPL: every port of the
// access must have its bit clear in the TSS's I/O permission bitmap, whose
// offset is the word at TSS offset 0x66. The CPU always reads two bytes of
// the bitmap, so an access near its end needs the byte after it inside the
// TSS limit too (SDM Vol. 1 19.5.2).
void Cpu::check_io(uint16_t port, int size) {
  if (!protected_mode()) return;
  const uint8_t iopl = (s.eflags & IOPL) >> 12;
  if (s.cpl <= iopl) return;
  const SegmentCache& tr = s.tr;
  if ((tr.type() != SYS_TSS32_AVAIL && tr.type() != SYS_TSS32_BUSY) || tr.limit < 0x67) fault(GP, 0);
  const uint32_t bitmap = read_linear(tr.base + 0x66, 2, false);
  const uint32_t byte = bitmap + port / 8;
  if (byte + 1 > tr.limit) fault(GP, 0);
  const uint32_t bits = read_linear(tr.base + byte, 2, false);
  const uint32_t mask = ((1u << size) - 1) << (port & 7);
  if (bits & mask) fault(GP, 0);
}

// MOV to CR0, CR2, CR3, CR4, and LMSW and CLTS (SDM Vol. 3A 2.5, Vol. 2
// MOV-Move to/from Control Registers). CR0's undefined bits are ignored
// and ET is hardwired to 1; a CR4 bit for a feature this CPU does not
// report in CPUID is reserved and setting it is #GP(0).
void Cpu::write_cr(int cr, uint32_t value) {
  constexpr uint32_t CR0_DEFINED = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM |
                                   CR0_NW | CR0_CD | CR0_PG;
  constexpr uint32_t CR4_DEFINED = CR4_TSD | CR4_DE | CR4_PSE;
  uint32_t old = 0;
  switch (cr) {
    case 0: {
      value = (value & CR0_DEFINED) | CR0_ET;
      if ((value & CR0_PG) && !(value & CR0_PE)) fault(GP, 0);
      if ((value & CR0_NW) && !(value & CR0_CD)) fault(GP, 0);
      old = s.cr0;
      s.cr0 = value;
      if ((old ^ value) & (CR0_PG | CR0_WP | CR0_PE)) flush_tlb();
      // Flat segment shortcuts apply only in protected mode.
      if ((old ^ value) & CR0_PE)
        for (SegmentCache& sc : s.seg) update_flat(sc, value & CR0_PE);
      break;
    }
    case 2:
      old = s.cr2;
      s.cr2 = value;
      break;
    case 3:
      old = s.cr3;
      s.cr3 = value & 0xFFFFF018u;  // the page directory base, PWT and PCD
      flush_tlb();
      break;
    case 4:
      if (value & ~CR4_DEFINED) fault(GP, 0);
      old = s.cr4;
      s.cr4 = value;
      if ((old ^ value) & (CR4_PSE | CR4_PGE)) flush_tlb();
      break;
    default: fault(UD);
  }
  end_block();
  if (hooks) hooks->on_cr_write(*this, cr, old, cr == 0 ? s.cr0 : cr == 3 ? s.cr3 : value);
}

}  // namespace isolab::cpu
