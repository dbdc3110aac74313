// Memory system calls: brk, mmap2, munmap, mprotect (brk(2), mmap(2),
// mm/mmap.c). They change areas only; pages arrive at the first touch.
#include "containers/linux_abi.h"
#include "containers/syscalls/syscalls.h"

namespace isolab::containers::syscalls {

using namespace linux_abi;

// Would `grow` more bytes of address space (`data`: counted as data) pass
// RLIMIT_AS or RLIMIT_DATA (may_expand_vm())?
static bool over_limits(const Process& p, uint64_t grow, bool data) {
  if (p.mm->total_vm() + grow > p.rlimits[RLIMIT_AS_].cur) return true;
  return data && p.mm->data_vm() + grow > p.rlimits[RLIMIT_DATA_].cur;
}

// brk(addr): the break afterwards. Linux returns the old break when it
// cannot move it (and glibc turns that into ENOMEM): past RLIMIT_DATA or
// RLIMIT_AS too.
int32_t sys_brk(Kernel&, Process& p, const Args& a) {
  uint32_t old_end = page_up(p.mm->brk), new_end = page_up(a[0]);
  if (a[0] >= p.mm->brk_start && new_end > old_end && over_limits(p, new_end - old_end, true)) return int32_t(p.mm->brk);
  return int32_t(p.mm->set_brk(a[0]));
}

static int32_t do_mmap(Process& p, uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, int32_t fd,
                       uint64_t offset) {
  if (len == 0 || len > PAGE_OFFSET) return -LINUX_EINVAL;
  if (!(flags & (LINUX_MAP_PRIVATE | LINUX_MAP_SHARED))) return -LINUX_EINVAL;
  if (offset & 0xFFF) return -LINUX_EINVAL;
  len = page_up(len);
  Vma v;
  v.prot = prot & (LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC);
  v.kind = Vma::Kind::Anon;
  if (!(flags & LINUX_MAP_ANONYMOUS)) {
    vfs::OpenFile* f = p.file(fd);
    if (!f) return -LINUX_EBADF;
    if (!f->inode || f->inode->type != vfs::InodeType::File) return -LINUX_ENODEV;
    if (!f->readable()) return -LINUX_EACCES;
    // A private copy of the file's bytes at map time (MAP_SHARED writes do
    // not reach the file yet).
    v.kind = Vma::Kind::File;
    v.file = f->inode->data;
    v.file_offset = uint32_t(offset);
    v.file_size = offset < v.file->size() ? uint32_t(v.file->size() - offset) : 0;
  }
  // A private writable mapping is data (RLIMIT_DATA); every mapping is address space (RLIMIT_AS).
  if (over_limits(p, len, (flags & LINUX_MAP_PRIVATE) && (prot & LINUX_PROT_WRITE))) return -LINUX_ENOMEM;
  uint32_t start;
  if (flags & LINUX_MAP_FIXED) {
    if (addr & 0xFFF) return -LINUX_EINVAL;
    if (uint64_t(addr) + len > PAGE_OFFSET) return -LINUX_ENOMEM;
    p.mm->unmap(addr, addr + len);
    start = addr;
  } else if (addr && !(addr & 0xFFF) && p.mm->range_free(addr, addr + len)) {
    start = addr;
  } else {
    start = p.mm->find_free(len, MMAP_BASE);
    if (!start) return -LINUX_ENOMEM;
  }
  v.start = start;
  v.end = start + len;
  if (!p.mm->add(std::move(v))) return -LINUX_ENOMEM;
  return int32_t(start);
}

// mmap2(addr, length, prot, flags, fd, pgoffset): the offset in pages.
int32_t sys_mmap2(Kernel&, Process& p, const Args& a) {
  return do_mmap(p, a[0], a[1], a[2], a[3], a.s(4), uint64_t(a[5]) * PAGE_SIZE);
}

// The old mmap(2) (number 90): one pointer to the six arguments, offset in bytes.
int32_t sys_old_mmap(Kernel&, Process& p, const Args& a) {
  uint32_t m[6];
  if (!p.mm->copy_in(a[0], m, sizeof m)) return -LINUX_EFAULT;
  return do_mmap(p, m[0], m[1], m[2], m[3], int32_t(m[4]), m[5]);
}

int32_t sys_munmap(Kernel&, Process& p, const Args& a) {
  uint32_t addr = a[0], len = a[1];
  if ((addr & 0xFFF) || len == 0 || uint64_t(addr) + len > PAGE_OFFSET) return -LINUX_EINVAL;
  p.mm->unmap(addr, addr + page_up(len));
  return 0;
}

int32_t sys_mprotect(Kernel&, Process& p, const Args& a) {
  uint32_t addr = a[0], len = page_up(a[1]), prot = a[2];
  if (addr & 0xFFF) return -LINUX_EINVAL;
  if (prot & ~(LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC)) return -LINUX_EINVAL;
  if (uint64_t(addr) + len > PAGE_OFFSET) return -LINUX_ENOMEM;
  for (uint32_t va = addr; va < addr + len; va += PAGE_SIZE)
    if (!p.mm->find(va)) return -LINUX_ENOMEM;
  p.mm->protect(addr, addr + len, prot);
  return 0;
}

}  // namespace isolab::containers::syscalls
