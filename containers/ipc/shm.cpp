// System V shared memory (shmget(2), shmat(2), shmdt(2), shmctl(2);
// ipc/shm.c): a segment is a set of frames that every attaching process
// maps at once, writable, never copied on write. Its pages come at the
// first touch and are charged to the creator's memory cgroup; they live
// until the segment is removed and its last attach is gone (a segment
// removed while attached loses its key and shows SHM_DEST).
// Lesson: "namespaces: what ipcs sees".
#include <cstring>

#include "containers/cgroup/cgroup.h"
#include "containers/ipc/ipc.h"
#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers::ipc {

using namespace linux_abi;

uint32_t ShmSegment::nattch() const {
  return pages ? uint32_t(pages.use_count() - 1) : uint32_t(attached.use_count());
}

namespace {

// Removed segments whose last attach has gone are gone too.
void sweep(IpcState& st) {
  std::erase_if(st.shm, [](const auto& e) { return !e.second.pages && e.second.attached.expired(); });
}

void remove(IpcState& st, int slot) {
  ShmSegment& s = st.shm[slot];
  s.attached = s.pages;
  s.pages.reset();  // the attaches keep the frames; the last one frees them
  s.perm.mode |= SHM_DEST;
  s.perm.key = IPC_PRIVATE;
  sweep(st);
}

}  // namespace

int32_t shmget(Kernel& k, Process& p, int32_t key, uint32_t size, uint32_t flags) {
  IpcState& st = state(*p.ns.ipc);
  sweep(st);
  if (key != IPC_PRIVATE) {
    for (auto& [slot, s] : st.shm) {
      if (s.perm.key != key || !s.pages) continue;
      if ((flags & IPC_CREAT) && (flags & IPC_EXCL)) return -LINUX_EEXIST;
      if (size > s.size) return -LINUX_EINVAL;
      if (!ipcperms(p, s.perm, (flags >> 6) & 7)) return -LINUX_EACCES;
      return id_of(slot, s.perm.seq);
    }
    if (!(flags & IPC_CREAT)) return -LINUX_ENOENT;
  }
  if (size < 1 || size > SHMMAX) return -LINUX_EINVAL;
  int slot = free_slot(st.shm, SHMMNI);
  if (slot < 0) return -LINUX_ENOSPC;
  ShmSegment s;
  s.perm = new_perm(st, p, key, flags);
  s.size = size;
  s.pages = std::make_shared<SharedPages>(k.frames, page_up(size) / PAGE_SIZE, p.mm->memcg);
  s.cpid = p.host_pid();
  s.ctime = seconds(k);
  int id = id_of(slot, s.perm.seq);
  st.shm[slot] = std::move(s);
  k.record(trace::Kind::Namespace, &p, "shmget", uint32_t(id));
  return id;
}

int32_t shmat(Kernel& k, Process& p, int32_t id, uint32_t addr, uint32_t flags, uint32_t& addr_out) {
  IpcState& st = state(*p.ns.ipc);
  ShmSegment* s = lookup(st.shm, id);
  if (!s) return -LINUX_EINVAL;
  std::shared_ptr<SharedPages> pages = s->pages ? s->pages : s->attached.lock();
  if (!pages) return -LINUX_EINVAL;
  bool rdonly = flags & SHM_RDONLY;
  if (!ipcperms(p, s->perm, rdonly ? 4 : 6)) return -LINUX_EACCES;
  uint32_t len = page_up(s->size);
  if (addr) {
    if (addr & 0xFFF) {
      if (!(flags & SHM_RND)) return -LINUX_EINVAL;
      addr = page_down(addr);  // SHMLBA is a page on i386
    }
    if (uint64_t(addr) + len > PAGE_OFFSET) return -LINUX_EINVAL;
    if (!p.mm->range_free(addr, addr + len)) return -LINUX_EINVAL;  // no SHM_REMAP
  } else {
    addr = p.mm->find_free(len, MMAP_BASE);
    if (!addr) return -LINUX_ENOMEM;
  }
  Vma v;
  v.start = addr;
  v.end = addr + len;
  v.prot = LINUX_PROT_READ | (rdonly ? 0 : LINUX_PROT_WRITE);
  v.kind = Vma::Kind::Shm;
  v.shared = std::move(pages);
  if (!p.mm->add(std::move(v))) return -LINUX_ENOMEM;
  s->lpid = p.host_pid();
  s->atime = seconds(k);
  addr_out = addr;
  return 0;
}

int32_t shmdt(Kernel& k, Process& p, uint32_t addr) {
  if (addr & 0xFFF) return -LINUX_EINVAL;
  const Vma* v = p.mm->find(addr);
  if (!v || v->kind != Vma::Kind::Shm || v->file_offset != 0 || v->start != addr) return -LINUX_EINVAL;
  // The whole attach: every area of this segment from `addr` on (mprotect may have split it).
  std::shared_ptr<SharedPages> pages = v->shared;
  uint32_t end = addr;
  for (const Vma& a : p.mm->areas())
    if (a.start == end && a.kind == Vma::Kind::Shm && a.shared == pages && a.file_offset == end - addr) end = a.end;
  p.mm->unmap(addr, end);
  IpcState& st = state(*p.ns.ipc);
  for (auto& [slot, s] : st.shm)
    if (s.pages == pages || s.attached.lock() == pages) {
      s.lpid = p.host_pid();
      s.dtime = seconds(k);
    }
  pages.reset();
  sweep(st);
  return 0;
}

namespace {

// struct shmid64_ds on i386 (84 bytes).
void put_shmid64(const Kernel& k, const Process& p, const ShmSegment& s, uint8_t* out) {
  std::memset(out, 0, 84);
  put_perm(p, s.perm, out);
  uint32_t w[12] = {s.size, uint32_t(s.atime), 0, uint32_t(s.dtime), 0, uint32_t(s.ctime), 0,
                    uint32_t(pid_seen(k, s.cpid, p)), uint32_t(pid_seen(k, s.lpid, p)), s.nattch(), 0, 0};
  std::memcpy(out + 36, w, sizeof w);
}

}  // namespace

int32_t shmctl(Kernel& k, Process& p, int32_t id, uint32_t cmd, uint32_t buf) {
  IpcState& st = state(*p.ns.ipc);
  sweep(st);
  bool ipc64 = cmd & IPC_64;
  cmd &= ~IPC_64;
  switch (cmd) {
    case IPC_INFO: {
      uint32_t info[9] = {SHMMAX, 1, SHMMNI, SHMMNI, 0xFFFFFFFFu, 0, 0, 0, 0};  // struct shminfo64
      if (!p.mm->copy_out(buf, info, sizeof info)) return -LINUX_EFAULT;
      return st.shm.empty() ? 0 : st.shm.rbegin()->first;
    }
    case SHM_INFO: {
      uint32_t rss = 0, tot = 0;
      for (auto& [slot, s] : st.shm) {
        tot += page_up(s.size) / PAGE_SIZE;
        std::shared_ptr<SharedPages> pg = s.pages ? s.pages : s.attached.lock();
        if (pg) rss += pg->resident();
      }
      uint32_t info[6] = {uint32_t(st.shm.size()), tot, rss, 0, 0, 0};  // struct shm_info
      if (!p.mm->copy_out(buf, info, sizeof info)) return -LINUX_EFAULT;
      return st.shm.empty() ? 0 : st.shm.rbegin()->first;
    }
    case SHM_STAT:
    case SHM_STAT_ANY: {
      // `id` is a slot; the answer is the full ID (what ipcs walks).
      auto it = st.shm.find(id);
      if (id < 0 || it == st.shm.end()) return -LINUX_EINVAL;
      if (cmd == SHM_STAT && !ipcperms(p, it->second.perm, 4)) return -LINUX_EACCES;
      if (!ipc64) return -LINUX_EINVAL;
      uint8_t out[84];
      put_shmid64(k, p, it->second, out);
      if (!p.mm->copy_out(buf, out, sizeof out)) return -LINUX_EFAULT;
      return id_of(id, it->second.perm.seq);
    }
    default: break;
  }
  ShmSegment* s = lookup(st.shm, id);
  if (!s) return -LINUX_EINVAL;
  switch (cmd) {
    case IPC_STAT: {
      if (!ipcperms(p, s->perm, 4)) return -LINUX_EACCES;
      if (!ipc64) return -LINUX_EINVAL;  // the pre-2.4 layout is not offered
      uint8_t out[84];
      put_shmid64(k, p, *s, out);
      return p.mm->copy_out(buf, out, sizeof out) ? 0 : -LINUX_EFAULT;
    }
    case IPC_SET: {
      if (!ipc64) return -LINUX_EINVAL;
      uint8_t in[36];
      if (!p.mm->copy_in(buf, in, sizeof in)) return -LINUX_EFAULT;
      if (int32_t r = set_perm(p, s->perm, in)) return r;
      s->ctime = seconds(k);
      return 0;
    }
    case IPC_RMID:
      if (!ns::capable(p) && p.uid != s->perm.uid && p.uid != s->perm.cuid) return -LINUX_EPERM;
      k.record(trace::Kind::Namespace, &p, "shm IPC_RMID", uint32_t(id));
      remove(st, slot_of(id));
      return 0;
    default:
      return -LINUX_EINVAL;
  }
}

std::string proc_shm(Kernel& k, IpcNamespace& ns, const Process& viewer) {
  IpcState& st = state(ns);
  sweep(st);
  std::string out =
      "       key      shmid perms       size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime        rss       swap\n";
  for (auto& [slot, s] : st.shm) {
    std::shared_ptr<SharedPages> pg = s.pages ? s.pages : s.attached.lock();
    char line[256];
    std::snprintf(line, sizeof line, "%10d %10d  %4o %10u %5d %5d  %5u %5u %5u %5u %5u %10llu %10llu %10llu %10u %10u\n",
                  s.perm.key, id_of(slot, s.perm.seq), s.perm.mode & 01777, s.size, pid_seen(k, s.cpid, viewer),
                  pid_seen(k, s.lpid, viewer), s.nattch(), s.perm.uid, s.perm.gid, s.perm.cuid, s.perm.cgid,
                  (unsigned long long)s.atime, (unsigned long long)s.dtime, (unsigned long long)s.ctime,
                  pg ? pg->resident() * PAGE_SIZE : 0u, 0u);
    out += line;
  }
  return out;
}

}  // namespace isolab::containers::ipc
