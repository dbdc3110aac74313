// System V semaphores (semget(2), semop(2), semctl(2); ipc/sem.c): a set
// of counters changed by semop all at once or not at all. An operation
// that cannot proceed now (a decrement below zero, a wait-for-zero on a
// non-zero value) sleeps, unless IPC_NOWAIT (EAGAIN), and the whole list
// is tried again when a semaphore of the namespace changes, as Linux
// re-evaluates its pending queue. SEM_UNDO is accepted; its adjustments
// are not applied at exit.
// Lesson: "namespaces: what ipcs sees".
#include <cstring>

#include "containers/ipc/ipc.h"
#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers::ipc {

using namespace linux_abi;

namespace {

struct SemBuf {  // struct sembuf
  uint16_t num;
  int16_t op;
  int16_t flg;
};
static_assert(sizeof(SemBuf) == 6);

// struct semid64_ds on i386 (64 bytes).
void put_semid64(const Process& p, const SemSet& s, uint8_t* out) {
  std::memset(out, 0, 64);
  put_perm(p, s.perm, out);
  uint32_t w[7] = {uint32_t(s.otime), 0, uint32_t(s.ctime), 0, uint32_t(s.sems.size()), 0, 0};
  std::memcpy(out + 36, w, sizeof w);
}

uint32_t waiting(Kernel& k, IpcState& st, int id, int semnum, bool for_zero) {
  uint32_t n = 0;
  for (const auto& w : st.sleepers) {
    const Process* q = k.find_host_pid(w.host_pid);
    n += q && q->state == ProcState::Blocked && w.id == id && w.semnum == semnum && w.for_zero == for_zero;
  }
  return n;
}

}  // namespace

int32_t semget(Kernel& k, Process& p, int32_t key, int32_t nsems, uint32_t flags) {
  IpcState& st = state(*p.ns.ipc);
  if (nsems < 0 || uint32_t(nsems) > SEMMSL) return -LINUX_EINVAL;
  if (key != IPC_PRIVATE) {
    for (auto& [slot, s] : st.sem) {
      if (s.perm.key != key) continue;
      if ((flags & IPC_CREAT) && (flags & IPC_EXCL)) return -LINUX_EEXIST;
      if (size_t(nsems) > s.sems.size()) return -LINUX_EINVAL;
      if (!ipcperms(p, s.perm, (flags >> 6) & 7)) return -LINUX_EACCES;
      return id_of(slot, s.perm.seq);
    }
    if (!(flags & IPC_CREAT)) return -LINUX_ENOENT;
  }
  if (nsems == 0) return -LINUX_EINVAL;
  int slot = free_slot(st.sem, int(SEMMNI));
  if (slot < 0) return -LINUX_ENOSPC;
  SemSet s;
  s.perm = new_perm(st, p, key, flags);
  s.sems.resize(size_t(nsems));
  s.ctime = seconds(k);
  int id = id_of(slot, s.perm.seq);
  st.sem[slot] = std::move(s);
  k.record(trace::Kind::Namespace, &p, "semget", uint32_t(id));
  return id;
}

int32_t semop(Kernel& k, Process& p, int32_t id, uint32_t sops_va, uint32_t nsops, uint32_t timeout) {
  IpcState& st = state(*p.ns.ipc);
  bool retried = take_sleeper(st, p, id);
  if (nsops < 1) return -LINUX_EINVAL;
  if (nsops > SEMOPM) return -LINUX_E2BIG;
  if (timeout) return -LINUX_ENOSYS;  // semtimedop's timeout is not offered
  std::vector<SemBuf> ops(nsops);
  if (!p.mm->copy_in(sops_va, ops.data(), uint32_t(ops.size() * sizeof(SemBuf)))) return -LINUX_EFAULT;
  SemSet* s = lookup(st.sem, id);
  if (!s) return gone(retried);
  bool alter = false;
  for (const SemBuf& o : ops) {
    if (o.num >= s->sems.size()) return -LINUX_EFBIG;
    alter |= o.op != 0;
  }
  if (!ipcperms(p, s->perm, alter ? 2 : 4)) return -LINUX_EACCES;
  // All or nothing: work on a copy of the values.
  std::vector<Semaphore> vals = s->sems;
  for (const SemBuf& o : ops) {
    Semaphore& v = vals[o.num];
    if (o.op > 0) {
      if (v.value + o.op > int(SEMVMX)) return -LINUX_ERANGE;
      v.value = uint16_t(v.value + o.op);
    } else if ((o.op < 0 && v.value < -o.op) || (o.op == 0 && v.value != 0)) {
      if (o.flg & IPC_NOWAIT) return -LINUX_EAGAIN;
      st.sleepers.push_back({p.host_pid(), id, o.num, o.op == 0});
      return SYSCALL_RESTART;  // tried again when a semaphore changes
    } else {
      v.value = uint16_t(v.value + o.op);
    }
  }
  for (const SemBuf& o : ops) vals[o.num].pid = p.host_pid();
  s->sems = std::move(vals);
  s->otime = seconds(k);
  if (alter) k.wake_blocked();
  return 0;
}

int32_t semctl(Kernel& k, Process& p, int32_t id, int32_t semnum, uint32_t cmd, uint32_t arg) {
  IpcState& st = state(*p.ns.ipc);
  bool ipc64 = cmd & IPC_64;
  cmd &= ~IPC_64;
  switch (cmd) {
    case IPC_INFO:
    case SEM_INFO: {
      uint32_t total = 0;
      for (auto& [slot, s] : st.sem) total += uint32_t(s.sems.size());
      // struct seminfo: semmap semmni semmns semmnu semmsl semopm semume semusz semvmx semaem
      int32_t info[10] = {int32_t(SEMMNI), int32_t(SEMMNI), int32_t(SEMMNI * SEMMSL), int32_t(SEMMNI), int32_t(SEMMSL),
                          int32_t(SEMOPM), int32_t(SEMOPM), 20, int32_t(SEMVMX), int32_t(SEMVMX)};
      if (cmd == SEM_INFO) {
        info[7] = int32_t(st.sem.size());  // semusz: sets in use
        info[9] = int32_t(total);          // semaem: semaphores in use
      }
      if (!p.mm->copy_out(arg, info, sizeof info)) return -LINUX_EFAULT;
      return st.sem.empty() ? 0 : st.sem.rbegin()->first;
    }
    case SEM_STAT:
    case SEM_STAT_ANY: {
      auto it = st.sem.find(id);
      if (id < 0 || it == st.sem.end()) return -LINUX_EINVAL;
      if (cmd == SEM_STAT && !ipcperms(p, it->second.perm, 4)) return -LINUX_EACCES;
      if (!ipc64) return -LINUX_EINVAL;
      uint8_t out[64];
      put_semid64(p, it->second, out);
      if (!p.mm->copy_out(arg, out, sizeof out)) return -LINUX_EFAULT;
      return id_of(id, it->second.perm.seq);
    }
    default: break;
  }
  SemSet* s = lookup(st.sem, id);
  if (!s) return -LINUX_EINVAL;
  auto sem_at = [&](int32_t n) -> Semaphore* { return n >= 0 && size_t(n) < s->sems.size() ? &s->sems[size_t(n)] : nullptr; };
  switch (cmd) {
    case IPC_STAT: {
      if (!ipcperms(p, s->perm, 4)) return -LINUX_EACCES;
      if (!ipc64) return -LINUX_EINVAL;
      uint8_t out[64];
      put_semid64(p, *s, out);
      return p.mm->copy_out(arg, out, sizeof out) ? 0 : -LINUX_EFAULT;
    }
    case IPC_SET: {
      if (!ipc64) return -LINUX_EINVAL;
      uint8_t in[36];
      if (!p.mm->copy_in(arg, in, sizeof in)) return -LINUX_EFAULT;
      if (int32_t r = set_perm(p, s->perm, in)) return r;
      s->ctime = seconds(k);
      return 0;
    }
    case IPC_RMID:
      if (!ns::capable(p) && p.uid != s->perm.uid && p.uid != s->perm.cuid) return -LINUX_EPERM;
      k.record(trace::Kind::Namespace, &p, "sem IPC_RMID", uint32_t(id));
      st.sem.erase(slot_of(id));
      k.wake_blocked();  // sleepers on it see EIDRM
      return 0;
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT: {
      Semaphore* v = sem_at(semnum);
      if (!v) return -LINUX_EINVAL;
      if (!ipcperms(p, s->perm, 4)) return -LINUX_EACCES;
      if (cmd == GETVAL) return v->value;
      if (cmd == GETPID) return pid_seen(k, v->pid, p);
      return int32_t(waiting(k, st, id, semnum, cmd == GETZCNT));
    }
    case SETVAL: {
      Semaphore* v = sem_at(semnum);
      if (!v) return -LINUX_EINVAL;
      if (!ipcperms(p, s->perm, 2)) return -LINUX_EACCES;
      if (int32_t(arg) < 0 || arg > SEMVMX) return -LINUX_ERANGE;
      v->value = uint16_t(arg);
      v->pid = p.host_pid();
      s->ctime = seconds(k);
      k.wake_blocked();
      return 0;
    }
    case GETALL: {
      if (!ipcperms(p, s->perm, 4)) return -LINUX_EACCES;
      std::vector<uint16_t> vals;
      for (const Semaphore& v : s->sems) vals.push_back(v.value);
      return p.mm->copy_out(arg, vals.data(), uint32_t(vals.size() * 2)) ? 0 : -LINUX_EFAULT;
    }
    case SETALL: {
      if (!ipcperms(p, s->perm, 2)) return -LINUX_EACCES;
      std::vector<uint16_t> vals(s->sems.size());
      if (!p.mm->copy_in(arg, vals.data(), uint32_t(vals.size() * 2))) return -LINUX_EFAULT;
      for (uint16_t v : vals)
        if (v > SEMVMX) return -LINUX_ERANGE;
      for (size_t i = 0; i < vals.size(); i++) s->sems[i] = Semaphore{vals[i], p.host_pid()};
      s->ctime = seconds(k);
      k.wake_blocked();
      return 0;
    }
    default:
      return -LINUX_EINVAL;
  }
}

std::string proc_sem(Kernel&, IpcNamespace& ns, const Process&) {
  IpcState& st = state(ns);
  std::string out = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
  for (auto& [slot, s] : st.sem) {
    char line[160];
    std::snprintf(line, sizeof line, "%10d %10d  %4o %10zu %5u %5u %5u %5u %10llu %10llu\n", s.perm.key,
                  id_of(slot, s.perm.seq), s.perm.mode & 0777, s.sems.size(), s.perm.uid, s.perm.gid, s.perm.cuid,
                  s.perm.cgid, (unsigned long long)s.otime, (unsigned long long)s.ctime);
    out += line;
  }
  return out;
}

}  // namespace isolab::containers::ipc
