// The fair scheduler: hierarchical weighted fair queuing in virtual time
// with cpu.max bandwidth control (sched.h).
#include "containers/sched.h"

#include <algorithm>

#include "containers/cgroup/cgroup.h"
#include "containers/kernel.h"

namespace isolab::containers {

namespace {

// vruntime is kept in 1/1024ths of an instruction at weight 100 (shares
// 1024), so a group of weight 10000 still advances by whole units.
constexpr uint64_t VSCALE = 1024;

uint64_t weighted(uint64_t insns, uint64_t shares) { return insns * VSCALE * CpuState::DEFAULT_SHARES / shares; }

bool has_quota(const Cgroup& g) { return g.cpu.quota_ns != CpuState::NO_QUOTA; }

}  // namespace

std::vector<Cgroup*> Scheduler::path(const Process& p) const {
  Cgroup* g = p.cgroup ? p.cgroup : k_.cgroups.root;
  while (!g->is_root() && !(g->controllers() & CGROUP_CPU)) g = g->parent;
  std::vector<Cgroup*> out;
  for (; g; g = g->parent) out.push_back(g);
  std::reverse(out.begin(), out.end());
  return out;
}

uint64_t Scheduler::vruntime(const Process& p) const {
  auto it = task_vruntime_.find(p.host_pid());
  return it == task_vruntime_.end() ? 0 : it->second / VSCALE;
}

void Scheduler::moved(const Process& p, const Cgroup& from, const Cgroup& to) {
  auto it = task_vruntime_.find(p.host_pid());
  if (it == task_vruntime_.end() || &from == &to) return;
  uint64_t lead = it->second > from.cpu.min_vruntime ? it->second - from.cpu.min_vruntime : 0;
  it->second = to.cpu.min_vruntime + lead;
}

void Scheduler::throttle(Cgroup& g, uint64_t now) {
  g.cpu.throttled = true;
  g.cpu.throttled_since_ns = now;
  cgroup_record(k_, g, "cpu.max: throttled", uint32_t(g.cpu.nr_throttled + 1));
}

void Scheduler::refresh(Cgroup& g) {
  CpuState& c = g.cpu;
  if (!has_quota(g)) return;
  uint64_t now = k_.now_ns();
  if (now < c.period_start_ns + c.period_ns) return;
  uint64_t n = (now - c.period_start_ns) / c.period_ns;
  uint64_t start = c.period_start_ns + n * c.period_ns;
  // Both counters move when a period ends, as Linux's period timer moves
  // them (do_sched_cfs_period_timer), so nr_throttled <= nr_periods.
  if (c.active_in_period || c.throttled) c.nr_periods++;
  if (c.throttled) {
    c.nr_throttled++;
    c.throttled_ns += start - c.throttled_since_ns;
    c.throttled = false;
    cgroup_record(k_, g, "cpu.max: unthrottled", uint32_t(c.nr_periods));
  }
  // What was overrun in the last period is owed out of the next one.
  uint64_t refill = n > c.period_used_ns / c.quota_ns ? c.period_used_ns : n * c.quota_ns;
  c.period_used_ns -= refill;
  c.period_start_ns = start;
  c.active_in_period = false;
  if (c.period_used_ns >= c.quota_ns) throttle(g, start);
}

Process* Scheduler::pick(const std::vector<Process*>& runnable) {
  next_unthrottle_ = UINT64_MAX;
  struct Candidate {
    Process* p;
    std::vector<Cgroup*> path;
  };
  std::vector<Candidate> cands;
  for (Process* p : runnable) {
    std::vector<Cgroup*> through = path(*p);
    bool throttled = false;
    for (Cgroup* g : through) {
      refresh(*g);
      if (g->cpu.throttled) {
        throttled = true;
        next_unthrottle_ = std::min(next_unthrottle_, g->cpu.period_start_ns + g->cpu.period_ns);
      }
    }
    if (!throttled) cands.push_back({p, std::move(through)});
  }
  if (cands.empty()) return nullptr;
  // Walk down from the root's queue; at each level every candidate left
  // shares the queue path[depth].
  for (size_t depth = 0;; depth++) {
    Cgroup& rq = *cands[0].path[depth];
    const void* best = nullptr;
    uint64_t best_v = UINT64_MAX;
    auto entity = [&](Candidate& c) -> std::pair<const void*, uint64_t*> {
      if (c.path.size() == depth + 1) return {c.p, &task_vruntime_[c.p->host_pid()]};
      return {c.path[depth + 1], &c.path[depth + 1]->cpu.vruntime};
    };
    for (Candidate& c : cands) {
      auto [id, v] = entity(c);
      *v = std::max(*v, rq.cpu.min_vruntime);  // back from sleep: level with the queue
      if (*v < best_v) {  // ties go to the first in host-PID order
        best_v = *v;
        best = id;
      }
    }
    rq.cpu.min_vruntime = std::max(rq.cpu.min_vruntime, best_v);
    std::erase_if(cands, [&](Candidate& c) { return entity(c).first != best; });
    if (cands[0].path.size() == depth + 1) return cands[0].p;
  }
}

uint64_t Scheduler::slice(const std::vector<Cgroup*>& through, uint64_t quantum) const {
  uint64_t now = k_.now_ns(), per_insn = k_.config.ns_per_insn ? k_.config.ns_per_insn : 1;
  uint64_t insns = quantum;
  for (const Cgroup* g : through) {
    if (!has_quota(*g)) continue;
    const CpuState& c = g->cpu;
    uint64_t left = c.quota_ns > c.period_used_ns ? c.quota_ns - c.period_used_ns : 0;
    uint64_t period_end = c.period_start_ns + c.period_ns;
    left = std::min(left, period_end > now ? period_end - now : 0);
    insns = std::min(insns, std::max<uint64_t>(1, (left + per_insn - 1) / per_insn));
  }
  return insns;
}

void Scheduler::account(int host_pid, Cgroup* cg, const std::vector<Cgroup*>& through, uint64_t insns) {
  if (!insns) return;
  uint64_t ns = insns * k_.config.ns_per_insn, now = k_.now_ns();
  for (Cgroup* c = cg; c; c = c->parent) c->cpu.usage_ns += ns;
  if (auto it = task_vruntime_.find(host_pid); it != task_vruntime_.end() || k_.find_host_pid(host_pid))
    task_vruntime_[host_pid] += weighted(insns, CpuState::DEFAULT_SHARES);
  for (size_t i = 1; i < through.size(); i++) {
    Cgroup& g = *through[i];
    g.cpu.vruntime += weighted(insns, g.cpu.shares);
    if (!has_quota(g)) continue;
    g.cpu.period_used_ns += ns;
    g.cpu.active_in_period = true;
    if (!g.cpu.throttled && g.cpu.period_used_ns >= g.cpu.quota_ns) throttle(g, now);
  }
}

}  // namespace isolab::containers
