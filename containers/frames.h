// Physical page frames of the host kernel's RAM, with reference counts.
//
// Like Linux's struct page refcount (and xv6's kalloc with a count): a frame
// mapped by two processes after fork is shared copy-on-write and freed only
// when the last mapping goes. Page directories and page tables are frames
// too. The low frames (the GDT, the kernel's own data) are reserved.
// Lesson: "containers share one kernel: memory".
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace isolab::containers {

class FrameAllocator {
 public:
  // Manage frames [first_free, ram_bytes) of the RAM at `ram`.
  FrameAllocator(uint8_t* ram, uint32_t ram_bytes, uint32_t first_free);

  // A zeroed frame with one reference; its physical address, or 0 when
  // memory is exhausted (frame 0 is reserved, so 0 is never a frame).
  uint32_t alloc();
  void get(uint32_t pa) { refs_[pa >> 12]++; }
  // Drop a reference; the frame is free again when none are left.
  void put(uint32_t pa);
  uint32_t refs(uint32_t pa) const { return refs_[pa >> 12]; }

  uint8_t* host(uint32_t pa) const { return ram_ + pa; }
  uint32_t total_frames() const { return uint32_t(refs_.size()); }
  uint32_t free_frames() const { return uint32_t(free_.size()); }

  // Called with a frame's address whenever the host (not the CPU) writes
  // it, so the CPU can drop code it decoded from the old bytes.
  std::function<void(uint32_t pa)> host_wrote;

 private:
  uint8_t* ram_;
  std::vector<uint16_t> refs_;  // per frame; reserved frames hold 1 forever
  std::vector<uint32_t> free_;  // a stack of free frame numbers, lowest on top
};

}  // namespace isolab::containers
