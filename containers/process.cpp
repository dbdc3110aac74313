// Processes: PIDs in nested namespaces and the file descriptor table (process.h).
#include "containers/process.h"

#include <algorithm>

namespace isolab::containers {

int Process::pid_in(const PidNamespace& target) const {
  if (!ns.pid || size_t(target.level) >= pids.size()) return 0;
  const PidNamespace* n = ns.pid.get();
  while (n && n->level > target.level) n = n->parent.get();
  return n == &target ? pids[size_t(target.level)] : 0;
}

int Process::ppid() const {
  const Process* par = group_leader->parent;
  return par ? par->pid_in(*ns.pid) : 0;
}

// A fresh login's limits (RLIM_INFINITY unless listed), as Linux's INIT_RLIMITS.
std::array<RLimit, RLIMIT_NLIMITS> Process::default_rlimits() {
  std::array<RLimit, RLIMIT_NLIMITS> r{};
  r[RLIMIT_STACK_].cur = 8u << 20;          // 8 MiB soft
  r[RLIMIT_CORE_].cur = 0;                   // no core files
  r[RLIMIT_NOFILE_] = {1024, 4096};
  r[RLIMIT_MEMLOCK_] = {8u << 20, 8u << 20};
  return r;
}

size_t Process::fd_limit() const {
  constexpr uint64_t NR_OPEN = 1u << 20;  // fs.nr_open: RLIMIT_NOFILE's ceiling
  return size_t(std::min<uint64_t>(rlimits[RLIMIT_NOFILE_].cur, NR_OPEN));
}

int Process::alloc_fd(vfs::FilePtr f, int lowest, bool close_on_exec) {
  for (size_t fd = size_t(lowest); fd < fd_limit(); fd++) {
    if (fd >= fds.size()) {
      fds.resize(fd + 1);
      cloexec.resize(fd + 1);
    }
    if (!fds[fd]) {
      fds[fd] = std::move(f);
      cloexec[fd] = close_on_exec;
      return int(fd);
    }
  }
  return -1;
}

char Process::state_letter() const {
  switch (state) {
    case ProcState::Runnable: return 'R';
    case ProcState::Blocked:
    case ProcState::Sleeping: return 'S';
    case ProcState::Zombie: return 'Z';
    case ProcState::Stopped: return 'T';
  }
  return '?';
}

bool pid_ns_within(const PidNamespace& ns, const PidNamespace& ancestor) {
  for (const PidNamespace* n = &ns; n; n = n->parent.get())
    if (n == &ancestor) return true;
  return false;
}

}  // namespace isolab::containers
