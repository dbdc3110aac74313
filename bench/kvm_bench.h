// `isolab bench kvm`: the same guest workloads on the interpreter and on
// the KVM backend, with the ratio (DESIGN.md sections 1 and 7, issue #8):
// what the interpreter costs against hardware virtualization.
//
// It runs only where the KVM probe passes (a Linux host with VT-x or AMD-V
// and access to /dev/kvm, or inside the nested harness, scripts/kvm-harness);
// elsewhere it prints the probe's sentence and returns 1.
//
// The pieces are shared with the harness's tests (tests/kvm/), which run the
// same sessions and compare what the two backends did.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "emulator/backend.h"

namespace isolab::bench {

// A multiboot kernel and its initrd, as bytes (the harness carries miniOS
// inside its executable; `isolab bench kvm` reads the build's files).
struct GuestImages {
  std::vector<uint8_t> kernel, initrd;
};

// One miniOS session: boot, type `input` a line at a time whenever the
// guest waits for it (as `isolab vm run --input` does), run to the end.
struct Session {
  std::string transcript;  // everything the serial console printed
  emulator::MachineStop stop = emulator::MachineStop::Timeout;
  std::string failure;     // the backend's refusal or failure, if any
  emulator::ExitCounters exits;
  // Port I/O exits by (port, 1 for OUT / 0 for IN), from the exit log.
  std::set<std::pair<uint16_t, int>> io_ports;
  // Port I/O exits whose trace event carries the guest's registers as
  // they were at the exit (a ring-0 EIP in the kernel's code segment).
  uint64_t io_exits = 0, io_exits_with_state = 0;
  double seconds = 0;      // host time of the run
};
Session run_minios_session(emulator::BackendKind backend, const GuestImages& images, const std::string& input,
                           uint64_t timeout_ns);

// The bench's scripted session: a few commands, then poweroff.
extern const char kMiniosSessionInput[];

// Run bench/guests/crc32.S (flat 32-bit code, `reps` outer repetitions) to
// its HLT. Returns false with `failure` set when the backend refuses or
// the guest does not halt; `eax` is the guest's result, `insns` the
// interpreter's retired-instruction count (0 on kvm, which counts none).
struct GuestRun {
  bool ok = false;
  std::string failure;
  uint32_t eax = 0;
  uint64_t insns = 0;
  double seconds = 0;
};
GuestRun run_crc32(emulator::BackendKind backend, uint32_t reps);

struct KvmBenchOptions {
  GuestImages minios;  // empty: read the build's miniOS files
  bool minios_session = true;
  uint32_t crc32_reps = 20;
};

// The kvm.minios_session.* lines for two sessions of kMiniosSessionInput.
void print_minios_figures(std::ostream& out, const Session& interp, const Session& kvm);

// Print, one figure a line:
//   kvm.crc32.interp <ms> ms      the crc32 guest on the interpreter
//   kvm.crc32.kvm <ms> ms         the same on KVM
//   kvm.crc32.speedup <x>         interp time / kvm time
//   kvm.crc32.kvm_mips <n> MIPS   the interpreter's instruction count / kvm time
//   kvm.minios_session.interp <ms> ms, .kvm <ms> ms, .speedup <x>
//   kvm.minios_session.exits.interp <n> exits, .exits.kvm <n> exits
// Returns 0; 1 when the probe refuses (its sentence on stderr) or a guest
// fails or the backends disagree on a result.
int run_kvm_bench(std::ostream& out);
int run_kvm_bench(std::ostream& out, const KvmBenchOptions& options);

}  // namespace isolab::bench
