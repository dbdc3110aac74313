// System information, time, randomness and limits: uname, sethostname,
// clock_gettime, getrandom, sysinfo, prlimit64 (uname(2), clock_gettime(2),
// getrandom(2), sysinfo(2), getrlimit(2)). Signals are in signal.cpp.
// Resource limits are stored per process, inherited by fork and kept by
// execve; the kernel enforces RLIMIT_NOFILE (EMFILE), RLIMIT_NPROC (EAGAIN
// at fork, for unprivileged users), RLIMIT_AS and RLIMIT_DATA (ENOMEM at
// mmap, brk keeps the old break), RLIMIT_STACK (a touch deeper in the stack
// is SIGSEGV); RLIMIT_CORE and the others are recorded.
// CLOCK_MONOTONIC and CLOCK_BOOTTIME add the caller's time namespace's offsets.
#include <cstring>

#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"
#include "containers/syscalls/syscalls.h"

namespace isolab::containers::syscalls {

using namespace linux_abi;

namespace {

// Wall-clock time starts at a fixed date so runs repeat: 2024-01-01 00:00 UTC.
constexpr uint64_t EPOCH_S = 1704067200;

void put_field(uint8_t* at, const std::string& s) { std::strncpy(reinterpret_cast<char*>(at), s.c_str(), 64); }

}  // namespace

bool read_clock(Kernel& k, Process& p, uint32_t clock, uint64_t& out) {
  switch (clock) {
    case LINUX_CLOCK_REALTIME:
    case LINUX_CLOCK_REALTIME_COARSE: out = EPOCH_S * 1000000000ull + k.now_ns(); return true;
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_MONOTONIC_RAW:
    case LINUX_CLOCK_MONOTONIC_COARSE:
    case LINUX_CLOCK_BOOTTIME: out = uint64_t(int64_t(k.now_ns()) + ns::clock_offset(*p.ns.time, clock)); return true;
    case LINUX_CLOCK_PROCESS_CPUTIME_ID:
    case LINUX_CLOCK_THREAD_CPUTIME_ID: out = p.user_insns * k.config.ns_per_insn; return true;
    default: return false;
  }
}

// uname(buf): struct new_utsname, six fields of 65 bytes. The node name is
// the caller's UTS namespace's: what makes `hostname` differ per container.
int32_t sys_uname(Kernel&, Process& p, const Args& a) {
  uint8_t u[6 * 65] = {};
  put_field(u + 0 * 65, "Linux");
  put_field(u + 1 * 65, p.ns.uts->hostname);
  put_field(u + 2 * 65, "6.1.0-isolab");
  put_field(u + 3 * 65, "#1 SMP isolab simulated kernel");
  put_field(u + 4 * 65, "i686");
  put_field(u + 5 * 65, p.ns.uts->domainname);
  return p.mm->copy_out(a[0], u, sizeof u) ? 0 : -LINUX_EFAULT;
}

int32_t sys_sethostname(Kernel&, Process& p, const Args& a) {
  if (!ns::capable(p)) return -LINUX_EPERM;
  if (a.s(1) < 0 || a[1] > 64) return -LINUX_EINVAL;
  std::string name(a[1], '\0');
  if (a[1] && !p.mm->copy_in(a[0], name.data(), a[1])) return -LINUX_EFAULT;
  p.ns.uts->hostname = name.substr(0, name.find('\0'));
  return 0;
}

int32_t sys_clock_gettime(Kernel& k, Process& p, const Args& a) {
  uint64_t ns;
  if (!read_clock(k, p, a[0], ns)) return -LINUX_EINVAL;
  int32_t ts[2] = {int32_t(ns / 1000000000ull), int32_t(ns % 1000000000ull)};
  return p.mm->copy_out(a[1], ts, sizeof ts) ? 0 : -LINUX_EFAULT;
}

// clock_gettime64: the y2038-safe variant with 64-bit fields, which
// current glibc on i386 tries first.
int32_t sys_clock_gettime64(Kernel& k, Process& p, const Args& a) {
  uint64_t ns;
  if (!read_clock(k, p, a[0], ns)) return -LINUX_EINVAL;
  int64_t ts[2] = {int64_t(ns / 1000000000ull), int64_t(ns % 1000000000ull)};
  return p.mm->copy_out(a[1], ts, sizeof ts) ? 0 : -LINUX_EFAULT;
}

// clock_nanosleep(clock, flags, req, rem) (clock_nanosleep(2)), which
// glibc's nanosleep() and so busybox sleep call on i386 (the time64
// variant first). The process sleeps in simulated time, as in nanosleep:
// for `req` from now, or with TIMER_ABSTIME until `clock` reads `req`. A
// signal ends it with EINTR; the time left goes to `rem` (relative sleeps
// with the 32-bit timespec only: the signal code writes that layout).
static int32_t clock_sleep(Kernel& k, Process& p, const Args& a, int64_t sec, int64_t nsec, bool time64) {
  constexpr uint32_t LINUX_TIMER_ABSTIME = 1;
  const uint32_t clock = a[0], flags = a[1];
  if (clock == LINUX_CLOCK_THREAD_CPUTIME_ID) return -LINUX_EINVAL;
  uint64_t now;
  if (!read_clock(k, p, clock, now)) return -LINUX_EINVAL;
  if (sec < 0 || nsec < 0 || nsec >= 1000000000) return -LINUX_EINVAL;
  if (p.sigpending & ~p.sigmask) return -LINUX_EINTR;
  uint64_t ns = uint64_t(sec) * 1000000000ull + uint64_t(nsec);
  if (flags & LINUX_TIMER_ABSTIME) ns = ns > now ? ns - now : 0;
  p.wake_ns = k.now_ns() + ns;
  p.sleep_rem_va = (flags & LINUX_TIMER_ABSTIME) || time64 ? 0 : a[3];
  p.state = ProcState::Sleeping;
  return 0;
}

int32_t sys_clock_nanosleep(Kernel& k, Process& p, const Args& a) {
  int32_t ts[2];
  if (!p.mm->copy_in(a[2], ts, sizeof ts)) return -LINUX_EFAULT;
  return clock_sleep(k, p, a, ts[0], ts[1], false);
}

int32_t sys_clock_nanosleep_time64(Kernel& k, Process& p, const Args& a) {
  int64_t ts[2];
  if (!p.mm->copy_in(a[2], ts, sizeof ts)) return -LINUX_EFAULT;
  return clock_sleep(k, p, a, ts[0], ts[1], true);
}

int32_t sys_gettimeofday(Kernel& k, Process& p, const Args& a) {
  uint64_t ns;
  read_clock(k, p, LINUX_CLOCK_REALTIME, ns);
  int32_t tv[2] = {int32_t(ns / 1000000000ull), int32_t(ns % 1000000000ull / 1000)};
  if (a[0] && !p.mm->copy_out(a[0], tv, sizeof tv)) return -LINUX_EFAULT;
  int32_t tz[2] = {0, 0};
  if (a[1] && !p.mm->copy_out(a[1], tz, sizeof tz)) return -LINUX_EFAULT;
  return 0;
}

int32_t sys_time(Kernel& k, Process& p, const Args& a) {
  uint64_t ns;
  read_clock(k, p, LINUX_CLOCK_REALTIME, ns);
  int32_t t = int32_t(ns / 1000000000ull);
  if (a[0] && put_user(p, a[0], t) < 0) return -LINUX_EFAULT;
  return t;
}

// getrandom(buf, len, flags): bytes from the kernel's seeded PRNG, so a
// run repeats exactly.
int32_t sys_getrandom(Kernel& k, Process& p, const Args& a) {
  if (a[2] & ~7u) return -LINUX_EINVAL;
  uint32_t len = std::min<uint32_t>(a[1], 33554431);
  std::vector<uint8_t> buf(len);
  for (uint32_t i = 0; i < len; i += 8) {
    uint64_t r = k.random64();
    std::memcpy(buf.data() + i, &r, std::min<uint32_t>(8, len - i));
  }
  if (len && !p.mm->copy_out(a[0], buf.data(), len)) return -LINUX_EFAULT;
  return int32_t(len);
}

// sysinfo(info): struct sysinfo on i386 (64 bytes), memory in units of 4 KiB.
int32_t sys_sysinfo(Kernel& k, Process& p, const Args& a) {
  uint32_t s[16] = {};
  s[0] = uint32_t(k.now_ns() / 1000000000ull);  // uptime
  s[4] = k.frames.total_frames();                // totalram
  s[5] = k.frames.free_frames();                 // freeram
  uint16_t procs = uint16_t(k.processes().size());
  std::memcpy(&s[10], &procs, 2);                // procs (then padding)
  s[13] = PAGE_SIZE;                             // mem_unit
  return p.mm->copy_out(a[0], s, sizeof s) ? 0 : -LINUX_EFAULT;
}

namespace {

constexpr uint64_t RLIM_INFINITY = ~0ull;

// Set `p`'s limit `resource` (do_prlimit()): the soft limit at most the
// hard; raising the hard needs privilege (CAP_SYS_RESOURCE); RLIMIT_NOFILE
// at most fs.nr_open. RLIMIT_STACK applies to the stack from now on.
int32_t set_limit(Kernel& k, Process& caller, Process& p, uint32_t resource, RLimit lim) {
  if (lim.cur > lim.max) return -LINUX_EINVAL;
  if (lim.max > p.rlimits[resource].max && !ns::capable(caller)) return -LINUX_EPERM;
  if (resource == RLIMIT_NOFILE_ && lim.max > (1u << 20)) return -LINUX_EPERM;
  p.rlimits[resource] = lim;
  if (resource == RLIMIT_STACK_ && p.mm) p.mm->stack_limit = uint32_t(std::min<uint64_t>(lim.cur, STACK_SIZE));
  return 0;
}

// The 32-bit struct rlimit: RLIM_INFINITY and anything above it as ~0.
void put_limit32(const RLimit& l, uint32_t out[2], uint32_t infinity) {
  out[0] = l.cur >= infinity ? infinity : uint32_t(l.cur);
  out[1] = l.max >= infinity ? infinity : uint32_t(l.max);
}

RLimit from_limit32(const uint32_t in[2]) {
  return RLimit{in[0] == 0xFFFFFFFFu ? RLIM_INFINITY : in[0], in[1] == 0xFFFFFFFFu ? RLIM_INFINITY : in[1]};
}

}  // namespace

// prlimit64(pid, resource, new_limit, old_limit): the limits of the caller
// (pid 0) or of a process it may change (the same user, or privileged).
int32_t sys_prlimit64(Kernel& k, Process& p, const Args& a) {
  Process* t = a.s(0) == 0 ? &p : k.find(*p.ns.pid, a.s(0));
  if (!t) return -LINUX_ESRCH;
  if (a[1] >= uint32_t(RLIMIT_NLIMITS)) return -LINUX_EINVAL;
  if (t != &p && t->uid != p.uid && !ns::capable(p)) return -LINUX_EPERM;
  RLimit old = t->rlimits[a[1]];
  if (a[2]) {
    uint64_t lim[2];
    if (!p.mm->copy_in(a[2], lim, sizeof lim)) return -LINUX_EFAULT;
    if (int32_t r = set_limit(k, p, *t, a[1], RLimit{lim[0], lim[1]})) return r;
  }
  if (a[3]) {
    uint64_t lim[2] = {old.cur, old.max};
    if (!p.mm->copy_out(a[3], lim, sizeof lim)) return -LINUX_EFAULT;
  }
  return 0;
}

// ugetrlimit(resource, rlim) (191): 32-bit limits, RLIM_INFINITY as ~0.
int32_t sys_ugetrlimit(Kernel&, Process& p, const Args& a) {
  if (a[0] >= uint32_t(RLIMIT_NLIMITS)) return -LINUX_EINVAL;
  uint32_t lim[2];
  put_limit32(p.rlimits[a[0]], lim, 0xFFFFFFFFu);
  return p.mm->copy_out(a[1], lim, sizeof lim) ? 0 : -LINUX_EFAULT;
}

// The old getrlimit (76): as ugetrlimit, but limits above 0x7FFFFFFF read
// as 0x7FFFFFFF (the signed RLIM_INFINITY of old i386 programs).
int32_t sys_old_getrlimit(Kernel&, Process& p, const Args& a) {
  if (a[0] >= uint32_t(RLIMIT_NLIMITS)) return -LINUX_EINVAL;
  uint32_t lim[2];
  put_limit32(p.rlimits[a[0]], lim, 0x7FFFFFFFu);
  return p.mm->copy_out(a[1], lim, sizeof lim) ? 0 : -LINUX_EFAULT;
}

// setrlimit(resource, rlim) (75): 32-bit limits.
int32_t sys_setrlimit(Kernel& k, Process& p, const Args& a) {
  if (a[0] >= uint32_t(RLIMIT_NLIMITS)) return -LINUX_EINVAL;
  uint32_t lim[2];
  if (!p.mm->copy_in(a[1], lim, sizeof lim)) return -LINUX_EFAULT;
  return set_limit(k, p, p, a[0], from_limit32(lim));
}

int32_t sys_umask(Kernel&, Process& p, const Args& a) {
  uint32_t old = p.umask;
  p.umask = a[0] & 0777;
  return int32_t(old);
}

}  // namespace isolab::containers::syscalls
