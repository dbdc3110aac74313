// Physical page frames of the host kernel's RAM, with reference counts.
//
// Like Linux's struct page refcount (and xv6's kalloc with a count): a frame
// mapped by two processes after fork is shared copy-on-write and freed only
// when the last mapping goes. Page directories and page tables are frames
// too. The low frames (the GDT, the kernel's own data) are reserved.
// A frame may be charged to a memory cgroup's PageCounter when it is
// allocated (mm/page_counter.c): the charge stays with that cgroup until the
// frame is freed, however many processes share it afterwards. That is how
// Linux charges a copy-on-write page: once, to the first toucher.
// A frame may also be a page of the page cache (pagecache.h): a file's
// bytes shared by every mapping of that file; it is marked so, and the
// cache hears when it is freed.
// Lesson: "containers share one kernel: memory", "cgroups: memory.max".
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace isolab::containers {

struct Cgroup;
class PageCache;

// Pages charged to a memory cgroup and its limits, counted hierarchically:
// a charge counts in the cgroup and every ancestor (Linux's page_counter).
struct PageCounter {
  static constexpr uint64_t UNLIMITED = UINT64_MAX;
  uint64_t usage = 0;              // pages: memory.current / 4096
  uint64_t max = UNLIMITED;        // pages: memory.max
  uint64_t high = UNLIMITED;       // pages: memory.high
  uint64_t max_events = 0;         // memory.events "max": a charge ran into max
  uint64_t high_events = 0;        // memory.events "high": usage went over high
  PageCounter* parent = nullptr;
  Cgroup* cgroup = nullptr;        // whose counter this is
};

class FrameAllocator {
 public:
  // Manage frames [first_free, ram_bytes) of the RAM at `ram`.
  FrameAllocator(uint8_t* ram, uint32_t ram_bytes, uint32_t first_free);

  // A zeroed frame with one reference; its physical address, or 0 when
  // memory is exhausted (frame 0 is reserved, so 0 is never a frame).
  // With `charge`, the frame is charged to that counter and its ancestors;
  // 0 if that would take one past its max (take_refused() says which).
  uint32_t alloc(PageCounter* charge = nullptr);
  // The counter whose max refused the last allocation, once; null if it did not.
  PageCounter* take_refused() {
    PageCounter* c = refused_;
    refused_ = nullptr;
    return c;
  }
  void get(uint32_t pa) { refs_[pa >> 12]++; }
  // Drop a reference; the frame is free again when none are left.
  void put(uint32_t pa);
  uint32_t refs(uint32_t pa) const { return refs_[pa >> 12]; }

  // Page-cache frames (pagecache.h): a file page shared by every mapping
  // of it. `file_page_freed` is called when the last reference to one goes.
  void set_file_page(uint32_t pa, bool on) { file_page_[pa >> 12] = on; }
  bool is_file_page(uint32_t pa) const { return file_page_[pa >> 12]; }
  std::function<void(uint32_t pa)> file_page_freed;
  // The kernel's page cache, if it keeps one (AddressSpace maps file pages from it).
  PageCache* page_cache = nullptr;

  uint8_t* host(uint32_t pa) const { return ram_ + pa; }
  uint32_t total_frames() const { return uint32_t(refs_.size()); }
  uint32_t free_frames() const { return uint32_t(free_.size()); }

  // Called with a frame's address whenever the host (not the CPU) writes
  // it, so the CPU can drop code it decoded from the old bytes.
  std::function<void(uint32_t pa)> host_wrote;

 private:
  uint8_t* ram_;
  std::vector<uint32_t> refs_;  // per frame; reserved frames hold 1 forever
  std::vector<uint32_t> free_;  // a stack of free frame numbers, lowest on top
  std::vector<PageCounter*> charged_;  // per frame: the counter it is charged to
  std::vector<bool> file_page_;        // per frame: in the page cache
  PageCounter* refused_ = nullptr;
};

}  // namespace isolab::containers
