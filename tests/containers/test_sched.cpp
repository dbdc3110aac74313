// The fair scheduler and the cpu controller (containers/sched.h,
// containers/cgroup/cpu.cpp): cpu.weight shares the CPU in proportion,
// cpu.max caps a cgroup's bandwidth with throttling, the files parse and
// refuse as Linux's do (Documentation/admin-guide/cgroup-v2.rst "CPU").
#include <doctest/doctest.h>

#include "containers/linux_abi.h"
#include "tests/containers/workload.h"
#include "trace/trace.h"

using namespace isolab::containers;
using namespace isolab::containers::test;
using namespace isolab::containers::linux_abi;

namespace {

double usage_us(Kernel& k, Cgroup& cg) { return double(stat_key(cg_read(k, cg, "cpu.stat"), "usage_usec")); }

}  // namespace

TEST_CASE("sched: two spinning containers at cpu.weight 100 and 300 share the CPU 1:3") {
  Kernel k;
  Image img = workload_image();
  Started light = start(k, img, "light", {"workload", "spin"});
  Started heavy = start(k, img, "heavy", {"workload", "spin"});
  REQUIRE(light.c.cgroup);
  REQUIRE(heavy.c.cgroup);
  CHECK(cgroup_write(k, *heavy.c.cgroup, "cpu.weight", "300") == 0);
  CHECK(k.run(20'000'000) == RunResult::Budget);
  double l = usage_us(k, *light.c.cgroup), h = usage_us(k, *heavy.c.cgroup);
  INFO("light " << l << " us, heavy " << h << " us");
  REQUIRE(l > 0);
  CHECK(h / l == doctest::Approx(3.0).epsilon(0.03));
  CHECK(l + h == doctest::Approx(20'000'000 / 1000.0).epsilon(0.01));  // 1 ns an instruction
  // The root's cpu.stat counts everything.
  CHECK(usage_us(k, *k.cgroups.root) == doctest::Approx(l + h).epsilon(0.001));
}

TEST_CASE("sched: cpu.max \"50000 100000\" holds a spinner to 50% and nr_throttled grows") {
  KernelConfig cfg;
  cfg.ns_per_insn = 100;  // a 100 ms period is a million instructions
  Kernel k(cfg);
  isolab::trace::Trace t;
  k.trace = &t;
  uint64_t throttle_events = 0;
  t.add_sink([&](const isolab::trace::Event& e) {
    if (e.kind == isolab::trace::Kind::Cgroup && std::string(e.what) == "cpu.max: throttled" &&
        std::string(e.source) == "/capped")
      throttle_events++;
  });
  Image img = workload_image();
  Started s = start(k, img, "capped", {"workload", "spin"});
  REQUIRE(s.c.cgroup);
  Cgroup& cg = *s.c.cgroup;
  CHECK(cgroup_write(k, cg, "cpu.max", "50000 100000") == 0);
  CHECK(cg_read(k, cg, "cpu.max") == "50000 100000\n");
  uint64_t t0 = k.now_ns();
  auto after = [&](uint64_t ns) { return [&k, t0, ns] { return k.now_ns() >= t0 + ns; }; };
  CHECK(k.run(UINT64_MAX, after(1'000'000'000)) == RunResult::Done);
  std::string st = cg_read(k, cg, "cpu.stat");
  INFO(st);
  double elapsed_us = double(k.now_ns() - t0) / 1000.0;
  CHECK(double(stat_key(st, "usage_usec")) / elapsed_us == doctest::Approx(0.5).epsilon(0.03));
  long long throttled = stat_key(st, "nr_throttled");
  CHECK(throttled >= 9);
  CHECK(stat_key(st, "nr_periods") >= 9);
  // Each period that ended throttled it for its second half (the current
  // throttle counts once it ends, as Linux adds throttled_time at unthrottle).
  CHECK(double(stat_key(st, "throttled_usec")) == doctest::Approx(50000.0 * double(stat_key(st, "nr_periods"))).epsilon(0.03));
  // Every throttle is an event; the one going on now is counted in
  // nr_throttled when its period ends, so nr_throttled <= nr_periods.
  CHECK(throttle_events >= uint64_t(throttled));
  CHECK(throttle_events <= uint64_t(throttled) + 1);
  CHECK(throttled <= stat_key(st, "nr_periods"));
  CHECK(k.run(UINT64_MAX, after(1'500'000'000)) == RunResult::Done);
  CHECK(stat_key(cg_read(k, cg, "cpu.stat"), "nr_throttled") >= throttled + 4);
  // Lifting the limit gives the spinner the whole CPU again.
  CHECK(cgroup_write(k, cg, "cpu.max", "max") == 0);
  CHECK(cg_read(k, cg, "cpu.max") == "max 100000\n");
  double before = usage_us(k, cg);
  uint64_t t1 = k.now_ns();
  k.run(1'000'000);
  CHECK(usage_us(k, cg) - before == doctest::Approx(double(k.now_ns() - t1) / 1000.0).epsilon(0.001));
}

TEST_CASE("sched: cgroups are group entities: two processes in one cgroup share its half") {
  Kernel k;
  Image img = workload_image();
  Started a1 = start(k, img, "a1", {"workload", "spin"});
  Started a2 = start(k, img, "a2", {"workload", "spin"});
  Started b = start(k, img, "b", {"workload", "spin"});
  Cgroup& grp = *cgroup_mkdir(k, *k.cgroups.root, "grp").value();
  REQUIRE(cgroup_attach(k, grp, *a1.init(k)) == 0);
  REQUIRE(cgroup_attach(k, grp, *a2.init(k)) == 0);
  k.run(12'000'000);
  double g = usage_us(k, grp), other = usage_us(k, *b.c.cgroup);
  CHECK(g / other == doctest::Approx(1.0).epsilon(0.03));
  double p1 = double(a1.init(k)->user_insns), p2 = double(a2.init(k)->user_insns);
  CHECK(p1 / p2 == doctest::Approx(1.0).epsilon(0.03));
  // Weight 200 against 100: the group of two gets two thirds.
  CHECK(cgroup_write(k, grp, "cpu.weight", "200") == 0);
  double g0 = usage_us(k, grp), o0 = usage_us(k, *b.c.cgroup);
  k.run(12'000'000);
  CHECK((usage_us(k, grp) - g0) / (usage_us(k, *b.c.cgroup) - o0) == doctest::Approx(2.0).epsilon(0.03));
}

TEST_CASE("sched: a sleeper does not bank CPU time, and the same inputs give the same schedule") {
  auto once = [] {
    Kernel k;
    Image img = workload_image();
    Started early = start(k, img, "early", {"workload", "spin"});
    Started nap = start(k, img, "nap", {"workload", "spin", "5"});  // sleeps 5 ms, then spins
    k.run(10'000'000);  // 10 ms at 1 ns an instruction
    return std::vector<uint64_t>{uint64_t(stat_key(cg_read(k, *early.c.cgroup, "cpu.stat"), "usage_usec")),
                                 uint64_t(stat_key(cg_read(k, *nap.c.cgroup, "cpu.stat"), "usage_usec")),
                                 k.stats.context_switches, k.now_ns()};
  };
  auto a = once(), b = once();
  CHECK(a == b);
  // Alone for 5 ms, then halves: 7.5 ms against 2.5. A sleeper that kept
  // its old vruntime would instead run alone until it caught up (5 : 5).
  CHECK(double(a[0]) / double(a[1]) == doctest::Approx(3.0).epsilon(0.05));
}

TEST_CASE("sched: cpu.weight, cpu.weight.nice and cpu.max parse and refuse as Linux's do") {
  Kernel k;
  Cgroup& c = *cgroup_mkdir(k, *k.cgroups.root, "c").value();
  CHECK(cg_read(k, c, "cpu.weight") == "100\n");
  CHECK(cg_read(k, c, "cpu.weight.nice") == "0\n");
  CHECK(cg_read(k, c, "cpu.max") == "max 100000\n");
  CHECK(cg_read(k, c, "cpu.stat") ==
        "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
  CHECK(cgroup_write(k, c, "cpu.weight", "300\n") == 0);
  CHECK(cg_read(k, c, "cpu.weight") == "300\n");
  CHECK(cgroup_write(k, c, "cpu.weight", "1") == 0);
  CHECK(cg_read(k, c, "cpu.weight") == "1\n");
  CHECK(cgroup_write(k, c, "cpu.weight", "10000") == 0);
  CHECK(cgroup_write(k, c, "cpu.weight", "0") == -LINUX_ERANGE);
  CHECK(cgroup_write(k, c, "cpu.weight", "10001") == -LINUX_ERANGE);
  CHECK(cgroup_write(k, c, "cpu.weight", "-5") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, c, "cpu.weight", "heavy") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, c, "cpu.weight", "") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, c, "cpu.weight.nice", "-20") == 0);
  CHECK(cg_read(k, c, "cpu.weight") == "8668\n");  // 88761 * 100 / 1024
  CHECK(cg_read(k, c, "cpu.weight.nice") == "-20\n");
  CHECK(cgroup_write(k, c, "cpu.weight.nice", "19") == 0);
  CHECK(cg_read(k, c, "cpu.weight") == "1\n");
  CHECK(cg_read(k, c, "cpu.weight.nice") == "19\n");
  CHECK(cgroup_write(k, c, "cpu.weight.nice", "20") == -LINUX_ERANGE);
  CHECK(cgroup_write(k, c, "cpu.weight.nice", "-21") == -LINUX_ERANGE);
  CHECK(cgroup_write(k, c, "cpu.weight", "100") == 0);
  CHECK(cg_read(k, c, "cpu.weight.nice") == "0\n");
  CHECK(cgroup_write(k, c, "cpu.max", "20000 50000") == 0);
  CHECK(cg_read(k, c, "cpu.max") == "20000 50000\n");
  CHECK(cgroup_write(k, c, "cpu.max", "30000") == 0);  // the period stays
  CHECK(cg_read(k, c, "cpu.max") == "30000 50000\n");
  CHECK(cgroup_write(k, c, "cpu.max", "max") == 0);
  CHECK(cg_read(k, c, "cpu.max") == "max 50000\n");
  CHECK(cgroup_write(k, c, "cpu.max", "500 100000") == -LINUX_EINVAL);      // quota under 1 ms
  CHECK(cgroup_write(k, c, "cpu.max", "5000 500") == -LINUX_EINVAL);        // period under 1 ms
  CHECK(cgroup_write(k, c, "cpu.max", "5000 2000000") == -LINUX_EINVAL);    // period over 1 s
  CHECK(cgroup_write(k, c, "cpu.max", "lots 100000") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, c, "cpu.max", "") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, c, "cpu.max", "-1 100000") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, c, "cpu.max", "max 1000000") == 0);
  CHECK(cg_read(k, c, "cpu.max") == "max 1000000\n");
  // The root has cpu.stat but no knobs; the files follow the controller.
  CHECK(cgroup_file(*k.cgroups.root, "cpu.stat"));
  CHECK(!cgroup_file(*k.cgroups.root, "cpu.weight"));
  CHECK(!cgroup_file(*k.cgroups.root, "cpu.max"));
  CHECK(cgroup_write(k, c, "cpu.stat", "0") == -LINUX_EACCES);
  Cgroup& d = *cgroup_mkdir(k, c, "d").value();
  CHECK(!cgroup_file(d, "cpu.weight"));  // c has not enabled cpu for its children
  CHECK(cgroup_write(k, c, "cgroup.subtree_control", "+cpu") == 0);
  CHECK(cg_read(k, d, "cpu.weight") == "100\n");
}
