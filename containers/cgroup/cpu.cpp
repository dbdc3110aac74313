// The cpu controller (Documentation/admin-guide/cgroup-v2.rst "CPU";
// kernel/sched/core.c cpu_weight_write_u64, cpu_weight_nice_write_s64,
// cpu_max_write / cpu_period_quota_parse, tg_set_cfs_bandwidth).
//
// cpu.weight shares the CPU between sibling cgroups in proportion to their
// weights (1..10000, default 100): the fair scheduler (sched.h) charges a
// cgroup's virtual runtime at 100/weight of the time it ran. Linux keeps a
// weight as "shares" on nice 0's scale of 1024, and so does this file, so
// values read back as Linux rounds them. cpu.weight.nice is the same
// weight said as a nice value (-20..19, sched_prio_to_weight).
// cpu.max "$MAX $PERIOD" lets the cgroup run $MAX microseconds in every
// $PERIOD ("max": no limit); once used up, its processes wait, throttled,
// until the next period. cpu.stat reports usage and throttling.
// Times are simulated: one instruction is KernelConfig::ns_per_insn ns.
// This kernel spends no simulated time in itself, so system_usec is 0.
// Lesson: "cgroups: cpu.weight and cpu.max".
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include "containers/cgroup/cgroup.h"
#include "containers/kernel.h"
#include "containers/linux_abi.h"

namespace isolab::containers {

using namespace linux_abi;

namespace {

constexpr uint64_t WEIGHT_MIN = 1, WEIGHT_DFL = 100, WEIGHT_MAX = 10000;  // CGROUP_WEIGHT_*
constexpr uint64_t MIN_SHARES = 2, MAX_SHARES = 1u << 18;
constexpr uint64_t NS_PER_US = 1000;
constexpr uint64_t MIN_PERIOD_NS = 1'000'000;      // min_cfs_quota_period: 1 ms
constexpr uint64_t MAX_PERIOD_NS = 1'000'000'000;  // max_cfs_quota_period: 1 s
constexpr uint64_t MAX_RUNTIME_NS = ((1ull << 44) - 1) * NS_PER_US;  // max_cfs_runtime

// sched_prio_to_weight[]: nice -20..19 on the 1024 scale (kernel/sched/core.c).
constexpr uint64_t kNiceToWeight[40] = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
    9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
    1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
    110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

uint64_t div_round_closest(uint64_t a, uint64_t b) { return (a + b / 2) / b; }

// kstrtoull/kstrtoll on the stripped text: the whole text must be a number
// (decimal, 0x hex or 0 octal, as base 0 reads it). EINVAL if not, ERANGE
// if it does not fit.
int parse_integer(const std::string& text, bool is_signed, int64_t& out) {
  std::string t = cgroup_trim(text);
  if (t.empty()) return -LINUX_EINVAL;
  const char* s = t.c_str();
  bool neg = false;
  if (*s == '+' || (is_signed && *s == '-')) neg = *s++ == '-';
  if (!*s || *s == '+' || *s == '-') return -LINUX_EINVAL;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 0);
  if (*end) return -LINUX_EINVAL;
  if (errno == ERANGE || v > uint64_t(INT64_MAX) + (neg ? 1 : 0)) return -LINUX_ERANGE;
  out = neg ? int64_t(0 - v) : int64_t(v);
  return 0;
}

void set_shares(Cgroup& cg, uint64_t shares) {
  cg.cpu.shares = shares < MIN_SHARES ? MIN_SHARES : shares > MAX_SHARES ? MAX_SHARES : shares;
}

std::string show_weight(Kernel&, Cgroup& cg, const Process*) {
  return std::to_string(div_round_closest(cg.cpu.shares * WEIGHT_DFL, 1024)) + "\n";
}

int write_weight(Kernel& k, Cgroup& cg, const Process*, const std::string& text) {
  int64_t v = 0;
  if (int err = parse_integer(text, false, v)) return err;
  if (uint64_t(v) < WEIGHT_MIN || uint64_t(v) > WEIGHT_MAX) return -LINUX_ERANGE;
  set_shares(cg, div_round_closest(uint64_t(v) * 1024, WEIGHT_DFL));
  cgroup_record(k, cg, "cpu.weight: set", uint32_t(v));
  return 0;
}

// The nice value whose weight is closest to the cgroup's (cpu_weight_nice_read_s64).
std::string show_weight_nice(Kernel&, Cgroup& cg, const Process*) {
  uint64_t last_delta = UINT64_MAX;
  int prio = 0;
  for (; prio < 40; prio++) {
    uint64_t w = kNiceToWeight[prio];
    uint64_t delta = w > cg.cpu.shares ? w - cg.cpu.shares : cg.cpu.shares - w;
    if (delta >= last_delta) break;
    last_delta = delta;
  }
  return std::to_string(prio - 1 - 20) + "\n";
}

int write_weight_nice(Kernel& k, Cgroup& cg, const Process*, const std::string& text) {
  int64_t nice = 0;
  if (int err = parse_integer(text, true, nice)) return err;
  if (nice < -20 || nice > 19) return -LINUX_ERANGE;
  set_shares(cg, kNiceToWeight[nice + 20]);
  cgroup_record(k, cg, "cpu.weight.nice: set", uint32_t(int32_t(nice)));
  return 0;
}

std::string show_max(Kernel&, Cgroup& cg, const Process*) {
  std::string quota = cg.cpu.quota_ns == CpuState::NO_QUOTA ? "max" : std::to_string(cg.cpu.quota_ns / NS_PER_US);
  return quota + " " + std::to_string(cg.cpu.period_ns / NS_PER_US) + "\n";
}

// "$MAX [$PERIOD]": sscanf("%20s %llu") as cpu_period_quota_parse does, so
// the period may be left out (it keeps its value); then the bounds of
// tg_set_cfs_bandwidth: quota and period at least 1 ms, period at most 1 s.
int write_max(Kernel& k, Cgroup& cg, const Process*, const std::string& text) {
  char tok[21] = {};
  unsigned long long period_us = cg.cpu.period_ns / NS_PER_US;
  if (std::sscanf(text.c_str(), "%20s %llu", tok, &period_us) < 1) return -LINUX_EINVAL;
  if (period_us > UINT64_MAX / NS_PER_US) return -LINUX_EINVAL;
  uint64_t period = uint64_t(period_us) * NS_PER_US, quota = 0;
  unsigned long long quota_us = 0;
  if (std::sscanf(tok, "%llu", &quota_us) == 1) {
    if (quota_us > UINT64_MAX / NS_PER_US) return -LINUX_EINVAL;
    quota = uint64_t(quota_us) * NS_PER_US;
  } else if (std::string(tok) == "max") {
    quota = CpuState::NO_QUOTA;
  } else {
    return -LINUX_EINVAL;
  }
  if (quota < MIN_PERIOD_NS || period < MIN_PERIOD_NS || period > MAX_PERIOD_NS) return -LINUX_EINVAL;
  if (quota != CpuState::NO_QUOTA && quota > MAX_RUNTIME_NS) return -LINUX_EINVAL;
  CpuState& c = cg.cpu;
  if (c.throttled) c.throttled_ns += k.now_ns() - c.throttled_since_ns;
  c.quota_ns = quota;
  c.period_ns = period;
  // A new limit starts a fresh period with its whole quota (the bandwidth
  // timer restarts, as tg_set_cfs_bandwidth unthrottles every run queue).
  c.period_start_ns = k.now_ns();
  c.period_used_ns = 0;
  c.active_in_period = false;
  c.throttled = false;
  cgroup_record(k, cg, "cpu.max: set", uint32_t(quota == CpuState::NO_QUOTA ? 0 : quota / NS_PER_US));
  return 0;
}

std::string show_stat(Kernel&, Cgroup& cg, const Process*) {
  const CpuState& c = cg.cpu;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "usage_usec %" PRIu64 "\nuser_usec %" PRIu64 "\nsystem_usec 0\nnr_periods %" PRIu64
                "\nnr_throttled %" PRIu64 "\nthrottled_usec %" PRIu64 "\n",
                c.usage_ns / NS_PER_US, c.usage_ns / NS_PER_US, c.nr_periods, c.nr_throttled,
                c.throttled_ns / NS_PER_US);
  return buf;
}

}  // namespace

const std::vector<CgroupFile>& cgroup_cpu_files() {
  static const std::vector<CgroupFile> files = {
      {"cpu.max", CGROUP_CPU, true, show_max, write_max},
      {"cpu.stat", CGROUP_CPU, false, show_stat, nullptr},
      {"cpu.weight", CGROUP_CPU, true, show_weight, write_weight},
      {"cpu.weight.nice", CGROUP_CPU, true, show_weight_nice, write_weight_nice},
  };
  return files;
}

}  // namespace isolab::containers
