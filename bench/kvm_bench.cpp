// `isolab bench kvm`: interpreter against KVM on the same guests. See
// kvm_bench.h.
//
// Times are host time (steady_clock) and vary from run to run, on KVM more
// than anywhere: KVM's guest clock is host time (emulator/kvm.h). Machine
// and VM set-up is not timed; the probe runs before anything is.
#include "bench/kvm_bench.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <ostream>

#include "emulator/kvm_probe.h"
#include "emulator/loader.h"
#include "emulator/machine.h"
#include "trace/trace.h"

namespace isolab::bench {

extern const uint8_t guest_crc32[];
extern const size_t guest_crc32_size;

using emulator::BackendKind;
using emulator::Machine;
using emulator::MachineConfig;
using emulator::MachineStop;

const char kMiniosSessionInput[] = "echo hello from miniOS\nuname -a\nls /bin\ncat /etc/motd\nhostname\npoweroff\n";

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void line(std::ostream& out, const std::string& name, const char* format, double value, const char* unit = "") {
  char number[32];
  std::snprintf(number, sizeof number, format, value);
  out << "kvm." << name << " " << number << (unit[0] ? " " : "") << unit << "\n";
}

}  // namespace

Session run_minios_session(BackendKind backend, const GuestImages& images, const std::string& input,
                           uint64_t timeout_ns) {
  Session s;
  Machine m(MachineConfig{.ram_bytes = 64ull << 20});
  m.on_console = [&](uint8_t b) { s.transcript.push_back(char(b)); };
  size_t typed = 0;
  m.on_idle = [&]() {
    if (typed >= input.size()) return false;
    size_t nl = input.find('\n', typed);
    size_t end = nl == std::string::npos ? input.size() : nl + 1;
    m.uart.receive(std::string_view(input).substr(typed, end - typed));
    typed = end;
    return true;
  };
  trace::Trace log(1);
  log.add_sink([&](const trace::Event& e) {
    if (e.code != uint32_t(emulator::ExitReason::IO_INSTRUCTION)) return;
    s.io_ports.insert({uint16_t(e.detail[0]), int(e.detail[2])});
    s.io_exits++;
    if (e.has_state && e.state.cs == 0x08 && e.state.eip >= 0x100000 && (e.state.cr0 & cpu::CR0_PE))
      s.io_exits_with_state++;
  });
  m.trace = &log;
  try {
    std::vector<emulator::Module> mods{{images.initrd, "/boot/initrd"}};
    emulator::load_multiboot(m.cpu, images.kernel, "/boot/minios", mods);
  } catch (const emulator::LoadError& e) {
    s.failure = e.what();
    return s;
  }
  std::unique_ptr<emulator::Backend> b = emulator::make_backend(backend, m, s.failure);
  if (!b) return s;
  const auto t0 = std::chrono::steady_clock::now();
  s.stop = b->run(timeout_ns);
  s.seconds = seconds_since(t0);
  s.failure = b->failure();
  s.exits = m.exits;
  return s;
}

GuestRun run_crc32(BackendKind backend, uint32_t reps) {
  // As `isolab bench cpu` runs it: 4 MiB, code at 64 KiB, stack below
  // 512 KiB, the buffer at 1 MiB; no paging.
  constexpr uint32_t kCodeBase = 0x10000, kStackTop = 0x80000;
  GuestRun r;
  Machine m(MachineConfig{.ram_bytes = 4u << 20, .paging = emulator::PagingMode::Direct});
  std::memcpy(m.ram() + kCodeBase, guest_crc32, guest_crc32_size);
  m.cpu.set_flat_protected_mode(0);
  m.cpu.s.eip = kCodeBase;
  m.cpu.s.reg[cpu::ESP] = kStackTop;
  m.cpu.s.reg[cpu::EAX] = reps;
  std::unique_ptr<emulator::Backend> b = emulator::make_backend(backend, m, r.failure);
  if (!b) return r;
  const auto t0 = std::chrono::steady_clock::now();
  const MachineStop stop = b->run(600ull * 1000000000u);
  r.seconds = seconds_since(t0);
  r.eax = m.cpu.s.reg[cpu::EAX];
  r.insns = m.cpu.s.insns;
  r.ok = stop == MachineStop::Halted;
  if (!r.ok) r.failure = b->failure().empty() ? "the crc32 guest did not halt" : b->failure();
  return r;
}

int run_kvm_bench(std::ostream& out) { return run_kvm_bench(out, {}); }

int run_kvm_bench(std::ostream& out, const KvmBenchOptions& options) {
  const emulator::KvmProbe probe = emulator::probe_kvm();
  if (!probe.ok) {
    std::cerr << "isolab bench kvm: " << probe.refusal << "\n";
    return 1;
  }
  int rc = 0;

  const GuestRun interp = run_crc32(BackendKind::Interp, options.crc32_reps);
  const GuestRun kvm = run_crc32(BackendKind::Kvm, options.crc32_reps);
  if (!interp.ok || !kvm.ok) {
    std::cerr << "isolab bench kvm: crc32: " << (interp.ok ? kvm.failure : interp.failure) << "\n";
    rc = 1;
  } else if (interp.eax != kvm.eax) {
    std::cerr << "isolab bench kvm: crc32: the backends disagree on the result\n";
    rc = 1;
  } else {
    line(out, "crc32.interp", "%.1f", interp.seconds * 1e3, "ms");
    line(out, "crc32.kvm", "%.1f", kvm.seconds * 1e3, "ms");
    line(out, "crc32.speedup", "%.2f", interp.seconds / kvm.seconds);
    line(out, "crc32.kvm_mips", "%.0f", double(interp.insns) / kvm.seconds / 1e6, "MIPS");
  }

  if (!options.minios_session) return rc;
  GuestImages images = options.minios;
  if (images.kernel.empty()) {
    try {
      images.kernel = emulator::read_file(emulator::minios_kernel_path());
      images.initrd = emulator::read_file(emulator::minios_initrd_path());
    } catch (const emulator::LoadError& e) {
      std::cerr << "isolab bench kvm: miniOS: " << e.what() << "\n";
      return 1;
    }
  }
  constexpr uint64_t kTimeout = 120ull * 1000000000u;
  const Session si = run_minios_session(BackendKind::Interp, images, kMiniosSessionInput, kTimeout);
  const Session sk = run_minios_session(BackendKind::Kvm, images, kMiniosSessionInput, kTimeout);
  if (si.stop == MachineStop::Timeout || sk.stop == MachineStop::Timeout || !sk.failure.empty()) {
    std::cerr << "isolab bench kvm: the miniOS session did not finish"
              << (sk.failure.empty() ? "" : ": " + sk.failure) << "\n";
    return 1;
  }
  if (si.transcript != sk.transcript) {
    std::cerr << "isolab bench kvm: the miniOS transcripts differ between the backends\n";
    rc = 1;
  }
  print_minios_figures(out, si, sk);
  return rc;
}

void print_minios_figures(std::ostream& out, const Session& si, const Session& sk) {
  line(out, "minios_session.interp", "%.1f", si.seconds * 1e3, "ms");
  line(out, "minios_session.kvm", "%.1f", sk.seconds * 1e3, "ms");
  line(out, "minios_session.speedup", "%.3f", si.seconds / sk.seconds);
  line(out, "minios_session.exits.interp", "%.0f", double(si.exits.exits), "exits");
  line(out, "minios_session.exits.kvm", "%.0f", double(sk.exits.exits), "exits");
  line(out, "minios_session.mmio_exits.kvm", "%.0f", double(sk.exits[emulator::ExitReason::MMIO]), "exits");
  // What one exit costs here: the session's host time over its exits
  // (on KVM nearly all of it is exits, since the guest mostly waits).
  line(out, "minios_session.us_per_exit.kvm", "%.1f", sk.seconds * 1e6 / double(sk.exits.exits ? sk.exits.exits : 1), "us");
}

}  // namespace isolab::bench
