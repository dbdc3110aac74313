// The x87 floating-point unit's architectural state, as plain data
// (SDM Vol. 1 chapter 8, "Programming with the x87 FPU").
//
// Eight 80-bit data registers R0-R7 used as a stack: ST(i) is physical
// register (TOP + i) mod 8, and a push decrements TOP. The control word
// (FCW) holds the exception masks, precision control (PC) and rounding
// control (RC); the status word (FSW) holds the sticky exception flags, the
// condition codes C0-C3 and TOP; the tag word says which registers are
// empty. The last instruction and operand pointers are what FNSTENV and
// FNSAVE store for an exception handler. The instructions are in
// ops_x87.cpp, their arithmetic in x87_arith.cpp.
#pragma once
#include <cstdint>

namespace isolab::cpu {

// A double extended-precision value (SDM Vol. 1 4.2.2): a 64-bit
// significand with an explicit integer bit, a 15-bit biased exponent and a
// sign, stored as the FPU stores it in memory (FSTP m80). `pad` is always
// zero, so the state copies and compares byte for byte.
struct F80 {
  uint64_t signif = 0;
  uint16_t sign_exp = 0;  // bit 15 sign, bits 0-14 exponent (bias 16383)
  uint16_t pad[3] = {};

  bool sign() const { return sign_exp & 0x8000; }
  uint16_t exponent() const { return sign_exp & 0x7FFF; }
  bool operator==(const F80& o) const { return signif == o.signif && sign_exp == o.sign_exp; }
};

// FSW bits (SDM Vol. 1 8.1.3).
constexpr uint16_t FSW_IE = 1u << 0, FSW_DE = 1u << 1, FSW_ZE = 1u << 2, FSW_OE = 1u << 3, FSW_UE = 1u << 4,
                   FSW_PE = 1u << 5, FSW_SF = 1u << 6, FSW_ES = 1u << 7, FSW_C0 = 1u << 8, FSW_C1 = 1u << 9,
                   FSW_C2 = 1u << 10, FSW_TOP = 7u << 11, FSW_C3 = 1u << 14, FSW_B = 1u << 15,
                   FSW_EXCEPTIONS = 0x3F, FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;
// FCW fields (SDM Vol. 1 8.1.5): exception masks in bits 0-5 (the same
// positions as the FSW flags), PC in bits 8-9, RC in bits 10-11.
constexpr uint16_t FCW_MASKS = 0x3F, FCW_PC = 3u << 8, FCW_RC = 3u << 10, FCW_X = 1u << 12;
// Tag values (SDM Vol. 1 8.1.7).
enum : uint8_t { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

struct FpuState {
  F80 r[8];               // R0-R7, physical order (not ST order)
  // The power-up state (SDM Vol. 3A table 9-1): exceptions unmasked, every
  // register +0.0 and tagged non-empty. FNINIT (fpu_init) gives the state
  // programs expect: FCW 037FH, all registers empty.
  uint16_t fcw = 0x0040;
  uint16_t fsw = 0;       // TOP (bits 11-13) is kept in `top`, not here
  uint8_t top = 0;
  uint8_t empty = 0;      // bit i set: R(i) is empty (tag 11)
  uint16_t fop = 0;       // last non-control instruction's opcode: bits 10-8 of byte 1, then ModRM
  uint32_t fip = 0;       // ... its offset
  uint16_t fcs = 0;       // ... its CS selector
  uint16_t fds = 0;       // last memory operand's selector
  uint32_t fdp = 0;       // ... and offset
};

// FNINIT's state (SDM Vol. 2 "FINIT/FNINIT").
void fpu_init(FpuState& f);
// The full tag word, classified from the registers' contents as FNSTENV
// stores it (SDM Vol. 1 8.1.7).
uint16_t fpu_tag_word(const FpuState& f);
// FSW with TOP filled in.
inline uint16_t fpu_status_word(const FpuState& f) { return uint16_t((f.fsw & ~FSW_TOP) | (f.top << 11)); }

}  // namespace isolab::cpu
