// Live migration (emulator/migration.h): dirty-page logging marks exactly
// the pages the guest writes; pre-copy converges for an idle guest and
// keeps a busy guest's working set dirty; stop-and-copy leaves source and
// target bit-identical; a truncated or damaged stream is refused.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "emulator/loader.h"
#include "emulator/migration.h"
#include "emulator/snapshot.h"

using namespace isolab;
using namespace isolab::emulator;

namespace {

constexpr uint32_t kCode = 0x1000;

// A machine in flat 32-bit protected mode, paging off, running `code` at
// 0x1000 with interrupts off.
std::unique_ptr<Machine> raw_machine(const std::vector<uint8_t>& code, uint64_t ram = 8u << 20) {
  MachineConfig cfg;
  cfg.ram_bytes = ram;
  auto m = std::make_unique<Machine>(cfg);
  m->cpu.set_flat_protected_mode(0);
  std::memcpy(m->ram() + kCode, code.data(), code.size());
  m->cpu.s.eip = kCode;
  return m;
}

void put32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; i++) v.push_back(uint8_t(x >> (8 * i)));
}

// mov [a], eax for each of `writes`; mov ebx, [r] for each of `reads`; hlt.
std::vector<uint8_t> writes_then_reads(const std::vector<uint32_t>& writes, const std::vector<uint32_t>& reads) {
  std::vector<uint8_t> c = {0xB8};  // mov eax, 0x5A5A5A5A
  put32(c, 0x5A5A5A5A);
  for (uint32_t a : writes) c.push_back(0xA3), put32(c, a);
  for (uint32_t a : reads) c.push_back(0x8B), c.push_back(0x1D), put32(c, a);
  c.push_back(0xF4);
  return c;
}

// Forever: write one word into each of `pages` pages from 1 MiB up.
std::vector<uint8_t> page_writer(uint32_t pages) {
  std::vector<uint8_t> c = {0xB9};  // start: mov ecx, pages
  put32(c, pages);
  c.push_back(0xBF);  // mov edi, 0x100000
  put32(c, 0x100000);
  // loop: mov [edi], eax; add edi, 0x1000; dec ecx; jnz loop; inc eax; jmp start
  for (uint8_t b : {0x89, 0x07, 0x81, 0xC7, 0x00, 0x10, 0x00, 0x00, 0x49, 0x75, 0xF5, 0x40, 0xEB, 0xE8}) c.push_back(b);
  return c;
}

// Migrate `m` to a target in a thread over a socket pair.
struct Pair {
  std::unique_ptr<Machine> target;
  MigrationReport report;
  std::string error;
  bool lockstep = false;
};
Pair migrate_pair(Machine& m, const MigrationOptions& o, bool running) {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  Pair p;
  std::thread t([&] {
    Link dst(sv[1]);
    try {
      p.target = migrate_in(dst, p.lockstep);
    } catch (const std::exception& e) {
      p.error = e.what();
    }
  });
  try {
    Link src(sv[0]);
    p.report = migrate_out(m, src, o, running);
  } catch (const std::exception& e) {
    p.error += std::string(" source: ") + e.what();
  }
  t.join();
  return p;
}

// The CPU state with the padding after each segment cache's selector zeroed.
cpu::CpuState without_padding(const cpu::CpuState& s) {
  cpu::CpuState c = s;
  auto clear = [](cpu::SegmentCache& sc) {
    uint8_t* p = reinterpret_cast<uint8_t*>(&sc);
    std::memset(p + sizeof sc.selector, 0, offsetof(cpu::SegmentCache, base) - sizeof sc.selector);
  };
  for (auto& sc : c.seg) clear(sc);
  clear(c.ldtr);
  clear(c.tr);
  return c;
}

// RAM, CPU and devices equal. `counters`: the exit counters too (true
// right after the migration; later the target, with its caches rebuilt,
// takes hidden page faults the source no longer needs).
void check_identical(Machine& a, Machine& b, bool counters) {
  REQUIRE(a.config.ram_bytes == b.config.ram_bytes);
  CHECK(std::memcmp(a.ram(), b.ram(), a.config.ram_bytes) == 0);
  if (counters) {
    CHECK(std::memcmp(&a.cpu.s, &b.cpu.s, sizeof a.cpu.s) == 0);  // byte for byte, as sent
  } else {
    // Since then each side ran on its own: a segment load may leave other
    // garbage in a segment cache's padding, which is no state.
    cpu::CpuState sa = without_padding(a.cpu.s), sb = without_padding(b.cpu.s);
    CHECK(std::memcmp(&sa, &sb, sizeof sa) == 0);
  }
  CHECK(a.idle_ns() == b.idle_ns());
  StateFiles fa = save_state_files(a), fb = save_state_files(b);
  if (!counters) fa.erase("machine.bin"), fb.erase("machine.bin"), fa.erase("cpu.bin"), fb.erase("cpu.bin");
  else CHECK(a.exits.exits == b.exits.exits);
  CHECK(fa == fb);
}

// The bytes of one whole migration of `m` (the target's answers included
// in the run, so the stream is exactly what a target accepts).
std::vector<uint8_t> record_stream(Machine& m) {
  int s1[2], s2[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s1) == 0);
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s2) == 0);
  std::vector<uint8_t> recorded;
  auto forward = [](int from, int to, std::vector<uint8_t>* keep) {
    uint8_t buf[65536];
    ssize_t n;
    while ((n = read(from, buf, sizeof buf)) > 0) {
      if (keep) keep->insert(keep->end(), buf, buf + n);
      if (write(to, buf, size_t(n)) != n) break;
    }
    shutdown(to, SHUT_WR);
  };
  std::thread there(forward, s1[1], s2[0], &recorded);
  std::thread back(forward, s2[0], s1[1], nullptr);
  std::thread target([&] {
    Link dst(s2[1]);
    bool lockstep;
    migrate_in(dst, lockstep);
  });
  {
    Link src(s1[0]);
    migrate_out(m, src, MigrationOptions{}, false);
  }
  target.join();
  there.join();
  back.join();
  close(s1[1]);
  close(s2[0]);
  return recorded;
}

// Feed `bytes` to a target, then end the stream: what it says.
std::string receive_bytes(const std::vector<uint8_t>& bytes) {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  std::thread writer([&] {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t w = send(sv[0], bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (w <= 0) break;
      done += size_t(w);
    }
    shutdown(sv[0], SHUT_WR);
  });
  std::string said;
  {
    Link dst(sv[1], 5000);
    bool lockstep;
    try {
      migrate_in(dst, lockstep);
      said = "accepted";
    } catch (const MigrationError& e) {
      said = e.what();
    } catch (const SnapshotError& e) {
      said = e.what();
    }
  }
  writer.join();
  close(sv[0]);
  return said;
}

}  // namespace

TEST_CASE("migration: dirty logging marks exactly the pages the guest writes, and reads mark none") {
  auto m = raw_machine(writes_then_reads({0x10000, 0x23004, 0x10008}, {0x30000, 0x40010}));
  m->start_dirty_log();
  REQUIRE(m->run(1'000'000) == MachineStop::Halted);
  CHECK(m->take_dirty_pages() == std::vector<uint32_t>{0x10, 0x23});
  // Two pages, two first writes: the second write to 0x10000 went straight
  // through the soft TLB's write entry installed by the first.
  CHECK(m->dirty_log_wp_faults() == 2);
  // A new round write-protects every page again: the same writes are seen again.
  m->cpu.s.eip = kCode;
  m->cpu.s.halted = false;
  REQUIRE(m->run(1'000'000) == MachineStop::Halted);
  CHECK(m->take_dirty_pages() == std::vector<uint32_t>{0x10, 0x23});
  CHECK(m->dirty_log_wp_faults() == 4);
  m->cpu.s.eip = kCode;
  m->cpu.s.halted = false;
  m->stop_dirty_log();
  REQUIRE(m->run(1'000'000) == MachineStop::Halted);
  CHECK(m->take_dirty_pages().empty());  // off: nothing is logged
}

TEST_CASE("migration: a guest writing K pages keeps at least K dirty every round, and stop-and-copy is bit-exact") {
  constexpr uint32_t K = 64;
  auto m = raw_machine(page_writer(K));
  REQUIRE(m->run(200'000) == MachineStop::Timeout);
  MigrationOptions o;
  o.max_rounds = 10;
  Pair p = migrate_pair(*m, o, true);
  REQUIRE(p.error.empty());
  REQUIRE(p.target);
  const MigrationReport& r = p.report;
  REQUIRE(r.rounds() >= 3);
  CHECK(r.pages_per_round[0] == (8u << 20) / 4096);  // round 0: every page
  for (size_t k = 1; k < r.pages_per_round.size(); k++) CHECK(r.pages_per_round[k] >= K);
  CHECK(r.dirty_at_stop >= K);
  CHECK(r.rounds() < o.max_rounds);  // stopped because the dirty set stopped shrinking
  CHECK(r.wp_faults >= K);
  CHECK(r.downtime_ns >= K * 4096 * 8);  // K pages at 1 Gbit/s: at least 8 ns a byte
  CHECK(r.total_ns > r.downtime_ns);
  CHECK(!p.lockstep);
  check_identical(*m, *p.target, true);
  // Both go on alike from here.
  REQUIRE(m->run(50'000) == MachineStop::Timeout);
  REQUIRE(p.target->run(50'000) == MachineStop::Timeout);
  check_identical(*m, *p.target, false);
}

TEST_CASE("migration: an idle miniOS converges in few rounds and continues its session on the target") {
  MachineConfig cfg;
  cfg.ram_bytes = 32u << 20;
  Machine m(cfg);
  load_minios(m.cpu);
  std::string out;
  m.on_console = [&](uint8_t b) { out += char(b); };
  for (int i = 0; i < 200 && out.find("$ ") == std::string::npos; i++) m.run(10'000'000);
  REQUIRE(out.find("$ ") != std::string::npos);
  MigrationOptions o;
  o.lockstep = true;
  Pair p = migrate_pair(m, o, true);
  REQUIRE(p.error.empty());
  REQUIRE(p.target);
  CHECK(p.lockstep);
  CHECK(p.report.rounds() >= 2);
  CHECK(p.report.rounds() <= 3);
  CHECK(p.report.dirty_at_stop < 100);
  CHECK(p.report.downtime_ns < o.downtime_target_ns);
  CHECK(p.report.pages_sent >= (32u << 20) / 4096);
  check_identical(m, *p.target, true);
  // The same typed line gives the same output on both.
  std::string there;
  p.target->on_console = [&](uint8_t b) { there += char(b); };
  const size_t before = out.size();
  m.uart.receive("echo moved\n");
  p.target->uart.receive("echo moved\n");
  m.run(50'000'000);
  p.target->run(50'000'000);
  CHECK(out.substr(before).find("moved") != std::string::npos);
  CHECK(there == out.substr(before));
  check_identical(m, *p.target, false);
}

TEST_CASE("migration: a truncated stream is refused at every cut, never accepted or crashed on") {
  auto m = raw_machine(writes_then_reads({0x10000}, {}), 2u << 20);
  REQUIRE(m->run(1'000) == MachineStop::Halted);
  std::vector<uint8_t> whole = record_stream(*m);
  REQUIRE(whole.size() > 4096);
  CHECK(receive_bytes(whole) == "accepted");
  CHECK(receive_bytes({}).find("ended early") != std::string::npos);
  for (size_t cut = 1; cut < whole.size(); cut += std::max<size_t>(1, whole.size() / 97)) {
    CAPTURE(cut);
    std::string said = receive_bytes(std::vector<uint8_t>(whole.begin(), whole.begin() + long(cut)));
    CHECK(said != "accepted");
    CHECK(said.find('\n') == std::string::npos);
  }
  std::string said = receive_bytes(std::vector<uint8_t>(whole.begin(), whole.end() - 1));
  CHECK(said.find("ended early") != std::string::npos);
}

TEST_CASE("migration: a damaged byte anywhere in the stream, or garbage, is refused with one line") {
  auto m = raw_machine(writes_then_reads({0x10000, 0x11000}, {}), 2u << 20);
  REQUIRE(m->run(1'000) == MachineStop::Halted);
  std::vector<uint8_t> whole = record_stream(*m);
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 150; trial++) {
    std::vector<uint8_t> bad = whole;
    size_t at = rng() % bad.size();
    bad[at] ^= uint8_t(1u << (rng() % 8));
    CAPTURE(at);
    std::string said = receive_bytes(bad);
    CHECK(said != "accepted");
    CHECK(said.find('\n') == std::string::npos);
  }
  std::vector<uint8_t> garbage(100000);
  for (auto& b : garbage) b = uint8_t(rng());
  CHECK(receive_bytes(garbage).find("not a migration stream") != std::string::npos);
  // The right magic, then nonsense lengths.
  std::vector<uint8_t> lies = {'I', 'S', 'M', 'G', 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F};
  CHECK(receive_bytes(lies).find("corrupt stream") != std::string::npos);
}

TEST_CASE("migration: endpoints and bandwidths are parsed strictly") {
  std::string host;
  uint16_t port = 1;
  CHECK(parse_endpoint("127.0.0.1:0", host, port));
  CHECK(port == 0);
  CHECK(parse_endpoint("localhost:7000", host, port));
  CHECK(host == "127.0.0.1");
  CHECK(port == 7000);
  for (const char* bad : {"", "7000", ":7000", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:7x", "nowhere:80", "1.2.3:80"})
    CHECK_FALSE(parse_endpoint(bad, host, port));
  uint64_t bps = 0;
  CHECK(parse_bandwidth("1G", bps));
  CHECK(bps == 1'000'000'000);
  CHECK(parse_bandwidth("100Mbit/s", bps));
  CHECK(bps == 100'000'000);
  CHECK(parse_bandwidth("2.5G", bps));
  CHECK(bps == 2'500'000'000);
  for (const char* bad : {"", "G", "-1G", "0", "fast", "1Gx", "10"}) CHECK_FALSE(parse_bandwidth(bad, bps));
}

TEST_CASE("migration: a target that goes away fails the migration with a reason and leaves the VM logging nothing") {
  auto m = raw_machine(page_writer(8), 2u << 20);
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  close(sv[1]);
  Link src(sv[0]);
  CHECK_THROWS_AS(migrate_out(*m, src, MigrationOptions{}, true), MigrationError);
  CHECK_FALSE(m->dirty_log.on);
  REQUIRE(m->run(10'000) == MachineStop::Timeout);  // runs on here
}
