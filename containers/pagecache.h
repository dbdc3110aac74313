// The page cache: one frame per page of a file, shared by every process of
// every container that maps that page (Linux's address_space / filemap,
// mm/filemap.c filemap_fault; Documentation/admin-guide/mm/concepts.rst
// "Page cache").
//
// A program's text and read-only data, and every private file mapping
// until it is written, are mapped from here instead of being copied into a
// private frame per process: 1,000 busybox shells hold busybox's text
// once. A page is keyed by the file's bytes (the image layer's stored
// contents, shared by every container of the image) and its page index.
// The frame reads as the file's bytes there, zeros past the end. Private
// mappings (MAP_PRIVATE) map it read-only; the first write copies it
// (copy-on-write, mm/memory.c do_cow_fault / wp_page_copy), so nobody's
// change reaches anybody else. A page is charged, as Linux charges page
// cache, to the memory cgroup of the process that first touched it, and
// it is freed when its last mapping goes (this kernel does not keep
// unmapped pages around for later: no reclaim to take them back).
// The fault-injection switch `cow_bug` (fault.h) breaks exactly this
// copy: while it is on, a write fault on a read-only file page in a private
// mapping writes the shared frame itself.
// Lesson: "containers share one kernel: memory", "isolation: a shared-kernel bug".
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "containers/frames.h"

namespace isolab::containers {

class PageCache {
 public:
  using File = std::shared_ptr<const std::vector<uint8_t>>;
  explicit PageCache(FrameAllocator& frames);
  ~PageCache();
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // The frame holding page `index` of `file` (bytes [index*4096, +4096),
  // zeros past the end), with one reference added for the caller's
  // mapping. On a miss it is allocated, charged to `charge`, and filled.
  // 0 when no frame could be had (frames.take_refused() says whose max).
  uint32_t get(const File& file, uint32_t index, PageCounter* charge);
  bool contains(uint32_t pa) const { return frames_.is_file_page(pa); }

  uint32_t pages() const { return uint32_t(pages_.size()); }  // frames in the cache (Cached)
  uint64_t hits = 0, misses = 0;  // get() found the page / had to read it

  // Fault injection (fault.h): the Dirty-COW-like bug in the COW path.
  bool cow_bug = false;

 private:
  struct Key {
    const void* file;
    uint32_t index;
    bool operator<(const Key& o) const { return file != o.file ? file < o.file : index < o.index; }
  };
  struct Page {
    uint32_t pa = 0;
    File file;  // keeps the bytes (and so the key's address) alive while cached
  };
  void forget(uint32_t pa);

  FrameAllocator& frames_;
  std::map<Key, Page> pages_;
  std::unordered_map<uint32_t, Key> by_frame_;
};

}  // namespace isolab::containers
