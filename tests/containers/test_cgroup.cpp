// cgroup v2 on the simulated kernel: the files, their formats and errors
// as Linux has them (Documentation/admin-guide/cgroup-v2.rst), pids.max
// against a fork bomb and memory.max against memhog.
#include <doctest/doctest.h>

#include "containers/cgroup/cgroup.h"
#include "containers/linux_abi.h"
#include "tests/containers/harness.h"
#include "trace/trace.h"

using namespace isolab::containers;
using namespace isolab::containers::test;
using namespace isolab::containers::linux_abi;

namespace {

std::string read(Kernel& k, Cgroup& cg, const std::string& file) {
  auto r = cgroup_read(k, cg, file);
  return r ? *r : "(error " + std::to_string(r.code()) + ")";
}

// "key N" from a flat-keyed file such as memory.events.
long key(const std::string& text, const std::string& name) {
  size_t at = text.find(name + " ");
  return at == std::string::npos ? -1 : std::stol(text.substr(at + name.size() + 1));
}

}  // namespace

TEST_CASE("cgroup: a container runs in its own cgroup, as /proc/self/cgroup shows") {
  Kernel k;
  ContainerSpec spec;
  spec.name = "web";
  spec.cmd = {"cat", "/proc/self/cgroup"};
  auto r = run_spec(k, test_image(), spec);
  // Inside its cgroup namespace (runc's default) /web is "/" (cgroup_namespaces(7)).
  CHECK(r.out == "0::/\n");
  Cgroup* cg = cgroup_find(k, "/web");
  REQUIRE(cg);
  CHECK(read(k, *cg, "cgroup.events") == "populated 0\nfrozen 0\n");
  CHECK(read(k, *k.cgroups.root, "cgroup.controllers") == "memory pids\n");
  CHECK(read(k, *k.cgroups.root, "cgroup.subtree_control") == "memory pids\n");
}

TEST_CASE("cgroup: the cgroup files are in /sys/fs/cgroup/<name>") {
  Kernel k;
  ContainerSpec spec;
  spec.name = "box";
  spec.pids_max = 20;
  spec.cmd = {"cat", "/sys/fs/cgroup/box/pids.max", "/sys/fs/cgroup/box/cgroup.procs", "/sys/fs/cgroup/box/memory.max"};
  auto r = run_spec(k, test_image(), spec);
  CHECK(r.out == "20\n1\nmax\n");
  auto ls = run_spec(k, test_image(), ContainerSpec{"box", "", {"ls", "/sys/fs/cgroup/box"}});
  for (const char* f : {"cgroup.procs", "cgroup.subtree_control", "memory.current", "memory.events", "pids.current"})
    CHECK_MESSAGE(ls.out.find(std::string(f) + "\n") != std::string::npos, f);
}

TEST_CASE("cgroup: pids.max and memory.max take \"max\" and numbers, and refuse anything else") {
  Kernel k;
  auto cg = cgroup_mkdir(k, *k.cgroups.root, "lim");
  REQUIRE(cg.ok());
  Cgroup& c = **cg;
  CHECK(read(k, c, "pids.max") == "max\n");
  CHECK(cgroup_write(k, c, "pids.max", "16\n") == 0);
  CHECK(read(k, c, "pids.max") == "16\n");
  CHECK(cgroup_write(k, c, "pids.max", "max") == 0);
  CHECK(read(k, c, "pids.max") == "max\n");
  CHECK(cgroup_write(k, c, "pids.max", "-1") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, c, "pids.max", "lots") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, c, "memory.max", "8M") == 0);
  CHECK(read(k, c, "memory.max") == "8388608\n");
  CHECK(cgroup_write(k, c, "memory.max", "12345") == 0);
  CHECK(read(k, c, "memory.max") == "12288\n");  // whole pages
  CHECK(cgroup_write(k, c, "memory.max", "max") == 0);
  CHECK(read(k, c, "memory.max") == "max\n");
  CHECK(cgroup_write(k, c, "memory.high", "1G") == 0);
  CHECK(read(k, c, "memory.high") == "1073741824\n");
  CHECK(cgroup_write(k, c, "memory.max", "8X") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, c, "memory.current", "0") == -LINUX_EACCES);
  CHECK(read(k, c, "memory.events") == "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
  CHECK(read(k, c, "pids.events") == "max 0\n");
  // The root has no limits to set.
  CHECK(cgroup_write(k, *k.cgroups.root, "pids.max", "5") == -LINUX_ENOENT);
}

TEST_CASE("cgroup: a process writes its cgroup's files; the kernel's errors come back") {
  Kernel k;
  ContainerSpec spec;
  spec.name = "t";
  spec.cmd = {"probe", "fsop", "write", "/sys/fs/cgroup/t/pids.max", "7"};
  CHECK(run_spec(k, test_image(), spec).out == "write=1\n");
  CHECK(read(k, *cgroup_find(k, "/t"), "pids.max") == "7\n");
  spec.cmd = {"probe", "fsop", "write", "/sys/fs/cgroup/t/pids.max", "seven"};
  CHECK(run_spec(k, test_image(), spec).out == "write=-22\n");  // EINVAL
  spec.cmd = {"probe", "fsop", "write", "/sys/fs/cgroup/t/pids.current", "0"};
  CHECK(run_spec(k, test_image(), spec).out == "open=-13\n");  // EACCES: read-only
  // No internal processes: the container's init is in /t, so /t cannot
  // hand controllers to children.
  spec.cmd = {"probe", "fsop", "write", "/sys/fs/cgroup/t/cgroup.subtree_control", "+pids"};
  CHECK(run_spec(k, test_image(), spec).out == "write=-16\n");  // EBUSY
  spec.cmd = {"probe", "fsop", "rmdir", "/sys/fs/cgroup/t"};
  CHECK(run_spec(k, test_image(), spec).out == "rmdir=-16\n");  // EBUSY: its own process is in it
  REQUIRE(cgroup_mkdir(k, *k.cgroups.root, "x").ok());
  spec.cmd = {"probe", "fsop", "mkdir", "/sys/fs/cgroup/x/sub"};
  CHECK(run_spec(k, test_image(), spec).out == "mkdir=0\n");
  CHECK(cgroup_find(k, "/x/sub"));
  spec.cmd = {"probe", "fsop", "mkdir", "/sys/fs/cgroup/x/sub"};
  CHECK(run_spec(k, test_image(), spec).out == "mkdir=-17\n");  // EEXIST
  spec.cmd = {"probe", "fsop", "rmdir", "/sys/fs/cgroup/x"};
  CHECK(run_spec(k, test_image(), spec).out == "rmdir=-16\n");  // EBUSY: it has a child
  spec.cmd = {"probe", "fsop", "rmdir", "/sys/fs/cgroup/x/sub"};
  CHECK(run_spec(k, test_image(), spec).out == "rmdir=0\n");
  CHECK(!cgroup_find(k, "/x/sub"));
}

TEST_CASE("cgroup: subtree_control is top-down and keeps processes out of inner nodes") {
  Kernel k;
  Cgroup& a = *cgroup_mkdir(k, *k.cgroups.root, "a").value();
  Cgroup& b = *cgroup_mkdir(k, a, "b").value();
  CHECK(read(k, a, "cgroup.controllers") == "memory pids\n");
  CHECK(read(k, b, "cgroup.controllers") == "\n");
  CHECK(!cgroup_file(b, "pids.max"));  // the controller is not enabled for b
  CHECK(cgroup_write(k, a, "cgroup.subtree_control", "pids") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, a, "cgroup.subtree_control", "+bogus") == -LINUX_EINVAL);
  CHECK(cgroup_write(k, a, "cgroup.subtree_control", "+cpu") == -LINUX_ENOENT);  // not offered here
  CHECK(cgroup_write(k, a, "cgroup.subtree_control", "+pids") == 0);
  CHECK(read(k, b, "cgroup.controllers") == "pids\n");
  CHECK(read(k, b, "pids.max") == "max\n");
  CHECK(!cgroup_file(b, "memory.max"));
  Cgroup& c = *cgroup_mkdir(k, b, "c").value();
  CHECK(cgroup_write(k, b, "cgroup.subtree_control", "+memory") == -LINUX_ENOENT);  // a did not enable it
  CHECK(cgroup_write(k, b, "cgroup.subtree_control", "+pids") == 0);
  CHECK(cgroup_write(k, a, "cgroup.subtree_control", "-pids") == -LINUX_EBUSY);  // b still passes it on
  CHECK(cgroup_write(k, c, "pids.max", "3") == 0);
  CHECK(cgroup_write(k, a, "cgroup.type", "threaded") == -LINUX_EOPNOTSUPP);
  CHECK(cgroup_write(k, a, "cgroup.type", "domain") == -LINUX_EINVAL);
  CHECK(cgroup_rmdir(k, a) == -LINUX_EBUSY);
  // A process cannot join a cgroup that enables controllers for children.
  ContainerSpec spec;
  spec.name = "mover";
  spec.cmd = {"probe", "fsop", "write", "/sys/fs/cgroup/a/cgroup.procs", "0"};
  CHECK(run_spec(k, test_image(), spec).out == "write=-16\n");
  spec.cmd = {"probe", "fsop", "write", "/sys/fs/cgroup/a/b/c/cgroup.procs", "0"};
  CHECK(run_spec(k, test_image(), spec).out == "write=1\n");
  CHECK(c.pids.current == 0);  // it moved, exited and was reaped
  CHECK(cgroup_write(k, b, "cgroup.subtree_control", "-pids") == 0);
  CHECK(read(k, c, "cgroup.controllers") == "\n");
  CHECK(c.pids.max == PidsState::UNLIMITED);  // the controller's limits go with it
}

#ifdef ISOLAB_HAVE_MINIOS

TEST_CASE("cgroup: pids.max stops miniOS's forkbomb with EAGAIN and the kernel lives on") {
  KernelConfig cfg;
  cfg.ns_per_insn = 20;  // one simulated second in 50M instructions
  Kernel k(cfg);
  isolab::trace::Trace t;
  k.trace = &t;
  uint64_t refusals = 0;
  t.add_sink([&](const isolab::trace::Event& e) {
    if (e.kind == isolab::trace::Kind::Cgroup && std::string(e.what) == "pids.max: fork refused") refusals++;
  });
  ContainerSpec spec;
  spec.name = "bomb";
  spec.pids_max = 16;
  spec.cmd = {"forkbomb", "1"};
  RunOutput r;
  auto streams = std::make_shared<vfs::HostStreams>();
  streams->write = [&r](int, const char* d, size_t n) { r.out.append(d, n); };
  spec.streams = streams;
  auto c = start_container(k, test_image(), spec);
  REQUIRE(c.ok());
  int64_t peak = 0;
  k.run(2'000'000'000ull, [&] {
    peak = std::max(peak, c->cgroup->pids.current);
    Process* init = k.find_host_pid(c->init_host_pid);
    return !init || init->state == ProcState::Zombie;
  });
  wait_container(k, *c, 100'000'000ull);
  CHECK(c->exited);
  CHECK(r.out.find("failed (EAGAIN)") != std::string::npos);
  CHECK(peak == 16);
  CHECK(key(read(k, *c->cgroup, "pids.events"), "max") > 0);
  CHECK(refusals > 0);
  CHECK(c->cgroup->pids.current == 0);
  // The host kernel still runs containers.
  CHECK(run_in(k, test_image(), {"echo", "alive"}).out == "alive\n");
}

TEST_CASE("cgroup: memory.max OOM-kills memhog and nothing else") {
  Kernel k;
  isolab::trace::Trace t;
  k.trace = &t;
  ContainerSpec spec;
  spec.name = "hog";
  spec.memory_max = 8u << 20;
  spec.cmd = {"sh"};
  auto r = run_spec(k, test_image(), spec, 4'000'000'000ull, "memhog 16\necho survived\nexit 3\n");
  CHECK(r.out.find("survived") != std::string::npos);
  CHECK(r.out.find("touched 16 MiB") == std::string::npos);
  CHECK(r.exit_code == 3);
  Cgroup* cg = cgroup_find(k, "/hog");
  REQUIRE(cg);
  std::string events = read(k, *cg, "memory.events");
  CHECK(key(events, "oom_kill") == 1);
  CHECK(key(events, "oom") >= 1);
  CHECK(key(events, "max") >= 1);
  CHECK(read(k, *cg, "memory.current") == "0\n");  // everything freed with the processes
  bool traced = false;
  for (const auto& e : t.recent())
    traced |= e.kind == isolab::trace::Kind::Cgroup && std::string(e.what) == "memory.max: oom_kill";
  CHECK(traced);
  // Without the limit memhog finishes.
  ContainerSpec free_spec;
  free_spec.name = "nolimit";
  free_spec.cmd = {"memhog", "16"};
  CHECK(run_spec(k, test_image(), free_spec, 4'000'000'000ull).out == "memhog: touched 16 MiB\n");
}

#endif

TEST_CASE("cgroup: a copy-on-write frame is charged once, to the first toucher") {
  Kernel k;
  PageCounter a, b;
  auto parent = std::make_unique<AddressSpace>(k.frames, k.config.ram_bytes);
  parent->memcg = &a;
  Vma v;
  v.start = 0x100000;
  v.end = 0x100000 + 10 * 4096;
  v.prot = LINUX_PROT_READ | LINUX_PROT_WRITE;
  REQUIRE(parent->add(v));
  for (uint32_t i = 0; i < 10; i++) REQUIRE(parent->handle_fault(v.start + i * 4096, true) == FaultResult::Fixed);
  CHECK(a.usage == 11);  // ten pages and their page table
  auto child = parent->fork();
  REQUIRE(child);
  CHECK(a.usage == 12);  // the shared pages once, plus the child's page table (it forks in a's cgroup)
  child->memcg = &b;     // the child moves to another cgroup: its charges stay behind
  REQUIRE(child->handle_fault(v.start, true) == FaultResult::Fixed);  // a private copy, charged to b
  CHECK(b.usage == 1);
  parent.reset();
  CHECK(a.usage == 10);  // the nine frames the child still shares, and its page table, stay a's
  child.reset();
  CHECK(a.usage == 0);
  CHECK(b.usage == 0);
  // A charge past max is refused, and says by whom.
  PageCounter small;
  small.max = 1;
  uint32_t pa = k.frames.alloc(&small);
  CHECK(pa != 0);
  CHECK(k.frames.alloc(&small) == 0);
  CHECK(k.frames.take_refused() == &small);
  CHECK(small.max_events == 1);
  k.frames.put(pa);
  CHECK(small.usage == 0);
}
