// The container benchmark: start time and the memory of idle containers
// (ctr_bench.h).
//
// Start figures are host time (std::chrono::steady_clock) and vary from run
// to run, so the median of many starts is reported; instruction and frame
// counts are simulated and the same every run. An idle container is a
// shell, `sh`, whose stdin is a pipe nobody writes: it blocks in read(2)
// waiting for its first command, as `docker run -i busybox sh` leaves it.
#include "bench/ctr_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "containers/container.h"
#include "containers/image.h"
#include "containers/kernel.h"
#if __has_include("minios_paths.h")
#include "minios_paths.h"
#endif

namespace isolab::bench {

namespace {

using namespace containers;
using Clock = std::chrono::steady_clock;

void line(std::ostream& out, const std::string& name, const char* format, double value, const char* unit = "") {
  char number[32];
  std::snprintf(number, sizeof number, format, value);
  out << "ctr." << name << " " << number << (unit[0] ? " " : "") << unit << "\n";
}

double us_since(Clock::time_point t0) { return std::chrono::duration<double, std::micro>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// isolab's own resident memory, from /proc/self/status (VmRSS, KiB).
long host_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      long kib = 0;
      in >> kib;
      return kib;
    }
    in.ignore(4096, '\n');
  }
  return 0;
}

ErrorOr<Image> bench_image(const std::string& name, std::string& chosen) {
  if (name == "busybox" || name.empty()) {
    auto bb = image_busybox(busybox_cache_dir());
    if (bb.ok() || name == "busybox") {
      chosen = "busybox";
      return bb;
    }
    std::fprintf(stderr, "isolab bench ctr: busybox is not fetched (scripts/fetch-busybox); using the minios image\n");
  }
  if (name == "minios" || name.empty()) {
    chosen = "minios";
#ifdef ISOLAB_MINIOS_BIN_DIR
    return image_from_bin_dir("minios", ISOLAB_MINIOS_BIN_DIR);
#else
    return make_error(2, "the minios image was not built");
#endif
  }
  return make_error(2, "unknown image '" + name + "' (busybox or minios)");
}

auto output_sink(std::shared_ptr<bool> seen) {
  auto streams = std::make_shared<vfs::HostStreams>();
  streams->write = [seen](int, const char*, size_t) { *seen = true; };
  streams->read = [](char*, size_t) -> long { return 0; };
  return streams;
}

// Start containers one after another on one kernel: the start figures.
int measure_starts(std::ostream& out, const Image& img, const std::string& image, int n) {
  Kernel k;
  std::vector<double> start_us, output_us, start_insns, output_insns;
  std::vector<std::string> echo = image == "busybox" ? std::vector<std::string>{"sh", "-c", "echo hi"}
                                                     : std::vector<std::string>{"echo", "hi"};
  for (int i = 0; i < n; i++) {
    auto seen = std::make_shared<bool>(false);
    ContainerSpec spec;
    spec.name = "start" + std::to_string(i);
    spec.cmd = echo;
    spec.streams = output_sink(seen);
    uint64_t insns0 = k.cpu.s.insns;
    auto t0 = Clock::now();
    auto c = start_container(k, img, spec);
    if (!c) {
      std::fprintf(stderr, "isolab bench ctr: %s\n", c.error().message.c_str());
      return 1;
    }
    uint64_t insns_started = k.cpu.s.insns;
    k.run(1);  // the container's first instruction
    start_us.push_back(us_since(t0));
    start_insns.push_back(double(insns_started - insns0));
    k.run(UINT64_MAX, [&] { return *seen; });
    output_us.push_back(us_since(t0));
    output_insns.push_back(double(k.cpu.s.insns - insns0));
    wait_container(k, *c);
    if (!*seen || !c->exited || c->exit_code != 0) {
      std::fprintf(stderr, "isolab bench ctr: '%s' did not print and exit 0\n", echo.back().c_str());
      return 1;
    }
  }
  line(out, "start_wall_us", "%.1f", median(start_us), "us");
  line(out, "start_insns", "%.0f", median(start_insns), "insns");
  line(out, "first_output_insns", "%.0f", median(output_insns), "insns");
  line(out, "first_output_wall_us", "%.1f", median(output_us), "us");
  return 0;
}

struct Idle {
  int containers = 0;
  double frames_per_container = 0;
  double cache_kib = 0;
  double host_rss_kib_per_container = 0;
  double seconds = 0;
};

// `n` containers whose shell waits on an empty pipe, in one kernel.
ErrorOr<Idle> hold_idle(const Image& img, const std::string& image, int n, bool page_cache) {
  KernelConfig cfg;
  cfg.ram_bytes = 256u << 20;
  cfg.page_cache = page_cache;
  Kernel k(cfg);
  std::vector<std::string> cmd = {"sh"};
  std::vector<vfs::FilePtr> writers;  // held open: the shells' reads wait
  std::vector<Container> held;
  long rss0 = host_rss_kib();
  uint32_t free0 = k.frames.free_frames();
  auto t0 = Clock::now();
  for (int i = 0; i < n; i++) {
    ContainerSpec spec;
    spec.name = "idle" + std::to_string(i);
    spec.cmd = cmd;
    spec.streams = output_sink(std::make_shared<bool>());
    auto c = start_container(k, img, spec);
    if (!c) return make_error(c.code(), "container " + std::to_string(i) + ": " + c.error().message);
    auto [r, w] = vfs::make_pipe();
    k.find_host_pid(c->init_host_pid)->fds[0] = r;
    writers.push_back(w);
    held.push_back(*c);
    // Each shell runs until it waits, so later starts find the earlier ones idle.
    RunResult rr = k.run(200'000'000);
    if (rr != RunResult::Deadlock) {
      Process* p = k.find_host_pid(c->init_host_pid);
      return make_error(1, "container " + std::to_string(i) + " did not go idle (run result " + std::to_string(int(rr)) + ", " + (p ? std::string(1, p->state_letter()) : std::string("gone")) + ")");
    }
  }
  Idle idle;
  for (const Container& c : held) {
    Process* p = k.find_host_pid(c.init_host_pid);
    if (!p || p->state != ProcState::Blocked) return make_error(1, c.name + ": its shell is not waiting");
  }
  idle.seconds = us_since(t0) / 1e6;
  idle.containers = n;
  uint32_t cache = k.page_cache.pages();
  idle.cache_kib = cache * 4.0;
  idle.frames_per_container = double(free0 - k.frames.free_frames() - cache) / n;
  idle.host_rss_kib_per_container = double(host_rss_kib() - rss0) / n;
  return idle;
}

}  // namespace

int run_ctr_bench(std::ostream& out) { return run_ctr_bench(out, CtrBenchOptions{}); }

int run_ctr_bench(std::ostream& out, const CtrBenchOptions& options) {
  std::string image;
  auto img = bench_image(options.image, image);
  if (!img) {
    std::fprintf(stderr, "isolab bench ctr: %s\n", img.error().message.c_str());
    return img.code() == 2 ? 2 : 1;
  }
  std::fprintf(stderr, "isolab bench ctr: image %s\n", image.c_str());
  if (int rc = measure_starts(out, *img, image, options.starts)) return rc;
  auto idle = hold_idle(*img, image, options.idle, true);
  if (!idle) {
    std::fprintf(stderr, "isolab bench ctr: idle containers: %s\n", idle.error().message.c_str());
    return 1;
  }
  line(out, "idle_containers", "%.0f", idle->containers);
  line(out, "idle_frames_per_container", "%.1f", idle->frames_per_container, "frames");
  line(out, "idle_kib_per_container", "%.1f", idle->frames_per_container * 4, "KiB");
  line(out, "idle_page_cache_kib", "%.0f", idle->cache_kib, "KiB");
  line(out, "idle_host_rss_kib_per_container", "%.1f", idle->host_rss_kib_per_container, "KiB");
  line(out, "idle_start_all_s", "%.2f", idle->seconds, "s");
  auto plain = hold_idle(*img, image, options.compare, false);
  if (!plain) {
    std::fprintf(stderr, "isolab bench ctr: idle containers without the page cache: %s\n", plain.error().message.c_str());
    return 1;
  }
  line(out, "idle_kib_per_container.no_page_cache", "%.1f", plain->frames_per_container * 4, "KiB");
  return 0;
}

}  // namespace isolab::bench
