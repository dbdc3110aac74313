// `vm migrate` on the console and the migration probes (lab/lab.h
// MigrateSpec, emulator/migration.h). The lockstep target is a second
// isolab process: tests/app/vm_migrate.py and lesson 12 run that; here a
// receiver thread in this process takes `vm migrate --to`.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "emulator/migration.h"
#include "lab/probes.h"
#include "script_harness.h"

using namespace isolab;
using namespace isolab::lab;

namespace {

double probe(Lab& lab, const std::string& name) {
  std::string error;
  auto v = read_probe(lab, name, error);
  REQUIRE_MESSAGE(v, error);
  return v->number;
}

}  // namespace

TEST_CASE("lab: vm migrate parses its options and refuses bad ones with a reason") {
  CHECK(test::parse_error("vm migrate a") == "");
  CHECK(test::parse_error("vm migrate a --to 127.0.0.1:7000 --bandwidth 100M --max-rounds 5 --downtime-target 300us") == "");
  CHECK(test::parse_error("vm migrate").find("missing NAME") != std::string::npos);
  CHECK(test::parse_error("vm migrate a --to 127.0.0.1:0").find("--to") != std::string::npos);
  CHECK(test::parse_error("vm migrate a --bandwidth 0").find("--bandwidth") != std::string::npos);
  CHECK(test::parse_error("vm migrate a --max-rounds many").find("--max-rounds") != std::string::npos);
  CHECK(test::parse_error("vm migrate a --downtime-target x").find("--downtime-target") != std::string::npos);
  CHECK(test::parse_error("vm migrate a b").find("unexpected 'b'") != std::string::npos);
  CHECK(test::parse_error("vm migrate a --fast 1").find("unknown option") != std::string::npos);
  Lab lab;
  auto s = test::run(lab, "vm migrate ghost\n");
  CHECK(s.rc == 2);
  CHECK(s.err.find("no VM named 'ghost'") != std::string::npos);
}

TEST_CASE("lab: a VM that never migrated reads 0 in every migration probe and runs in this process") {
  Lab lab;
  REQUIRE(test::run(lab, "vm create a --mem 8M\n").rc == 0);
  for (const char* f : {"rounds", "pages_sent", "bytes_sent", "dirty_at_stop", "downtime_ns", "downtime_us", "total_ns",
                        "wp_faults", "insns_at_stop"})
    CHECK(probe(lab, std::string("vm.a.migration.") + f) == 0);
  CHECK(probe(lab, "vm.a.host_pid") == double(getpid()));
  CHECK(check_probe_name("vm.a.migration.rounds") == std::nullopt);
  CHECK(check_probe_name("vm.a.migration.speed") != std::nullopt);
}

TEST_CASE("lab: vm migrate --to sends a running miniOS to a receiver, and the VM leaves as migrated") {
  std::string host;
  uint16_t port = 0;
  std::string error;
  int listener = emulator::listen_on("127.0.0.1", port, error);
  REQUIRE_MESSAGE(listener >= 0, error);
  std::unique_ptr<emulator::Machine> received;
  std::string target_error;
  std::thread target([&] {
    int fd = emulator::accept_one(listener, 60'000, target_error);
    if (fd < 0) return;
    emulator::Link link(fd);
    bool lockstep = true;
    try {
      received = emulator::migrate_in(link, lockstep);
      if (lockstep) target_error = "asked for lockstep";
    } catch (const std::exception& e) {
      target_error = e.what();
    }
  });
  Lab lab;
  auto s = test::run(lab, "vm create a --mem 32M\nvm start a\nwait until vm.a.console contains \"$ \" --timeout 10s\n"
                          "vm migrate a --to 127.0.0.1:" + std::to_string(port) + " --bandwidth 1G\n");
  target.join();
  close(listener);
  REQUIRE_MESSAGE(s.rc == 0, s.err);
  REQUIRE_MESSAGE(received, target_error);
  CHECK(s.out.find("vm migrate a: ") != std::string::npos);
  CHECK(test::run(lab, "expect vm.a.state == \"migrated\"\n").rc == 0);
  CHECK(probe(lab, "vm.a.migration.rounds") >= 2);
  CHECK(probe(lab, "vm.a.migration.pages_sent") >= (32u << 20) / 4096);
  CHECK(probe(lab, "vm.a.migration.bytes_sent") > probe(lab, "vm.a.migration.pages_sent") * 4);
  CHECK(probe(lab, "vm.a.migration.downtime_ns") > 0);
  CHECK(probe(lab, "vm.a.migration.total_ns") > probe(lab, "vm.a.migration.downtime_ns"));
  CHECK(probe(lab, "vm.a.migration.insns_at_stop") == probe(lab, "vm.a.insns"));
  // The receiver holds what the lab's copy held at the stop.
  emulator::Vm* vm = lab.find_vm("a");
  CHECK(std::memcmp(received->ram(), vm->machine->ram(), vm->machine->config.ram_bytes) == 0);
  CHECK(received->cpu.s.insns == vm->machine->cpu.s.insns);
  // Gone from this host: it runs no more here and cannot migrate again.
  const double insns = probe(lab, "vm.a.insns");
  CHECK(test::run(lab, "wait 10ms\n").rc == 0);
  CHECK(probe(lab, "vm.a.insns") == insns);
  auto again = test::run(lab, "vm migrate a --to 127.0.0.1:" + std::to_string(port) + "\n");
  CHECK(again.rc == 2);
  CHECK(again.err.find("migrated") != std::string::npos);
}
