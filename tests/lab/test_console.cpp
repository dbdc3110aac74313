// The lab console (lab/console.h): parsing, errors naming the line, and
// scripts that drive VMs and containers in a lab.
#include <doctest/doctest.h>

#include <sstream>

#include "lab/console.h"
#include "lab/lab.h"
#include "lab/probes.h"
#include "tests/lab/script_harness.h"

using namespace isolab::lab;
using isolab::lab::test::run;
using isolab::lab::test::parse_error;
using isolab::lab::test::Script;

TEST_CASE("console: commands parse into their verbs and arguments") {
  auto p = parse_command("vm create web --mem 32M --weight 3 --paging nested");
  REQUIRE(p.command);
  CHECK(p.command->verb == Verb::VmCreate);
  CHECK(p.command->vm.name == "web");
  CHECK(p.command->vm.mem_bytes == 32u << 20);
  CHECK(p.command->vm.weight == 3);
  CHECK(p.command->vm.paging == isolab::emulator::PagingMode::Nested);

  p = parse_command("vm type web \"ls /bin\\n\"");
  REQUIRE(p.command);
  CHECK(p.command->arg == "ls /bin\n");
  p = parse_command("vm type web echo a\\tb\\x21\\n");
  REQUIRE(p.command);
  CHECK(p.command->arg == "echo a\tb!\n");

  p = parse_command("ctr run --name c1 --hostname box minios echo \"hello world\"");
  REQUIRE(p.command);
  CHECK(p.command->name == "c1");
  CHECK(p.command->hostname == "box");
  CHECK(p.command->image == "minios");
  CHECK(p.command->cmd == std::vector<std::string>{"echo", "hello world"});

  p = parse_command("wait until vm.a.console contains \"$ \" --timeout 250ms");
  REQUIRE(p.command);
  CHECK(p.command->expr_text == "vm.a.console contains \"$ \"");
  CHECK(p.command->duration_ns == 250'000'000);
  CHECK(parse_command("  # a comment").command->verb == Verb::Nothing);
  CHECK(parse_command("").command->verb == Verb::Nothing);
}

TEST_CASE("console: bad commands say what is wrong") {
  CHECK(parse_error("vm fly a") == "vm: unknown verb 'fly' (vm create, start, pause, stop, kill, type, snapshot, restore, clone, migrate, step, break)");
  CHECK(parse_error("vm create") == "vm create: missing NAME");
  CHECK(parse_error("vm create a --mem 1T") == "vm create: --mem '1T': expected a size between 2M and 3G, such as 64M");
  CHECK(parse_error("vm create a --weight 0") == "vm create: --weight '0': expected a number from 1 to 1000");
  CHECK(parse_error("vm create a --cpus 2") ==
        "vm create: unknown option '--cpus' (options: --mem, --weight, --image, --paging, --cmdline, --backend)");
  CHECK(parse_error("vm create a --backend qemu") == "vm create: --backend 'qemu': expected interp or kvm");
  CHECK(parse_error("vm start") == "vm start: expected `vm start NAME`");
  CHECK(parse_error("ctr run") ==
        "ctr run: missing IMAGE (ctr run [--name N] [--hostname H] [--memory SIZE] [--pids-limit N] [--cpu-weight N] [--cpus X] "
        "[--network bridge|none|host] [--input TEXT] IMAGE [CMD...])");
  CHECK(parse_error("ctr run --network overlay minios") == "ctr run: --network 'overlay': expected bridge, none or host");
  CHECK(parse_error("vm migrate a b") == "vm migrate: unexpected 'b' after the name (vm migrate NAME [--to ADDR:PORT] [--bandwidth RATE] [--max-rounds N] [--downtime-target DUR])");
  CHECK(parse_error("wait until 1 == 1 --timeout soon") == "wait until: --timeout 'soon': expected a duration such as 5s or 500ms");
  CHECK(parse_error("expect") == "expect: missing the expression");
  CHECK(parse_error("expect vm.a.insns = 3") == "expect: column 12: '=' is not an operator: write '==' to compare in 'vm.a.insns = 3'");
  CHECK(parse_error("frobnicate") == "unknown command 'frobnicate' (vm, ctr, host, wait, expect, show)");
}

TEST_CASE("console: a script with a bad line does nothing and names the line") {
  Lab lab;
  Script s = run(lab, "vm create a\n# comment\n\nvm start a\nvm fly a\n");
  CHECK(s.rc == 2);
  CHECK(s.err == "s.isolab:5: vm: unknown verb 'fly' (vm create, start, pause, stop, kill, type, snapshot, restore, clone, migrate, step, break)\n");
  CHECK(lab.find_vm("a") == nullptr);  // parsed first: nothing ran
}

TEST_CASE("console: a failed expect exits 1 naming the line and the values seen") {
  Lab lab;
  Script s = run(lab, "vm create a\nexpect vm.a.state == \"running\"\nshow vm.a.state\n");
  CHECK(s.rc == 1);
  CHECK(s.err == "s.isolab:2: expect vm.a.state == \"running\": false (vm.a.state = \"created\")\n");
  CHECK(s.out.empty());  // the script stopped at the failure
}

TEST_CASE("console: a command that cannot be carried out exits 2") {
  Lab lab;
  Script s = run(lab, "vm start ghost\n");
  CHECK(s.rc == 2);
  CHECK(s.err == "s.isolab:1: no VM named 'ghost'\n");
  s = run(lab, "vm create a\nvm create a\n");
  CHECK(s.rc == 2);
  CHECK(s.err == "s.isolab:2: vm create a: a VM named 'a' exists already\n");
}

TEST_CASE("console: a script boots miniOS, types a command and reads probes") {
  Lab lab;
  Script s = run(lab,
                 "vm create a --mem 32M\n"
                 "vm start a\n"
                 "wait until vm.a.console contains \"$ \" --timeout 10s\n"
                 "vm type a \"uname -a\\n\"\n"
                 "wait until vm.a.console contains \"i686\" --timeout 5s\n"
                 "expect vm.a.exits.IO_INSTRUCTION > 0 && vm.a.exits.CR_ACCESS > 0\n"
                 "show vm.a.state\n"
                 "vm pause a\n"
                 "show vm.a.state\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
  CHECK(s.out == "vm.a.state = \"running\"\nvm.a.state = \"paused\"\n");
  // The probes read what the machine counted.
  std::string error;
  auto exits = read_probe(lab, "vm.a.exits", error);
  REQUIRE(exits);
  CHECK(exits->number == double(lab.find_vm("a")->machine->exits.exits));
  CHECK(exits->number > 0);
}

TEST_CASE("console: wait until times out as a failed check") {
  Lab lab;
  Script s = run(lab, "vm create a\nvm start a\nwait until vm.a.console contains \"never\" --timeout 20ms\n");
  CHECK(s.rc == 1);
  CHECK(s.err.find("s.isolab:3: wait until vm.a.console contains \"never\": still false after 20ms") == 0);
  CHECK(lab.now_ns() >= 20'000'000);
}

TEST_CASE("console: a paused VM does not advance, a clone runs on its own") {
  Lab lab;
  Script s = run(lab,
                 "vm create a --mem 16M\nvm start a\nwait 50ms\nvm pause a\nvm clone a b\nvm start b\nwait 50ms\n"
                 "expect vm.b.insns > vm.a.insns\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
}

TEST_CASE("console: containers run in the background and are listed") {
  Lab lab;
  Script s = run(lab,
                 "ctr run --name c1 minios echo hello\n"
                 "ctr run --name c2 --hostname box minios hostname\n"
                 "wait until host.containers.running == 0 --timeout 1s\n"
                 "show ctr.c1.logs\nshow ctr.c2.logs\nexpect ctr.c1.state == \"exited\" && ctr.c1.exit_code == 0\n"
                 "ctr ps\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
  CHECK(s.out.find("ctr.c1.logs = \"hello\\n\"\nctr.c2.logs = \"box\\n\"\n") == 0);
  CHECK(s.out.find("c2               minios       exited(0)") != std::string::npos);
}

TEST_CASE("console: ctr run's limits and input, host cgroups, vm create --cmdline") {
  auto p = parse_command("ctr run --name c --memory 8M --pids-limit 10 --input \"ps\\n\" minios sh");
  REQUIRE(p.command);
  CHECK(p.command->memory_max == 8u << 20);
  CHECK(p.command->pids_max == 10);
  CHECK(p.command->input == "ps\n");
  CHECK(parse_error("ctr run --pids-limit 0 minios") == "ctr run: --pids-limit '0': expected a number from 1");
  CHECK(parse_error("ctr run --memory lots minios") == "ctr run: --memory 'lots': expected a size such as 8M");
  CHECK(parse_error("host cgroups now") == "host: expected `host ps`, `host cgroups` or `host bug cow on|off|oops`");
  p = parse_command("vm create a --cmdline \"bug=1 quiet\"");
  REQUIRE(p.command);
  CHECK(p.command->vm.cmdline == "bug=1 quiet");

  Lab lab;
  Script s = run(lab, "vm create b --mem 16M --cmdline bug=1\nvm start b\n"
                      "ctr run --name web --pids-limit 5 --memory 4M --input \"echo typed\\n\" minios sh\n"
                      "wait until vm.b.console contains \"$ \" && ctr.web.state == \"exited\" --timeout 10s\n"
                      "show ctr.web.logs\nhost cgroups\n");
  REQUIRE_MESSAGE(s.rc == 0, s.err);
  CHECK(s.out.find("ctr.web.logs = \"$ typed\\n$ \"") == 0);
  CHECK(s.out.find("CGROUP                   PROCS PIDS.CURRENT  PIDS.MAX MEMORY.CURRENT  MEMORY.MAX\n") != std::string::npos);
  CHECK(s.out.find("\n/web                         0            0         5              0     4194304\n") != std::string::npos);
  CHECK(lab.find_vm("b")->console.find("WARNING: bug=1") != std::string::npos);
}

TEST_CASE("console: ctr run --cpu-weight and --cpus write cpu.weight and cpu.max, or say the kernel has no cpu controller") {
  auto p = parse_command("ctr run --cpu-weight 300 --cpus 0.5 minios spin");
  REQUIRE(p.command);
  CHECK(p.command->cpu_weight == 300);
  CHECK(p.command->cpus == 0.5);
  CHECK(parse_error("ctr run --cpu-weight 0 minios") == "ctr run: --cpu-weight '0': expected a number from 1 to 10000");
  CHECK(parse_error("ctr run --cpus half minios") == "ctr run: --cpus 'half': expected a number of CPUs such as 0.5");

  // The cpu controller arrives with the container kernel's scheduler: until
  // then the flags are refused before anything starts; with it, the files
  // hold what was written.
  isolab::containers::Cgroup parent, child;
  parent.subtree_control = isolab::containers::CGROUP_ALL_CONTROLLERS;
  child.parent = &parent;
  bool has_cpu = isolab::containers::cgroup_file(child, "cpu.weight") != nullptr;
  Lab lab;
  // (Without the controller the probes' names would not parse: run the line alone.)
  Script s = run(lab, has_cpu ? "ctr run --name c --cpu-weight 300 --cpus 0.5 minios spin\nshow ctr.c.cpu.weight\nshow ctr.c.cpu.max\n"
                              : "ctr run --name c --cpu-weight 300 --cpus 0.5 minios spin\n");
  if (has_cpu) {
    CHECK_MESSAGE(s.rc == 0, s.err);
    CHECK(s.out == "ctr.c.cpu.weight = 300\nctr.c.cpu.max = \"50000 100000\"\n");
  } else {
    CHECK(s.rc == 2);
    CHECK(s.err.find("s.isolab:1: ctr run: /sys/fs/cgroup/c/cpu.weight: cannot write \"300\"") == 0);
    CHECK(lab.containers().empty());
  }
}

TEST_CASE("console: vm create --backend picks what runs the VM's CPU, and kvm is refused where the host cannot run it") {
  CHECK(parse_command("vm create a --backend kvm").command->vm.backend == isolab::emulator::BackendKind::Kvm);
  CHECK(parse_command("vm create a").command->vm.backend == isolab::emulator::BackendKind::Interp);
  Lab lab;
  Script s = run(lab, "vm create a\nexpect vm.a.backend == \"interp\"\n");
  CHECK(s.rc == 0);
  s = run(lab, "vm create k --backend kvm\n");
  if (s.rc == 2) {
    // This host has no KVM that runs 32-bit paged guests (the test machines
    // have none): one line with the capability probe's sentence, no VM left.
    MESSAGE("the kvm backend was refused here: " << s.err);
    CHECK(s.err.find("use --backend interp") != std::string::npos);
    CHECK(lab.find_vm("k") == nullptr);
  } else {
    REQUIRE(s.rc == 0);
    CHECK(run(lab, "expect vm.k.backend == \"kvm\"\n").rc == 0);
    CHECK(run(lab, "vm snapshot k /tmp/isolab-kvm-snap\n").rc == 2);  // the CPU state is in the kernel
  }
}
