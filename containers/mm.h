// A process's address space: a real i386 page directory in guest RAM that
// the CPU walks (CR3), and the list of areas (VMAs) that say what each
// range of user addresses should hold.
//
// Pages are filled on demand: an area is only a promise until the program
// touches a page, the CPU raises #PF, and handle_fault() allocates a frame
// (zeroed, or holding the program file's bytes) and maps it. fork() shares
// every frame read-only and copies a page only when one side writes it
// (copy-on-write). This is Linux's mm_struct + vm_area_struct in miniature
// (mm/memory.c: handle_mm_fault, do_anonymous_page, do_wp_page).
// File pages come from the kernel's page cache (pagecache.h) when it has
// one: every process mapping the same page of the same file maps the same
// frame, read-only, and a write to a private mapping copies it first.
// The top quarter of every directory maps RAM for the kernel (supervisor
// only, 4 MiB PSE pages), as Linux's direct map does: the GDT lives there.
// Lesson: "containers share one kernel: memory", "fork and copy-on-write".
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "containers/frames.h"

namespace isolab::containers {

// The pages of a System V shared memory segment (ipc/shm.cpp): every
// process attaching it maps the same frames, writable, never copied on
// write. Frames are allocated at first touch, charged to the creator's
// memory cgroup, and freed when the segment is removed and the last
// attach is gone (the last holder of this object).
struct SharedPages {
  SharedPages(FrameAllocator& f, uint32_t pages, PageCounter* charge) : frames(&f), frame(pages, 0), memcg(charge) {}
  ~SharedPages() {
    for (uint32_t pa : frame)
      if (pa) frames->put(pa);
  }
  SharedPages(const SharedPages&) = delete;
  SharedPages& operator=(const SharedPages&) = delete;
  FrameAllocator* frames;
  std::vector<uint32_t> frame;  // by page index; 0: not touched yet
  PageCounter* memcg;
  uint32_t resident() const {
    uint32_t n = 0;
    for (uint32_t pa : frame) n += pa != 0;
    return n;
  }
};

// One area of user addresses [start, end), page aligned.
struct Vma {
  enum class Kind : uint8_t { Anon, File, Heap, Stack, Shm };
  uint32_t start = 0, end = 0;
  uint32_t prot = 0;  // linux_abi::PROT_*
  // The protection the area was mapped with (mmap, exec); mprotect changes
  // only `prot`. A file page mapped without PROT_WRITE is the one the
  // fault-injected COW bug lets a write through to (pagecache.h).
  uint32_t map_prot = 0;
  Kind kind = Kind::Anon;
  // File-backed (a program's PT_LOAD segment, or a private file mapping):
  // bytes [file_offset, file_offset + file_size) of `file` appear at
  // `start`; the rest of the area reads as zeros (.bss).
  std::shared_ptr<const std::vector<uint8_t>> file;
  uint32_t file_offset = 0, file_size = 0;
  // Shm: the segment's pages; `file_offset` is where in the segment `start` lies.
  std::shared_ptr<SharedPages> shared;
};

enum class FaultResult : uint8_t { Fixed, Segv, Oom };

class AddressSpace {
 public:
  // An empty user half; the kernel half maps [0, ram_bytes).
  AddressSpace(FrameAllocator& frames, uint32_t ram_bytes);
  ~AddressSpace();
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;

  uint32_t cr3() const { return pgdir_; }
  // The memory cgroup that pages faulted in (and page tables) are charged
  // to; null: none. When a charge is refused, handle_fault returns Oom.
  PageCounter* memcg = nullptr;
  bool valid() const { return pgdir_ != 0; }

  // A copy for fork(): every area, every present page shared copy-on-write
  // (both sides lose write access until they fault). Null when out of memory.
  std::unique_ptr<AddressSpace> fork();

  // The #PF handler's core: make the page at `va` present (and writable
  // if `write`) if an area allows it.
  FaultResult handle_fault(uint32_t va, bool write);

  // Areas.
  const Vma* find(uint32_t va) const;
  std::vector<Vma>& areas() { return vmas_; }
  const std::vector<Vma>& areas() const { return vmas_; }
  // Add an area; false if it overlaps an existing one.
  bool add(Vma v);
  // Remove [start, end) from every area (splitting them) and unmap its pages.
  void unmap(uint32_t start, uint32_t end);
  // Change the protection of [start, end) (mprotect); pages losing write
  // access lose it at once.
  void protect(uint32_t start, uint32_t end, uint32_t prot);
  // A free range of `len` bytes for mmap, searched top-down below `below`; 0 if none.
  uint32_t find_free(uint32_t len, uint32_t below) const;
  bool range_free(uint32_t start, uint32_t end) const;

  // RLIMIT_STACK: how far below its top the stack area may be touched; a
  // fault deeper is SIGSEGV, as the stack cannot grow there (the process's
  // limit at exec, or set since).
  uint32_t stack_limit = 8u << 20;
  // Bytes mapped: every area (RLIMIT_AS's measure), and the private
  // writable ones plus the heap (RLIMIT_DATA's, mm->data_vm).
  uint64_t total_vm() const;
  uint64_t data_vm() const;

  // The program break (brk(2)): the heap area runs [brk_start, page_up(brk)).
  uint32_t brk_start = 0, brk = 0;
  // Move the break; returns the break in effect afterwards (Linux returns
  // the old one when it cannot move it).
  uint32_t set_brk(uint32_t new_brk);

  // Copy to and from user memory as the kernel does (copy_from_user):
  // faulting pages in as the program would. False if any byte is not
  // accessible: the system call then returns -EFAULT.
  bool copy_in(uint32_t va, void* out, uint32_t len);
  bool copy_out(uint32_t va, const void* in, uint32_t len);
  // A NUL-terminated string of at most `max` bytes; false on a bad address
  // or when no NUL is found within `max`.
  bool read_string(uint32_t va, std::string& out, uint32_t max = 4096);

  // Memory the process holds: user pages present (VmRSS), split as
  // /proc/<pid>/status does: RssFile (page-cache frames) and RssAnon.
  uint32_t resident_pages() const;
  // The physical address `va` maps to now, or 0 if its page is not present.
  uint32_t translate(uint32_t va) const;
  struct Rss {
    uint32_t file = 0, anon = 0;
  };
  Rss rss() const;

  // Pages whose mapping changed or went away since the last call: the CPU
  // may hold them in its TLB. Returns true if anything is pending (the
  // kernel then flushes when this space is the one loaded in CR3).
  bool take_tlb_flush() {
    bool r = tlb_stale_;
    tlb_stale_ = false;
    return r;
  }

 private:
  // The page-table entry for `va`, creating its page table if `create`;
  // null if there is none (or no memory for one).
  uint32_t* pte(uint32_t va, bool create);
  void fill_page(uint32_t pa, uint32_t page_va, const Vma& v);
  // The page-cache page that shows exactly what `v` holds at `page_va`, if
  // there is one: a file page whose bytes the area shows as they are. False
  // where the area shows zeros (.bss) over non-zero file bytes, or for a
  // mapping whose file offset is not page aligned.
  bool cache_page_index(const Vma& v, uint32_t page_va, uint32_t& index) const;

  FrameAllocator& frames_;
  uint32_t ram_bytes_;
  uint32_t pgdir_ = 0;
  std::vector<Vma> vmas_;  // sorted by start, not overlapping
  bool tlb_stale_ = false;
};

inline uint32_t page_down(uint32_t a) { return a & ~0xFFFu; }
inline uint32_t page_up(uint32_t a) { return (a + 0xFFFu) & ~0xFFFu; }

}  // namespace isolab::containers
