// The decoded-block cache. See block_cache.h.
#include "cpu/block_cache.h"

namespace isolab::cpu {

BlockCache::BlockCache() : code_pages_(1u << 20, 0), fast_(new FastSlot[FAST_SIZE]) {}

bool BlockCache::insert(std::unique_ptr<Block> b) {
  bool new_code_page = false;
  uint32_t first = b->phys & ~0xFFFu;
  for (uint32_t page : {first, b->last_page}) {
    if (!code_pages_[page >> 12]) {
      code_pages_[page >> 12] = 1;
      new_code_page = true;
    }
    by_page_[page].push_back(b->key);
    if (page == b->last_page) break;
  }
  uint64_t k = b->key;
  map_[k] = std::move(b);
  return new_code_page;
}

void BlockCache::invalidate_page(uint32_t page) {
  auto it = by_page_.find(page);
  code_pages_[page >> 12] = 0;
  generation_++;
  if (it == by_page_.end()) return;
  std::vector<uint64_t> keys = std::move(it->second);
  by_page_.erase(it);
  for (uint64_t k : keys) {
    auto m = map_.find(k);
    if (m == map_.end()) continue;
    Block* b = m->second.get();
    // A block that straddles two pages is listed under both; it stays
    // listed under the other page, and a later invalidation of that page
    // simply finds it gone.
    FastSlot& f = fast_[(k ^ (k >> 13)) & (FAST_SIZE - 1)];
    if (f.block == b) f = FastSlot{};
    dead_.push_back(std::move(m->second));
    map_.erase(m);
  }
}

void BlockCache::clear() {
  generation_++;
  for (auto& [k, b] : map_) dead_.push_back(std::move(b));
  map_.clear();
  // Only pages that hold blocks are marked: unmark those, rather than
  // rewriting the whole megabyte of marks.
  for (auto& [page, keys] : by_page_) code_pages_[page >> 12] = 0;
  by_page_.clear();
  for (size_t i = 0; i < FAST_SIZE; i++) fast_[i] = FastSlot{};
}

}  // namespace isolab::cpu
