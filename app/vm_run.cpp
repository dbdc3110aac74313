// `isolab vm run`: one VM with its serial console on stdout (DESIGN.md
// section 7). Exit status: the guest's isa-debug-exit code, 0 on a clean
// halt, 1 on a triple fault, 124 on timeout, 2 on bad usage or input.
#include "app/vm_run.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <unistd.h>

#include "emulator/backend.h"
#include "emulator/kvm_probe.h"
#include "emulator/loader.h"
#include "emulator/machine.h"
#include "lab/console.h"
#include "trace/trace.h"

namespace isolab::app {

using emulator::LoadError;

// "shadow" (the default, also when empty), "nested", or "direct" (no VMM
// MMU: the CPU walks the guest's tables, for comparison).
static bool parse_paging(const std::string& text, emulator::PagingMode& out) {
  if (text.empty()) {
    out = emulator::PagingMode::Shadow;
    return true;
  }
  for (size_t k = 0; k < emulator::kPagingModeNames.size(); k++)
    if (text == emulator::kPagingModeNames[k]) {
      out = emulator::PagingMode(k);
      return true;
    }
  return false;
}

static int usage_error(const std::string& msg) {
  std::fprintf(stderr, "isolab vm run: %s\n", msg.c_str());
  return 2;
}

int vm_run(const VmRunOptions& o) {
  emulator::BackendKind backend_kind;
  if (!emulator::parse_backend(o.backend, backend_kind))
    return usage_error(fmt::format("--backend '{}': expected interp or kvm", o.backend));
  // The KVM probe runs first: a host that cannot run the guest is refused
  // before anything is loaded.
  if (backend_kind == emulator::BackendKind::Kvm) {
    emulator::KvmProbe probe = emulator::probe_kvm();
    if (!probe.ok) return usage_error(probe.refusal);
  }
  if (!o.rom.empty() && (!o.image.empty() || !o.initrd.empty()))
    return usage_error("--rom starts the guest at the reset vector: give no --image or --initrd with it");
  emulator::MachineConfig cfg;
  if (!parse_paging(o.paging, cfg.paging))
    return usage_error(fmt::format("--paging '{}': expected shadow, nested or direct", o.paging));
  if (!lab::parse_size(o.mem, cfg.ram_bytes)) return usage_error(fmt::format("--mem '{}': expected a size such as 64M", o.mem));
  if (cfg.ram_bytes < (2u << 20) || cfg.ram_bytes > (3ull << 30))
    return usage_error(fmt::format("--mem {}: guest RAM must be between 2M and 3G", o.mem));
  uint64_t timeout_ns;
  if (!lab::parse_duration(o.timeout, timeout_ns))
    return usage_error(fmt::format("--timeout '{}': expected a duration such as 10s", o.timeout));

  emulator::Machine m(cfg);
  std::string out_buf;
  m.on_console = [&](uint8_t b) {
    std::fputc(b, stdout);
    if (b == '\n') std::fflush(stdout);
  };
  try {
    std::vector<std::vector<uint8_t>> disks;
    for (const std::string& d : o.disks) disks.push_back(emulator::read_file(d));
    if (disks.size() > 2) return usage_error("at most two --disk (primary master and slave)");
    for (size_t k = 0; k < disks.size(); k++) {
      if (auto problem = emulator::check_disk_image(o.disks[k], disks[k].size())) throw LoadError(*problem);
      m.ata.attach(int(k), disks[k]);
    }
    if (!o.rom.empty()) {
      // The CPU is at its reset state (F000:FFF0), which now lies in the
      // ROM; disks stay attached for the firmware to boot from.
      std::vector<uint8_t> rom = emulator::read_file(o.rom);
      if (auto problem = emulator::check_rom_image(o.rom, rom.size())) throw LoadError(*problem);
      m.rom.image = std::move(rom);
    }
    std::string image = o.image;
    std::string initrd = o.initrd;
    if (image.empty() && disks.empty() && o.rom.empty()) image = "minios";
    if (image == "minios") {
      image = emulator::minios_kernel_path();
      if (image.empty()) return usage_error("this build has no miniOS image; give --image FILE");
      if (initrd.empty()) initrd = emulator::minios_initrd_path();
    }
    if (!image.empty()) {
      std::vector<emulator::Module> mods;
      if (!initrd.empty()) mods.push_back({emulator::read_file(initrd), initrd});
      emulator::load_multiboot(m.cpu, emulator::read_file(image), o.cmdline.empty() ? image : image + " " + o.cmdline, mods);
    } else if (o.rom.empty()) {
      emulator::load_boot_sector(m.cpu, disks[0]);
    }
  } catch (const LoadError& e) {
    std::fprintf(stderr, "isolab vm run: %s\n", e.what());
    return 2;
  }
  VmSessionIo io;
  if (auto problem = io.open_trace(o.trace)) return usage_error("--trace " + *problem);
  io.attach(m, o.input);

  std::string refusal;
  std::unique_ptr<emulator::Backend> backend = emulator::make_backend(backend_kind, m, refusal);
  if (!backend) return usage_error(refusal);
  emulator::MachineStop stop = backend->run(timeout_ns);
  std::fflush(stdout);
  if (o.stats) {
    std::fprintf(stderr, "vm.insns %llu\nvm.guest_time_ns %llu\nvm.exits %llu\n",
                 (unsigned long long)m.cpu.s.insns, (unsigned long long)m.now_ns(), (unsigned long long)m.exits.exits);
    for (size_t r = 0; r < size_t(emulator::ExitReason::COUNT); r++)
      if (m.exits.by_reason[r])
        std::fprintf(stderr, "vm.exits.%s %llu\n", emulator::kExitReasonNames[r], (unsigned long long)m.exits.by_reason[r]);
    const mmu::MmuCounters mmu = m.mmu_counters();
    for (const mmu::MmuCounterField& f : mmu::kMmuCounterFields)
      std::fprintf(stderr, "vm.mmu.%s %llu\n", f.name, (unsigned long long)(mmu.*f.field));
  }
  return vm_exit_status("isolab vm run", stop, m, backend->failure(), o.timeout);
}

std::optional<std::string> VmSessionIo::open_trace(const std::string& path) {
  if (path.empty()) return std::nullopt;
  try {
    writer_ = std::make_unique<trace::JsonLinesWriter>(path);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  log_.add_sink([this](const trace::Event& e) { writer_->write(e); });
  return std::nullopt;
}

void VmSessionIo::attach(emulator::Machine& m, const std::string& input) {
  input_ = lab::unescape(input);
  typed_ = 0;
  m.on_idle = [this, &m]() {
    if (typed_ >= input_.size()) return false;
    size_t nl = input_.find('\n', typed_);
    size_t end = nl == std::string::npos ? input_.size() : nl + 1;
    m.uart.receive(std::string_view(input_).substr(typed_, end - typed_));
    typed_ = end;
    return true;
  };
  if (writer_) m.trace = &log_;
}

int vm_exit_status(const char* command, emulator::MachineStop stop, const emulator::Machine& m, const std::string& failure,
                   const std::string& timeout) {
  switch (stop) {
    case emulator::MachineStop::DebugExit: return int(m.exit_code() & 0xFF);
    case emulator::MachineStop::Halted: return 0;
    case emulator::MachineStop::TripleFault:
      if (!failure.empty()) {
        std::fprintf(stderr, "%s: %s\n", command, failure.c_str());
        return 1;
      }
      std::fprintf(stderr, "%s: the guest triple-faulted at %04x:%08x\n", command, m.cpu.s.seg[cpu::CS].selector, m.cpu.s.eip);
      return 1;
    case emulator::MachineStop::Exited:  // stop_on_exit is never set here
    case emulator::MachineStop::Timeout:
      std::fprintf(stderr, "%s: timeout after %s of guest time\n", command, timeout.c_str());
      return 124;
  }
  return 1;
}

}  // namespace isolab::app
