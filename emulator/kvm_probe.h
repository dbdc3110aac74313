// Can this host run isolab's guests on KVM? The capability probe the kvm
// backend runs first (DESIGN.md section 4, issue #8).
//
// It refuses, in one sentence that ends by suggesting `--backend interp`,
// when there is no /dev/kvm, when it cannot be opened, when it speaks an
// API other than version 12, or when it cannot run what miniOS needs: a
// 32-bit protected-mode guest with paging on that takes an exception
// through its IDT. The last is checked by running such a guest (a dozen
// instructions, bounded to two seconds), because a /dev/kvm can exist and
// answer every ioctl and still not run it: kvm-pvm, the paravirtualized KVM
// of some cloud sandboxes, runs unpaged code slowly and cannot run paged
// 32-bit guests or deliver IDT exceptions.
#pragma once
#include <string>

namespace isolab::emulator {

struct KvmProbe {
  bool ok = false;
  std::string refusal;  // when !ok: why, in one sentence
  int api_version = 0;  // when /dev/kvm could be opened
};

// Probe `device` (normally /dev/kvm).
KvmProbe probe_kvm(const char* device = "/dev/kvm");

}  // namespace isolab::emulator
