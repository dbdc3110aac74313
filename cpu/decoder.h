// The x86 instruction decoder: bytes to Insn records (insn.h), driven by the
// opcode table that the instruction families fill (ops.h).
//
// Follows the SDM Vol. 2 chapter 2 instruction format: up to four groups of
// legacy prefixes, a one- or two-byte opcode, ModRM, SIB, displacement and
// immediates; 15 bytes at most (#GP beyond). 16-bit ModRM addressing uses
// the table of Vol. 2 2-1, 32-bit addressing tables 2-2 and 2-3.
#pragma once
#include <cstdint>
#include <memory>

#include "cpu/block_cache.h"
#include "cpu/insn.h"

namespace isolab::cpu {

class Cpu;

// Decode the block at CS:eip (physical address phys). Faults (through the
// CPU) only if the first instruction cannot be fetched.
std::unique_ptr<Block> decode_block(Cpu& cpu, uint32_t eip, uint32_t phys, bool code32);

// Length of the instruction in `bytes` (for tests against Capstone): the
// length, or 0 if it is undefined or longer than 15 bytes.
int instruction_length(const uint8_t* bytes, size_t size, bool code32);
// The same, telling an undefined opcode apart: sets `defined`.
int instruction_length(const uint8_t* bytes, size_t size, bool code32, bool& defined);

}  // namespace isolab::cpu
