// The memory controller (Documentation/admin-guide/cgroup-v2.rst "Memory",
// mm/memcontrol.c, mm/oom_kill.c).
//
// memory.current is the frames charged to the cgroup and its descendants:
// a frame is charged when a process of the cgroup faults it in (or needs a
// page table for it) and uncharged when it is freed; a copy-on-write frame
// shared after fork stays charged once, to whoever touched it first
// (FrameAllocator, PageCounter). When a charge would pass memory.max the
// page fault does not get its frame; the kernel calls the OOM killer of
// the cgroup whose limit was hit, which SIGKILLs the process of that
// cgroup holding the most memory (oom_badness: its resident pages), and
// the faulting access is retried. memory.high only counts ("high" in
// memory.events): this kernel has no reclaim to throttle with.
// Lesson: "cgroups: memory.max and the OOM killer".
#include "containers/cgroup/cgroup.h"
#include "containers/kernel.h"
#include "containers/linux_abi.h"

namespace isolab::containers {

using namespace linux_abi;

namespace {

constexpr uint64_t PAGE = 4096;

std::string show_bytes_or_max(uint64_t pages) {
  return pages == PageCounter::UNLIMITED ? "max\n" : std::to_string(pages * PAGE) + "\n";
}

// "max", bytes, or with a K/M/G suffix; rounded down to whole pages.
bool parse_pages(const std::string& text, uint64_t& pages) {
  uint64_t bytes = 0;
  bool is_max = false;
  if (!cgroup_parse_limit(text, true, bytes, is_max)) return false;
  pages = is_max ? PageCounter::UNLIMITED : bytes / PAGE;
  return true;
}

std::string show_current(Kernel&, Cgroup& cg, const Process*) {
  return std::to_string(cg.memory.counter.usage * PAGE) + "\n";
}

std::string show_max(Kernel&, Cgroup& cg, const Process*) { return show_bytes_or_max(cg.memory.counter.max); }
std::string show_high(Kernel&, Cgroup& cg, const Process*) { return show_bytes_or_max(cg.memory.counter.high); }

// A new max below the usage takes effect at once: with nothing to reclaim,
// the OOM killer runs until the cgroup fits (memory_max_write()), or until
// a victim's memory cannot be freed yet (the writer itself, still on the CPU).
int write_max(Kernel& k, Cgroup& cg, const Process*, const std::string& text) {
  uint64_t pages = 0;
  if (!parse_pages(text, pages)) return -LINUX_EINVAL;
  cg.memory.counter.max = pages;
  while (cg.memory.counter.usage > cg.memory.counter.max) {
    cg.memory.counter.max_events++;
    uint64_t before = cg.memory.counter.usage;
    if (!memcg_oom_kill(k, cg) || cg.memory.counter.usage >= before) break;
  }
  return 0;
}

int write_high(Kernel&, Cgroup& cg, const Process*, const std::string& text) {
  uint64_t pages = 0;
  if (!parse_pages(text, pages)) return -LINUX_EINVAL;
  cg.memory.counter.high = pages;
  return 0;
}

std::string show_events(Kernel&, Cgroup& cg, const Process*) {
  const PageCounter& c = cg.memory.counter;
  return "low 0\nhigh " + std::to_string(c.high_events) + "\nmax " + std::to_string(c.max_events) + "\noom " +
         std::to_string(cg.memory.oom) + "\noom_kill " + std::to_string(cg.memory.oom_kill) + "\noom_group_kill 0\n";
}

}  // namespace

Process* memcg_oom_kill(Kernel& k, Cgroup& cg) {
  // oom and oom_kill count in the cgroup and every ancestor, as Linux's
  // memory.events do (memory.events.local would count only here).
  for (Cgroup* c = &cg; c; c = c->parent) c->memory.oom++;
  Process* victim = nullptr;
  uint32_t most = 0;
  for (auto& [pid, q] : k.processes()) {
    if (!q->cgroup || !q->cgroup->within(cg) || q->state == ProcState::Zombie || !q->mm) continue;
    uint32_t pages = q->mm->resident_pages();
    if (!victim || pages > most) {
      victim = q.get();
      most = pages;
    }
  }
  if (!victim) return nullptr;
  k.record(trace::Kind::Cgroup, victim, "memory.max: oom_kill", uint32_t(victim->host_pid()));
  for (Cgroup* c = &cg; c; c = c->parent) c->memory.oom_kill++;
  k.exit_process(*victim, 0, LINUX_SIGKILL);
  k.free_retired();  // its frames are free now, not after the CPU stops
  return victim;
}

const std::vector<CgroupFile>& cgroup_memory_files() {
  static const std::vector<CgroupFile> files = {
      {"memory.current", CGROUP_MEMORY, true, show_current, nullptr},
      {"memory.events", CGROUP_MEMORY, true, show_events, nullptr},
      {"memory.high", CGROUP_MEMORY, true, show_high, write_high},
      {"memory.max", CGROUP_MEMORY, true, show_max, write_max},
  };
  return files;
}

}  // namespace isolab::containers
