// The decoded-block cache: guest code decoded once, run many times.
//
// A block is a run of instructions that starts at a physical address and
// ends at a control transfer, at a page boundary or after MAX_BLOCK
// instructions. Blocks are keyed by physical address and code size (the
// same bytes decode differently in 16- and 32-bit code). Every page that
// holds a block is marked as a code page; the CPU's soft TLB never maps a
// code page for direct writes, so a write to it takes the slow path, which
// drops the page's blocks: self-modifying code sees its new bytes.
#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "cpu/insn.h"

namespace isolab::cpu {

constexpr int MAX_BLOCK = 32;

struct Block;
// A chain link: the block that ran after this one last time, from linear
// address `lin` in `mode` (code size and CPL), valid while the cache's
// generation is unchanged. Following it skips the lookup between blocks.
struct BlockLink {
  uint32_t lin = 1;
  uint8_t mode = 0xFF;
  uint64_t generation = 0;
  Block* to = nullptr;
};

struct Block {
  BlockLink links[2];
  uint8_t next_victim = 0;
  uint64_t key = 0;
  uint32_t phys = 0;         // physical address of the first instruction
  uint32_t last_page = 0;    // physical page of the last byte (may differ if an instruction straddles)
  uint32_t count = 0;        // instructions
  Insn insns[MAX_BLOCK];
};

class BlockCache {
 public:
  BlockCache();
  static uint64_t key(uint32_t phys, bool code32) { return (uint64_t(phys) << 1) | (code32 ? 1 : 0); }

  Block* find(uint64_t k) {
    FastSlot& f = fast_[(k ^ (k >> 13)) & (FAST_SIZE - 1)];
    if (f.key == k && f.block) return f.block;
    auto it = map_.find(k);
    if (it == map_.end()) return nullptr;
    f.key = k;
    f.block = it->second.get();
    return f.block;
  }
  // Take ownership of a freshly decoded block. Returns true if this made a
  // page newly a code page (the CPU must then drop write TLB entries).
  bool insert(std::unique_ptr<Block> b);
  // Drop every block on the physical page. Blocks are kept alive until
  // collect(), since the one being run may be among them.
  void invalidate_page(uint32_t page);
  bool is_code_page(uint32_t page) const { return code_pages_[page >> 12] != 0; }
  bool has_dead() const { return !dead_.empty(); }
  void collect() { dead_.clear(); }
  // Bumped whenever a block dies or a translation may have changed (the
  // CPU calls bump_generation on TLB flushes): chain links older than it
  // are not followed.
  uint64_t generation() const { return generation_; }
  void bump_generation() { generation_++; }
  void clear();
  size_t size() const { return map_.size(); }

 private:
  static constexpr size_t FAST_SIZE = 1 << 12;
  struct FastSlot {
    uint64_t key = ~0ull;
    Block* block = nullptr;
  };
  std::unordered_map<uint64_t, std::unique_ptr<Block>> map_;
  std::unordered_map<uint32_t, std::vector<uint64_t>> by_page_;
  std::vector<uint8_t> code_pages_;  // one byte per 4 KiB page of the 4 GiB space
  std::vector<std::unique_ptr<Block>> dead_;
  std::unique_ptr<FastSlot[]> fast_;
  uint64_t generation_ = 1;
};

}  // namespace isolab::cpu
