// Segment descriptors and gates as the CPU reads them from the GDT, LDT
// and IDT, and the stack frames that far calls and interrupts build.
//
// Formats follow the Intel SDM Vol. 3A 3.4.5 (segment descriptors), 3.5
// (system descriptor types), 5.8.3 (call gates) and 6.11 (IDT gates). A
// descriptor is handled as the 64-bit little-endian value it is in memory.
// Shared by segments.cpp, interrupts.cpp and ops_system.cpp.
#pragma once
#include <cstdint>

#include "cpu/cpu.h"

namespace isolab::cpu {

// --- selectors (SDM Vol. 3A 3.4.2) ------------------------------------------
inline uint8_t rpl(uint16_t sel) { return sel & 3; }
inline bool is_null(uint16_t sel) { return (sel & 0xFFFC) == 0; }
// The error code that names a selector: index and TI, RPL bits cleared.
inline uint32_t sel_error(uint16_t sel) { return sel & 0xFFFC; }

// --- segment descriptors ------------------------------------------------------
inline uint32_t desc_base(uint64_t d) {
  return uint32_t((d >> 16) & 0xFFFFFF) | uint32_t((d >> 56) & 0xFF) << 24;
}
// The byte limit, with the granularity bit applied.
inline uint32_t desc_limit(uint64_t d) {
  uint32_t limit = uint32_t(d & 0xFFFF) | uint32_t((d >> 48) & 0xF) << 16;
  return (d >> 55) & 1 ? (limit << 12) | 0xFFF : limit;
}
// Access byte in bits 0-7 and flags (AVL, L, D/B, G) in bits 12-15, the
// layout of SegmentCache::attr.
inline uint16_t desc_attr(uint64_t d) {
  return uint16_t(((d >> 40) & 0xFF) | ((d >> 52) & 0xF) << 12);
}
inline uint8_t desc_dpl(uint64_t d) { return (d >> 45) & 3; }
inline bool desc_present(uint64_t d) { return (d >> 47) & 1; }
inline bool desc_is_system(uint64_t d) { return !((d >> 44) & 1); }  // S = 0
inline uint8_t desc_type(uint64_t d) { return (d >> 40) & 0xF; }
inline bool desc_is_code(uint64_t d) { return !desc_is_system(d) && (desc_type(d) & 8); }
inline bool desc_is_data(uint64_t d) { return !desc_is_system(d) && !(desc_type(d) & 8); }
inline bool desc_conforming(uint64_t d) { return desc_is_code(d) && (desc_type(d) & 4); }
inline bool desc_readable_code(uint64_t d) { return desc_is_code(d) && (desc_type(d) & 2); }
inline bool desc_writable_data(uint64_t d) { return desc_is_data(d) && (desc_type(d) & 2); }

// System descriptor types (SDM Vol. 3A table 3-2).
enum : uint8_t {
  SYS_TSS16_AVAIL = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALL_GATE16 = 4, SYS_TASK_GATE = 5,
  SYS_INT_GATE16 = 6, SYS_TRAP_GATE16 = 7, SYS_TSS32_AVAIL = 9, SYS_TSS32_BUSY = 11,
  SYS_CALL_GATE32 = 12, SYS_INT_GATE32 = 14, SYS_TRAP_GATE32 = 15,
};

// --- gates: call, interrupt and trap gates share one layout --------------------
inline uint32_t gate_offset(uint64_t d) { return uint32_t(d & 0xFFFF) | uint32_t(d >> 48) << 16; }
inline uint16_t gate_selector(uint64_t d) { return uint16_t(d >> 16); }
inline uint8_t gate_param_count(uint64_t d) { return (d >> 32) & 0x1F; }
inline bool gate_is_32(uint64_t d) { return desc_type(d) & 8; }

// Is [off, off+size) inside the segment's limit? Expand-down segments hold
// the offsets above the limit, up to 64 KiB or 4 GiB by the B bit (SDM 3.4.5.1).
inline bool within_limit(const SegmentCache& sc, uint32_t off, int size) {
  uint32_t last = off + uint32_t(size - 1);
  if (last < off) return false;
  if (sc.expand_down()) return off > sc.limit && last <= (sc.big() ? 0xFFFFFFFFu : 0xFFFFu);
  return last <= sc.limit;
}

// Pushes onto a stack that may not be loaded yet (a far call through a
// gate or an interrupt switching to an inner ring). The pushes are worked
// out first and written only when all are known to succeed, so a fault
// part-way leaves the old stack and every register as they were.
struct StackFrame {
  SegmentCache ss;          // the stack segment pushed to
  uint32_t sp;              // its stack pointer (ESP or SP by ss.big())
  uint32_t fault_error = 0;  // #SS error code if the segment limit is passed
  int n = 0;
  uint32_t lin[8] = {}, value[8] = {};
  uint8_t size[8] = {};

  StackFrame(const SegmentCache& seg, uint32_t stack_pointer, uint32_t ss_error)
      : ss(seg), sp(seg.big() ? stack_pointer : stack_pointer & 0xFFFF), fault_error(ss_error) {}

  // Record a push of `bytes` (2 or 4); faults #SS if it leaves the segment.
  void push(Cpu& c, uint32_t v, int bytes) {
    sp = ss.big() ? sp - uint32_t(bytes) : (sp - uint32_t(bytes)) & 0xFFFF;
    if (!within_limit(ss, sp, bytes)) c.fault(SS_, fault_error);
    lin[n] = ss.base + sp;
    value[n] = v;
    size[n] = uint8_t(bytes);
    n++;
  }
  // Write the pushes. `probe(lin, size)` must fault if a write there would
  // (a page fault); it is called for every push before anything is written.
  template <typename Probe>
  void write(Cpu& c, bool user, Probe&& probe) {
    for (int k = 0; k < n; k++) probe(lin[k], size[k]);
    for (int k = 0; k < n; k++) c.write_linear(lin[k], size[k], value[k], user);
  }
  // The stack pointer register value after the pushes, given the old one
  // (a 16-bit stack changes only SP, the low half of ESP).
  uint32_t new_esp(uint32_t old_esp) const { return ss.big() ? sp : (old_esp & 0xFFFF0000u) | sp; }
};

// Cpu::read_descriptor and Cpu::tss_stack with the EXT bit (SDM Vol. 3A
// 6.13) in the error code of the fault they may raise, for interrupt
// delivery.
uint64_t read_descriptor_ext(Cpu& c, uint16_t selector, uint8_t vector, uint32_t ext);
void tss_stack_ext(Cpu& c, int dpl, uint16_t& ss, uint32_t& esp, uint32_t ext);

// Read a descriptor without faulting if the selector is outside its
// table or the LDT is not loaded; for LAR, LSL, VERR and VERW.
bool try_read_descriptor(Cpu& c, uint16_t selector, uint64_t& desc);

}  // namespace isolab::cpu
