// The VM benchmark: exit round trips, shadow versus nested paging, and
// miniOS's boot. See vm_bench.h.
//
// Times are host time (std::chrono::steady_clock) and vary from run to run;
// instruction and exit counts are simulated and the same every run. Each
// timed run is repeated until it has lasted min_seconds, and the fastest
// repetition is reported: the least disturbed by the rest of the host.
#include "bench/vm_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

#include "emulator/loader.h"
#include "emulator/machine.h"
#include "emulator/migration.h"
#if __has_include("minios_paths.h")
#include "minios_paths.h"
#endif

namespace isolab::bench {

extern const uint8_t guest_pt_churn[];
extern const size_t guest_pt_churn_size;

namespace {

using emulator::Machine;
using emulator::MachineConfig;
using emulator::MachineStop;
using emulator::PagingMode;

constexpr uint32_t kCodeBase = 0x1000;
constexpr uint64_t kRam = 16u << 20;
constexpr uint64_t kNoTimeout = 1ull << 62;

// One figure a line: `vm.<name> <value>[ <unit>]`.
void line(std::ostream& out, const std::string& name, const char* format, double value, const char* unit = "") {
  char number[32];
  std::snprintf(number, sizeof number, format, value);
  out << "vm." << name << " " << number << (unit[0] ? " " : "") << unit << "\n";
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A machine in flat 32-bit protected mode, ring 0, interrupts off, running
// `code` from kCodeBase.
std::unique_ptr<Machine> flat_machine(const uint8_t* code, size_t size, PagingMode paging) {
  auto m = std::make_unique<Machine>(MachineConfig{.ram_bytes = kRam, .paging = paging});
  std::memcpy(m->ram() + kCodeBase, code, size);
  m->cpu.set_flat_protected_mode(0);
  m->cpu.s.eip = kCodeBase;
  m->cpu.s.reg[cpu::ESP] = 0x90000;
  return m;
}

// The fastest of repeated runs of `once` (which returns its own seconds,
// so machine set-up is not timed), repeated until min_seconds have passed.
double fastest(double min_seconds, const std::function<double()>& once) {
  double best = 1e300, total = 0;
  for (int k = 0; k < 3 || total < min_seconds; k++) {
    double t = once();
    best = std::min(best, t);
    total += t;
  }
  return best;
}

// --- exit round trips ------------------------------------------------------------
//
// The loop `1: INSN; dec ecx; jnz 1b; hlt` with INSN an exiting instruction,
// and again with INSN replaced by one of the same length that stays in the
// guest. The difference per iteration is what one exit costs the host: the
// interpreter leaving its decoded block, the VMM dispatching the exit by
// reason, the device lookup, the counting, and the way back.

struct ExitLoop {
  const char* name;
  std::vector<uint8_t> exiting, staying;  // INSN, both the same length
};

const ExitLoop kExitLoops[] = {
    // out 0x80, al (the POST-code port, unused by this machine) / mov al, al
    {"io", {0xE6, 0x80}, {0x88, 0xC0}},
    // mov [0xE0000000], eax (no device there) / mov [0x2000], eax (RAM)
    {"mmio", {0xA3, 0x00, 0x00, 0x00, 0xE0}, {0xA3, 0x00, 0x20, 0x00, 0x00}},
};

// Seconds to run the loop `iterations` times; false if it did not halt.
bool time_loop(const std::vector<uint8_t>& insn, uint32_t iterations, double& seconds, uint64_t& exits) {
  std::vector<uint8_t> code = insn;
  const int8_t back = int8_t(-(int(insn.size()) + 3));
  code.insert(code.end(), {0x49, 0x75, uint8_t(back), 0xF4});  // dec ecx; jnz 1b; hlt
  auto m = flat_machine(code.data(), code.size(), PagingMode::Direct);
  m->cpu.s.reg[cpu::ECX] = iterations;
  const auto t0 = std::chrono::steady_clock::now();
  const MachineStop stop = m->run(kNoTimeout);
  seconds = seconds_since(t0);
  exits = m->exits.exits;
  return stop == MachineStop::Halted;
}

bool bench_exit_roundtrip(std::ostream& out, const VmBenchOptions& opt) {
  for (const ExitLoop& loop : kExitLoops) {
    // Calibrate: enough iterations that one run of the exiting loop lasts
    // about a tenth of min_seconds.
    uint32_t n = 100000;
    double t = 0;
    uint64_t exits = 0;
    if (!time_loop(loop.exiting, n, t, exits)) {
      out << "vm.exit_roundtrip." << loop.name << ": the guest did not halt\n";
      return false;
    }
    n = uint32_t(std::clamp(n * opt.min_seconds / 10 / std::max(t, 1e-9), 1e4, 5e7));
    bool halted = true;
    auto run = [&](const std::vector<uint8_t>& insn) {
      double s = 0;
      halted &= time_loop(insn, n, s, exits);
      return s;
    };
    const double t_exit = fastest(opt.min_seconds / 2, [&] { return run(loop.exiting); });
    const uint64_t exits_per_run = exits;
    const double t_stay = fastest(opt.min_seconds / 2, [&] { return run(loop.staying); });
    if (!halted) {
      out << "vm.exit_roundtrip." << loop.name << ": the guest did not halt\n";
      return false;
    }
    const std::string name = std::string("exit_roundtrip.") + loop.name;
    line(out, name, "%.1f", std::max(0.0, t_exit - t_stay) / n * 1e9, "ns");
    line(out, name + ".loop_with_exit", "%.1f", t_exit / n * 1e9, "ns");
    line(out, name + ".loop_without", "%.1f", t_stay / n * 1e9, "ns");
    line(out, name + ".exits", "%.0f", double(exits_per_run), "exits");
    out.flush();
  }
  return true;
}

// --- shadow versus nested paging ----------------------------------------------------
//
// pt_churn (tests/mmu/guests/pt_churn.S) builds two address spaces and then
// demand-maps, remaps, clears dirty bits and switches CR3 for 4000 rounds:
// under shadow paging each of those is an exit and a shadow-table update,
// under nested paging none is, but every TLB miss walks two levels of
// tables. Direct (the CPU walks the guest's tables, no VMM MMU) is the
// baseline both are compared with.

struct ChurnRun {
  double seconds = 0;
  bool halted = false;
  cpu::CpuState s;
  uint64_t exits = 0;
  mmu::MmuCounters mmu;
};

ChurnRun run_churn(PagingMode mode) {
  auto m = flat_machine(guest_pt_churn, guest_pt_churn_size, mode);
  ChurnRun r;
  const auto t0 = std::chrono::steady_clock::now();
  r.halted = m->run(kNoTimeout) == MachineStop::Halted;
  r.seconds = seconds_since(t0);
  r.s = m->cpu.s;
  r.exits = m->exits.exits;
  r.mmu = m->mmu_counters();
  return r;
}

bool bench_pt_churn(std::ostream& out, const VmBenchOptions& opt) {
  const PagingMode modes[] = {PagingMode::Direct, PagingMode::Shadow, PagingMode::Nested};
  ChurnRun runs[3];
  double best[3];
  for (int k = 0; k < 3; k++) {
    best[k] = fastest(opt.min_seconds / 3, [&] {
      runs[k] = run_churn(modes[k]);
      return runs[k].seconds;
    });
    if (!runs[k].halted) {
      out << "vm.pt_churn." << paging_mode_name(modes[k]) << ": the guest did not halt\n";
      return false;
    }
  }
  // The same guest must end in the same state whatever the VMM's MMU does
  // (its read and page-table checksums are in EAX and EBX).
  for (int k = 1; k < 3; k++)
    if (std::memcmp(runs[k].s.reg, runs[0].s.reg, sizeof runs[0].s.reg) != 0 || runs[k].s.insns != runs[0].s.insns) {
      out << "vm.pt_churn." << paging_mode_name(modes[k]) << ": the guest ended in another state than under direct\n";
      return false;
    }
  line(out, "pt_churn.insns", "%.0f", double(runs[0].s.insns), "insns");
  for (int k = 0; k < 3; k++) line(out, std::string("pt_churn.") + paging_mode_name(modes[k]), "%.3f", best[k] * 1e3, "ms");
  line(out, "pt_churn.shadow.ratio", "%.2f", best[1] / best[0]);
  line(out, "pt_churn.nested.ratio", "%.2f", best[2] / best[0]);
  line(out, "pt_churn.nested_vs_shadow", "%.2f", best[2] / best[1]);
  for (int k = 1; k < 3; k++) {
    const std::string name = std::string("pt_churn.") + paging_mode_name(modes[k]);
    line(out, name + ".exits", "%.0f", double(runs[k].exits), "exits");
    line(out, name + ".pf_fixed", "%.0f", double(runs[k].mmu.pf_fixed), "faults");
    line(out, name + ".walks", "%.0f", double(runs[k].mmu.walks), "walks");
    line(out, name + ".walk_refs", "%.0f", double(runs[k].mmu.walk_refs), "refs");
  }
  out.flush();
  return true;
}

// --- miniOS's boot ----------------------------------------------------------------------
//
// Guest instructions from power-on (the multiboot entry, as `isolab vm run`
// loads it with 64 MiB) to the moment the shell has written its first
// "$ " prompt. Simulated, so the same on every host and every run.

bool bench_minios_boot(std::ostream& out) {
#ifdef ISOLAB_MINIOS_KERNEL
  Machine m(MachineConfig{.ram_bytes = 64u << 20});
  std::string tail;  // the console's last three characters
  uint64_t prompt_insns = 0, prompt_exits = 0;
  m.on_console = [&](uint8_t b) {
    tail += char(b);
    if (tail.size() > 3) tail.erase(0, 1);
    if (tail == "\n$ " && !prompt_insns) {
      prompt_insns = m.cpu.s.insns;
      prompt_exits = m.exits.exits;
    }
  };
  try {
    emulator::load_minios(m.cpu);
  } catch (const emulator::LoadError& e) {
    out << "vm.minios_boot: " << e.what() << "\n";
    return false;
  }
  const auto t0 = std::chrono::steady_clock::now();
  // In slices of 10 ms of guest time, for at most 10 s of it.
  for (int slice = 0; slice < 1000 && !prompt_insns; slice++)
    if (m.run(10'000'000) != MachineStop::Timeout) break;
  const double seconds = seconds_since(t0);
  if (!prompt_insns) {
    out << "vm.minios_boot: no shell prompt within 10 s of guest time\n";
    return false;
  }
  line(out, "minios_boot.insns", "%.0f", double(prompt_insns), "insns");
  line(out, "minios_boot.host_time", "%.1f", seconds * 1e3, "ms");  // to the end of the slice
  line(out, "minios_boot.exits", "%.0f", double(prompt_exits), "exits");
  out.flush();
  return true;
#else
  out << "vm.minios_boot: this build has no miniOS\n";
  return true;
#endif
}

// --- live migration's downtime ------------------------------------------------------------
//
// Pre-copy (emulator/migration.h) at 1 Gbit/s over a socket pair to a
// target thread: an idle miniOS at its prompt, and a guest that keeps
// writing 256 pages. Rounds, bytes and simulated downtime are the same
// every run; the wall-clock downtime is measured.

bool migrate_and_report(std::ostream& out, Machine& m, const std::string& name) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return false;
  std::string error;
  std::thread target([&] {
    emulator::Link link(sv[1]);
    bool lockstep;
    try {
      emulator::migrate_in(link, lockstep);
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  emulator::MigrationReport r;
  try {
    emulator::Link link(sv[0]);
    r = emulator::migrate_out(m, link, emulator::MigrationOptions{}, true);
  } catch (const std::exception& e) {
    error += e.what();
  }
  target.join();
  if (!error.empty()) {
    out << "vm.migration." << name << ": " << error << "\n";
    return false;
  }
  line(out, "migration." + name + ".rounds", "%.0f", double(r.rounds()), "rounds");
  line(out, "migration." + name + ".bytes_sent", "%.0f", double(r.bytes_sent), "bytes");
  line(out, "migration." + name + ".dirty_at_stop", "%.0f", double(r.dirty_at_stop), "pages");
  line(out, "migration." + name + ".downtime", "%.1f", double(r.downtime_ns) / 1e3, "us");
  line(out, "migration." + name + ".downtime_wall", "%.0f", double(r.downtime_us), "us");
  line(out, "migration." + name + ".total_wall", "%.1f", double(r.total_us) / 1e3, "ms");
  out.flush();
  return true;
}

bool bench_migration(std::ostream& out) {
  bool ok = true;
#ifdef ISOLAB_MINIOS_KERNEL
  Machine idle(MachineConfig{.ram_bytes = 64u << 20});
  std::string console;
  idle.on_console = [&](uint8_t b) { console += char(b); };
  emulator::load_minios(idle.cpu);
  for (int slice = 0; slice < 1000 && console.find("$ ") == std::string::npos; slice++) idle.run(10'000'000);
  ok = migrate_and_report(out, idle, "idle_minios") && ok;
#endif
  // mov ecx, 256; mov edi, 1 MiB; loop: mov [edi], eax; add edi, 4096;
  // dec ecx; jnz loop; inc eax; jmp to the start.
  static const uint8_t writer[] = {0xB9, 0x00, 0x01, 0x00, 0x00, 0xBF, 0x00, 0x00, 0x10, 0x00, 0x89, 0x07,
                                   0x81, 0xC7, 0x00, 0x10, 0x00, 0x00, 0x49, 0x75, 0xF5, 0x40, 0xEB, 0xE8};
  auto busy = flat_machine(writer, sizeof writer, PagingMode::Shadow);
  busy->run(1'000'000);
  ok = migrate_and_report(out, *busy, "dirty256") && ok;
  return ok;
}

}  // namespace

int run_vm_bench(std::ostream& out, const VmBenchOptions& options) {
  const std::string& only = options.only;
  if (!only.empty() && only != "exit_roundtrip" && only != "pt_churn" && only != "minios_boot" && only != "migration") {
    out << "vm: no benchmark named " << only << " (exit_roundtrip, pt_churn, minios_boot, migration)\n";
    return 2;
  }
  bool ok = true;
  if (only.empty() || only == "exit_roundtrip") ok = bench_exit_roundtrip(out, options) && ok;
  if (only.empty() || only == "pt_churn") ok = bench_pt_churn(out, options) && ok;
  if (only.empty() || only == "minios_boot") ok = bench_minios_boot(out) && ok;
  if (only.empty() || only == "migration") ok = bench_migration(out) && ok;
  return ok ? 0 : 1;
}

int run_vm_bench(std::ostream& out) { return run_vm_bench(out, VmBenchOptions{}); }

}  // namespace isolab::bench
