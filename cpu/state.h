// The architectural state of an i686 CPU, as plain data.
//
// Everything a student sees in the register panel lives here, and nothing
// else: the CPU's behaviour is in functions over this struct (cpu.h and the
// ops_*.cpp files). Names follow the Intel SDM, Vol. 3A ch. 2-3 (EFLAGS,
// CR0..CR4, segment descriptor caches, GDTR/IDTR/LDTR/TR).
#pragma once
#include <cstdint>

#include "cpu/fpu.h"

namespace isolab::cpu {

// General registers in Intel encoding order (the reg field of ModRM).
enum Reg : uint8_t { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, REG_NONE = 0xFF };
// Segment registers in Intel encoding order (the sreg field of ModRM).
enum Seg : uint8_t { ES, CS, SS, DS, FS, GS, SEG_NONE = 0xFF };

// EFLAGS bits (SDM Vol. 1 3.4.3).
constexpr uint32_t CF = 1u << 0, FLAG_1 = 1u << 1, PF = 1u << 2, AF = 1u << 4, ZF = 1u << 6,
                   SF = 1u << 7, TF = 1u << 8, IF = 1u << 9, DF = 1u << 10, OF = 1u << 11,
                   IOPL = 3u << 12, NT = 1u << 14, RF = 1u << 16, VM = 1u << 17, AC = 1u << 18,
                   VIF = 1u << 19, VIP = 1u << 20, ID = 1u << 21,
                   ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;

// CR0 and CR4 bits (SDM Vol. 3A 2.5).
constexpr uint32_t
  CR0_PE = 1u << 0, CR0_MP = 1u << 1, CR0_EM = 1u << 2, CR0_TS = 1u << 3, CR0_ET = 1u << 4,
  CR0_NE = 1u << 5, CR0_WP = 1u << 16, CR0_AM = 1u << 18, CR0_NW = 1u << 29, CR0_CD = 1u << 30,
  CR0_PG = 1u << 31,
  CR4_VME = 1u << 0, CR4_PVI = 1u << 1, CR4_TSD = 1u << 2, CR4_DE = 1u << 3, CR4_PSE = 1u << 4,
  CR4_PGE = 1u << 7;

// Exception vectors (SDM Vol. 3A table 6-1). A trailing underscore marks
// the names that EFLAGS or the segment registers already use (OF, DF, SS,
// PF, AC).
enum Vector : uint8_t {
  DE = 0, DB = 1, NMI = 2, BP = 3, OF_ = 4, BR = 5, UD = 6, NM = 7, DF_ = 8, TS = 10, NP = 11,
  SS_ = 12, GP = 13, PF_ = 14, MF = 16, AC_ = 17, MC = 18,
};

// A segment register with its hidden descriptor cache (SDM Vol. 3A 3.4.3).
struct SegmentCache {
  uint16_t selector = 0;
  uint32_t base = 0;
  uint32_t limit = 0xFFFF;  // effective byte limit (granularity applied)
  // Descriptor bits 40..47 (type, S, DPL, P) in the low byte and bits
  // 52..55 (AVL, L, D/B, G) in bits 12..15, as in the SDM's figure 3-8.
  uint16_t attr = 0x0093;
  // Derived when the register is loaded (load_segment): accesses through a
  // segment that is flat for reading or writing skip the limit checks.
  bool flat_read = false, flat_write = false;

  bool present() const { return attr & 0x80; }
  uint8_t dpl() const { return (attr >> 5) & 3; }
  uint8_t type() const { return attr & 0xF; }
  bool is_system() const { return !(attr & 0x10); }
  bool is_code() const { return (attr & 0x18) == 0x18; }
  bool big() const { return attr & 0x4000; }  // D/B
  bool expand_down() const { return (attr & 0x1C) == 0x14; }
};

// GDTR and IDTR (SDM Vol. 3A 2.4).
struct TableRegister {
  uint32_t base = 0;
  uint16_t limit = 0xFFFF;
};

// Arithmetic flags are computed lazily: an instruction records its
// operation and operands here, and the flags are worked out only when
// something reads them (a Jcc, PUSHF, an interrupt). Most results are
// overwritten before anyone looks, so this saves most of the flag work.
enum class FlagOp : uint8_t {
  Known,  // the arithmetic flags are in CpuState::eflags
  Add, Adc, Sub, Sbb, Logic, Inc, Dec, Neg,
};
struct LazyFlags {
  FlagOp op = FlagOp::Known;
  uint8_t size = 4;     // operand size in bytes
  uint8_t carry = 0;    // carry in (ADC/SBB) or the preserved CF (INC/DEC)
  uint32_t a = 0, b = 0, res = 0;  // first operand, second operand, result (masked)
};

// Model-specific registers that isolab implements (SDM Vol. 4).
constexpr uint32_t
  MSR_TSC = 0x10, MSR_APIC_BASE = 0x1B, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175,
  MSR_SYSENTER_EIP = 0x176, MSR_MISC_ENABLE = 0x1A0, MSR_PAT = 0x277;

struct CpuState {
  uint32_t reg[8] = {};
  uint32_t eip = 0;
  uint32_t eflags = FLAG_1;  // use Cpu::flags() to read with lazy flags applied
  LazyFlags lazy;
  SegmentCache seg[6];
  SegmentCache ldtr, tr;
  TableRegister gdtr, idtr;
  uint32_t cr0 = CR0_ET, cr2 = 0, cr3 = 0, cr4 = 0;
  uint32_t dr[8] = {0, 0, 0, 0, 0, 0, 0xFFFF0FF0, 0x400};
  uint8_t cpl = 0;
  bool halted = false;  // HLT executed, waiting for an interrupt
  // Instructions retired; simulated time and the TSC derive from it. A REP
  // string instruction retires one unit per iteration, as QEMU's icount.
  uint64_t insns = 0;
  // Interrupts are held off until `insns` reaches this value: the shadow
  // after STI, MOV SS and POP SS (SDM Vol. 3A 6.8.3).
  uint64_t irq_inhibit_until = 0;
  uint64_t tsc_offset = 0;
  uint32_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
  uint64_t apic_base = 0xFEE00900;
  uint64_t pat = 0x0007040600070406ull;
  uint64_t misc_enable = 1;
  uint8_t a20 = 1;  // the A20 gate: 0 wraps physical addresses at 1 MiB
  FpuState fpu;     // the x87 (fpu.h)
};

}  // namespace isolab::cpu
