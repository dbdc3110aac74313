// The container runtime's verbs over one kernel (runtime.h): run, exec,
// ps, stop, kill, rm, logs, stats, images, commit, with their errors, and
// the sharing of image layers between containers.
#include <doctest/doctest.h>

#include "containers/fault.h"
#include "containers/linux_abi.h"
#include "containers/runtime.h"
#include "tests/containers/overlay_image.h"

using namespace isolab::containers;
using namespace isolab::containers::test;
using namespace isolab::containers::linux_abi;

namespace {

ContainerSpec spec_of(const std::string& name, std::vector<std::string> cmd) {
  ContainerSpec s;
  s.name = name;
  s.cmd = std::move(cmd);
  return s;
}

RunOptions attached() {
  RunOptions o;
  o.attach = true;
  o.max_insns = 2'000'000'000ull;
  return o;
}

}  // namespace

TEST_CASE("runtime: run attached returns the exit code and keeps the output for logs") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  auto c = rt.run("fs", spec_of("hello", {"echo", "hi", "there"}), attached());
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  CHECK((*c)->state == ContainerState::Exited);
  CHECK((*c)->c.exit_code == 0);
  CHECK(*rt.logs("hello") == "hi there\n");
  auto failed = rt.run("fs", spec_of("f", {"false"}), attached());
  REQUIRE(failed.ok());
  CHECK((*failed)->c.exit_code == 1);
  CHECK(rt.ps().empty());       // nothing running
  CHECK(rt.ps(true).size() == 2);  // ps -a
  CHECK(rt.logs("nope").code() == LINUX_ENOENT);
}

TEST_CASE("runtime: run detached, then exec a process in its namespaces and cgroup") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  auto c = rt.run("fs", spec_of("web", {"sleep", "1000"}));
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  CHECK((*c)->state == ContainerState::Running);
  REQUIRE(rt.ps().size() == 1);
  CHECK(rt.ps()[0]->c.name == "web");
  auto pid = rt.exec("web", {"ps"});
  REQUIRE_MESSAGE(pid.ok(), pid.error().message);
  const Process* init = k.find_host_pid((*c)->c.init_host_pid);
  const Process* ps = k.find_host_pid(*pid);
  REQUIRE(ps);
  CHECK(ps->ns.pid == init->ns.pid);  // the container's PID namespace
  CHECK(ps->ns.uts == init->ns.uts);
  CHECK(ps->root == init->root);
  CHECK(ps->cgroup == (*c)->c.cgroup);
  CHECK(ps->pid() == 2);
  // Run until ps has exited (before the sleeper wakes: the kernel skips idle time).
  rt.run_kernel(500'000'000, [&] {
    const Process* q = k.find_host_pid(*pid);
    return !q || q->state == ProcState::Zombie;
  });
  CHECK_FALSE(k.find_host_pid(*pid));  // reaped by the runtime
  std::string logs = *rt.logs("web");
  CHECK(logs.find("sleep") != std::string::npos);
  CHECK(logs.find("ps") != std::string::npos);
  CHECK((*c)->state == ContainerState::Running);
  // exec's errors
  CHECK(rt.exec("web", {"nosuch"}).code() == LINUX_ENOENT);
  CHECK(rt.exec("web", {}).code() == LINUX_EINVAL);
  CHECK(rt.exec("nope", {"ps"}).code() == LINUX_ENOENT);
  auto bad = rt.exec("web", {"/etc/motd"});
  CHECK(bad.code() == LINUX_ENOEXEC);
  CHECK(bad.error().message.find("not an ELF file") != std::string::npos);
}

TEST_CASE("runtime: stop ends a running container (SIGTERM, then SIGKILL after the timeout)") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  REQUIRE(rt.run("fs", spec_of("s", {"sleep", "1000"})).ok());
  uint64_t before = k.now_ns();
  Error e = rt.stop("s", 2'000'000'000ull);
  CHECK_MESSAGE(e.code == 0, e.message);
  RuntimeContainer* c = rt.find("s");
  CHECK(c->state == ContainerState::Exited);
  CHECK((c->c.exit_code == 128 + LINUX_SIGTERM || c->c.exit_code == 128 + LINUX_SIGKILL));
  CHECK(k.now_ns() - before < 1000'000'000'000ull);  // long before the sleep would have ended
  CHECK(rt.stop("s").code == 0);  // stopping a stopped container is not an error
  CHECK(rt.stop("nope").code == LINUX_ENOENT);
}

TEST_CASE("runtime: stop kills with SIGKILL a container that ignores SIGTERM, once the timeout has passed") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  REQUIRE(rt.run("fs", spec_of("stubborn", {"fsprobe", "ignore", "15", "spin"})).ok());
  rt.run_kernel(1'000'000);
  CHECK(*rt.logs("stubborn") == "ignore=0\n");
  uint64_t before = k.now_ns();
  const uint64_t timeout = 20'000'000;  // 20 ms of simulated time
  CHECK(rt.stop("stubborn", timeout).code == 0);
  CHECK(rt.find("stubborn")->c.exit_code == 128 + LINUX_SIGKILL);
  CHECK(k.now_ns() - before >= timeout);
  CHECK(k.now_ns() - before < timeout + 2 * k.config.quantum * k.config.ns_per_insn);
}

TEST_CASE("runtime: stop kills at the timeout a container that ignores SIGTERM and sleeps") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  REQUIRE(rt.run("fs", spec_of("sleeper", {"fsprobe", "ignore", "15", "sleep", "1000"})).ok());
  // Until it sleeps (an idle kernel would jump the clock to the sleep's end).
  rt.run_kernel(1'000'000, [&] { return *rt.logs("sleeper") == "ignore=0\n"; });
  CHECK(*rt.logs("sleeper") == "ignore=0\n");
  uint64_t before = k.now_ns();
  const uint64_t timeout = 3'000'000'000ull;  // 3 s of simulated time; the sleep lasts 1000 s
  CHECK(rt.stop("sleeper", timeout).code == 0);
  CHECK(rt.find("sleeper")->state == ContainerState::Exited);
  CHECK(rt.find("sleeper")->c.exit_code == 137);
  CHECK(k.now_ns() - before == timeout);  // SIGKILL at the timeout, not at the sleeper's wake-up
}

TEST_CASE("runtime: kill sends a signal to the container's init, bad signals are refused") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  REQUIRE(rt.run("fs", spec_of("s", {"sleep", "1000"})).ok());
  CHECK(signal_number("KILL") == 9);
  CHECK(signal_number("SIGTERM") == 15);
  CHECK(signal_number("9") == 9);
  CHECK(signal_number("BOGUS") == 0);
  CHECK(signal_number("99") == 0);
  CHECK(rt.kill("s", 0).code == LINUX_EINVAL);
  CHECK(rt.kill("s", 65).code == LINUX_EINVAL);
  CHECK(rt.kill("s", LINUX_SIGKILL).code == 0);
  CHECK(rt.find("s")->state == ContainerState::Exited);
  CHECK(rt.find("s")->c.exit_code == 137);  // 128 + SIGKILL, as docker reports
  CHECK(rt.kill("s", LINUX_SIGKILL).code == LINUX_EINVAL);  // not running
  CHECK(rt.kill("nope", LINUX_SIGKILL).code == LINUX_ENOENT);
}

TEST_CASE("runtime: rm refuses a running container without force, and removes its cgroup and upper layer") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  REQUIRE(rt.run("fs", spec_of("r", {"sleep", "1000"})).ok());
  Error busy = rt.rm("r");
  CHECK(busy.code == LINUX_EBUSY);
  CHECK(busy.message.find("running") != std::string::npos);
  CHECK(cgroup_find(k, "/r"));
  std::weak_ptr<vfs::Inode> upper = rt.find("r")->c.rootfs.overlay->upper;
  CHECK(rt.rm("r", true).code == 0);
  CHECK_FALSE(rt.find("r"));
  CHECK_FALSE(cgroup_find(k, "/r"));
  CHECK(upper.expired());  // the upper layer went with it
  CHECK(rt.rm("r").code == LINUX_ENOENT);
  // The name can be used again.
  auto again = rt.run("fs", spec_of("r", {"true"}), attached());
  REQUIRE(again.ok());
  CHECK(rt.rm("r").code == 0);  // an exited container goes without force
}

TEST_CASE("runtime: stats show CPU instructions, memory.current, pids.current and the upper layer's bytes") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  REQUIRE(rt.run("fs", spec_of("w", {"fsprobe", "write", "/tmp/f", "12345"}), attached()).ok());
  auto s = rt.stats("w");
  REQUIRE(s.ok());
  CHECK(s->cpu_insns > 0);
  CHECK(s->upper_bytes == 5);
  CHECK(s->copy_ups == 1);  // /tmp/f is new: only its directory, /tmp, was copied up
  CHECK(s->whiteouts == 0);
  CHECK(s->pids_current == 0);
  auto zc = rt.run("fs", spec_of("z", {"sleep", "1000"}));
  REQUIRE(zc.ok());
  const Process* sleeper = k.find_host_pid((*zc)->c.init_host_pid);
  rt.run_kernel(100'000'000, [&] { return sleeper->state == ProcState::Sleeping; });
  auto z = rt.stats("z");
  REQUIRE(z.ok());
  CHECK(z->pids_current == 1);
  CHECK(z->memory_current > 0);
  CHECK(z->cpu_insns > 0);
  CHECK(rt.stats("nope").code() == LINUX_ENOENT);
}

TEST_CASE("runtime: commit makes a new layer over the image's, and a new container of it sees the changes") {
  Kernel k;
  Runtime rt(k);
  Image base = fs_image();
  std::vector<std::string> base_ids;
  for (const LayerPtr& l : base.layers) base_ids.push_back(l->id);
  rt.add_image(base);
  REQUIRE(rt.run("fs", spec_of("c1", {"fsprobe", "write", "/etc/new", "N", "rm", "/data/a", "append", "/etc/motd", "2"}),
                 attached())
              .ok());
  auto img = rt.commit("c1", "snap:v1");
  REQUIRE_MESSAGE(img.ok(), img.error().message);
  REQUIRE((*img)->layers.size() == base.layers.size() + 1);
  for (size_t i = 0; i < base.layers.size(); i++) CHECK((*img)->layers[i]->id == base_ids[i]);  // shared below
  CHECK((*img)->layers.back()->created_by == "commit c1");
  auto c2 = rt.run("snap:v1", spec_of("c2", {"fsprobe", "cat", "/etc/new", "ls", "/data", "cat", "/etc/motd"}), attached());
  REQUIRE(c2.ok());
  CHECK(*rt.logs("c2") == "cat=N\nls=b,c\ncat=hello2\n");
  // The original image is unchanged, and so are its stored layers.
  REQUIRE(rt.run("fs", spec_of("c3", {"fsprobe", "ls", "/data", "cat", "/etc/motd"}), attached()).ok());
  CHECK(*rt.logs("c3") == "ls=a,b,c\ncat=hello\n");
  for (const LayerPtr& l : rt.find_image("fs")->layers) CHECK(tree_digest(*l->root) == l->id);
  // images lists both, with their layers.
  auto images = rt.images();
  REQUIRE(images.size() == 2);
  CHECK(images[1].name == "snap:v1");
  CHECK(images[1].layers.size() == images[0].layers.size() + 1);
  // commit's errors
  CHECK(rt.commit("nope", "x").code() == LINUX_ENOENT);
  CHECK(rt.commit("c1", "Bad Name").code() == LINUX_EINVAL);
  CHECK(rt.commit("c1", "x:").code() == LINUX_EINVAL);
}

TEST_CASE("runtime: ten containers of one image share its layers, stored and counted once") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  const Image& img = *rt.find_image("fs");
  std::vector<std::string> digests;
  for (const LayerPtr& l : img.layers) digests.push_back(tree_digest(*l->root));
  uint64_t image_bytes = img.bytes();
  for (int i = 0; i < 10; i++) {
    std::string name = "c" + std::to_string(i);
    REQUIRE(rt.run("fs", spec_of(name, {"fsprobe", "write", "/tmp/" + name, "1234567890"}), attached()).ok());
  }
  // The image's layers and the init layer, each once, whatever the number of containers.
  CHECK(k.layers.layers().size() == img.layers.size() + 1);
  CHECK(rt.layers_bytes() == image_bytes + init_layer()->bytes);
  CHECK(rt.uppers_bytes() == 10 * 10);
  const RuntimeContainer* first = rt.find("c0");
  for (const RuntimeContainer* c : rt.ps(true)) {
    REQUIRE(c->c.rootfs.overlay->lowers.size() == first->c.rootfs.overlay->lowers.size());
    for (size_t i = 0; i < c->c.rootfs.overlay->lowers.size(); i++)
      CHECK(c->c.rootfs.overlay->lowers[i] == first->c.rootfs.overlay->lowers[i]);  // the same inodes
  }
  for (size_t i = 0; i < img.layers.size(); i++) CHECK(tree_digest(*img.layers[i]->root) == digests[i]);
  // Loading the same image again stores nothing new: layers are named by their contents.
  rt.add_image(fs_image("fs-again"));
  CHECK(k.layers.layers().size() == img.layers.size() + 1);
}

TEST_CASE("runtime: run's errors: unknown image, a name in use, a bad network, a missing command") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  auto unknown = rt.run("nope", spec_of("x", {"true"}));
  CHECK(unknown.code() == LINUX_ENOENT);
  CHECK(unknown.error().message.find("fs") != std::string::npos);  // lists the known images
  REQUIRE(rt.run("fs", spec_of("x", {"sleep", "1000"})).ok());
  CHECK(rt.run("fs", spec_of("x", {"true"})).code() == LINUX_EEXIST);
  ContainerSpec net = spec_of("n", {"true"});
  net.network = "overlay";  // Docker's swarm driver: not a network this runtime has
  CHECK(rt.run("fs", net).code() == LINUX_EINVAL);
  net.network = "none";
  auto none = rt.run("fs", net, attached());
  REQUIRE(none.ok());
  CHECK((*none)->spec.network == "none");
  CHECK(rt.run("fs", spec_of("m", {"nosuch"})).code() == LINUX_ENOENT);
  // Unnamed containers are named after the image.
  auto unnamed = rt.run("fs", spec_of("", {"true"}), attached());
  REQUIRE(unnamed.ok());
  CHECK((*unnamed)->c.name == "fs");
}

TEST_CASE("runtime: --cpu-weight and --cpus write cpu.weight and cpu.max, or say why they cannot") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  ContainerSpec s = spec_of("cpu", {"sleep", "1000"});
  s.cpu_weight = 300;
  s.cpus = 0.5;
  auto c = rt.run("fs", s);
  if (c.ok()) {
    Cgroup* cg = (*c)->c.cgroup;
    CHECK(*cgroup_read(k, *cg, "cpu.weight") == "300\n");
    CHECK(cgroup_read(k, *cg, "cpu.max")->rfind("50000 100000", 0) == 0);
  } else {
    // Until the kernel has a cpu controller: the error names the file.
    CHECK(c.code() == LINUX_ENOENT);
    CHECK(c.error().message.find("cpu.weight") != std::string::npos);
    CHECK_FALSE(cgroup_find(k, "/cpu"));  // nothing left behind
  }
}

TEST_CASE("runtime: a program the kernel will not execute leaves a failed container, exit code 126") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  auto c = rt.run("fs", spec_of("x", {"/etc/motd"}), attached());
  REQUIRE_MESSAGE(c.ok(), c.error().message);  // docker run keeps the container
  CHECK((*c)->state == ContainerState::Failed);
  CHECK(std::string(state_name((*c)->state)) == "failed");
  CHECK((*c)->c.exited);
  CHECK((*c)->c.exit_code == 126);
  CHECK((*c)->error.rfind("exec format error: ", 0) == 0);  // strerror's words, then what the loader found
  CHECK((*c)->error.find("not an ELF file") != std::string::npos);
  CHECK((*c)->c.image == "fs");
  CHECK(rt.ps().empty());
  CHECK(rt.ps(true).size() == 1);
  CHECK(rt.stats("x").ok());  // no root file system: nothing to count
  CHECK(rt.commit("x", "img").code() == LINUX_EINVAL);
  CHECK(rt.exec("x", {"true"}).code() == LINUX_EINVAL);
  CHECK(rt.rm("x").code == 0);  // it never ran: no force needed
  CHECK_FALSE(cgroup_find(k, "/x"));
  // A command the image does not have is a mistake in the command line.
  CHECK(rt.run("fs", spec_of("y", {"nosuch"})).code() == LINUX_ENOENT);
  CHECK_FALSE(rt.find("y"));
}

TEST_CASE("runtime: input is the container's stdin, then end of file") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  RunOptions o = attached();
  o.input = "typed text\n";
  auto c = rt.run("fs", spec_of("in", {"cat"}), o);
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  CHECK((*c)->state == ContainerState::Exited);  // cat saw the end of its input
  CHECK(*rt.logs("in") == "typed text\n");
  CHECK((*c)->input.empty());
}

TEST_CASE("runtime: the start is measured from run to the first byte of output, in instructions and simulated time") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  auto quiet = rt.run("fs", spec_of("quiet", {"true"}), attached());
  REQUIRE(quiet.ok());
  CHECK_FALSE((*quiet)->started_output);
  CHECK((*quiet)->start_insns == 0);
  const uint64_t insns0 = k.cpu.s.insns, ns0 = k.now_ns();
  auto c = rt.run("fs", spec_of("e", {"echo", "hi"}), attached());
  REQUIRE(c.ok());
  CHECK((*c)->started_output);
  CHECK((*c)->started_insns == insns0);
  CHECK((*c)->start_insns > 0);
  CHECK((*c)->start_insns <= k.cpu.s.insns - insns0);
  CHECK((*c)->start_ns > 0);
  CHECK((*c)->start_ns <= k.now_ns() - ns0);
}

TEST_CASE("runtime: a dead kernel (an oops) starts no container") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  REQUIRE(rt.run("fs", spec_of("s", {"sleep", "1000"})).ok());
  fault_oops(k);
  auto c = rt.run("fs", spec_of("t", {"true"}));
  CHECK(c.code() == LINUX_EIO);
  CHECK(c.error().message.find("the container kernel is dead") == 0);
  CHECK_FALSE(rt.find("t"));
}

TEST_CASE("runtime: images run does not know come from the image source, once") {
  Kernel k;
  Runtime rt(k);
  int pulls = 0;
  rt.image_source = [&](const std::string& name) -> ErrorOr<Image> {
    pulls++;
    if (name == "fs") return fs_image();
    return make_error(LINUX_ENOENT, "no image '" + name + "' here");
  };
  REQUIRE(rt.run("fs", spec_of("a", {"true"}), attached()).ok());
  REQUIRE(rt.run("fs", spec_of("b", {"true"}), attached()).ok());
  CHECK(pulls == 1);
  CHECK(rt.images().size() == 1);
  auto missing = rt.run("nope", spec_of("c", {"true"}));
  CHECK(missing.code() == LINUX_ENOENT);
  CHECK(missing.error().message == "no image 'nope' here");
}

TEST_CASE("runtime: on a host clock, stop and rm let time pass by the host's rounds") {
  Kernel k;
  Runtime rt(k);
  rt.add_image(fs_image());
  // A host whose round is 1 ms of its own time, in which the kernel runs
  // its share (10,000 instructions).
  uint64_t host_ns = 0;
  int rounds = 0;
  rt.set_host_clock({[&] { return host_ns; }, [&] {
                       rounds++;
                       host_ns += 1'000'000;
                       return rt.run_kernel(10'000) != RunResult::Idle;
                     }});
  REQUIRE(rt.run("fs", spec_of("stubborn", {"fsprobe", "ignore", "15", "spin"})).ok());
  rt.run_kernel(1'000'000);
  REQUIRE(*rt.logs("stubborn") == "ignore=0\n");
  CHECK(rt.stop("stubborn", 20'000'000).code == 0);  // 20 ms of host time
  CHECK(rt.find("stubborn")->c.exit_code == 128 + LINUX_SIGKILL);
  CHECK(host_ns >= 20'000'000);
  CHECK(rounds >= 20);
  CHECK(rounds <= 22);  // the timeout's rounds, then the SIGKILL's
  // rm -f of a running container stops it at once on the host's rounds.
  REQUIRE(rt.run("fs", spec_of("spinner", {"spin"})).ok());
  rounds = 0;
  CHECK(rt.rm("spinner", true).code == 0);
  CHECK(rounds >= 1);
  CHECK(rounds <= 3);
  CHECK_FALSE(rt.find("spinner"));
}
