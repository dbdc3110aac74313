// Probes (lab/probes.h): names checked for shape, and the values read from
// a running lab: cgroup files of containers, boot and start measurements,
// the guest page walk, failed containers.
#include <doctest/doctest.h>

#include <sstream>

#include "lab/console.h"
#include "lab/lab.h"
#include "lab/probes.h"

using namespace isolab::lab;

namespace {

std::optional<std::string> shape(const std::string& name) { return check_probe_name(name); }

// Run console lines on `lab`; REQUIREs that they succeed; returns the output.
std::string run(Lab& lab, const std::string& text) {
  std::ostringstream out, err;
  int rc = run_script(lab, text, "t.isolab", out, err);
  REQUIRE_MESSAGE(rc == 0, err.str());
  return out.str();
}

Value probe(Lab& lab, const std::string& name) {
  std::string error;
  auto v = read_probe(lab, name, error);
  REQUIRE_MESSAGE(v, error);
  return *v;
}

std::string probe_error(Lab& lab, const std::string& name) {
  std::string error;
  auto v = read_probe(lab, name, error);
  CHECK_FALSE(v);
  return error;
}

}  // namespace

TEST_CASE("probes: names of the new probes are checked for shape") {
  for (const char* ok : {"vm.a.boot_insns", "vm.a.boot_ns", "vm.a.cr3", "vm.a.translate.0xC0100000", "vm.a.translate.4096",
                         "vm.a.mmu.walk_refs", "ctr.c.error", "ctr.c.start_insns", "ctr.c.start_ns", "ctr.c.hostpid.1",
                         "ctr.c.pids.current", "ctr.c.pids.max", "ctr.c.pids.events.max", "ctr.c.memory.current",
                         "ctr.c.memory.max", "ctr.c.memory.events.oom_kill", "ctr.c.memory.events.oom",
                         "ctr.c.cgroup.procs", "host.kernel.insns", "host.kernel.processes", "host.cgroups"})
    CHECK_MESSAGE(!shape(ok), ok);
  CHECK(shape("vm.a.translate.0xZZ")->find("not an address: '0xZZ'") == 0);
  CHECK(shape("vm.a.translate.0x100000000")->find("not an address") == 0);
  CHECK(shape("ctr.c.hostpid.0")->find("not a PID: '0'") == 0);
  CHECK(shape("ctr.c.pids.maximum")->find("unknown probe 'ctr.c.pids.maximum'") == 0);
  CHECK(shape("ctr.c.memory")->find("unknown probe") == 0);
  CHECK(shape("host.kernel")->find("unknown probe") == 0);
}

TEST_CASE("probes: a container's cgroup files, as cat shows them") {
  Lab lab;
  // The shell forks a child for each command: the third spin's fork is refused.
  run(lab, "ctr run --name full --pids-limit 3 --memory 8M --input \"spin &\\nspin &\\nspin &\\nspin\\n\" minios sh\n"
           "ctr run --name free minios spin\n"
           "wait until ctr.full.pids.events.max > 0 --timeout 5s\n");
  CHECK(probe(lab, "ctr.full.pids.max").number == 3);
  CHECK(probe(lab, "ctr.full.pids.current").number == 3);
  CHECK(probe(lab, "ctr.full.memory.max").number == 8 << 20);
  CHECK(probe(lab, "ctr.full.memory.current").number > 0);
  // An unlimited limit reads as the file says it: "max".
  CHECK(probe(lab, "ctr.free.pids.max").string == "max");
  CHECK(probe(lab, "ctr.free.memory.max").string == "max");
  CHECK(probe(lab, "ctr.free.pids.events.max").number == 0);
  CHECK(probe(lab, "ctr.free.memory.events.oom_kill").number == 0);
  CHECK(probe_error(lab, "ctr.free.memory.events.kills") ==
        "no key 'kills' in memory.events (keys: low, high, max, oom, oom_kill, oom_group_kill) (in 'ctr.free.memory.events.kills')");
  CHECK(probe_error(lab, "ctr.ghost.pids.max") == "no container named 'ghost' (in 'ctr.ghost.pids.max')");
  CHECK(probe(lab, "host.cgroups").number == 3);  // the root, full and free
  CHECK(probe(lab, "host.kernel.processes").number == 4);  // full's sh and two spins, free's spin
}

TEST_CASE("probes: the OOM killer in a container's cgroup") {
  Lab lab;
  run(lab, "ctr run --name hog --memory 2M minios memhog 8\nwait until ctr.hog.state == \"exited\" --timeout 10s\n");
  CHECK(probe(lab, "ctr.hog.memory.events.oom_kill").number == 1);
  CHECK(probe(lab, "ctr.hog.memory.events.oom").number >= 1);
  CHECK(probe(lab, "ctr.hog.exit_code").number == 137);
}

TEST_CASE("probes: a VM's boot ends at its first prompt, a container's start at its first output") {
  Lab lab;
  run(lab, "vm create a --mem 16M\nctr run --name c minios echo hi\n");
  CHECK(probe(lab, "vm.a.boot_insns").number == 0);
  CHECK(probe(lab, "ctr.c.start_insns").number == 0);
  run(lab, "vm start a\nwait until vm.a.console contains \"$ \" && ctr.c.state == \"exited\" --timeout 10s\nwait 5ms\n");
  double boot = probe(lab, "vm.a.boot_insns").number;
  CHECK(boot > 0);
  CHECK(boot < probe(lab, "vm.a.insns").number);  // it ran on, idle, after the prompt
  CHECK(probe(lab, "vm.a.boot_ns").number >= boot);
  double start = probe(lab, "ctr.c.start_insns").number;
  CHECK(start > 0);
  CHECK(start < probe(lab, "host.kernel.insns").number + 1);
  CHECK(probe(lab, "ctr.c.start_ns").number >= start);
  // Typed input later does not move the boot's end.
  run(lab, "vm type a \"echo again\\n\"\nwait until vm.a.console contains \"again\\r\\n$ \" --timeout 5s\n");
  CHECK(probe(lab, "vm.a.boot_insns").number == boot);
}

TEST_CASE("probes: translate walks the guest's page tables under its CR3") {
  Lab lab;
  run(lab, "vm create a --mem 16M\n");
  // Paging off: linear is physical.
  CHECK(probe(lab, "vm.a.translate.0x1234").number == 0x1234);
  run(lab, "vm start a\nwait until vm.a.console contains \"$ \" --timeout 10s\n");
  // miniOS is linked at 0xC0100000 and loaded at 1 MiB.
  CHECK(probe(lab, "vm.a.translate.0xC0100000").number == 0x100000);
  CHECK(probe(lab, "vm.a.translate.3222274048").number == 0x100000);  // the same address in decimal
  CHECK(probe(lab, "vm.a.cr3").number > 0);
  CHECK(probe_error(lab, "vm.a.translate.0x0").find("0x00000000 is not mapped by the guest's page tables (CR3 0x") == 0);
  // At the prompt the CPU idles in the kernel's page directory: user code is
  // not mapped. While spin runs, its directory is loaded and its code is.
  double kernel_cr3 = probe(lab, "vm.a.cr3").number;
  CHECK(probe_error(lab, "vm.a.translate.0x08048000").find("0x08048000 is not mapped") == 0);
  run(lab, "vm type a \"spin\\n\"\nwait 10ms\n");
  CHECK(probe(lab, "vm.a.cr3").number != kernel_cr3);
  double code = probe(lab, "vm.a.translate.0x08048000").number;
  CHECK(code > 0x100000);
  CHECK(code < 16 << 20);
  CHECK(probe(lab, "vm.a.translate.0x08048010").number == code + 0x10);
}

TEST_CASE("probes: a program the kernel cannot execute leaves a failed container") {
  Lab lab;
  std::string out = run(lab, "ctr run --name k minios /boot/minios.elf\n");
  CHECK(out.find("ctr run k: exec format error: /boot/minios.elf:") == 0);
  CHECK(probe(lab, "ctr.k.state").string == "failed");
  CHECK(probe(lab, "ctr.k.error").string.find("exec format error") == 0);
  CHECK(probe(lab, "ctr.k.exit_code").number == 126);
  CHECK(probe(lab, "host.containers.running").number == 0);
  CHECK(probe(lab, "host.kernel.processes").number == 0);
  CHECK(run(lab, "ctr ps\n").find("failed(126)") != std::string::npos);
  // A command missing from the image stays a mistake in the command line.
  std::ostringstream o, e;
  CHECK(run_script(lab, "ctr run --name n minios nosuch\n", "t.isolab", o, e) == 2);
  CHECK(e.str().find("t.isolab:1: ctr run: nosuch: not found") == 0);
}

TEST_CASE("probes: hostpid gives the host PID of a PID inside the container") {
  Lab lab;
  run(lab, "ctr run --name first minios spin\n"
           "ctr run --name c --input \"spin &\\nspin\\n\" minios sh\n"
           "wait 5ms\n");
  CHECK(probe(lab, "ctr.c.hostpid.1").number == probe(lab, "ctr.c.pid").number);
  CHECK(probe(lab, "ctr.c.hostpid.1").number != 1);
  CHECK(probe(lab, "ctr.c.hostpid.2").number > probe(lab, "ctr.c.hostpid.1").number);
  CHECK(probe(lab, "ctr.first.hostpid.1").number == 1);
  CHECK(probe_error(lab, "ctr.c.hostpid.40") == "container 'c' has no live process with PID 40 (in 'ctr.c.hostpid.40')");
  std::string ps = run(lab, "host ps\n");
  CHECK(ps.find("HOST-PID CONTAINER        CTR-PID  STATE COMMAND") != std::string::npos);
  CHECK(ps.find("\n1        first            1        R     spin\n") != std::string::npos);
}

TEST_CASE("probes: the hello-amd64 image's x86-64 program is refused by the i386 kernel") {
  Lab lab;
  std::string out = run(lab, "ctr run --name x hello-amd64 hello\n");
  CHECK(out == "ctr run x: exec format error: /bin/hello: a 64-bit ELF (ELFCLASS64): this kernel runs i386 programs only; "
               "a container needs the host's ABI (the kernel cannot execute that format: x86-64 code needs a 64-bit kernel, "
        "and containers share the host's)\n");
  CHECK(probe(lab, "ctr.x.state").string == "failed");
  CHECK(probe(lab, "ctr.x.logs").string.empty());
}

TEST_CASE("probes: namespace views of two containers and the host") {
  Lab lab;
  run(lab, "ctr run --name a --hostname alpha --input \"cat /proc/self/ns/uts\\nspin\\n\" minios sh\n"
           "ctr run --name b --hostname beta minios spin\n"
           "wait 5ms\n");
  // Identities: one per container and kind, the host's initial ones are Linux's fixed numbers.
  CHECK(probe(lab, "host.ns.uts").number == double(isolab::containers::PROC_UTS_INIT_INO));
  CHECK(probe(lab, "host.ns.pid").number == double(isolab::containers::PROC_PID_INIT_INO));
  for (const char* kind : {"uts", "pid", "mnt", "net", "ipc", "cgroup"}) {
    CAPTURE(kind);
    double a = probe(lab, std::string("ctr.a.ns.") + kind).number, b = probe(lab, std::string("ctr.b.ns.") + kind).number;
    CHECK(a != b);
    CHECK(a != probe(lab, std::string("host.ns.") + kind).number);
    CHECK(a > 0);
  }
  // No user namespace unless asked: the containers share the host's.
  CHECK(probe(lab, "ctr.a.ns.user").number == probe(lab, "host.ns.user").number);
  // What the container's own cat printed is the identity the probe reads.
  std::string uts = "uts:[" + format_value(probe(lab, "ctr.a.ns.uts")) + "]";
  CHECK(probe(lab, "ctr.a.logs").string.find(uts) != std::string::npos);
  CHECK(probe(lab, "ctr.a.hostname").string == "alpha");
  CHECK(probe(lab, "ctr.b.hostname").string == "beta");
  CHECK(probe(lab, "host.hostname").string == "isolab");
  CHECK(probe(lab, "host.mounts").string == "rootfs / rootfs rw 0 0\n");
  CHECK(probe(lab, "ctr.a.mounts").string.rfind("overlay / overlay rw,relatime 0 0\nproc /proc proc ", 0) == 0);
  CHECK(probe(lab, "ctr.a.net.devices").number == 2);  // lo and eth0 (--network bridge, the default)
  CHECK(probe(lab, "ctr.a.net.addr").string.rfind("172.17.0.", 0) == 0);
  CHECK(probe(lab, "ctr.a.net.addr").string != probe(lab, "ctr.b.net.addr").string);
  CHECK(probe(lab, "ctr.a.net.veth.rx_packets").number == probe(lab, "ctr.a.net.eth0.tx_packets").number);
  CHECK(probe(lab, "host.net.docker0.forwarded").number == 0);
}

TEST_CASE("probes: namespace probes name their kind and need a live init") {
  CHECK_FALSE(shape("ctr.a.ns.uts"));
  CHECK_FALSE(shape("ctr.a.ns.pid_for_children"));
  CHECK_FALSE(shape("host.ns.net"));
  CHECK_FALSE(shape("host.hostname"));
  CHECK_FALSE(shape("ctr.a.net.devices"));
  CHECK(shape("ctr.a.ns.utc").value_or("").rfind("unknown namespace kind 'utc' (kinds: cgroup, ipc, mnt", 0) == 0);
  CHECK(shape("vm.a.hostname").value_or("").rfind("unknown probe 'vm.a.hostname'", 0) == 0);
  Lab lab;
  run(lab, "ctr run --name e minios echo hi\nwait until ctr.e.state == \"exited\" --timeout 1s\n");
  CHECK(probe_error(lab, "ctr.e.ns.uts") == "container 'e' has no live init to read its namespaces from (in 'ctr.e.ns.uts')");
  CHECK(probe_error(lab, "ctr.nope.hostname") == "no container named 'nope' (in 'ctr.nope.hostname')");
}

TEST_CASE("probes: age_usec counts the kernel's simulated time since ctr run") {
  Lab lab;
  CHECK_FALSE(shape("ctr.a.age_usec"));
  CHECK(shape("host.age_usec").value_or("").rfind("unknown probe 'host.age_usec'", 0) == 0);
  run(lab, "ctr run --name first minios spin\nwait 20ms\nctr run --name later minios spin\nwait 30ms\n");
  double first = probe(lab, "ctr.first.age_usec").number, later = probe(lab, "ctr.later.age_usec").number;
  CHECK(first == doctest::Approx(50000).epsilon(0.05));
  CHECK(later == doctest::Approx(30000).epsilon(0.05));
  // A lone busy spinner had the CPU for all of its age; two share it.
  CHECK(probe(lab, "ctr.later.cpu.stat.usage_usec").number <= later);
  CHECK(probe(lab, "ctr.first.cpu.stat.usage_usec").number ==
        doctest::Approx(first - probe(lab, "ctr.later.cpu.stat.usage_usec").number).epsilon(0.05));
}
