// The KVM backend's host-side pieces, testable on any host: the probe's
// refusals, the backend names, KVM's exit names. The backend itself runs
// in the nested harness (harness_main.cpp).
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "emulator/backend.h"
#include "emulator/kvm_api.h"
#include "emulator/kvm_probe.h"

using namespace isolab::emulator;

TEST_CASE("kvm probe: a missing device is refused in one sentence that suggests the interpreter") {
  KvmProbe p = probe_kvm("/nonexistent/kvm");
  CHECK_FALSE(p.ok);
  CHECK(p.refusal.find("/nonexistent/kvm") != std::string::npos);
  CHECK(p.refusal.find("use --backend interp") != std::string::npos);
  CHECK(p.refusal.find('\n') == std::string::npos);
}

TEST_CASE("kvm probe: a device that is not KVM is refused") {
  // /dev/null opens, but answers no KVM ioctl: its "API version" is -1.
  KvmProbe p = probe_kvm("/dev/null");
  CHECK_FALSE(p.ok);
  CHECK(p.refusal.find("API version") != std::string::npos);
  CHECK(p.refusal.find("use --backend interp") != std::string::npos);
}

TEST_CASE("backends: interp and kvm by name, nothing else") {
  BackendKind k;
  REQUIRE(parse_backend("interp", k));
  CHECK(k == BackendKind::Interp);
  REQUIRE(parse_backend("kvm", k));
  CHECK(k == BackendKind::Kvm);
  CHECK_FALSE(parse_backend("KVM", k));
  CHECK_FALSE(parse_backend("", k));
}

TEST_CASE("backends: the interpreter backend runs the machine it was given") {
  Machine m(MachineConfig{.ram_bytes = 2u << 20, .paging = PagingMode::Direct});
  const uint8_t code[] = {0xB0, 0x05, 0xE6, 0xF4, 0xF4};  // mov al,5; out 0xF4,al; hlt
  std::memcpy(m.ram() + 0x1000, code, sizeof code);
  m.cpu.set_flat_protected_mode(0);
  m.cpu.s.eip = 0x1000;
  std::string refusal;
  auto b = make_backend(BackendKind::Interp, m, refusal);
  REQUIRE(b);
  CHECK(b->kind() == BackendKind::Interp);
  CHECK(b->run(1000000) == MachineStop::DebugExit);
  CHECK(m.exit_code() == 11);
  CHECK(m.exits[ExitReason::IO_INSTRUCTION] == 1);
}

TEST_CASE("kvm exit names follow linux/kvm.h") {
  CHECK(kvm_exit_name(KVM_EXIT_IO) == "KVM_EXIT_IO");
  CHECK(kvm_exit_name(KVM_EXIT_SHUTDOWN) == "KVM_EXIT_SHUTDOWN");
  CHECK(kvm_exit_name(KVM_EXIT_IRQ_WINDOW_OPEN) == "KVM_EXIT_IRQ_WINDOW_OPEN");
  CHECK(kvm_exit_name(999) == "KVM_EXIT_999");
}
