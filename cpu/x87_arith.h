// The x87's arithmetic, computed by the host's own x87 unit.
//
// isolab runs on x86-64 hosts, whose `long double` is the x87's 80-bit
// double extended format (SDM Vol. 1 4.2.2). Each function here loads its
// operands into the host FPU, sets the host control word to the guest's
// precision and rounding control with every exception masked (so the host
// never traps), runs the one instruction, and returns the result with the
// host's status word: the exception flags (IE DE ZE OE UE PE) and the
// condition codes C0-C3 the instruction produced. Results, rounding, C1's
// round-up bit, FPREM's quotient bits, NaN propagation and masked
// responses are therefore those of real hardware. What the guest FPU adds
// on top (its register stack, tags, stack faults, unmasked exceptions) is
// in ops_x87.cpp.
//
// Transcendental instructions (FSIN, FPATAN, F2XM1, ...) give the host
// CPU's results, which may differ by an ulp between Intel and AMD parts
// (SDM Vol. 1 8.3.10): a run is deterministic on one host.
#pragma once
#include <cstdint>

#include "cpu/fpu.h"

namespace isolab::cpu::x87 {

struct Result {
  F80 value;       // the result (ST(0) after the host instruction)
  F80 value2;      // a second result where there is one (ST(1))
  uint16_t sw = 0; // the host status word: exception flags and C0-C3
};

// Two operands: a is ST(0), b the source.
Result add(const F80& a, const F80& b, uint16_t cw);
Result sub(const F80& a, const F80& b, uint16_t cw);  // a - b
Result mul(const F80& a, const F80& b, uint16_t cw);
Result div(const F80& a, const F80& b, uint16_t cw);  // a / b
Result prem(const F80& a, const F80& b, uint16_t cw);   // FPREM: a = ST(0), b = ST(1)
Result prem1(const F80& a, const F80& b, uint16_t cw);  // FPREM1
Result scale(const F80& a, const F80& b, uint16_t cw);  // FSCALE
// ST(1) op ST(0), popping: a = ST(0), b = ST(1).
Result patan(const F80& a, const F80& b, uint16_t cw);   // atan(b / a)
Result yl2x(const F80& a, const F80& b, uint16_t cw);    // b * log2(a)
Result yl2xp1(const F80& a, const F80& b, uint16_t cw);  // b * log2(a + 1)

// One operand, one result.
Result sqrt(const F80& a, uint16_t cw);
Result rndint(const F80& a, uint16_t cw);
Result f2xm1(const F80& a, uint16_t cw);
Result sin(const F80& a, uint16_t cw);  // C2 set: out of range, value = a
Result cos(const F80& a, uint16_t cw);
// One operand, two results: value replaces ST(0), value2 is pushed. For
// FPTAN and FSINCOS, C2 set means out of range: nothing is pushed and
// value = a.
Result ptan(const F80& a, uint16_t cw);     // value tan(a), value2 1.0
Result sincos(const F80& a, uint16_t cw);   // value sin(a), value2 cos(a)
Result xtract(const F80& a, uint16_t cw);   // value exponent, value2 significand

// Comparisons: the status word only (C0 C2 C3, IE, DE).
uint16_t com(const F80& a, const F80& b, uint16_t cw);   // FCOM: IE on any NaN
uint16_t ucom(const F80& a, const F80& b, uint16_t cw);  // FUCOM: IE on SNaN only
uint16_t tst(const F80& a, uint16_t cw);
uint16_t xam(const F80& a, uint16_t cw);

// Conversions from memory formats (exceptions: IE on SNaN, DE on denormals).
Result load_m32(uint32_t bits, uint16_t cw);
Result load_m64(uint64_t bits, uint16_t cw);
Result load_int(int64_t v, uint16_t cw);  // FILD: exact
Result load_bcd(const uint8_t bcd[10], uint16_t cw);
// FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ, in the order of their
// encodings D9 E8-EE; rounded by RC as the 387 and later do.
Result load_constant(int which, uint16_t cw);
// Conversions to memory formats, rounded by RC; on a masked invalid
// operation the integer and BCD forms store the indefinite value.
uint32_t store_m32(const F80& a, uint16_t cw, uint16_t& sw);
uint64_t store_m64(const F80& a, uint16_t cw, uint16_t& sw);
int16_t store_int16(const F80& a, uint16_t cw, uint16_t& sw);
int32_t store_int32(const F80& a, uint16_t cw, uint16_t& sw);
int64_t store_int64(const F80& a, uint16_t cw, uint16_t& sw);
void store_bcd(const F80& a, uint16_t cw, uint16_t& sw, uint8_t out[10]);

// The QNaN floating-point indefinite (SDM Vol. 1 table 4-3): what a masked
// invalid operation leaves in a register.
constexpr F80 INDEFINITE = {0xC000000000000000ull, 0xFFFF, {}};

}  // namespace isolab::cpu::x87
