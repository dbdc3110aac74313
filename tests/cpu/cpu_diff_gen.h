// The random test-case generator of the Unicorn differential test
// (cpu_diff.cpp): short x86 sequences over the integer instruction set
// whose memory operands all land in the data region, whose control flow
// stays inside the generated code, and which raise no exception.
//
// Every memory operand is set up by the instructions before it: the
// generator picks the linear address it wants, a ModRM/SIB form, a segment
// (default or override), and emits `mov reg, imm` for the base and index
// registers so that base + index*scale + disp hits that address. Implicit
// operands (ESI/EDI/ECX of string instructions, EBX+AL of XLAT, the stack)
// are set the same way. Operands that would raise #DE are avoided by
// choosing them.
//
// The generator also tracks which arithmetic flags are undefined (the
// table in undefined_flags.h). Before an instruction that reads a flag
// that is undefined it emits a CMP that defines them all, so undefined
// values never leak into registers, memory or control flow; at the end of
// a case the still-undefined flags are masked out of the comparison.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "cpu/state.h"
#include "undefined_flags.h"

namespace isolab::cpu::test {

// Where a test case lives (the same in both modes: everything below
// 64 KiB, so 16-bit addressing and real mode reach it).
constexpr uint32_t CODE_BASE = 0x1000;  // EIP (IP with CS = 0 in real mode)
constexpr uint32_t CODE_LIMIT = 0x7000;
constexpr uint32_t DATA_LO = 0x8000, DATA_HI = 0xA000;  // compared after each case
constexpr uint32_t STACK_LO = 0x8800, STACK_HI = 0x9800;  // ESP is kept in here

// xorshift64*: fast, and the same sequence for a seed on every host.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
  uint32_t u32() { return uint32_t(next() >> 32); }
  uint32_t below(uint32_t n) { return uint32_t((next() >> 32) % n); }
  bool chance(int percent) { return below(100) < uint32_t(percent); }
  // A value that is often at an edge: 0, 1, a sign boundary, all ones.
  uint32_t interesting() {
    static const uint32_t edge[] = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
                                    0x80000000u, 0xFFFFFFFFu, 0x10, 0x0F, 9, 0x99};
    return chance(25) ? edge[below(16)] : u32();
  }
};

class Generator {
 public:
  // `seg_base`: the segment bases of the case (all 0 in flat mode).
  Generator(Rng& rng, bool code32, const uint32_t seg_base[6]) : r_(rng), code32_(code32) {
    for (int i = 0; i < 6; i++) base_[i] = seg_base[i];
  }

  std::vector<uint8_t> code;
  uint32_t undefined = 0;  // arithmetic flags currently undefined
  int random_insns = 0;    // instructions drawn (setup moves not counted)

  // Append one randomly chosen instruction (with whatever setup it needs).
  void random_instruction(bool allow_control = true);

 private:
  Rng& r_;
  bool code32_;
  uint32_t base_[6];
  bool esp_ok_ = true;  // ESP points into the stack area
  int stack_uses_ = 0;  // stack instructions since ESP was last set

  // --- bytes -----------------------------------------------------------------
  void b(uint8_t v) { code.push_back(v); }
  void imm(uint32_t v, int size) {
    for (int k = 0; k < size; k++) b(uint8_t(v >> (8 * k)));
  }
  uint32_t here() const { return CODE_BASE + uint32_t(code.size()); }
  void patch32(size_t at, uint32_t v) {
    for (int k = 0; k < 4; k++) code[at + k] = uint8_t(v >> (8 * k));
  }

  // --- prefixes and sizes --------------------------------------------------
  int pick_osz() { return r_.chance(75) ? (code32_ ? 4 : 2) : (code32_ ? 2 : 4); }
  int pick_asz() { return r_.chance(80) ? (code32_ ? 4 : 2) : (code32_ ? 2 : 4); }
  bool needs_66(int osz) const { return osz != 1 && (osz == 2) == code32_; }
  bool needs_67(int asz) const { return (asz == 2) == code32_; }
  // Emit the prefixes in a random order.
  void prefixes(std::vector<uint8_t> p) {
    for (size_t k = p.size(); k > 1; k--) std::swap(p[k - 1], p[r_.below(uint32_t(k))]);
    for (uint8_t x : p) b(x);
  }

  // --- setup -----------------------------------------------------------------
  void mov_r32(int reg, uint32_t v);  // mov r32, imm32 (size prefix in 16-bit code)
  size_t mov_r32_patchable(int reg);  // the same, returning where imm32 is
  void mov_r8(int r8, uint8_t v) { b(uint8_t(0xB0 + r8)); b(v); }
  // mov dword [DS:lin], imm32 with a plain displacement.
  size_t poke32(uint32_t lin, uint32_t v);
  // mov esp: a random place in the stack area (with `upper` above SP in 16-bit code).
  void set_esp_sane(uint32_t upper);
  void set_esp_sane() { set_esp_sane(r_.u32() << 16); }
  void stack_ready() {
    if (!esp_ok_ || stack_uses_ >= 4) set_esp_sane();
    stack_uses_++;
  }
  // A register operand was written.
  void wrote_reg(int size, int reg) {
    if (size >= 2 && reg == ESP) esp_ok_ = false;
  }
  // Flags: make sure `reads` are defined, and record what an instruction did.
  void need(uint32_t reads);
  void flags(uint32_t writes, uint32_t undef) { undefined = (undefined & ~writes) | undef; }

  // --- operands ----------------------------------------------------------------
  struct Mem {
    int seg = DS;
    bool override_seg = false;
    int asz = 4;
    std::vector<uint8_t> bytes;  // ModRM (reg field 0), SIB, displacement
    uint32_t lin = 0;
  };
  struct Opnd {
    bool is_mem = false;
    int reg = 0;  // register number (size-dependent meaning) when !is_mem
    Mem m;
  };
  // A memory operand of `size` bytes at a random address in the data
  // region, its address registers not in `avoid` (a mask of registers).
  Mem mem(int size, uint32_t avoid, bool write, uint32_t lin = 0);
  Opnd rm(int size, uint32_t avoid, bool write, int mem_percent = 45);
  int pick_reg(int size, uint32_t avoid);
  // Emit prefixes, opcode bytes, ModRM (+SIB, disp) with `reg` in the reg
  // field, then nothing else: the caller appends immediates.
  void emit(const Opnd& o, int osz, std::initializer_list<uint8_t> opcode, int reg, std::vector<uint8_t> extra = {});
  uint32_t offset_in(int seg, uint32_t lin) const { return lin - base_[seg]; }
  uint32_t random_lin(int size, uint32_t margin = 96) {
    return DATA_LO + margin + r_.below(DATA_HI - DATA_LO - 2 * margin - uint32_t(size));
  }

  // --- families ------------------------------------------------------------------
  void alu();
  void incdec_negnot();
  void muldiv();
  void divide();
  void shift();
  void double_shift();
  void bit_test();
  void bit_scan();
  void setcc_cmovcc();
  void exchange();  // XCHG XADD CMPXCHG CMPXCHG8B BSWAP
  void bcd_misc();  // DAA DAS AAA AAS AAM AAD CBW CWD, flag instructions
  void mov_forms();  // MOV MOVZX MOVSX LEA XLAT NOP
  void stack();      // PUSH POP PUSHA POPA ENTER LEAVE
  void string_op();
  void jump_over();  // Jcc / JMP / JCXZ / CALL over a few bytes
  void loop();
  void call_ret();
};

}  // namespace isolab::cpu::test
