// Fault injection: the COW bug and the kernel oops (fault.h).
#include "containers/fault.h"

#include <vector>

#include "containers/kernel.h"
#include "containers/linux_abi.h"

namespace isolab::containers {

using namespace linux_abi;

void fault_set_cow_bug(Kernel& k, bool on) {
  k.faults.cow_bug = on;
  k.page_cache.cow_bug = on;
  k.record(trace::Kind::Exception, nullptr, on ? "fault: COW bug on" : "fault: COW bug off", on ? 1 : 0);
}

int fault_oops(Kernel& k, const std::string& reason) {
  if (k.faults.dead) return 0;
  k.faults.tainted = true;
  k.faults.dead = true;
  k.faults.oops_reason = reason;
  k.record(trace::Kind::Exception, nullptr, "kernel oops", 0);
  // Every process goes, whatever namespace or cgroup it is in. Collect
  // first: killing a namespace's init takes its members down with it.
  std::vector<int> victims;
  for (auto& [pid, p] : k.processes())
    if (p->state != ProcState::Zombie) victims.push_back(pid);
  for (int pid : victims) {
    Process* p = k.find_host_pid(pid);
    if (p && p->state != ProcState::Zombie) k.exit_process(*p, 0, LINUX_SIGKILL);
  }
  k.faults.oops_killed = int(victims.size());
  if (k.current()) k.cpu.request_stop();
  k.free_retired();
  return int(victims.size());
}

}  // namespace isolab::containers
