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
  if (!parent) return 0;
  return parent->pid_in(*ns.pid);
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
