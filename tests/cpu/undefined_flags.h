// The arithmetic flags that an instruction leaves undefined, from the
// "Flags Affected" section of each instruction's reference page in the
// Intel SDM Vol. 2 (order no. 325383; chapters 3-4, one page per
// instruction, named here by its title as the SDM's index does, since
// printed page numbers move between revisions). Vol. 1 appendix A
// ("EFLAGS Cross-Reference") summarises the same rules.
//
// The differential test (cpu_diff.cpp) masks a flag out of the comparison
// only while the last instruction to write it left it undefined, and makes
// sure no instruction reads an undefined flag (it defines the flags first).
// Instructions absent from the table define every flag they change.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cpu/state.h"

namespace isolab::cpu::test {

enum class Uf : uint8_t {
  None,      // ADD ADC SUB SBB CMP NEG INC DEC XADD CMPXCHG CMPS SCAS, and instructions that leave flags alone
  Logic,     // AND OR XOR TEST
  Mul,       // MUL
  Imul,      // IMUL (all three forms)
  Div,       // DIV
  Idiv,      // IDIV
  Shift,     // SAL SHL SAR SHR
  Rotate,    // ROL ROR
  RotateC,   // RCL RCR
  DoubleShift,  // SHLD SHRD
  BitTest,   // BT BTS BTR BTC
  BitScan,   // BSF BSR
  AsciiAdd,  // AAA AAS
  AsciiMul,  // AAM AAD
  Decimal,   // DAA DAS
  Count,
};

struct UndefinedFlags {
  const char* insn;
  uint32_t always;         // undefined whenever the instruction changes the flags
  uint32_t count_not_1;    // also undefined when the masked count is not 1
  uint32_t count_ge_width; // also undefined when the count is at least the operand width
  const char* sdm;         // the reference page, SDM Vol. 2
};

// Indexed by Uf. A shift or rotate whose masked count is 0 changes no flag
// at all; the caller handles that case before looking here.
inline constexpr UndefinedFlags UNDEFINED_FLAGS[] = {
  {"(defines all it writes)", 0, 0, 0, "-"},
  {"AND OR XOR TEST", AF, 0, 0,
   "Vol. 2A 3.3 AND/OR, Vol. 2B 4.3 TEST/XOR: \"The OF and CF flags are cleared; the SF, ZF, and PF flags "
   "are set according to the result. The state of the AF flag is undefined.\""},
  {"MUL", SF | ZF | AF | PF, 0, 0,
   "Vol. 2B 4.3 MUL: \"The OF and CF flags are set to 0 if the upper half of the result is 0; otherwise, "
   "they are set to 1. The SF, ZF, AF, and PF flags are undefined.\""},
  {"IMUL", SF | ZF | AF | PF, 0, 0,
   "Vol. 2A 3.3 IMUL: \"The SF, ZF, AF, and PF flags are undefined.\""},
  {"DIV", CF | OF | SF | ZF | AF | PF, 0, 0,
   "Vol. 2A 3.3 DIV: \"The CF, OF, SF, ZF, AF, and PF flags are undefined.\""},
  {"IDIV", CF | OF | SF | ZF | AF | PF, 0, 0,
   "Vol. 2A 3.3 IDIV: \"The CF, OF, SF, ZF, AF, and PF flags are undefined.\""},
  {"SAL SAR SHL SHR", AF, OF, CF,
   "Vol. 2B 4.3 SAL/SAR/SHL/SHR: \"The OF flag is affected only for 1-bit shifts; otherwise, it is "
   "undefined. ... For a non-zero count, the AF flag is undefined.\" and CF \"is undefined for SHL and "
   "SHR instructions where the count is greater than or equal to the size (in bits) of the destination "
   "operand\" (the generator sets count_ge_width only for SHL/SAL/SHR)"},
  {"ROL ROR", 0, OF, 0,
   "Vol. 2B 4.3 RCL/RCR/ROL/ROR: \"The OF flag is defined only for the 1-bit rotates; it is undefined in "
   "all other cases\""},
  {"RCL RCR", 0, OF, 0,
   "Vol. 2B 4.3 RCL/RCR/ROL/ROR: as ROL/ROR; \"a zero-bit rotate does nothing, that is affects no flags\""},
  {"SHLD SHRD", AF, OF, 0,
   "Vol. 2B 4.3 SHLD, SHRD: \"If the count is 1 or greater, the CF flag is filled with the last bit "
   "shifted out ... For a 1-bit shift, the OF flag is set if a sign change occurred; otherwise, it is "
   "cleared. For shifts greater than 1 bit, the OF flag is undefined. ... The AF flag is undefined.\" "
   "(counts above the operand size leave result and flags undefined; the generator avoids them)"},
  {"BT BTS BTR BTC", OF | SF | AF | PF, 0, 0,
   "Vol. 2A 3.3 BT, BTC, BTR, BTS: \"The CF flag contains the value of the selected bit. The ZF flag is "
   "unaffected. The OF, SF, AF, and PF flags are undefined.\""},
  {"BSF BSR", CF | OF | SF | AF | PF, 0, 0,
   "Vol. 2A 3.3 BSF, BSR: \"The ZF flag is set to 1 if the source operand is 0; otherwise, the ZF flag is "
   "cleared. The CF, OF, SF, AF, and PF flags are undefined.\""},
  {"AAA AAS", OF | SF | ZF | PF, 0, 0,
   "Vol. 2A 3.3 AAA, AAS: \"The AF and CF flags are set to 1 if there is a decimal carry [borrow]; "
   "otherwise, they are set to 0. The OF, SF, ZF, and PF flags are undefined.\""},
  {"AAM AAD", OF | AF | CF, 0, 0,
   "Vol. 2A 3.3 AAM, AAD: \"The SF, ZF, and PF flags are set according to the resulting binary value in "
   "the AL register. The OF, AF, and CF flags are undefined.\""},
  {"DAA DAS", OF, 0, 0,
   "Vol. 2A 3.3 DAA, DAS: \"The CF and AF flags are set if the adjustment of the value results in a "
   "decimal carry [borrow] in either digit of the result. The SF, ZF, and PF flags are set according to "
   "the result. The OF flag is undefined.\""},
};
static_assert(sizeof(UNDEFINED_FLAGS) / sizeof(UNDEFINED_FLAGS[0]) == size_t(Uf::Count));

// The flags left undefined by an instruction of kind `k` with masked
// count `count` (shifts and rotates; ignored otherwise) on an operand of
// `width` bits.
inline uint32_t undefined_flags(Uf k, uint32_t count = 1, uint32_t width = 32) {
  const UndefinedFlags& e = UNDEFINED_FLAGS[size_t(k)];
  uint32_t m = e.always;
  if (count != 1) m |= e.count_not_1;
  if (count >= width) m |= e.count_ge_width;
  return m;
}

}  // namespace isolab::cpu::test
