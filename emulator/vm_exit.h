// VM exit reasons, named after Intel VT-x basic exit reasons (SDM Vol. 3D
// appendix C) so students can look each one up, with one table of names.
// The interpreter "exits" to the VMM whenever the guest does something the
// hypervisor must handle itself; lesson 1 counts them during a boot.
#pragma once
#include <array>
#include <cstdint>

namespace isolab::emulator {

enum class ExitReason : uint8_t {
  EXCEPTION_NMI,
  EXTERNAL_INTERRUPT,
  TRIPLE_FAULT,
  HLT,
  INVLPG,
  CPUID,
  CR_ACCESS,
  IO_INSTRUCTION,
  MSR_READ,
  MSR_WRITE,
  EPT_VIOLATION,
  MMIO,
  COUNT
};

constexpr std::array<const char*, size_t(ExitReason::COUNT)> kExitReasonNames = {
    "EXCEPTION_NMI", "EXTERNAL_INTERRUPT", "TRIPLE_FAULT", "HLT",       "INVLPG",        "CPUID",
    "CR_ACCESS",     "IO_INSTRUCTION",     "MSR_READ",     "MSR_WRITE", "EPT_VIOLATION", "MMIO",
};

inline const char* exit_reason_name(ExitReason r) { return kExitReasonNames[size_t(r)]; }

// Exits counted by reason, plus the KVM-style aggregate counters.
struct ExitCounters {
  std::array<uint64_t, size_t(ExitReason::COUNT)> by_reason{};
  uint64_t exits = 0;
  void count(ExitReason r) {
    by_reason[size_t(r)]++;
    exits++;
  }
  uint64_t operator[](ExitReason r) const { return by_reason[size_t(r)]; }
};

}  // namespace isolab::emulator
