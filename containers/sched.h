// The fair scheduler of the simulated host kernel: weighted fair queuing in
// virtual time, as Linux's CFS does it (kernel/sched/fair.c; "CFS
// Scheduler" in Documentation/scheduler/sched-design-CFS.rst), with
// cgroup v2's cpu.weight and cpu.max (cgroup/cpu.cpp).
//
// Time is instructions. Every entity has a virtual runtime that grows as it
// runs, at 100/weight of the time it ran: vruntime += ran * 1024 / shares.
// The scheduler always runs the entity with the smallest vruntime, so over
// time entities get CPU in proportion to their weights. It is
// hierarchical: each cgroup with the cpu controller is a group entity in
// its parent's run queue, weighted by its cpu.weight; the processes in a
// cgroup are entities of its queue, weighted equally (nice 0). To pick,
// start at the root's queue, take the smallest-vruntime entity, and if it
// is a group descend into its queue. An entity that was asleep comes back
// level with its queue's min_vruntime, so sleeping earns no credit.
// cpu.max adds bandwidth control: a cgroup may use $MAX of every $PERIOD
// of simulated time; when it has used its quota its processes are not
// picked (throttled) until the next period begins, and cpu.stat counts
// nr_throttled and throttled_usec. With nothing else to run the CPU idles
// (the clock jumps to the next period). Everything is a function of the
// instructions run, so the same inputs give the same schedule.
// Lesson: "cgroups: cpu.weight and cpu.max".
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace isolab::containers {

class Kernel;
struct Process;
struct Cgroup;

class Scheduler {
 public:
  explicit Scheduler(Kernel& k) : k_(k) {}

  // The cgroups whose run queues `p` is scheduled through: the root first,
  // down to the nearest cgroup of `p` that has the cpu controller.
  std::vector<Cgroup*> path(const Process& p) const;

  // Pick the next process among `runnable` (in host-PID order). Null if
  // every one of them is throttled; next_unthrottle_ns() then says when
  // the first of them may run again.
  Process* pick(const std::vector<Process*>& runnable);
  uint64_t next_unthrottle_ns() const { return next_unthrottle_; }

  // How many instructions the process may run now: `quantum`, cut so that
  // no cgroup on `path` runs past its quota or the end of its period.
  uint64_t slice(const std::vector<Cgroup*>& path, uint64_t quantum) const;

  // `insns` instructions ran, ending now, for process `host_pid` (which may
  // have exited meanwhile) in cgroup `cg`, scheduled through `path`:
  // cpu.stat usage, vruntimes, and cpu.max quota (throttling when it is
  // used up).
  void account(int host_pid, Cgroup* cg, const std::vector<Cgroup*>& path, uint64_t insns);

  // Process `p` moved from run queue `from` to `to` (a write to
  // cgroup.procs): its vruntime keeps its lead or lag over the queue's
  // min_vruntime, as Linux renormalizes a migrating task's.
  void moved(const Process& p, const Cgroup& from, const Cgroup& to);
  // A process is gone (reaped).
  void forget(int host_pid) { task_vruntime_.erase(host_pid); }
  // Its virtual runtime, in instructions at weight 100 (for display).
  uint64_t vruntime(const Process& p) const;

 private:
  // Start a new bandwidth period if the current one is over: the quota
  // comes back and a throttled group runs again.
  void refresh(Cgroup& g);
  void throttle(Cgroup& g, uint64_t now);

  Kernel& k_;
  std::unordered_map<int, uint64_t> task_vruntime_;  // by host PID
  uint64_t next_unthrottle_ = UINT64_MAX;
};

}  // namespace isolab::containers
