// The CPU benchmark: guest workloads timed on the interpreter and on
// Unicorn. See cpu_bench.h.
//
// Each guest (guests/*.S) takes a repetition count in EAX and ends with HLT,
// its result in EAX. The count is calibrated on isolab so that the run lasts
// at least min_seconds; Unicorn then runs the same code with the same count
// to the same HLT. Both execute the same deterministic program, so they
// execute the same instructions: isolab's count (s.insns, where a REP string
// instruction counts once per iteration) divides both times.
#include "bench/cpu_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ostream>

#include "cpu/cpu.h"

#ifdef ISOLAB_HAVE_UNICORN
#include <unicorn/unicorn.h>
#endif

namespace isolab::bench {

extern const uint8_t guest_arith[], guest_sort[], guest_crc32[];
extern const size_t guest_arith_size, guest_sort_size, guest_crc32_size;

namespace {

struct Workload {
  const char* name;
  const uint8_t* code;
  size_t size;
};

const Workload kWorkloads[] = {
    {"arith", guest_arith, guest_arith_size},
    {"sort", guest_sort, guest_sort_size},
    {"crc32", guest_crc32, guest_crc32_size},
};

// The guest machine: 4 MiB of RAM, code at 64 KiB, the stack below 512 KiB,
// the guests' data at 1 MiB and up.
constexpr uint32_t kRamSize = 4u << 20;
constexpr uint32_t kCodeBase = 0x10000;
constexpr uint32_t kStackTop = 0x80000;

struct RunResult {
  bool halted = false;
  uint64_t insns = 0;
  double seconds = 0;
  uint32_t eax = 0;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Run the guest on isolab in flat 32-bit protected mode, ring 0, until it
// halts or has run `budget` instructions.
RunResult run_isolab(const Workload& w, uint32_t reps, uint64_t budget) {
  cpu::RamBus bus(kRamSize);
  cpu::Cpu c(bus);
  c.set_flat_protected_mode(0);
  std::memcpy(bus.ram() + kCodeBase, w.code, w.size);
  c.s.eip = kCodeBase;
  c.s.reg[cpu::ESP] = kStackTop;
  c.s.reg[cpu::EAX] = reps;
  RunResult r;
  const auto t0 = std::chrono::steady_clock::now();
  const cpu::StopReason why = c.run(budget);
  r.seconds = seconds_since(t0);
  r.halted = why == cpu::StopReason::Halted;
  r.insns = c.s.insns;
  r.eax = c.s.reg[cpu::EAX];
  return r;
}

#ifdef ISOLAB_HAVE_UNICORN
// Run the guest on Unicorn to its final HLT (uc_emu_start stops before
// executing the instruction at `until`). Returns false if Unicorn fails.
bool run_unicorn(const Workload& w, uint32_t reps, RunResult& r, std::ostream& out) {
  uc_engine* uc = nullptr;
  uc_err err = uc_open(UC_ARCH_X86, UC_MODE_32, &uc);
  if (err != UC_ERR_OK) {
    out << "cpu.unicorn: uc_open: " << uc_strerror(err) << "\n";
    return false;
  }
  uc_mem_map(uc, 0, kRamSize, UC_PROT_ALL);
  uc_mem_write(uc, kCodeBase, w.code, w.size);
  uint32_t esp = kStackTop, eax = reps;
  uc_reg_write(uc, UC_X86_REG_ESP, &esp);
  uc_reg_write(uc, UC_X86_REG_EAX, &eax);
  const uint64_t hlt = kCodeBase + w.size - 1;
  const auto t0 = std::chrono::steady_clock::now();
  err = uc_emu_start(uc, kCodeBase, hlt, 0, 0);
  r.seconds = seconds_since(t0);
  uint32_t eip = 0;
  uc_reg_read(uc, UC_X86_REG_EIP, &eip);
  uc_reg_read(uc, UC_X86_REG_EAX, &r.eax);
  uc_close(uc);
  if (err != UC_ERR_OK) {
    out << "cpu." << w.name << ".unicorn: uc_emu_start: " << uc_strerror(err) << "\n";
    return false;
  }
  r.halted = eip == hlt;
  return true;
}
#endif

// One figure a line: `cpu.<workload><suffix> <value>[ <unit>]`.
void line(std::ostream& out, const char* workload, const char* suffix, const char* format, double value,
          const char* unit = "") {
  char number[32], buf[128];
  std::snprintf(number, sizeof number, format, value);
  std::snprintf(buf, sizeof buf, "cpu.%s%s %s%s%s\n", workload, suffix, number, unit[0] ? " " : "", unit);
  out << buf;
}

// Calibrate, time and compare one workload. Returns false on a failure.
bool bench_one(std::ostream& out, const Workload& w, const CpuBenchOptions& opt) {
  if (w.size == 0 || w.code[w.size - 1] != 0xF4) {
    out << "cpu." << w.name << ": the guest does not end with HLT\n";
    return false;
  }
  // One repetition tells the time per repetition (and warms the host).
  constexpr uint64_t kCalibrationBudget = 2'000'000'000;
  RunResult one = run_isolab(w, 1, kCalibrationBudget);
  if (!one.halted) {
    out << "cpu." << w.name << ": the guest did not halt within " << kCalibrationBudget << " instructions\n";
    return false;
  }
  // Aim 20% past the minimum; if a run still falls short, scale up again.
  double per_rep = std::max(one.seconds, 1e-6);
  uint32_t reps = uint32_t(std::ceil(opt.min_seconds * 1.2 / per_rep));
  RunResult r;
  for (int attempt = 0;; attempt++) {
    reps = std::max<uint32_t>(reps, 1);
    r = run_isolab(w, reps, one.insns * reps * 2 + 1000);
    if (!r.halted) {
      out << "cpu." << w.name << ": the guest did not halt\n";
      return false;
    }
    if (r.seconds >= opt.min_seconds || attempt == 3) break;
    reps = uint32_t(std::ceil(reps * opt.min_seconds * 1.2 / std::max(r.seconds, 1e-6)));
  }
  const double mips = double(r.insns) / r.seconds / 1e6;
  line(out, w.name, "", "%.1f", mips, "MIPS");
  bool ok = true;
#ifdef ISOLAB_HAVE_UNICORN
  if (opt.unicorn) {
    RunResult u;
    if (!run_unicorn(w, reps, u, out)) return false;
    const double umips = double(r.insns) / u.seconds / 1e6;
    line(out, w.name, ".unicorn", "%.1f", umips, "MIPS");
    line(out, w.name, ".ratio", "%.2f", mips / umips);
    if (!u.halted || u.eax != r.eax) {
      char err[160];
      std::snprintf(err, sizeof err, "cpu.%s: results differ: isolab 0x%08x, unicorn 0x%08x%s\n", w.name, r.eax,
                    u.eax, u.halted ? "" : " (unicorn did not reach the HLT)");
      out << err;
      ok = false;
    }
  }
#endif
  line(out, w.name, ".insns", "%.0f", double(r.insns));
  line(out, w.name, ".seconds", "%.2f", r.seconds, "s");
  char buf[64];
  std::snprintf(buf, sizeof buf, "cpu.%s.result 0x%08x\n", w.name, r.eax);
  out << buf;
  return ok;
}

}  // namespace

int run_cpu_bench(std::ostream& out, const CpuBenchOptions& options) {
  bool ok = true;
  bool any = false;
  for (const Workload& w : kWorkloads) {
    if (!options.only.empty() && options.only != w.name) continue;
    any = true;
    ok = bench_one(out, w, options) && ok;
    out.flush();
  }
  if (!any) {
    out << "cpu: no workload named " << options.only << "\n";
    return 2;
  }
  return ok ? 0 : 1;
}

int run_cpu_bench(std::ostream& out) { return run_cpu_bench(out, CpuBenchOptions{}); }

}  // namespace isolab::bench
