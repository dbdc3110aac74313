// A decoded instruction: what the decoder (decoder.cpp) produces once per
// instruction and the executor runs many times from the block cache.
//
// The record is compact and flat: prefixes, ModRM, SIB, displacement and
// immediates are all resolved, and `fn` points at the handler specialised
// for the operand size, so executing it needs no further decoding.
#pragma once
#include <cstdint>

namespace isolab::cpu {

class Cpu;
struct Insn;
using Handler = void (*)(Cpu&, const Insn&);

enum : uint8_t { REP_NONE = 0, REP_E = 1 /* F3 */, REP_NE = 2 /* F2 */ };

struct Insn {
  Handler fn = nullptr;
  uint32_t disp = 0;     // displacement (or moffs for A0-A3)
  uint32_t imm = 0;      // first immediate (sign-extended where the encoding says so)
  uint16_t imm2 = 0;     // second immediate: ENTER's level, a far pointer's selector
  uint16_t opcode = 0;   // 0x000-0x0FF one-byte opcodes, 0x100-0x1FF the 0F page
  uint8_t len = 0;       // bytes, prefixes included
  uint8_t reg = 0;       // ModRM.reg (or the register in the low 3 opcode bits)
  uint8_t rm = 0;        // ModRM.rm: the register operand when !is_mem
  uint8_t base = 0xFF;   // memory operand: base register or REG_NONE
  uint8_t index = 0xFF;  // memory operand: index register or REG_NONE
  uint8_t scale = 0;     // index shift (0-3)
  uint8_t seg = 3;       // effective segment of the memory operand (DS unless overridden)
  uint8_t opsize = 4;    // operand size in bytes: 2 or 4 (byte ops are separate handlers)
  uint8_t addr32 = 1;    // 32-bit addressing
  uint8_t rep = REP_NONE;
  uint8_t is_mem = 0;    // ModRM addresses memory
  uint8_t lock = 0;
  uint8_t seg_override = 0;  // a segment prefix was present
  uint8_t ends_block = 0;    // control transfer or state change: the block ends here
};

}  // namespace isolab::cpu
