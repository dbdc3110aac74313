// Interrupt and exception delivery: through the interrupt vector table in
// real mode, through IDT gates in protected mode.
//
// Follows the Intel SDM Vol. 3A chapter 6: 6.4 (sources of interrupts),
// 6.11-6.12 (IDT gates and the handler's stack frame), 6.13 (error codes
// and the EXT bit), and the pseudo-code of INT n/INTO/INT3/INT1 in Vol. 2.
// The run loop in cpu.cpp decides when an event is taken and turns a fault
// during delivery into #DF or a triple fault; this file does one delivery.
// As everywhere in the CPU, every check and every possible page fault
// comes before the first register is changed.
//
// Not modelled: task gates in the IDT (hardware task switching; they raise
// #GP(vector*8+2)) and delivery in virtual-8086 mode.
#include "cpu/descriptor.h"
#include "cpu/flags.h"

namespace isolab::cpu {

void Cpu::deliver(uint8_t vector, bool has_error, uint32_t error_code, bool software, bool ext, bool after_insn) {
  const uint32_t return_eip = after_insn ? next_eip : s.eip;
  if (protected_mode()) deliver_protected(vector, has_error, error_code, software, ext, return_eip);
  else deliver_real(vector, return_eip);
  s.halted = false;
  next_eip = s.eip;
  end_block();
}

// Real mode (SDM Vol. 3A 20.1.4): the vector table holds a CS:IP pair per
// vector at IDTR.base + 4 * vector. The CPU pushes FLAGS, CS and IP and
// clears IF, TF and AC. No error code is pushed in real mode.
void Cpu::deliver_real(uint8_t vector, uint32_t return_eip) {
  const uint32_t entry = uint32_t(vector) * 4;
  if (entry + 3 > s.idtr.limit) fault(GP, 0);
  const uint32_t ivt = read_linear(s.idtr.base + entry, 4, false);
  StackFrame f(s.seg[SS], s.reg[ESP], 0);
  f.push(*this, flags(), 2);
  f.push(*this, s.seg[CS].selector, 2);
  f.push(*this, return_eip, 2);
  f.write(*this, false, [this](uint32_t lin, int size) {
    translate(lin, mmu::Access::Write, false);
    if ((lin & 0xFFF) + uint32_t(size) > 0x1000) translate((lin | 0xFFF) + 1, mmu::Access::Write, false);
  });
  s.reg[ESP] = f.new_esp(s.reg[ESP]);
  set_flags(0, IF | TF | AC);
  load_segment_real(CS, uint16_t(ivt >> 16));
  s.eip = ivt & 0xFFFF;
}

// Protected mode (SDM Vol. 3A 6.12.1). The IDT entry must be an interrupt
// or trap gate; its target must be a present code segment with DPL <= CPL.
// A non-conforming target with DPL < CPL runs on the stack that the TSS
// holds for its ring, and the old SS:ESP is pushed first. Interrupt gates
// also clear IF; trap gates leave it, which is the only difference.
void Cpu::deliver_protected(uint8_t vector, bool has_error, uint32_t error_code, bool software, bool ext,
                            uint32_t return_eip) {
  const uint32_t e = ext ? 1 : 0;
  // Error code naming the IDT entry: index, IDT bit (bit 1), EXT.
  const uint32_t idt_err = uint32_t(vector) * 8 + 2 + e;
  if (uint32_t(vector) * 8 + 7 > s.idtr.limit) fault(GP, idt_err);
  const uint32_t lin = s.idtr.base + uint32_t(vector) * 8;
  const uint64_t gate = read_linear(lin, 4, false) | uint64_t(read_linear(lin + 4, 4, false)) << 32;
  const uint8_t type = desc_type(gate);
  const bool int_or_trap = desc_is_system(gate) && (type == SYS_INT_GATE16 || type == SYS_TRAP_GATE16 ||
                                                    type == SYS_INT_GATE32 || type == SYS_TRAP_GATE32);
  // Task gates (type 5) would switch tasks; not modelled, so #GP too.
  if (!int_or_trap) fault(GP, idt_err);
  // INT n may only use gates its ring is allowed to (DPL >= CPL); this is
  // how an OS keeps user code from faking a page fault with INT 14.
  if (software && desc_dpl(gate) < s.cpl) fault(GP, uint32_t(vector) * 8 + 2);
  if (!desc_present(gate)) fault(NP, idt_err);

  const uint16_t cs = gate_selector(gate);
  if (is_null(cs)) fault(GP, e);
  const uint64_t cd = read_descriptor_ext(*this, cs, GP, e);
  const uint32_t cs_err = sel_error(cs) | e;
  if (!desc_is_code(cd) || desc_dpl(cd) > s.cpl) fault(GP, cs_err);
  if (!desc_present(cd)) fault(NP, cs_err);

  const int size = gate_is_32(gate) ? 4 : 2;  // a 16-bit gate pushes 16-bit values
  const uint32_t target = size == 4 ? gate_offset(gate) : gate_offset(gate) & 0xFFFF;
  const uint8_t dpl = desc_dpl(cd);
  const uint32_t old_flags = flags();
  const bool inner = !desc_conforming(cd) && dpl < s.cpl;

  auto probe_for = [this](bool user) {
    return [this, user](uint32_t l, int n) {
      translate(l, mmu::Access::Write, user);
      if ((l & 0xFFF) + uint32_t(n) > 0x1000) translate((l | 0xFFF) + 1, mmu::Access::Write, user);
    };
  };

  if (inner) {
    uint16_t new_ss;
    uint32_t new_esp;
    tss_stack_ext(*this, dpl, new_ss, new_esp, e);
    const uint32_t ss_err = sel_error(new_ss) | e;
    if (is_null(new_ss)) fault(TS, e);
    if (rpl(new_ss) != dpl) fault(TS, ss_err);
    const uint64_t sd = read_descriptor_ext(*this, new_ss, TS, e);
    if (!desc_writable_data(sd) || desc_dpl(sd) != dpl) fault(TS, ss_err);
    if (!desc_present(sd)) fault(SS_, ss_err);

    SegmentCache ss_cache;
    cache_from_descriptor(ss_cache, new_ss, sd | (1ull << 40));
    StackFrame f(ss_cache, new_esp, ss_err);
    f.push(*this, s.seg[SS].selector, size);
    f.push(*this, s.reg[ESP], size);
    f.push(*this, old_flags, size);
    f.push(*this, s.seg[CS].selector, size);
    f.push(*this, return_eip, size);
    if (has_error) f.push(*this, error_code, size);
    if (target > desc_limit(cd)) fault(GP, e);
    write_descriptor_accessed(new_ss, sd);
    write_descriptor_accessed(cs, cd);
    f.write(*this, dpl == 3, probe_for(dpl == 3));

    s.seg[SS] = ss_cache;
    s.reg[ESP] = f.new_esp(new_esp);
    cache_from_descriptor(s.seg[CS], uint16_t((cs & ~3) | dpl), cd | (1ull << 40));
    s.cpl = dpl;
  } else {
    // Same ring (or a conforming handler, which runs at the current CPL).
    StackFrame f(s.seg[SS], s.reg[ESP], e);
    f.push(*this, old_flags, size);
    f.push(*this, s.seg[CS].selector, size);
    f.push(*this, return_eip, size);
    if (has_error) f.push(*this, error_code, size);
    if (target > desc_limit(cd)) fault(GP, e);
    write_descriptor_accessed(cs, cd);
    f.write(*this, s.cpl == 3, probe_for(s.cpl == 3));

    s.reg[ESP] = f.new_esp(s.reg[ESP]);
    cache_from_descriptor(s.seg[CS], uint16_t((cs & ~3) | s.cpl), cd | (1ull << 40));
  }
  uint32_t clear = TF | NT | RF | VM;
  if (type == SYS_INT_GATE16 || type == SYS_INT_GATE32) clear |= IF;
  set_flags(0, clear);
  s.eip = target;
}

}  // namespace isolab::cpu
