// Physical page frames with reference counts (frames.h).
#include "containers/frames.h"

#include <cstring>

namespace isolab::containers {

FrameAllocator::FrameAllocator(uint8_t* ram, uint32_t ram_bytes, uint32_t first_free)
    : ram_(ram), refs_(ram_bytes >> 12, 1), charged_(ram_bytes >> 12, nullptr), file_page_(ram_bytes >> 12, false) {
  uint32_t first = (first_free + 0xFFF) >> 12;
  if (first == 0) first = 1;
  for (uint32_t f = uint32_t(refs_.size()); f-- > first;) {
    refs_[f] = 0;
    free_.push_back(f);
  }
}

uint32_t FrameAllocator::alloc(PageCounter* charge) {
  refused_ = nullptr;
  if (free_.empty()) return 0;
  for (PageCounter* c = charge; c; c = c->parent) {
    if (c->usage + 1 > c->max) {
      c->max_events++;
      refused_ = c;
      return 0;
    }
  }
  for (PageCounter* c = charge; c; c = c->parent) {
    c->usage++;
    if (c->usage > c->high) c->high_events++;
  }
  uint32_t f = free_.back();
  free_.pop_back();
  refs_[f] = 1;
  charged_[f] = charge;
  uint32_t pa = f << 12;
  std::memset(ram_ + pa, 0, 4096);
  if (host_wrote) host_wrote(pa);
  return pa;
}

void FrameAllocator::put(uint32_t pa) {
  uint32_t f = pa >> 12;
  if (refs_[f] == 0) return;
  if (--refs_[f] != 0) return;
  for (PageCounter* c = charged_[f]; c; c = c->parent) c->usage--;
  charged_[f] = nullptr;
  if (file_page_[f]) {
    file_page_[f] = false;
    if (file_page_freed) file_page_freed(pa & ~0xFFFu);
  }
  free_.push_back(f);
}

}  // namespace isolab::containers
