// Time namespaces (time_namespaces(7), kernel/time/namespace.c): offsets
// added to CLOCK_MONOTONIC and CLOCK_BOOTTIME for the processes inside, so
// a container migrated to another host can keep its clocks. The offsets
// are written to /proc/<pid>/timens_offsets after unshare(CLONE_NEWTIME)
// and before the first process enters (the caller's next child).
// Lesson: "namespaces: even time".
#include <cstdio>
#include <sstream>

#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers::ns {

using namespace linux_abi;

int64_t clock_offset(const TimeNamespace& ns, uint32_t clock) {
  switch (clock) {
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_MONOTONIC_RAW:
    case LINUX_CLOCK_MONOTONIC_COARSE: return ns.monotonic_ns;
    case LINUX_CLOCK_BOOTTIME: return ns.boottime_ns;
    default: return 0;
  }
}

std::string timens_offsets_text(const TimeNamespace& ns) {
  auto line = [](const char* name, int64_t ns_) {
    // Seconds and nanoseconds, the nanoseconds always positive (proc_timens_show_offsets()).
    int64_t s = ns_ / 1000000000, n = ns_ % 1000000000;
    if (n < 0) n += 1000000000, s--;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s %lld %lld\n", name, (long long)s, (long long)n);
    return std::string(buf);
  };
  return line("monotonic", ns.monotonic_ns) + line("boottime", ns.boottime_ns);
}

int32_t write_timens_offsets(TimeNamespace& ns, const Process& writer, const std::string& text) {
  if (!capable(writer)) return -LINUX_EPERM;
  int64_t mono = ns.monotonic_ns, boot = ns.boottime_ns;
  std::istringstream lines(text);
  std::string line;
  bool any = false;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::istringstream in(line);
    std::string clock, rest;
    long long secs, nanos;
    if (!(in >> clock >> secs >> nanos) || (in >> rest) || nanos < 0 || nanos >= 1000000000) return -LINUX_EINVAL;
    int64_t v = secs * 1000000000ll + nanos;
    if (clock == "monotonic" || clock == "1") mono = v;
    else if (clock == "boottime" || clock == "7") boot = v;
    else return -LINUX_EINVAL;
    any = true;
  }
  if (!any) return -LINUX_EINVAL;
  if (ns.frozen) return -LINUX_EACCES;  // a process is already in it
  ns.monotonic_ns = mono;
  ns.boottime_ns = boot;
  return 0;
}

}  // namespace isolab::containers::ns
