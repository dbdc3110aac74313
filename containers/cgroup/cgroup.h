// cgroup v2: the unified hierarchy of control groups (Linux's
// Documentation/admin-guide/cgroup-v2.rst, kernel/cgroup/cgroup.c).
//
// Every process is in exactly one cgroup; cgroups form a tree whose root
// holds the host's processes. A controller (memory, pids) limits a cgroup
// only when its parent enables it in cgroup.subtree_control, and the rules
// that keep the tree consistent are the kernel's:
//  - top-down: a cgroup can enable only what its parent enabled for it
//    (cgroup.controllers), and cannot disable what a child still enables;
//  - no internal processes: a cgroup other than the root holds processes
//    or enables controllers for children, never both.
// Each cgroup's state is plain data (Cgroup), shown as files by the
// cgroupfs view (vfs/cgroupfs.cpp) through the file tables below: core.cpp
// (cgroup.*), cpu.cpp (cpu.*, the state the scheduler in sched.h reads),
// pids.cpp (pids.*), memory.cpp (memory.* and the OOM killer).
// Lesson: "cgroups: limits a container cannot escape".
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "containers/errors.h"
#include "containers/frames.h"

namespace isolab::containers {

class Kernel;
struct Process;

// Controllers, as bits of cgroup.controllers / cgroup.subtree_control.
enum CgroupController : uint32_t {
  CGROUP_MEMORY = 1u << 0,
  CGROUP_PIDS = 1u << 1,
  CGROUP_CPU = 1u << 2,
};
constexpr uint32_t CGROUP_ALL_CONTROLLERS = CGROUP_CPU | CGROUP_MEMORY | CGROUP_PIDS;

// cpu: the cgroup as a group entity of the fair scheduler (sched.h) and its
// bandwidth limit (kernel/sched/fair.c, "CPU" in cgroup-v2.rst). Times are
// simulated nanoseconds; CPU time is instructions run times ns_per_insn.
struct CpuState {
  static constexpr uint64_t NO_QUOTA = UINT64_MAX;
  static constexpr uint64_t DEFAULT_SHARES = 1024;  // cpu.weight 100 (tg->shares, nice 0)
  uint64_t shares = DEFAULT_SHARES;        // cpu.weight * 1024 / 100, rounded, as Linux keeps it
  uint64_t quota_ns = NO_QUOTA;            // cpu.max $MAX ("max": none)
  uint64_t period_ns = 100'000'000;        // cpu.max $PERIOD (100 ms)
  // cpu.stat
  uint64_t usage_ns = 0;                   // CPU time of the cgroup's processes and descendants
  uint64_t nr_periods = 0;                 // bandwidth periods in which it was active
  uint64_t nr_throttled = 0;               // periods in which it ran out of quota
  uint64_t throttled_ns = 0;               // time spent throttled
  // The fair scheduler: this group's virtual runtime as an entity of its
  // parent's run queue, and the floor of its own run queue's vruntimes.
  uint64_t vruntime = 0;
  uint64_t min_vruntime = 0;
  // Bandwidth: the current period and what was used of it.
  uint64_t period_start_ns = 0;
  uint64_t period_used_ns = 0;
  bool active_in_period = false;
  bool throttled = false;
  uint64_t throttled_since_ns = 0;
};

// pids: the number of processes in the cgroup and its descendants,
// counted from fork until the parent reaps them (kernel/cgroup/pids.c).
struct PidsState {
  static constexpr int64_t UNLIMITED = -1;
  int64_t max = UNLIMITED;   // pids.max ("max": unlimited)
  int64_t current = 0;       // pids.current
  uint64_t events_max = 0;   // pids.events "max": forks refused by this cgroup's limit
};

// memory: usage and limits live in the frame allocator's PageCounter;
// the OOM killer's counts here (memory.events "oom", "oom_kill").
struct MemoryState {
  PageCounter counter;
  uint64_t oom = 0, oom_kill = 0;
};

struct Cgroup {
  std::string name;          // "" for the root
  Cgroup* parent = nullptr;
  std::map<std::string, Cgroup*> children;
  std::set<int> procs;       // host PIDs of the live processes in it (cgroup.procs)
  uint32_t subtree_control = 0;  // controllers enabled for the children
  bool removed = false;      // rmdir'd; kept while frames are still charged to it
  PidsState pids;
  MemoryState memory;
  CpuState cpu;

  bool is_root() const { return parent == nullptr; }
  // The controllers available here (cgroup.controllers): what the parent enables.
  uint32_t controllers() const { return parent ? parent->subtree_control : CGROUP_ALL_CONTROLLERS; }
  // "/", "/web", "/web/db": the path under /sys/fs/cgroup.
  std::string path() const;
  // Does it or any descendant hold a live process (cgroup.events "populated")?
  bool populated() const;
  bool within(const Cgroup& ancestor) const;
};

// The tree. Cgroups are owned here and never freed before the kernel:
// frames may stay charged to a removed one (Linux's dying memcgs).
struct CgroupHierarchy {
  CgroupHierarchy();
  std::vector<std::unique_ptr<Cgroup>> all;
  Cgroup* root = nullptr;
};

// --- the hierarchy (core.cpp) -------------------------------------------------------
// mkdir(2) in cgroupfs: EEXIST, EINVAL for a name with '/' or one of the
// interface files' prefixes, ENOENT under a removed cgroup.
ErrorOr<Cgroup*> cgroup_mkdir(Kernel& k, Cgroup& parent, const std::string& name);
// rmdir(2): EBUSY while it holds processes or children.
int cgroup_rmdir(Kernel& k, Cgroup& cg);
// The cgroup at `path` ("/a/b"), or null.
Cgroup* cgroup_find(Kernel& k, const std::string& path);
// Move process `p` into `dst` (a write to dst's cgroup.procs): EBUSY if dst
// enables controllers for children (no internal processes), ENOENT if removed.
int cgroup_attach(Kernel& k, Cgroup& dst, Process& p);

// Process life cycle hooks, named as Linux's.
// Before fork: charges the new process to `parent`'s cgroup; -EAGAIN (and a
// pids.events "max") when a pids.max on the way up is reached.
int cgroup_can_fork(Kernel& k, Process& parent);
void cgroup_cancel_fork(Process& parent);
// The process joined `cg` (fork, spawn): listed in cgroup.procs, and its
// address space charges memory there.
void cgroup_post_fork(Cgroup& cg, Process& p);
// It exited: no longer listed, no longer "populated".
void cgroup_exit(Process& p);
// Its parent reaped it: its pids charge goes.
void cgroup_release(Process& p);

// --- the interface files -----------------------------------------------------------
// One file of a cgroup directory (Linux's struct cftype). `show` formats
// the contents; `write` parses one write(2) and returns 0 or -errno.
struct CgroupFile {
  const char* name;
  uint32_t controller;  // must be enabled here for the file to exist; 0: a core file
  bool not_on_root;     // CFTYPE_NOT_ON_ROOT
  std::string (*show)(Kernel& k, Cgroup& cg, const Process* viewer);
  int (*write)(Kernel& k, Cgroup& cg, const Process* writer, const std::string& text);
};
// Each file's table (core.cpp, cpu.cpp, pids.cpp, memory.cpp).
const std::vector<CgroupFile>& cgroup_core_files();
const std::vector<CgroupFile>& cgroup_cpu_files();
const std::vector<CgroupFile>& cgroup_pids_files();
const std::vector<CgroupFile>& cgroup_memory_files();
// The files cgroup `cg` has, in the order ls shows them.
std::vector<const CgroupFile*> cgroup_files(const Cgroup& cg);
const CgroupFile* cgroup_file(const Cgroup& cg, const std::string& name);

// Read or write one of `cg`'s files as a process (or the runtime, viewer
// null) would: ENOENT for a file it does not have, EACCES for a read-only one.
ErrorOr<std::string> cgroup_read(Kernel& k, Cgroup& cg, const std::string& file, const Process* viewer = nullptr);
int cgroup_write(Kernel& k, Cgroup& cg, const std::string& file, const std::string& text,
                 const Process* writer = nullptr);

// Parsers shared by the controllers: "max" or a number (memory: with an
// optional K, M or G suffix, as memparse() reads it). False on bad input.
bool cgroup_parse_limit(const std::string& text, bool suffixes, uint64_t& value, bool& is_max);
std::string cgroup_trim(const std::string& text);

// --- controller behaviour ------------------------------------------------------------
// pids.cpp: charge one process to `cg` and its ancestors, refusing at a
// pids.max (when `limit`). Returns the cgroup whose limit refused, or null.
Cgroup* pids_try_charge(Cgroup& cg, bool limit);
void pids_uncharge(Cgroup& cg);

// A trace event about cgroup `cg` (Kind::Cgroup, its path as the source);
// `what` must be a static string. core.cpp.
void cgroup_record(Kernel& k, const Cgroup& cg, const char* what, uint32_t code);

// memory.cpp: the OOM killer inside memory cgroup `cg`
// (mm/memcontrol.c mem_cgroup_out_of_memory): SIGKILL the process of `cg`
// (or a descendant) holding the most memory, counting memory.events oom and
// oom_kill. Returns the victim, or null if none is left to kill.
Process* memcg_oom_kill(Kernel& k, Cgroup& cg);
// The counter an address space of a process in `cg` charges to.
inline PageCounter* memcg_counter(Cgroup& cg) { return &cg.memory.counter; }

}  // namespace isolab::containers
