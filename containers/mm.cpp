// A process's address space: page directory, areas, demand paging and
// copy-on-write (mm.h).
#include "containers/mm.h"

#include <algorithm>
#include <cstring>

#include "containers/linux_abi.h"
#include "containers/pagecache.h"
#include "mmu/walker.h"

namespace isolab::containers {

using namespace linux_abi;
using mmu::PTE_P, mmu::PTE_W, mmu::PTE_U, mmu::PTE_PS;

constexpr uint32_t KERNEL_PDE_FIRST = PAGE_OFFSET >> 22;  // 768

AddressSpace::AddressSpace(FrameAllocator& frames, uint32_t ram_bytes)
    : frames_(frames), ram_bytes_(ram_bytes) {
  pgdir_ = frames_.alloc();
  if (!pgdir_) return;
  auto* pd = reinterpret_cast<uint32_t*>(frames_.host(pgdir_));
  for (uint32_t i = 0; i < (ram_bytes + (4u << 20) - 1) >> 22 && KERNEL_PDE_FIRST + i < 1024; i++)
    pd[KERNEL_PDE_FIRST + i] = (i << 22) | PTE_P | PTE_W | PTE_PS;
}

AddressSpace::~AddressSpace() {
  if (!pgdir_) return;
  auto* pd = reinterpret_cast<uint32_t*>(frames_.host(pgdir_));
  for (uint32_t i = 0; i < KERNEL_PDE_FIRST; i++) {
    if (!(pd[i] & PTE_P)) continue;
    uint32_t pt_pa = pd[i] & ~0xFFFu;
    auto* pt = reinterpret_cast<uint32_t*>(frames_.host(pt_pa));
    for (int j = 0; j < 1024; j++)
      if (pt[j] & PTE_P) frames_.put(pt[j] & ~0xFFFu);
    frames_.put(pt_pa);
  }
  frames_.put(pgdir_);
}

uint32_t* AddressSpace::pte(uint32_t va, bool create) {
  if (va >= PAGE_OFFSET) return nullptr;
  auto* pd = reinterpret_cast<uint32_t*>(frames_.host(pgdir_));
  uint32_t& pde = pd[va >> 22];
  if (!(pde & PTE_P)) {
    if (!create) return nullptr;
    uint32_t pt = frames_.alloc(memcg);
    if (!pt) return nullptr;
    // Permission is decided per page, so the directory entry allows all.
    pde = pt | PTE_P | PTE_W | PTE_U;
  }
  auto* pt = reinterpret_cast<uint32_t*>(frames_.host(pde & ~0xFFFu));
  return &pt[(va >> 12) & 1023];
}

const Vma* AddressSpace::find(uint32_t va) const {
  for (const Vma& v : vmas_)
    if (va >= v.start && va < v.end) return &v;
  return nullptr;
}

bool AddressSpace::range_free(uint32_t start, uint32_t end) const {
  if (end <= start || end > PAGE_OFFSET) return false;
  for (const Vma& v : vmas_)
    if (start < v.end && v.start < end) return false;
  return true;
}

bool AddressSpace::add(Vma v) {
  if (!range_free(v.start, v.end)) return false;
  v.map_prot = v.prot;
  auto at = std::lower_bound(vmas_.begin(), vmas_.end(), v.start,
                             [](const Vma& a, uint32_t s) { return a.start < s; });
  vmas_.insert(at, std::move(v));
  return true;
}

uint32_t AddressSpace::find_free(uint32_t len, uint32_t below) const {
  constexpr uint32_t LOWEST = 0x10000;  // keep page 0 and its neighbours unmapped (mmap_min_addr)
  uint32_t hole_end = below;
  for (auto it = vmas_.rbegin(); it != vmas_.rend(); ++it) {
    if (it->start >= hole_end) continue;
    if (it->end <= hole_end && hole_end - it->end >= len) return hole_end - len;
    hole_end = it->start;
  }
  return hole_end >= LOWEST + len ? hole_end - len : 0;
}

// Split the area containing `at` (if any) so that an area boundary falls at `at`.
static void split_at(std::vector<Vma>& vmas, uint32_t at) {
  for (size_t i = 0; i < vmas.size(); i++) {
    Vma& v = vmas[i];
    if (at <= v.start || at >= v.end) continue;
    Vma upper = v;
    uint32_t delta = at - v.start;
    upper.start = at;
    upper.file_offset = v.file_offset + delta;
    upper.file_size = v.file_size > delta ? v.file_size - delta : 0;
    v.end = at;
    v.file_size = std::min(v.file_size, delta);
    vmas.insert(vmas.begin() + long(i) + 1, std::move(upper));
    return;
  }
}

void AddressSpace::unmap(uint32_t start, uint32_t end) {
  split_at(vmas_, start);
  split_at(vmas_, end);
  std::erase_if(vmas_, [&](const Vma& v) { return v.start >= start && v.end <= end; });
  for (uint32_t va = start; va < end && va < PAGE_OFFSET; va += PAGE_SIZE) {
    uint32_t* e = pte(va, false);
    if (!e || !(*e & PTE_P)) continue;
    frames_.put(*e & ~0xFFFu);
    *e = 0;
    tlb_stale_ = true;
  }
}

void AddressSpace::protect(uint32_t start, uint32_t end, uint32_t prot) {
  split_at(vmas_, start);
  split_at(vmas_, end);
  for (Vma& v : vmas_)
    if (v.start >= start && v.end <= end) v.prot = prot;
  if (prot & LINUX_PROT_WRITE) return;  // write access comes back through the fault handler
  for (uint32_t va = start; va < end; va += PAGE_SIZE) {
    uint32_t* e = pte(va, false);
    if (e && (*e & PTE_P) && (*e & PTE_W)) {
      *e &= ~PTE_W;
      tlb_stale_ = true;
    }
  }
}

uint32_t AddressSpace::set_brk(uint32_t new_brk) {
  if (new_brk < brk_start) return brk;
  uint32_t old_end = page_up(brk), new_end = page_up(new_brk);
  if (new_end > old_end) {
    if (!range_free(old_end, new_end)) return brk;
    Vma* heap = nullptr;
    for (Vma& v : vmas_)
      if (v.kind == Vma::Kind::Heap) heap = &v;
    if (heap) {
      heap->end = new_end;
    } else {
      Vma v;
      v.start = brk_start;
      v.end = new_end;
      v.prot = LINUX_PROT_READ | LINUX_PROT_WRITE;
      v.kind = Vma::Kind::Heap;
      add(std::move(v));
    }
  } else if (new_end < old_end) {
    unmap(new_end, old_end);
  }
  brk = new_brk;
  return brk;
}

void AddressSpace::fill_page(uint32_t pa, uint32_t page_va, const Vma& v) {
  if (!v.file) return;
  uint32_t off = page_va - v.start;
  if (off >= v.file_size) return;
  uint32_t n = std::min<uint32_t>(PAGE_SIZE, v.file_size - off);
  uint64_t src = uint64_t(v.file_offset) + off;
  if (src >= v.file->size()) return;
  n = uint32_t(std::min<uint64_t>(n, v.file->size() - src));
  std::memcpy(frames_.host(pa), v.file->data() + src, n);
}

bool AddressSpace::cache_page_index(const Vma& v, uint32_t page_va, uint32_t& index) const {
  if (!v.file || (v.file_offset & 0xFFF)) return false;
  uint32_t off = page_va - v.start;
  if (off >= v.file_size) return false;
  uint64_t src = uint64_t(v.file_offset) + off;
  // The area shows the file's bytes up to file_size and zeros after it
  // (.bss, or the tail of a segment). The cache's page shows the file's
  // bytes to the end of the page, as Linux maps a segment's last page: the
  // two agree when the file holds only zeros there (or ends).
  uint64_t shown_end = uint64_t(v.file_offset) + v.file_size;
  uint64_t page_end = std::min<uint64_t>(src + PAGE_SIZE, v.file->size());
  for (uint64_t i = shown_end; i < page_end; i++)
    if ((*v.file)[i]) return false;
  index = uint32_t(src >> 12);
  return true;
}

uint64_t AddressSpace::total_vm() const {
  uint64_t n = 0;
  for (const Vma& v : vmas_) n += v.end - v.start;
  return n;
}

uint64_t AddressSpace::data_vm() const {
  uint64_t n = 0;
  for (const Vma& v : vmas_)
    if (v.kind == Vma::Kind::Heap || ((v.kind == Vma::Kind::Anon || v.kind == Vma::Kind::File) && (v.prot & LINUX_PROT_WRITE)))
      n += v.end - v.start;
  return n;
}

FaultResult AddressSpace::handle_fault(uint32_t va, bool write) {
  const Vma* v = find(va);
  if (!v || !(v->prot & (LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC))) return FaultResult::Segv;
  if (v->kind == Vma::Kind::Stack && v->end - page_down(va) > stack_limit) return FaultResult::Segv;  // RLIMIT_STACK
  if (write && !(v->prot & LINUX_PROT_WRITE)) return FaultResult::Segv;
  uint32_t page_va = page_down(va);
  uint32_t* e = pte(page_va, true);
  if (!e) return FaultResult::Oom;
  uint32_t writable = (v->prot & LINUX_PROT_WRITE) ? PTE_W : 0;
  if (v->kind == Vma::Kind::Shm && !(*e & PTE_P)) {
    // A shared memory page: the segment's frame, made at the first touch by anyone.
    uint32_t& pa = v->shared->frame[(page_va - v->start + v->file_offset) / PAGE_SIZE];
    if (!pa) {
      pa = frames_.alloc(v->shared->memcg);
      if (!pa) return FaultResult::Oom;
      if (frames_.host_wrote) frames_.host_wrote(pa);
    }
    frames_.get(pa);
    *e = pa | PTE_P | PTE_U | writable;
    return FaultResult::Fixed;
  }
  PageCache* cache = frames_.page_cache;
  if (!(*e & PTE_P)) {
    // Demand paging: the first touch of this page. A read of a file page
    // maps the page cache's frame, read-only (filemap_fault); a write to a
    // private mapping gets its own copy at once (do_cow_fault).
    uint32_t index = 0;
    bool bug = cache && cache->cow_bug && write && !(v->map_prot & LINUX_PROT_WRITE);
    if (cache && (!write || bug) && cache_page_index(*v, page_va, index)) {
      uint32_t pa = cache->get(v->file, index, memcg);
      if (!pa) return FaultResult::Oom;
      // With the injected COW bug a write gets the shared frame itself (below).
      *e = pa | PTE_P | PTE_U | (bug ? PTE_W : 0);
      return FaultResult::Fixed;
    }
    uint32_t pa = frames_.alloc(memcg);
    if (!pa) return FaultResult::Oom;
    fill_page(pa, page_va, *v);
    if (frames_.host_wrote) frames_.host_wrote(pa);
    *e = pa | PTE_P | PTE_U | writable;
    return FaultResult::Fixed;
  }
  if (write && !(*e & PTE_W)) {
    uint32_t old = *e & ~0xFFFu;
    bool file_page = frames_.is_file_page(old);
    if (file_page && cache && cache->cow_bug && !(v->map_prot & LINUX_PROT_WRITE)) {
      // The injected bug (fault.h): a page of a file mapped read-only is
      // made writable in place. The write lands in the shared page-cache
      // frame, seen by every process of every container mapping it; the
      // file's stored bytes (the image layer) are not touched.
      *e |= PTE_W;
      tlb_stale_ = true;
      return FaultResult::Fixed;
    }
    // Copy-on-write: a page shared since fork, or a page-cache page (which
    // must never be written). The last sharer of an anonymous page keeps it.
    if (file_page || frames_.refs(old) > 1) {
      uint32_t pa = frames_.alloc(memcg);
      if (!pa) return FaultResult::Oom;
      std::memcpy(frames_.host(pa), frames_.host(old), PAGE_SIZE);
      if (frames_.host_wrote) frames_.host_wrote(pa);
      frames_.put(old);
      *e = pa | PTE_P | PTE_U | PTE_W;
    } else {
      *e |= PTE_W;
    }
    tlb_stale_ = true;
    return FaultResult::Fixed;
  }
  // Present with the access allowed: the CPU's TLB was stale.
  tlb_stale_ = true;
  return FaultResult::Fixed;
}

std::unique_ptr<AddressSpace> AddressSpace::fork() {
  auto child = std::make_unique<AddressSpace>(frames_, ram_bytes_);
  if (!child->valid()) return nullptr;
  child->memcg = memcg;
  child->vmas_ = vmas_;
  child->brk_start = brk_start;
  child->brk = brk;
  auto* pd = reinterpret_cast<uint32_t*>(frames_.host(pgdir_));
  for (uint32_t i = 0; i < KERNEL_PDE_FIRST; i++) {
    if (!(pd[i] & PTE_P)) continue;
    auto* pt = reinterpret_cast<uint32_t*>(frames_.host(pd[i] & ~0xFFFu));
    for (uint32_t j = 0; j < 1024; j++) {
      if (!(pt[j] & PTE_P)) continue;
      uint32_t* ce = child->pte((i << 22) | (j << 12), true);
      if (!ce) return nullptr;
      const Vma* v = find((i << 22) | (j << 12));
      if (pt[j] & PTE_W && !(v && v->kind == Vma::Kind::Shm)) {  // shared memory stays shared
        pt[j] &= ~PTE_W;
        tlb_stale_ = true;
      }
      *ce = pt[j];
      frames_.get(pt[j] & ~0xFFFu);
    }
  }
  return child;
}

bool AddressSpace::copy_in(uint32_t va, void* out, uint32_t len) {
  auto* o = static_cast<uint8_t*>(out);
  if (uint64_t(va) + len > PAGE_OFFSET) return false;
  while (len) {
    uint32_t n = std::min(len, PAGE_SIZE - (va & 0xFFF));
    uint32_t* e = pte(va, false);
    if (!e || !(*e & PTE_P)) {
      if (handle_fault(va, false) != FaultResult::Fixed) return false;
      e = pte(va, false);
    }
    std::memcpy(o, frames_.host((*e & ~0xFFFu) + (va & 0xFFF)), n);
    o += n;
    va += n;
    len -= n;
  }
  return true;
}

bool AddressSpace::copy_out(uint32_t va, const void* in, uint32_t len) {
  auto* p = static_cast<const uint8_t*>(in);
  if (uint64_t(va) + len > PAGE_OFFSET) return false;
  while (len) {
    uint32_t n = std::min(len, PAGE_SIZE - (va & 0xFFF));
    uint32_t* e = pte(va, false);
    if (!e || !(*e & PTE_P) || !(*e & PTE_W)) {
      if (handle_fault(va, true) != FaultResult::Fixed) return false;
      e = pte(va, false);
    }
    uint32_t pa = *e & ~0xFFFu;
    std::memcpy(frames_.host(pa + (va & 0xFFF)), p, n);
    if (frames_.host_wrote) frames_.host_wrote(pa);
    p += n;
    va += n;
    len -= n;
  }
  return true;
}

bool AddressSpace::read_string(uint32_t va, std::string& out, uint32_t max) {
  out.clear();
  while (out.size() < max) {
    char c;
    if (!copy_in(va + uint32_t(out.size()), &c, 1)) return false;
    if (!c) return true;
    out.push_back(c);
  }
  return false;
}

uint32_t AddressSpace::resident_pages() const {
  uint32_t n = 0;
  auto* pd = reinterpret_cast<const uint32_t*>(frames_.host(pgdir_));
  for (uint32_t i = 0; i < KERNEL_PDE_FIRST; i++) {
    if (!(pd[i] & PTE_P)) continue;
    auto* pt = reinterpret_cast<const uint32_t*>(frames_.host(pd[i] & ~0xFFFu));
    for (int j = 0; j < 1024; j++) n += pt[j] & PTE_P;
  }
  return n;
}

uint32_t AddressSpace::translate(uint32_t va) const {
  if (va >= PAGE_OFFSET) return 0;
  auto* pd = reinterpret_cast<const uint32_t*>(frames_.host(pgdir_));
  if (!(pd[va >> 22] & PTE_P)) return 0;
  auto* pt = reinterpret_cast<const uint32_t*>(frames_.host(pd[va >> 22] & ~0xFFFu));
  uint32_t e = pt[(va >> 12) & 1023];
  return (e & PTE_P) ? (e & ~0xFFFu) | (va & 0xFFF) : 0;
}

AddressSpace::Rss AddressSpace::rss() const {
  Rss r;
  auto* pd = reinterpret_cast<const uint32_t*>(frames_.host(pgdir_));
  for (uint32_t i = 0; i < KERNEL_PDE_FIRST; i++) {
    if (!(pd[i] & PTE_P)) continue;
    auto* pt = reinterpret_cast<const uint32_t*>(frames_.host(pd[i] & ~0xFFFu));
    for (int j = 0; j < 1024; j++) {
      if (!(pt[j] & PTE_P)) continue;
      (frames_.is_file_page(pt[j] & ~0xFFFu) ? r.file : r.anon)++;
    }
  }
  return r;
}

}  // namespace isolab::containers
