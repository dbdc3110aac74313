// Resource limits (getrlimit(2), prlimit64(2)): stored per process,
// inherited across fork and execve, and enforced where Linux enforces
// them; the rlimitprobe guest prints what the kernel answered.
#include <doctest/doctest.h>

#include "containers/linux_abi.h"
#include "tests/containers/guest_image.h"

using namespace isolab::containers;
using namespace isolab::containers::test;
using namespace isolab::containers::linux_abi;

namespace {
RunOutput rlimitprobe(const std::string& which) {
  Kernel k;
  return run_in(k, guest_image(), {"rlimitprobe", which}, "lim");
}
std::string err(int e) { return std::to_string(-e); }
}  // namespace

TEST_CASE("rlimit: RLIMIT_NOFILE makes open, dup and pipe fail with EMFILE") {
  auto r = rlimitprobe("nofile");
  INFO(r.out, r.err);
  CHECK(field(r.out, "set") == "0");
  CHECK(field(r.out, "ugetrlimit") == "5");
  CHECK(field(r.out, "getrlimit") == "5");
  CHECK(field(r.out, "open_3_4") == "1");
  CHECK(field(r.out, "open_emfile") == err(LINUX_EMFILE));
  CHECK(field(r.out, "dup_emfile") == err(LINUX_EMFILE));
  CHECK(field(r.out, "pipe_emfile") == err(LINUX_EMFILE));
  CHECK(field(r.out, "dup2_past_limit") == err(LINUX_EBADF));
  CHECK(field(r.out, "open_after_close") == "4");
  CHECK(field(r.out, "raise_soft_within_hard") == "0");
  CHECK(field(r.out, "soft_above_hard") == err(LINUX_EINVAL));
}

TEST_CASE("rlimit: limits are inherited by fork and kept across execve") {
  auto r = rlimitprobe("inherit");
  INFO(r.out, r.err);
  CHECK(field(r.out, "child_nofile") == "7");
  CHECK(field(r.out, "exec_nofile") == "7");
}

TEST_CASE("rlimit: only a privileged process raises a hard limit or changes another user's") {
  auto r = rlimitprobe("perm");
  INFO(r.out, r.err);
  CHECK(field(r.out, "lower_hard") == "0");
  CHECK(field(r.out, "raise_hard_eperm") == err(LINUX_EPERM));
  CHECK(field(r.out, "other_process_eperm") == err(LINUX_EPERM));
  CHECK(field(r.out, "root_raises_hard") == "0");
  CHECK(field(r.out, "core_set") == "0");
  CHECK(field(r.out, "core_recorded") == "4096");
  CHECK(field(r.out, "bad_resource") == err(LINUX_EINVAL));
}

TEST_CASE("rlimit: RLIMIT_NPROC refuses fork with EAGAIN for an unprivileged user") {
  auto r = rlimitprobe("nproc");
  INFO(r.out, r.err);
  CHECK(field(r.out, "fork_eagain") == err(LINUX_EAGAIN));
  CHECK(field(r.out, "root_forks") == "1");
}

TEST_CASE("rlimit: RLIMIT_AS and RLIMIT_DATA refuse mappings with ENOMEM, brk keeps the old break") {
  auto r = rlimitprobe("memory");
  INFO(r.out, r.err);
  CHECK(field(r.out, "as_set") == "0");
  CHECK(field(r.out, "mmap_over_as") == err(LINUX_ENOMEM));
  CHECK(field(r.out, "mmap_under_as") == "1");
  CHECK(field(r.out, "data_set") == "0");
  CHECK(field(r.out, "brk_over_data_keeps_break") == "1");
  CHECK(field(r.out, "mmap_writable_over_data") == err(LINUX_ENOMEM));
  CHECK(field(r.out, "mmap_readonly_not_data") == "1");
}

TEST_CASE("rlimit: RLIMIT_STACK bounds how deep the stack grows") {
  auto r = rlimitprobe("stack");
  INFO(r.out, r.err);
  CHECK(field(r.out, "deep_touch_signal") == std::to_string(LINUX_SIGSEGV));
  CHECK(field(r.out, "default_touch_status") == "0");
}
