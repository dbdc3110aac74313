// Namespaces (namespaces(7)) in the container kernel, checked with the
// nsprobe guest: clone/unshare/setns with every CLONE_NEW* flag, mount
// namespaces with mount, umount and pivot_root, user, time, net and cgroup
// namespaces, PID namespace rules (pid_namespaces(7)), and each rule's errno.
#include <doctest/doctest.h>

#include "containers/ns/nsproxy.h"
#include "tests/containers/guest_image.h"

using namespace isolab::containers;
using namespace isolab::containers::test;

namespace {

RunOutput nsprobe(const std::string& which, Kernel* kernel = nullptr, ContainerSpec spec = {}) {
  Kernel local;
  spec.cmd = {"nsprobe", which};
  if (spec.hostname.empty()) spec.hostname = "nsbox";
  return run_spec(kernel ? *kernel : local, guest_image(), spec);
}

// "pid:[4026531836]" -> 4026531836
uint64_t id_of(const std::string& link) {
  size_t at = link.find(":[");
  return at == std::string::npos ? 0 : std::stoull(link.substr(at + 2));
}

}  // namespace

TEST_CASE("namespaces: /proc/<pid>/ns links read kind:[inode], user and time are the host's by default") {
  auto r = nsprobe("ids");
  for (const char* kind : {"cgroup", "ipc", "mnt", "net", "pid", "uts", "user", "time"}) {
    std::string link = field(r.out, std::string("init_") + kind);
    CAPTURE(kind);
    CHECK(link.rfind(std::string(kind) + ":[", 0) == 0);
    CHECK(link == field(r.out, std::string("child_") + kind));  // a child shares them all
  }
  CHECK(field(r.out, "init_pid_for_children") == field(r.out, "init_pid"));
  // Linux's fixed identities of the initial namespaces (include/linux/proc_ns.h).
  CHECK(field(r.out, "init_user") == "user:[4026531837]");
  CHECK(field(r.out, "init_time") == "time:[4026531834]");
  CHECK(id_of(field(r.out, "init_pid")) != 4026531836u);  // the container's own
  CHECK(id_of(field(r.out, "init_uts")) != 4026531838u);
}

TEST_CASE("namespaces: unshare makes new namespaces, CLONE_NEWPID applies to the next child") {
  isolab::trace::Trace t;
  Kernel k;
  k.trace = &t;
  auto r = nsprobe("unshare", &k);
  CHECK(field(r.out, "unshare_badflag") == "-22");  // EINVAL
  CHECK(field(r.out, "unshare_uts") == "0");
  CHECK(field(r.out, "uts_changed") == "1");
  CHECK(field(r.out, "hostname") == "inner");
  CHECK(field(r.out, "unshare_four") == "0");
  CHECK(field(r.out, "four_changed") == "4");
  CHECK(field(r.out, "unshare_pid") == "0");
  CHECK(field(r.out, "own_pid_ns_same") == "1");
  CHECK(field(r.out, "pid_for_children_new") == "1");
  CHECK(field(r.out, "unshare_pid_again") == "-22");  // EINVAL until a child used it
  CHECK(field(r.out, "child_pid") == "1");
  CHECK(field(r.out, "child_ppid") == "0");            // its parent is outside its namespace
  CHECK(field(r.out, "child_pid_outside_gt1") == "1");
  CHECK(field(r.out, "fork_after_init_exit") == "-12");  // ENOMEM: the namespace's init is gone
  CHECK(field(r.out, "clone_child_pid") == "1");
  CHECK(r.exit_code == 0);
  int created = 0;
  for (const auto& e : t.recent())
    if (e.kind == isolab::trace::Kind::Namespace && std::string(e.what).rfind("CLONE_NEW", 0) == 0) created++;
  CHECK(created >= 10);  // the container's six, then the probe's
}

TEST_CASE("namespaces: setns joins the namespace an fd of /proc/<pid>/ns names") {
  auto r = nsprobe("setns");
  CHECK(field(r.out, "open_nsfile") == "1");
  CHECK(field(r.out, "setns_badfd") == "-9");       // EBADF
  CHECK(field(r.out, "setns_notns") == "-22");      // EINVAL: not a namespace file
  CHECK(field(r.out, "setns_wrongtype") == "-22");  // EINVAL: nstype does not match
  CHECK(field(r.out, "after_unshare") == "elsewhere");
  CHECK(field(r.out, "setns_uts") == "0");
  CHECK(field(r.out, "after_setns") == "nsbox");
  CHECK(field(r.out, "setns_pid") == "0");
  CHECK(field(r.out, "pid_for_children_back") == "1");
  CHECK(field(r.out, "setns_pid_outer") == "-22");  // EINVAL: an ancestor PID namespace
  CHECK(field(r.out, "setns_own_user") == "-22");   // EINVAL: its own user namespace
  CHECK(r.exit_code == 0);
}

TEST_CASE("namespaces: mount, umount and pivot_root in a mount namespace of one's own") {
  auto r = nsprobe("mount");
  CHECK(field(r.out, "unshare_mnt") == "0");
  CHECK(field(r.out, "mount_tmpfs") == "0");
  CHECK(field(r.out, "write_in_tmpfs") == "5");
  CHECK(field(r.out, "mounts_lists_tmpfs") == "1");
  CHECK(field(r.out, "mounts_lists_proc") == "1");
  CHECK(field(r.out, "mountinfo_lists_tmpfs") == "1");
  CHECK(field(r.out, "mount_badtype") == "-19");   // ENODEV
  CHECK(field(r.out, "mount_missing") == "-2");    // ENOENT
  CHECK(field(r.out, "mount_notdir") == "-20");    // ENOTDIR
  CHECK(field(r.out, "umount_notmount") == "-22"); // EINVAL
  CHECK(field(r.out, "umount_badflag") == "-22");  // EINVAL
  CHECK(field(r.out, "child_sees_copy") == "1");   // CLONE_NEWNS copies the table
  CHECK(field(r.out, "child_after_umount") == "-2");
  CHECK(field(r.out, "parent_still_sees") == "5"); // the child's umount was its own
  CHECK(field(r.out, "umount") == "0");
  CHECK(field(r.out, "after_umount") == "-2");
  CHECK(field(r.out, "mount_proc") == "0");
  CHECK(field(r.out, "proc_self_works") == "1");
  CHECK(field(r.out, "bind") == "0");
  CHECK(field(r.out, "bind_sees_bin") == "1");
  CHECK(field(r.out, "pivot_notmount") == "-22");  // EINVAL: new_root is not a mount point
  CHECK(field(r.out, "pivot_outside") == "-22");   // EINVAL: put_old is not under new_root
  CHECK(field(r.out, "pivot_root") == "0");
  CHECK(field(r.out, "new_root_file") == "2");
  CHECK(field(r.out, "old_root_below") == "1");
  CHECK(field(r.out, "mounts_after_pivot") == "1");
  CHECK(field(r.out, "umount_old") == "0");
  CHECK(field(r.out, "old_gone") == "-2");
  CHECK(r.exit_code == 0);
}

TEST_CASE("namespaces: a user namespace maps IDs once, unmapped IDs are 65534") {
  auto r = nsprobe("user");
  CHECK(field(r.out, "uid") == "0");
  CHECK(field(r.out, "unshare_user") == "0");
  CHECK(field(r.out, "uid_unmapped") == "65534");
  CHECK(field(r.out, "map_garbage") == "-22");  // EINVAL
  CHECK(field(r.out, "map_too_much") == "-1");  // EPERM: an unprivileged writer maps only its own uid
  CHECK(field(r.out, "map_own") == "6");
  CHECK(field(r.out, "uid_mapped") == "0");
  CHECK(field(r.out, "map_again") == "-1");     // EPERM: uid_map is written once
  CHECK(field(r.out, "uid_map_text") == "1");
}

TEST_CASE("namespaces: without CAP_SYS_ADMIN namespace operations are EPERM, except a new user namespace") {
  auto r = nsprobe("nonroot");
  CHECK(field(r.out, "setuid") == "0");
  CHECK(field(r.out, "uid") == "1000");
  CHECK(field(r.out, "unshare_uts") == "-1");
  CHECK(field(r.out, "sethostname") == "-1");
  CHECK(field(r.out, "mount") == "-1");
  CHECK(field(r.out, "unshare_user_uts") == "0");
  CHECK(field(r.out, "setuid_back") == "-22");  // EINVAL: uid 0 is not mapped in the new namespace
}

TEST_CASE("namespaces: a container with a user namespace is root inside and uid 100000 on the host") {
  Kernel k;
  ContainerSpec spec;
  spec.user_ns = true;
  auto r = nsprobe("userns", &k, spec);
  CHECK(field(r.out, "uid") == "0");
  CHECK(field(r.out, "uid_map_100000") == "1");
  // The host sees the kernel uid.
  UserNamespace host_view = *k.host_ns.user;
  CHECK(ns::from_kuid(host_view, ns::CONTAINER_UID_BASE) == 100000u);
}

TEST_CASE("namespaces: a time namespace offsets CLOCK_MONOTONIC for the processes that enter it") {
  auto r = nsprobe("time");
  CHECK(field(r.out, "unshare_time") == "0");
  CHECK(field(r.out, "set_offsets") == "17");
  CHECK(field(r.out, "bad_offsets") == "-22");     // EINVAL
  CHECK(field(r.out, "offsets_text") == "1");
  CHECK(field(r.out, "child_ahead_s") == "1000");
  CHECK(field(r.out, "offsets_frozen") == "-13");  // EACCES: a process is in it
}

TEST_CASE("namespaces: a network namespace has its own devices, only lo at first") {
  ContainerSpec spec;
  spec.network = "none";  // the runtime adds nothing (--network bridge would add eth0: test_net.cpp)
  auto r = nsprobe("net", nullptr, spec);
  CHECK(field(r.out, "has_lo") == "1");
  CHECK(field(r.out, "only_lo") == "1");
}

TEST_CASE("pid namespaces: init's parent is 0, orphans go to the namespace's init, a PID at every level") {
  Kernel k;
  auto r = nsprobe("pidns", &k);
  CHECK(field(r.out, "init_pid") == "1");
  CHECK(field(r.out, "init_ppid") == "0");
  CHECK(field(r.out, "orphan_ppid") == "1");   // reparented to the container's init, not the host's
  CHECK(field(r.out, "reaped_orphan") == "1"); // and init's wait4 reaps it
  CHECK(field(r.out, "orphan_exit") == "5");
  CHECK(field(r.out, "nested_pid") == "1");
  std::string pid_here = field(r.out, "nested_pid_here");
  CHECK(field(r.out, "nested_status") == "NSpid:\t" + pid_here + "\t1");  // its PID here and in its own
  CHECK(r.exit_code == 0);
}

TEST_CASE("pid namespaces: killing a container's init from the host kills every process in it") {
  Kernel k;
  auto img = guest_image();
  ContainerSpec spec;
  spec.cmd = {"sigprobe", "family"};
  std::string out;
  auto streams = std::make_shared<vfs::HostStreams>();
  streams->write = [&out](int, const char* d, size_t n) { out.append(d, n); };
  spec.streams = streams;
  auto c = start_container(k, img, spec);
  REQUIRE(c);
  k.run(50'000'000, [&] { return out.find("ready") != std::string::npos; });
  Process* init = k.find_host_pid(c->init_host_pid);
  REQUIRE(init);
  CHECK(init->ns.pid->tasks.size() == 4);  // init and three children
  std::vector<int> members;
  for (auto& [pid, q] : init->ns.pid->tasks) members.push_back(q->host_pid());
  k.send_signal(*init, 9, nullptr);
  for (int pid : members) {
    Process* q = k.find_host_pid(pid);
    CHECK((!q || q->state == ProcState::Zombie));
  }
  wait_container(k, *c, 1'000'000);
  CHECK(c->exited);
  CHECK(c->exit_code == 128 + 9);
  CHECK(k.processes().empty());  // the children were reaped with nobody to wait for them
}

TEST_CASE("pid namespaces: signals to init from inside reach it only through a handler") {
  auto r = run_in(*std::make_unique<Kernel>(), guest_image(), {"sigprobe", "init"});
  CHECK(field(r.out, "pid") == "1");
  CHECK(field(r.out, "ppid") == "0");
  CHECK(field(r.out, "survived_term_kill_stop") == "1");
  CHECK(field(r.out, "handled_from_inside") == "1");
  CHECK(r.exit_code == 0);
}

TEST_CASE("namespaces: cgroup paths are relative to the cgroup namespace's root") {
  CgroupNamespace ns;
  Cgroup root, web, other, inner;
  web.name = "web";
  web.parent = &root;
  other.name = "other";
  other.parent = &root;
  inner.name = "inner";
  inner.parent = &web;
  ns.root = &web;
  CHECK(ns::cgroup_path_in(ns, &web) == "/");
  CHECK(ns::cgroup_path_in(ns, &inner) == "/inner");
  CHECK(ns::cgroup_path_in(ns, &other) == "/../other");
}
