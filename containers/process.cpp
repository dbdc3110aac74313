// Processes: PIDs in nested namespaces and the file descriptor table (process.h).
#include "containers/process.h"

namespace isolab::containers {

constexpr size_t MAX_FDS = 1024;  // RLIMIT_NOFILE's default soft limit

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
  r[3].cur = 8u << 20;            // RLIMIT_STACK: 8 MiB soft
  r[4].cur = 0;                   // RLIMIT_CORE: no core files
  r[7] = {1024, 4096};            // RLIMIT_NOFILE
  r[8] = {8u << 20, 8u << 20};    // RLIMIT_MEMLOCK
  r[6] = {~0ull, ~0ull};          // RLIMIT_NPROC
  return r;
}

int Process::alloc_fd(vfs::FilePtr f, int lowest, bool close_on_exec) {
  for (size_t fd = size_t(lowest); fd < MAX_FDS; fd++) {
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
