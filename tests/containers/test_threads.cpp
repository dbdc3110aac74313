// Threads and futexes (clone(2) with CLONE_THREAD, futex(2)): the
// threadprobe guest starts threads with the flags glibc's pthread_create
// passes on i386 and prints what Linux would answer.
#include <doctest/doctest.h>

#include "containers/linux_abi.h"
#include "tests/containers/guest_image.h"

using namespace isolab::containers;
using namespace isolab::containers::test;
using namespace isolab::containers::linux_abi;

TEST_CASE("threads: pthread-style clone shares memory, files and handlers, getpid is the TGID") {
  Kernel k;
  auto r = run_in(k, guest_image(), {"threadprobe"}, "thr");
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(field(r.out, "main_tid_is_pid") == "1");
  CHECK(field(r.out, "clone_returns_tid") == "1");
  CHECK(field(r.out, "parent_settid") == "1");
  CHECK(field(r.out, "joined") == "1");  // CLONE_CHILD_CLEARTID cleared the word and woke the joiner
  CHECK(field(r.out, "thread_getpid_is_tgid") == "1");
  CHECK(field(r.out, "thread_gettid") == "1");
  CHECK(field(r.out, "shared_memory") == "42");
  CHECK(field(r.out, "thread_tls") == "1000");  // CLONE_SETTLS: its own %gs base
  CHECK(field(r.out, "main_tls") == "77");
  CHECK(field(r.out, "wait_thread") == std::to_string(-LINUX_ECHILD));
  CHECK(field(r.out, "shared_fds") == "1");
  CHECK(field(r.out, "handler_ran_in_thread") == "1");
  CHECK(field(r.out, "tgkill") == "0");
  CHECK(field(r.out, "futex_eintr") == std::to_string(-LINUX_EINTR));
  CHECK(field(r.out, "tgkill_wrong_group") == std::to_string(-LINUX_ESRCH));
}

TEST_CASE("threads: futex waits, wakes, EAGAIN and timeouts in simulated time") {
  Kernel k;
  auto r = run_in(k, guest_image(), {"threadprobe"}, "thr");
  INFO(r.out);
  CHECK(field(r.out, "futex_eagain") == std::to_string(-LINUX_EAGAIN));
  CHECK(field(r.out, "futex_timeout") == "-110");  // ETIMEDOUT
  CHECK(field(r.out, "futex_timeout_waited") == "1");
  CHECK(field(r.out, "futex_wake_none") == "0");
  CHECK(field(r.out, "futex_woken") == "2");
}

TEST_CASE("threads: /proc lists the process once and its threads under task/") {
  Kernel k;
  auto r = run_in(k, guest_image(), {"threadprobe"}, "thr");
  INFO(r.out);
  CHECK(field(r.out, "proc_task_entries") == "3");  // the main thread and two waiters
  CHECK(field(r.out, "proc_task_after") == "1");
  // /proc in the container: PID 1 only (its threads are not listed), and
  // the seven fixed entries (meminfo mounts net self stat sysvipc uptime).
  CHECK(field(r.out, "proc_lists_threads") == "8");
}

TEST_CASE("threads: exit_group and a fatal signal end every thread, exit ends one") {
  Kernel k;
  auto r = run_in(k, guest_image(), {"threadprobe"}, "thr");
  INFO(r.out);
  CHECK(field(r.out, "exit_group_child") == "1");
  CHECK(field(r.out, "exit_group_status") == "7");
  CHECK(field(r.out, "fault_kills_group") == std::to_string(LINUX_SIGSEGV));
  CHECK(field(r.out, "main_exit_then_thread") == "1");
  CHECK(field(r.out, "main_exit_status") == "3");  // the leader's own code (no exit_group)
  // Every task is gone: nothing left in the table but nothing leaked either.
  CHECK(k.processes().empty());
}

TEST_CASE("threads: pids.max counts threads (tasks), as Linux does") {
  Kernel k;
  ContainerSpec spec;
  spec.cmd = {"threadprobe", "limit"};
  spec.hostname = "thr";
  spec.pids_max = 2;  // the main thread and one more
  auto r = run_spec(k, guest_image(), spec);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(field(r.out, "clone_first") == "1");
  CHECK(field(r.out, "clone_second") == std::to_string(-LINUX_EAGAIN));
}

TEST_CASE("threads: a program using glibc's pthreads (mutex, condition variable, join, TLS) runs") {
  auto prog = read_file(std::string(ISOLAB_TEST_GUEST_DIR) + "/pthreads");
  REQUIRE(!prog->empty());
  Image img = guest_image();
  auto bin = vfs::make_dir(0755);
  bin->entries["pthreads"] = vfs::make_file(prog, 0755);
  auto root = vfs::make_dir(0755);
  root->entries["bin"] = bin;
  img.layers.push_back(make_layer(root, "COPY pthreads /bin"));
  Kernel k;
  auto r = run_in(k, img, {"pthreads"}, "glibc");
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(field(r.out, "counter") == "4000");
  CHECK(field(r.out, "ready") == "4");
  CHECK(field(r.out, "threads_ok") == "1");
  CHECK(k.stats.unknown_syscalls < 10);  // rseq, clone3 and the like fall back on ENOSYS
}
