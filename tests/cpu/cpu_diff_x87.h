// The x87 test-case generator of the Unicorn differential test
// (cpu_diff.cpp, --mode x87): random sequences of x87 instructions on
// finite operands, in flat 32-bit code.
//
// A case starts with FNINIT and an FLDCW that picks a random rounding
// control (all exceptions masked, 64-bit precision), pushes one to four
// finite values (FLD m32/m64/m80, FILD m16/m32/m64, the constants), then
// draws instructions that only ever read registers the generator knows to
// be full and push only when the stack has room: Unicorn (QEMU's TCG) does
// not model the tag word's stack faults, so a stack fault would compare
// isolab's architecture with QEMU's shortcut rather than test anything.
// Memory operands are written first by `mov dword [addr], imm32`.
//
// Status word bits the SDM leaves undefined after an instruction (C0, C2
// and C3 after most of them, SDM Vol. 2 each instruction's "FPU Flags
// Affected") are tracked; FNSTSW AX is followed by an AND that clears the
// undefined ones and those where Unicorn deviates (see cpu_diff_x87.cpp),
// and the same mask applies to the final status word.
#pragma once
#include <cstdint>
#include <vector>

#include "cpu_diff_gen.h"

namespace isolab::cpu::test {

class X87Generator {
 public:
  explicit X87Generator(Rng& rng) : r_(rng) {}
  std::vector<uint8_t> code;
  int random_insns = 0;
  // The status-word bits to compare at the end of the case.
  uint16_t fsw_compared() const;

  void start();                // FNINIT, FLDCW, the first values
  void random_instruction();   // one drawn instruction (with its setup)

 private:
  Rng& r_;
  int depth_ = 0;             // full registers: ST(0)..ST(depth-1)
  uint16_t cc_defined_ = 0;   // C0-C3 bits that the last instruction defined
  int rc_ = 0;                // the rounding control of the case

  void b(uint8_t v) { code.push_back(v); }
  void imm32(uint32_t v) {
    for (int k = 0; k < 4; k++) b(uint8_t(v >> (8 * k)));
  }
  void modrm_mem(uint8_t opcode, int reg, uint32_t addr);  // opcode /reg [disp32]
  void poke32(uint32_t addr, uint32_t v);                  // mov dword [addr], v
  uint32_t slot();                                          // a free 16-byte data slot

  // Operand values: finite, in a range where sums and products stay finite.
  uint32_t random_float();
  uint64_t random_double();
  void push_value();       // one of the loads, onto a stack with room
  void arith_reg();        // D8 / DC / DE register forms
  void arith_mem();        // D8 / DC / DA / DE memory forms
  void compare();          // FCOM FCOMP FCOMPP FUCOM* FCOMI* FTST FXAM, then FNSTSW AX
  void store();            // FST(P) m32/m64/m80, FIST(P), FST(P) ST(i), FNSTSW m16, FNSTCW
  void one_operand();      // FCHS FABS FSQRT FRNDINT FXCH FLD ST(i) FCMOVcc FDECSTP+FINCSTP
  void fnstsw_ax_masked(); // FNSTSW AX; AND AX, the comparable bits
};

}  // namespace isolab::cpu::test
