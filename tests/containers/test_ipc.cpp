// System V IPC (sysvipc(7)) per IPC namespace: the ipcprobe guest makes
// the calls through ipc(2) and the direct i386 calls and prints what
// Linux would answer; the isolation cases run it in two containers.
#include <doctest/doctest.h>

#include "containers/linux_abi.h"
#include "tests/containers/guest_image.h"

using namespace isolab::containers;
using namespace isolab::containers::test;
using namespace isolab::containers::linux_abi;

namespace {
RunOutput ipcprobe(Kernel& k, std::vector<std::string> args, std::string host = "ipc") {
  args.insert(args.begin(), "ipcprobe");
  return run_in(k, guest_image(), std::move(args), std::move(host));
}
const std::string EINVAL_ = std::to_string(-LINUX_EINVAL);
}  // namespace

TEST_CASE("ipc: shared memory is shared across fork and attaches, kept until IPC_RMID and the last detach") {
  Kernel k;
  auto r = ipcprobe(k, {"shm"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(field(r.out, "shmget") == "1");
  CHECK(field(r.out, "shmat") == "1");
  CHECK(field(r.out, "shared_after_fork") == "111");
  CHECK(field(r.out, "second_page") == "7");
  CHECK(field(r.out, "ipc_stat") == "0");
  CHECK(field(r.out, "shm_segsz") == "8192");
  CHECK(field(r.out, "shm_nattch") == "1");
  CHECK(field(r.out, "shm_mode") == "384");  // 0600
  CHECK(field(r.out, "second_attach_sees") == "111");
  CHECK(field(r.out, "nattch_two") == "2");
  CHECK(field(r.out, "shmdt") == "0");
  CHECK(field(r.out, "shmdt_again") == EINVAL_);
  CHECK(field(r.out, "proc_sysvipc_shm_lines") == "2");  // the header and the segment
  CHECK(field(r.out, "key_same_id") == "1");
  CHECK(field(r.out, "key_excl") == std::to_string(-LINUX_EEXIST));
  CHECK(field(r.out, "key_too_big") == EINVAL_);
  CHECK(field(r.out, "key_missing") == std::to_string(-LINUX_ENOENT));
  CHECK(field(r.out, "size_zero") == EINVAL_);
  CHECK(field(r.out, "shmat_bad_id") == EINVAL_);
  CHECK(field(r.out, "shmat_unaligned") == EINVAL_);
  CHECK(field(r.out, "shmat_eacces") == std::to_string(-LINUX_EACCES));
  CHECK(field(r.out, "rmid_eperm") == std::to_string(-LINUX_EPERM));
  CHECK(field(r.out, "rmid") == "0");
  CHECK(field(r.out, "after_rmid_usable") == "5");
  CHECK(field(r.out, "after_rmid_stat_dest") == "1");
  CHECK(field(r.out, "shmdt_last") == "0");
  CHECK(field(r.out, "after_last_detach") == EINVAL_);
}

TEST_CASE("ipc: semop blocks until another process's V, IPC_NOWAIT is EAGAIN, removal wakes sleepers with EIDRM") {
  Kernel k;
  auto r = ipcprobe(k, {"sem"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(field(r.out, "semget") == "1");
  CHECK(field(r.out, "getval") == "0");
  CHECK(field(r.out, "nowait") == std::to_string(-LINUX_EAGAIN));
  CHECK(field(r.out, "ncnt") == "1");
  CHECK(field(r.out, "v") == "0");
  CHECK(field(r.out, "child_passed") == "42");
  CHECK(field(r.out, "value_after") == "0");
  CHECK(field(r.out, "setval") == "0");
  CHECK(field(r.out, "getval_direct") == "3");
  CHECK(field(r.out, "erange") == std::to_string(-LINUX_ERANGE));
  CHECK(field(r.out, "efbig") == std::to_string(-LINUX_EFBIG));
  CHECK(field(r.out, "rmid") == "0");
  CHECK(field(r.out, "sleeper_eidrm") == "43");
  CHECK(field(r.out, "after_rmid") == EINVAL_);
  CHECK(field(r.out, "proc_sysvipc_sem_lines") == "1");
}

TEST_CASE("ipc: message queues keep typed messages in order, msgrcv by type, E2BIG, ENOMSG, blocking") {
  Kernel k;
  auto r = ipcprobe(k, {"msg"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(field(r.out, "msgget") == "1");
  CHECK(field(r.out, "snd3") == "0");
  CHECK(field(r.out, "snd1") == "0");
  CHECK(field(r.out, "snd2") == "0");
  CHECK(field(r.out, "snd_bad_type") == EINVAL_);
  CHECK(field(r.out, "rcv_type2") == "6");
  CHECK(field(r.out, "rcv_type2_got") == "2");
  CHECK(field(r.out, "rcv_lowest") == "6");
  CHECK(field(r.out, "rcv_lowest_got") == "1");
  CHECK(field(r.out, "rcv_e2big") == std::to_string(-LINUX_E2BIG));
  CHECK(field(r.out, "rcv_noerror") == "2");
  CHECK(field(r.out, "rcv_first_text") == std::to_string(int('t')));  // "three", cut to 2 bytes
  CHECK(field(r.out, "rcv_empty") == "-42");                          // ENOMSG
  CHECK(field(r.out, "blocked_receiver_got") == "9");
  CHECK(field(r.out, "proc_sysvipc_msg_lines") == "2");
  CHECK(field(r.out, "rmid") == "0");
  CHECK(field(r.out, "after_rmid") == EINVAL_);
}

TEST_CASE("ipc: two containers with the same key see different segments, two processes in one share it") {
  Kernel k;
  // Each container is its own IPC namespace (runc's default set).
  auto a = ipcprobe(k, {"key", "4242", "from-a"}, "a");
  auto b = ipcprobe(k, {"key", "4242", "from-b"}, "b");
  INFO(a.out, b.out);
  CHECK(field(a.out, "held") == "(nothing)");
  CHECK(field(b.out, "held") == "(nothing)");  // not a's segment
  // In one container, a second process finds the first one's segment by key.
  Kernel k2;
  auto one = ipcprobe(k2, {"keytwice", "4242"}, "one");
  INFO(one.out, one.err);
  CHECK(one.out.find("held=(nothing)") != std::string::npos);
  CHECK(one.out.find("held=first") != std::string::npos);
}

TEST_CASE("ipc: shared memory pages are charged to the creator's memory cgroup") {
  Kernel k;
  std::string out;
  auto streams = std::make_shared<vfs::HostStreams>();
  streams->write = [&out](int, const char* d, size_t n) { out.append(d, n); };
  ContainerSpec spec;
  spec.cmd = {"ipcprobe", "charge"};
  spec.hostname = "charge";
  spec.streams = streams;
  auto c = start_container(k, guest_image(), spec);
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  // The cgroup's pages at each stage the guest reaches (it sleeps after each).
  auto pages_at = [&](const std::string& stage) {
    k.run(100'000'000, [&] { return out.find("stage=" + stage) != std::string::npos; });
    return c->cgroup->memory.counter.usage;
  };
  uint64_t before = pages_at("before");
  uint64_t touched = pages_at("touched");
  uint64_t detached = pages_at("detached");
  uint64_t removed = pages_at("removed");
  INFO(out);
  CHECK(touched - before >= 64);  // the 64 pages, and the page table mapping them if it is new
  CHECK(touched - before <= 65);
  CHECK(detached == touched);  // the segment holds its pages until IPC_RMID
  CHECK(touched - removed == 64);
  wait_container(k, *c);
}
