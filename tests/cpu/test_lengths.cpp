// Instruction lengths: our decoder (cpu/decoder.cpp) against Capstone 4 on
// random byte strings, in 32-bit and 16-bit code (DESIGN.md section 3:
// "Tests compare the two instruction lengths").
//
// Capstone decodes far more than an i686 without SSE runs (MMX, SSE, AVX,
// VMX), so a string is compared only where both sides decode it:
// Capstone returns an instruction and our decoder calls it defined. The
// strings are random bytes, biased so that legacy prefixes and the 0F
// escape appear often; ModRM and SIB bytes are uniformly random and so
// cover every mod/rm/scale/index/base form.
#include <capstone/capstone.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <iterator>
#include <random>
#include <string>

#include "cpu/decoder.h"

using namespace isolab::cpu;

namespace {

constexpr uint8_t kPrefixes[] = {0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65};

bool is_prefix(uint8_t b) {
  for (uint8_t p : kPrefixes)
    if (p == b) return true;
  return false;
}

// 16 bytes (the longest instruction is 15): random, then with probability
// 1/4 one to four legacy prefixes at the start, and with probability 1/3
// the 0F escape as the opcode byte.
void random_insn(std::mt19937_64& rng, uint8_t (&b)[16]) {
  for (int k = 0; k < 16; k += 8) {
    uint64_t r = rng();
    for (int j = 0; j < 8; j++) b[k + j] = uint8_t(r >> (8 * j));
  }
  uint64_t r = rng();
  int pos = 0;
  if (r % 4 == 0) {
    int count = 1 + int((r >> 8) % 4);
    for (int k = 0; k < count; k++) b[pos++] = kPrefixes[(r >> (16 + 4 * k)) % std::size(kPrefixes)];
  }
  if ((r >> 40) % 3 == 0) b[pos] = 0x0F;
}

// Capstone 4 quirks, where it disagrees with the Intel SDM. Returns true if
// the string must not be compared.
bool capstone_quirk(const uint8_t* b, bool code32) {
  int pos = 0;
  bool opsize = false, rep_after_opsize = false;
  while (pos < 15 && is_prefix(b[pos])) {
    if (b[pos] == 0x66) opsize = true;
    if ((b[pos] == 0xF2 || b[pos] == 0xF3) && opsize) rep_after_opsize = true;
    pos++;
  }
  // CALL rel (E8) with 66 followed by F2 or F3 (the MPX "BND" prefix
  // position): Capstone 4 forgets the operand-size prefix and reads a
  // rel32 in 32-bit code (66 F3 E8 xx xx xx xx is 7 bytes to it). The SDM
  // (Vol. 2 "CALL") makes it a rel16 call, 5 bytes; F3 66 E8 Capstone gets
  // right.
  if (code32 && rep_after_opsize && b[pos] == 0xE8) return true;
  // C4 and C5 with a register ModRM (mod = 11) are LES and LDS with a
  // register operand, and 62 with one is BOUND with a register operand:
  // #UD on an i686 (SDM Vol. 2 "LDS/LES/LFS/LGS/LSS", "BOUND"). Capstone
  // decodes them as the VEX and EVEX prefixes of later CPUs' AVX.
  const uint8_t op = b[pos];
  if ((op == 0xC4 || op == 0xC5 || op == 0x62) && pos + 1 < 16 && (b[pos + 1] >> 6) == 3) return true;
  return false;
}

struct Comparison {
  long compared = 0;
  long mismatches = 0;
  std::string first_mismatches;
};

Comparison compare_lengths(bool code32, uint64_t seed, long count) {
  csh handle;
  REQUIRE(cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &handle) == CS_ERR_OK);
  cs_insn* insn = cs_malloc(handle);
  std::mt19937_64 rng(seed);
  Comparison c;
  for (long n = 0; n < count; n++) {
    uint8_t b[16];
    random_insn(rng, b);
    bool defined = false;
    const int ours = instruction_length(b, sizeof b, code32, defined);
    if (!defined || ours == 0) continue;
    const uint8_t* code = b;
    size_t size = sizeof b;
    uint64_t address = 0x1000;
    if (!cs_disasm_iter(handle, &code, &size, &address, insn)) continue;
    if (capstone_quirk(b, code32)) continue;
    c.compared++;
    if (ours == insn->size) continue;
    if (c.mismatches++ < 10) {
      char line[160];
      int o = std::snprintf(line, sizeof line, "\n  ours %d, capstone %d (%s %s):", ours, insn->size, insn->mnemonic,
                            insn->op_str);
      for (int k = 0; k < 15 && o < int(sizeof line) - 4; k++) o += std::snprintf(line + o, sizeof line - o, " %02x", b[k]);
      c.first_mismatches += line;
    }
  }
  cs_free(insn, 1);
  cs_close(&handle);
  return c;
}

}  // namespace

TEST_CASE("lengths: 32-bit code agrees with Capstone on 1,000,000 random strings") {
  Comparison c = compare_lengths(true, 0x15014b, 1000000);
  MESSAGE("32-bit: compared " << c.compared << " of 1000000 random strings");
  CHECK_MESSAGE(c.mismatches == 0, c.mismatches << " length mismatches:" << c.first_mismatches);
  CHECK(c.compared > 300000);
}

TEST_CASE("lengths: 16-bit code agrees with Capstone on 1,000,000 random strings") {
  Comparison c = compare_lengths(false, 0x16016b, 1000000);
  MESSAGE("16-bit: compared " << c.compared << " of 1000000 random strings");
  CHECK_MESSAGE(c.mismatches == 0, c.mismatches << " length mismatches:" << c.first_mismatches);
  CHECK(c.compared > 300000);
}

// The x87 escapes D8-DF: every ModRM byte of every escape, in both code
// sizes, with and without the operand- and address-size prefixes, and
// random bytes after (SIB, displacement). The random strings above reach
// these only by chance, about 3% of the time.
TEST_CASE("lengths: every x87 escape form agrees with Capstone") {
  for (bool code32 : {true, false}) {
    csh handle;
    REQUIRE(cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &handle) == CS_ERR_OK);
    cs_insn* insn = cs_malloc(handle);
    std::mt19937_64 rng(0x87 + code32);
    long compared = 0, mismatches = 0;
    std::string first;
    for (int prefix = 0; prefix < 4; prefix++) {
      for (int op = 0xD8; op <= 0xDF; op++) {
        for (int modrm = 0; modrm < 256; modrm++) {
          for (int trial = 0; trial < 4; trial++) {
            uint8_t b[16];
            for (auto& x : b) x = uint8_t(rng());
            int pos = 0;
            if (prefix & 1) b[pos++] = 0x66;
            if (prefix & 2) b[pos++] = 0x67;
            b[pos] = uint8_t(op);
            b[pos + 1] = uint8_t(modrm);
            bool defined = false;
            const int ours = instruction_length(b, sizeof b, code32, defined);
            const uint8_t* code = b;
            size_t size = sizeof b;
            uint64_t address = 0x1000;
            if (!defined || !cs_disasm_iter(handle, &code, &size, &address, insn)) continue;
            compared++;
            if (ours != insn->size && mismatches++ < 10) {
              first += "\n  " + std::string(insn->mnemonic) + " " + insn->op_str + ": ours " + std::to_string(ours) +
                       ", capstone " + std::to_string(insn->size);
            }
          }
        }
      }
    }
    cs_free(insn, 1);
    cs_close(&handle);
    MESSAGE((code32 ? "32" : "16") << "-bit x87: compared " << compared << " encodings");
    CHECK_MESSAGE(mismatches == 0, mismatches << " length mismatches:" << first);
    CHECK(compared > 25000);
  }
}

TEST_CASE("lengths: hand-picked encodings") {
  struct Case {
    std::initializer_list<uint8_t> bytes;
    bool code32;
    int length;
  };
  const Case cases[] = {
      {{0x8B, 0x04, 0x25, 1, 2, 3, 4}, true, 7},        // mov eax, [disp32] through SIB, no base
      {{0x8B, 0x44, 0x24, 0x08}, true, 4},              // mov eax, [esp+8]
      {{0x8B, 0x84, 0x8D, 1, 2, 3, 4}, true, 7},        // mov eax, [ebp+ecx*4+disp32]
      {{0x67, 0x8B, 0x06, 1, 2}, true, 5},              // 16-bit addressing: mov eax, [disp16]
      {{0x8B, 0x06, 1, 2}, false, 4},                   // mov ax, [disp16]
      {{0x66, 0x81, 0xC0, 1, 2}, true, 5},              // add ax, imm16
      {{0x66, 0x81, 0xC0, 1, 2, 3, 4}, false, 7},       // add eax, imm32 in 16-bit code
      {{0x66, 0xF3, 0xE8, 1, 2}, true, 5},              // call rel16 (Capstone says 7)
      {{0xF6, 0xC0, 1}, true, 3},                       // test al, imm8
      {{0xF6, 0xD0}, true, 2},                          // not al: no immediate
      {{0xC8, 1, 2, 3}, true, 4},                       // enter imm16, imm8
      {{0xA1, 1, 2, 3, 4}, true, 5},                    // mov eax, moffs32
      {{0x67, 0xA1, 1, 2}, true, 4},                    // mov eax, moffs16
      {{0x0F, 0xBA, 0xE0, 5}, true, 4},                 // bt eax, 5
      {{0xDD, 0x05, 1, 2, 3, 4}, true, 6},              // fld qword [disp32]
      {{0xD9, 0x44, 0x24, 0x08}, true, 4},              // fld dword [esp+8]
      {{0xDB, 0x2E, 1, 2}, false, 4},                   // fld tword [disp16]
      {{0xDF, 0xE0}, true, 2},                          // fnstsw ax
      {{0xDE, 0xC9}, true, 2},                          // fmulp st1, st0
      {{0x9B}, true, 1},                                // fwait
  };
  for (const Case& c : cases) {
    uint8_t b[16] = {};
    std::copy(c.bytes.begin(), c.bytes.end(), b);
    bool defined = false;
    CHECK(instruction_length(b, sizeof b, c.code32, defined) == c.length);
    CHECK(defined);
  }
}
