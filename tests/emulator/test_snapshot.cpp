// Snapshots: save, restore and continue gives the same console output and
// final state as an uninterrupted run; a clone runs on independently.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "emulator/loader.h"
#include "emulator/snapshot.h"

using namespace isolab;
using namespace isolab::emulator;

namespace {

// A console session: miniOS booted, lines typed one at a time when the
// guest is idle (as `isolab vm run --input` does).
struct Session {
  std::unique_ptr<Machine> m;
  std::string out;
  std::vector<std::string> lines;
  size_t typed = 0;

  void attach() {
    m->on_console = [this](uint8_t b) { out += char(b); };
    m->on_idle = [this]() {
      if (typed >= lines.size()) return false;
      m->uart.receive(lines[typed++]);
      return true;
    };
  }
  static Session boot(std::vector<std::string> lines) {
    Session s;
    MachineConfig cfg;
    cfg.ram_bytes = 32u << 20;
    s.m = std::make_unique<Machine>(cfg);
    s.lines = std::move(lines);
    load_minios(s.m->cpu);
    s.attach();
    return s;
  }
};

const std::vector<std::string> kLines = {"echo one\n", "ls /bin\n", "echo two | cat\n", "ps\n", "poweroff\n"};

}  // namespace

TEST_CASE("snapshot: restore and continue matches an uninterrupted run, byte for byte") {
  Session whole = Session::boot(kLines);
  REQUIRE(whole.m->run(20'000'000'000ull) == MachineStop::Halted);
  REQUIRE(whole.out.find("two") != std::string::npos);

  Session first = Session::boot(kLines);
  REQUIRE(first.m->run(2'000'000) == MachineStop::Timeout);  // part-way through
  std::string dir = (std::filesystem::temp_directory_path() / "isolab-snapshot-test").string();
  std::filesystem::remove_all(dir);
  save_snapshot(*first.m, dir);
  CHECK(std::filesystem::exists(dir + "/ram.bin"));
  CHECK(std::filesystem::exists(dir + "/devices/uart.bin"));

  Session rest;
  rest.m = restore_snapshot(dir);
  rest.lines = kLines;
  rest.typed = first.typed;
  rest.out = first.out;
  rest.attach();
  REQUIRE(rest.m->run(20'000'000'000ull) == MachineStop::Halted);

  CHECK(rest.out == whole.out);
  CHECK(rest.m->cpu.s.insns == whole.m->cpu.s.insns);
  CHECK(rest.m->now_ns() == whole.m->now_ns());
  CHECK(std::memcmp(rest.m->ram(), whole.m->ram(), whole.m->config.ram_bytes) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("snapshot: a damaged snapshot is refused with a message naming the file") {
  std::string dir = (std::filesystem::temp_directory_path() / "isolab-snapshot-bad").string();
  std::filesystem::remove_all(dir);
  CHECK_THROWS_WITH_AS(restore_snapshot(dir), doctest::Contains("not a snapshot folder"), SnapshotError);
  Session s = Session::boot({});
  s.m->run(100'000);
  save_snapshot(*s.m, dir);
  std::filesystem::resize_file(dir + "/cpu.bin", 12);
  CHECK_THROWS_WITH_AS(restore_snapshot(dir), doctest::Contains("cpu.bin"), SnapshotError);
  std::filesystem::remove(dir + "/ram.bin");
  CHECK_THROWS_WITH_AS(restore_snapshot(dir), doctest::Contains("ram.bin"), SnapshotError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("snapshot: a clone continues like its parent and then diverges on its own input") {
  Session parent = Session::boot({"echo parent\n", "poweroff\n"});
  parent.m->run(300'000);  // still booting: nothing typed yet
  REQUIRE(parent.typed == 0);
  Session child;
  child.m = clone_machine(*parent.m);
  child.lines = {"echo child\n", "poweroff\n"};
  child.typed = parent.typed;
  child.out = parent.out;
  child.attach();
  // Right after the clone both share every page: neither owns any yet.
  CHECK(parent.m->private_ram_bytes() < (256u << 10));
  CHECK(child.m->private_ram_bytes() < (256u << 10));
  CHECK(std::memcmp(parent.m->ram(), child.m->ram(), parent.m->config.ram_bytes) == 0);
  CHECK(parent.m->run(20'000'000'000ull) == MachineStop::Halted);
  CHECK(child.m->run(20'000'000'000ull) == MachineStop::Halted);
  CHECK(parent.out.find("echo parent") != std::string::npos);
  CHECK(child.out.find("echo child") != std::string::npos);
  CHECK(child.out.find("echo parent") == std::string::npos);
  // Each now owns the pages it wrote, and only those.
  CHECK(child.m->private_ram_bytes() > 0);
  CHECK(child.m->private_ram_bytes() < child.m->config.ram_bytes / 2);
}
