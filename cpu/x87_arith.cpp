// The x87's arithmetic on the host's x87 unit. See x87_arith.h.
//
// Every function is one inline-assembly block of the same shape: save the
// host control word, load the guest's PC and RC with all exceptions masked,
// clear the host's exception flags, load the operands (FLD m80 neither
// converts nor raises anything), run the instruction, read the status word,
// store the results (popping everything that was pushed), clear the flags
// again and restore the host control word. The blocks declare the whole
// x87 stack clobbered, so the compiler keeps nothing of its own there.
#include "cpu/x87_arith.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "cpu/x87_arith.cpp computes with the host's x87 unit: build isolab on an x86 host"
#endif

namespace isolab::cpu::x87 {

namespace {

// The guest's precision and rounding control, every exception masked.
uint16_t host_cw(uint16_t cw) { return uint16_t((cw & (FCW_PC | FCW_RC)) | 0x7F); }

}  // namespace

#define X87_CLOBBERS "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)", "cc", "memory"
#define X87_ENTER "fnstcw %[saved]\n\tfldcw %[cw]\n\tfnclex\n\t"
#define X87_LEAVE "\n\tfnclex\n\tfldcw %[saved]"

// ST(0) = a, ST(1) = b; `insn` leaves its result in ST(0) and keeps ST(1).
#define X87_BINARY(name, insn)                                                                   \
  Result name(const F80& a, const F80& b, uint16_t cw) {                                         \
    Result r;                                                                                     \
    uint16_t hcw = host_cw(cw), saved;                                                            \
    asm volatile(X87_ENTER "fldt %[b]\n\tfldt %[a]\n\t" insn                                      \
                           "\n\tfnstsw %[sw]\n\tfstpt %[v]\n\tfstpt %[v2]" X87_LEAVE              \
                 : [v] "+m"(r.value), [v2] "+m"(r.value2), [sw] "=m"(r.sw), [saved] "=m"(saved) \
                 : [a] "m"(a), [b] "m"(b), [cw] "m"(hcw)                                         \
                 : X87_CLOBBERS);                                                                 \
    return r;                                                                                     \
  }

// ST(0) = a, ST(1) = b; `insn` pops and leaves its result in ST(0).
#define X87_BINARY_POP(name, insn)                                                               \
  Result name(const F80& a, const F80& b, uint16_t cw) {                                         \
    Result r;                                                                                     \
    uint16_t hcw = host_cw(cw), saved;                                                            \
    asm volatile(X87_ENTER "fldt %[b]\n\tfldt %[a]\n\t" insn "\n\tfnstsw %[sw]\n\tfstpt %[v]"    \
                           X87_LEAVE                                                              \
                 : [v] "+m"(r.value), [sw] "=m"(r.sw), [saved] "=m"(saved)                        \
                 : [a] "m"(a), [b] "m"(b), [cw] "m"(hcw)                                         \
                 : X87_CLOBBERS);                                                                 \
    return r;                                                                                     \
  }

// ST(0) = a; `insn` replaces it.
#define X87_UNARY(name, insn)                                                                    \
  Result name(const F80& a, uint16_t cw) {                                                       \
    Result r;                                                                                     \
    uint16_t hcw = host_cw(cw), saved;                                                            \
    asm volatile(X87_ENTER "fldt %[a]\n\t" insn "\n\tfnstsw %[sw]\n\tfstpt %[v]" X87_LEAVE       \
                 : [v] "+m"(r.value), [sw] "=m"(r.sw), [saved] "=m"(saved)                        \
                 : [a] "m"(a), [cw] "m"(hcw)                                                      \
                 : X87_CLOBBERS);                                                                 \
    return r;                                                                                     \
  }

// ST(0) = a; `insn` replaces it and pushes a second result unless it sets
// C2 (out of range: the operand stays alone on the stack).
#define X87_UNARY_PUSH(name, insn)                                                                 \
  Result name(const F80& a, uint16_t cw) {                                                         \
    Result r;                                                                                       \
    uint16_t hcw = host_cw(cw), saved;                                                              \
    asm volatile(X87_ENTER "fldt %[a]\n\t" insn                                                     \
                           "\n\tfnstsw %[sw]\n\ttestw $0x400, %[sw]\n\tjnz 1f\n\tfstpt %[v2]\n"     \
                           "1:\n\tfstpt %[v]" X87_LEAVE                                             \
                 : [v] "+m"(r.value), [v2] "+m"(r.value2), [sw] "+m"(r.sw), [saved] "=m"(saved)   \
                 : [a] "m"(a), [cw] "m"(hcw)                                                        \
                 : X87_CLOBBERS);                                                                   \
    return r;                                                                                       \
  }

// Compare ST(0) = a with ST(1) = b; the status word only.
#define X87_COMPARE(name, insn)                                                              \
  uint16_t name(const F80& a, const F80& b, uint16_t cw) {                                   \
    uint16_t sw, hcw = host_cw(cw), saved;                                                   \
    asm volatile(X87_ENTER "fldt %[b]\n\tfldt %[a]\n\t" insn                                  \
                           "\n\tfnstsw %[sw]\n\tfstp %%st(0)\n\tfstp %%st(0)" X87_LEAVE       \
                 : [sw] "=m"(sw), [saved] "=m"(saved)                                         \
                 : [a] "m"(a), [b] "m"(b), [cw] "m"(hcw)                                     \
                 : X87_CLOBBERS);                                                             \
    return sw;                                                                                \
  }

// Test ST(0) = a; the status word only.
#define X87_TEST(name, insn)                                                                              \
  uint16_t name(const F80& a, uint16_t cw) {                                                              \
    uint16_t sw, hcw = host_cw(cw), saved;                                                                \
    asm volatile(X87_ENTER "fldt %[a]\n\t" insn "\n\tfnstsw %[sw]\n\tfstp %%st(0)" X87_LEAVE              \
                 : [sw] "=m"(sw), [saved] "=m"(saved)                                                      \
                 : [a] "m"(a), [cw] "m"(hcw)                                                               \
                 : X87_CLOBBERS);                                                                          \
    return sw;                                                                                             \
  }

// Load from a memory operand `src` with `insn` (FLD, FILD, FBLD forms).
#define X87_LOAD(insn, src)                                                                      \
  Result r;                                                                                       \
  uint16_t hcw = host_cw(cw), saved;                                                              \
  asm volatile(X87_ENTER insn " %[m]\n\tfnstsw %[sw]\n\tfstpt %[v]" X87_LEAVE                     \
               : [v] "+m"(r.value), [sw] "=m"(r.sw), [saved] "=m"(saved)                          \
               : [m] "m"(src), [cw] "m"(hcw)                                                      \
               : X87_CLOBBERS);                                                                   \
  return r;

// Store ST(0) = a to a memory operand `dst` with the popping `insn`.
#define X87_STORE(insn, dst)                                                                \
  uint16_t hcw = host_cw(cw), saved;                                                         \
  asm volatile(X87_ENTER "fldt %[a]\n\t" insn " %[m]\n\tfnstsw %[sw]" X87_LEAVE              \
               : [m] "=m"(dst), [sw] "=m"(sw), [saved] "=m"(saved)                           \
               : [a] "m"(a), [cw] "m"(hcw)                                                   \
               : X87_CLOBBERS);

X87_BINARY(add, "fadd %%st(1), %%st")
X87_BINARY(sub, "fsub %%st(1), %%st")
X87_BINARY(mul, "fmul %%st(1), %%st")
X87_BINARY(div, "fdiv %%st(1), %%st")
X87_BINARY(prem, "fprem")
X87_BINARY(prem1, "fprem1")
X87_BINARY(scale, "fscale")
X87_BINARY_POP(patan, "fpatan")
X87_BINARY_POP(yl2x, "fyl2x")
X87_BINARY_POP(yl2xp1, "fyl2xp1")

X87_UNARY(sqrt, "fsqrt")
X87_UNARY(rndint, "frndint")
X87_UNARY(f2xm1, "f2xm1")
X87_UNARY(sin, "fsin")
X87_UNARY(cos, "fcos")
X87_UNARY_PUSH(ptan, "fptan")
X87_UNARY_PUSH(sincos, "fsincos")
// FXTRACT always pushes (its C2 is undefined, so it cannot take the shape above).
Result xtract(const F80& a, uint16_t cw) {
  Result r;
  uint16_t hcw = host_cw(cw), saved;
  asm volatile(X87_ENTER "fldt %[a]\n\tfxtract\n\tfnstsw %[sw]\n\tfstpt %[v2]\n\tfstpt %[v]" X87_LEAVE
               : [v] "+m"(r.value), [v2] "+m"(r.value2), [sw] "=m"(r.sw), [saved] "=m"(saved)
               : [a] "m"(a), [cw] "m"(hcw)
               : X87_CLOBBERS);
  return r;
}

X87_COMPARE(com, "fcom %%st(1)")
X87_COMPARE(ucom, "fucom %%st(1)")
X87_TEST(tst, "ftst")
X87_TEST(xam, "fxam")

Result load_m32(uint32_t bits, uint16_t cw) { X87_LOAD("flds", bits) }
Result load_m64(uint64_t bits, uint16_t cw) { X87_LOAD("fldl", bits) }
Result load_int(int64_t v, uint16_t cw) { X87_LOAD("fildll", v) }
Result load_bcd(const uint8_t bcd[10], uint16_t cw) {
  struct Bcd {
    uint8_t b[10];
  } m;
  for (int k = 0; k < 10; k++) m.b[k] = bcd[k];
  X87_LOAD("fbld", m)
}

#define X87_CONSTANT(insn)                                                                  \
  {                                                                                          \
    asm volatile(X87_ENTER insn "\n\tfnstsw %[sw]\n\tfstpt %[v]" X87_LEAVE                   \
                 : [v] "+m"(r.value), [sw] "=m"(r.sw), [saved] "=m"(saved)                   \
                 : [cw] "m"(hcw)                                                             \
                 : X87_CLOBBERS);                                                            \
    break;                                                                                   \
  }

Result load_constant(int which, uint16_t cw) {
  Result r;
  uint16_t hcw = host_cw(cw), saved;
  switch (which) {
    case 0: X87_CONSTANT("fld1")
    case 1: X87_CONSTANT("fldl2t")
    case 2: X87_CONSTANT("fldl2e")
    case 3: X87_CONSTANT("fldpi")
    case 4: X87_CONSTANT("fldlg2")
    case 5: X87_CONSTANT("fldln2")
    default: X87_CONSTANT("fldz")
  }
  return r;
}

uint32_t store_m32(const F80& a, uint16_t cw, uint16_t& sw) {
  uint32_t out;
  X87_STORE("fstps", out)
  return out;
}
uint64_t store_m64(const F80& a, uint16_t cw, uint16_t& sw) {
  uint64_t out;
  X87_STORE("fstpl", out)
  return out;
}
int16_t store_int16(const F80& a, uint16_t cw, uint16_t& sw) {
  int16_t out;
  X87_STORE("fistps", out)
  return out;
}
int32_t store_int32(const F80& a, uint16_t cw, uint16_t& sw) {
  int32_t out;
  X87_STORE("fistpl", out)
  return out;
}
int64_t store_int64(const F80& a, uint16_t cw, uint16_t& sw) {
  int64_t out;
  X87_STORE("fistpll", out)
  return out;
}
void store_bcd(const F80& a, uint16_t cw, uint16_t& sw, uint8_t out[10]) {
  struct Bcd {
    uint8_t b[10];
  } m;
  X87_STORE("fbstp", m)
  for (int k = 0; k < 10; k++) out[k] = m.b[k];
}

}  // namespace isolab::cpu::x87
