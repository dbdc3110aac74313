// The pids controller (Documentation/admin-guide/cgroup-v2.rst "PID",
// kernel/cgroup/pids.c): pids.current counts the processes of a cgroup and
// its descendants from fork until they are reaped; a fork that would take
// any enabled ancestor past its pids.max fails with EAGAIN, and that
// cgroup's pids.events "max" counts the refusal. This is what stops a fork
// bomb in a container without touching the rest of the host.
// Lesson: "cgroups: pids.max".
#include "containers/cgroup/cgroup.h"
#include "containers/linux_abi.h"

namespace isolab::containers {

using namespace linux_abi;

namespace {

constexpr int64_t PIDS_MAX = 4194304 + 1;  // PID_MAX_LIMIT + 1: anything above is EINVAL

bool limited_here(const Cgroup& cg) { return !cg.is_root() && (cg.controllers() & CGROUP_PIDS); }

std::string show_current(Kernel&, Cgroup& cg, const Process*) { return std::to_string(cg.pids.current) + "\n"; }

std::string show_max(Kernel&, Cgroup& cg, const Process*) {
  return cg.pids.max == PidsState::UNLIMITED ? "max\n" : std::to_string(cg.pids.max) + "\n";
}

int write_max(Kernel&, Cgroup& cg, const Process*, const std::string& text) {
  uint64_t v = 0;
  bool is_max = false;
  if (!cgroup_parse_limit(text, false, v, is_max)) return -LINUX_EINVAL;
  if (!is_max && v >= uint64_t(PIDS_MAX)) return -LINUX_EINVAL;
  // Lowering the limit below pids.current kills nothing: only new forks fail.
  cg.pids.max = is_max ? PidsState::UNLIMITED : int64_t(v);
  return 0;
}

std::string show_events(Kernel&, Cgroup& cg, const Process*) { return "max " + std::to_string(cg.pids.events_max) + "\n"; }

}  // namespace

Cgroup* pids_try_charge(Cgroup& cg, bool limit) {
  if (limit) {
    for (Cgroup* c = &cg; c; c = c->parent)
      if (limited_here(*c) && c->pids.max != PidsState::UNLIMITED && c->pids.current + 1 > c->pids.max) return c;
  }
  for (Cgroup* c = &cg; c; c = c->parent) c->pids.current++;
  return nullptr;
}

void pids_uncharge(Cgroup& cg) {
  for (Cgroup* c = &cg; c; c = c->parent) c->pids.current--;
}

const std::vector<CgroupFile>& cgroup_pids_files() {
  static const std::vector<CgroupFile> files = {
      {"pids.current", CGROUP_PIDS, true, show_current, nullptr},
      {"pids.events", CGROUP_PIDS, true, show_events, nullptr},
      {"pids.max", CGROUP_PIDS, true, show_max, write_max},
  };
  return files;
}

}  // namespace isolab::containers
