// The page cache: shared file pages (pagecache.h).
#include "containers/pagecache.h"

#include <algorithm>
#include <cstring>

namespace isolab::containers {

PageCache::PageCache(FrameAllocator& frames) : frames_(frames) {
  frames_.file_page_freed = [this](uint32_t pa) { forget(pa); };
  frames_.page_cache = this;
}

PageCache::~PageCache() {
  frames_.file_page_freed = nullptr;
  frames_.page_cache = nullptr;
}

uint32_t PageCache::get(const File& file, uint32_t index, PageCounter* charge) {
  Key key{file.get(), index};
  if (auto it = pages_.find(key); it != pages_.end()) {
    hits++;
    frames_.get(it->second.pa);
    return it->second.pa;
  }
  uint32_t pa = frames_.alloc(charge);
  if (!pa) return 0;
  misses++;
  uint64_t off = uint64_t(index) << 12;
  if (off < file->size()) {
    size_t n = size_t(std::min<uint64_t>(4096, file->size() - off));
    std::memcpy(frames_.host(pa), file->data() + off, n);
  }
  if (frames_.host_wrote) frames_.host_wrote(pa);
  frames_.set_file_page(pa, true);
  pages_[key] = Page{pa, file};
  by_frame_[pa] = key;
  return pa;
}

void PageCache::forget(uint32_t pa) {
  auto it = by_frame_.find(pa);
  if (it == by_frame_.end()) return;
  pages_.erase(it->second);
  by_frame_.erase(it);
}

}  // namespace isolab::containers
