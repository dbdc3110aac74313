// What runs a VM's CPU: the seam between a loaded Machine (RAM, devices,
// exit counters, trace) and the engine that executes its guest.
//
// Two backends (DESIGN.md section 4): `interp`, isolab's own x86
// interpreter (Machine::run, deterministic: time is retired instructions),
// and `kvm`, the host CPU's hardware virtualization through Linux's KVM API
// (emulator/kvm.h), where the same device models and exit names serve a
// guest the hardware runs. Both report the same MachineStop.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "emulator/machine.h"

namespace isolab::emulator {

enum class BackendKind : uint8_t { Interp, Kvm };
constexpr std::array<const char*, 2> kBackendNames = {"interp", "kvm"};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind kind() const = 0;
  // Run the machine until the guest stops or `max_ns` of its clock pass.
  virtual MachineStop run(uint64_t max_ns) = 0;
  // When the backend itself could not go on (run() returned TripleFault
  // for it): what happened, in one sentence; otherwise empty.
  virtual std::string failure() const { return {}; }
};

// Today's path: the interpreter in Machine::run.
class InterpBackend final : public Backend {
 public:
  explicit InterpBackend(Machine& m) : m_(m) {}
  BackendKind kind() const override { return BackendKind::Interp; }
  MachineStop run(uint64_t max_ns) override { return m_.run(max_ns); }

 private:
  Machine& m_;
};

// The backend `kind` for `m`, a machine already loaded (its CPU state is
// the boot state). For kvm the capability probe runs first: when the host
// cannot run the guest, returns nullptr and sets `refusal` to the probe's
// sentence (which suggests --backend interp).
std::unique_ptr<Backend> make_backend(BackendKind kind, Machine& m, std::string& refusal);

// "interp" or "kvm" to a kind; false for anything else.
bool parse_backend(const std::string& name, BackendKind& out);

}  // namespace isolab::emulator
