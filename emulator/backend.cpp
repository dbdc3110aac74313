// Choosing a VM's backend. See backend.h.
#include "emulator/backend.h"

#include "emulator/kvm.h"
#include "emulator/kvm_probe.h"

namespace isolab::emulator {

bool parse_backend(const std::string& name, BackendKind& out) {
  for (size_t k = 0; k < kBackendNames.size(); k++)
    if (name == kBackendNames[k]) {
      out = BackendKind(k);
      return true;
    }
  return false;
}

std::unique_ptr<Backend> make_backend(BackendKind kind, Machine& m, std::string& refusal) {
  if (kind == BackendKind::Interp) return std::make_unique<InterpBackend>(m);
  KvmProbe probe = probe_kvm();
  if (!probe.ok) {
    refusal = probe.refusal;
    return nullptr;
  }
  auto kvm = std::make_unique<KvmBackend>(m);
  if (std::string e = kvm->start(); !e.empty()) {
    refusal = "the kvm backend could not start: " + e + "; use --backend interp";
    return nullptr;
  }
  return kvm;
}

}  // namespace isolab::emulator
