// The standard Linux KVM API, as the KVM backend and its probe use it: one
// VM with one vCPU, its memory slots, registers and the run loop's kick.
//
// Follows the kernel's Documentation/virt/kvm/api.rst: open /dev/kvm,
// KVM_GET_API_VERSION (12), KVM_CREATE_VM, KVM_SET_USER_MEMORY_REGION for
// guest RAM (host memory the VMM already has mapped), KVM_CREATE_VCPU and
// the mmap'd `struct kvm_run` shared with the kernel, KVM_SET_CPUID2 with
// what KVM_GET_SUPPORTED_CPUID offers, KVM_RUN. No in-kernel irqchip is
// created, so HLT, port I/O and MMIO all return to user space.
//
// The kick: KVM_RUN returns with EINTR when a signal arrives. A POSIX timer
// sends one signal to this thread when the next device event falls due;
// the signal is blocked in the thread and unblocked only inside KVM_RUN
// (KVM_SET_SIGNAL_MASK), so a timer that fires just before the call still
// kicks it, as kvmtool and QEMU do.
#pragma once
#include <linux/kvm.h>

#include <cstdint>
#include <string>
#include <time.h>

namespace isolab::emulator {

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// KVM's name for a kvm_run exit_reason ("KVM_EXIT_IO"), or "KVM_EXIT_<n>".
std::string kvm_exit_name(uint32_t exit_reason);

class KvmVm {
 public:
  KvmVm() = default;
  ~KvmVm();
  KvmVm(const KvmVm&) = delete;
  KvmVm& operator=(const KvmVm&) = delete;

  // Open `device` and check the API version (fills api_version), without
  // creating anything. Returns "" or what went wrong, in words.
  std::string open_device(const char* device = "/dev/kvm");
  // Create the VM and its vCPU 0 with the host's supported CPUID, and map
  // its kvm_run. Returns "" or what went wrong.
  std::string create();
  // Map `size` bytes of host memory at `host` as guest-physical `gpa`.
  std::string add_memory(uint32_t slot, uint64_t gpa, uint64_t size, void* host);

  bool get_regs(kvm_regs& r) const;
  bool set_regs(const kvm_regs& r) const;
  bool get_sregs(kvm_sregs& s) const;
  bool set_sregs(const kvm_sregs& s) const;
  // Queue an external interrupt (KVM_INTERRUPT): the vCPU takes `vector`
  // at its next entry. Only when run()->ready_for_interrupt_injection.
  bool interrupt(uint8_t vector) const;

  // Enter the guest until it exits (KVM_RUN). Returns 0 on an exit (see
  // run_state()->exit_reason) or the errno: EINTR when kicked.
  int run();
  kvm_run* run_state() const { return run_; }

  // Kick KVM_RUN out after `ns` nanoseconds of host time (0: disarm).
  void arm_kick(uint64_t ns);

  int api_version = 0;

 private:
  Fd kvm_, vm_, vcpu_;
  kvm_run* run_ = nullptr;
  size_t run_size_ = 0;
  timer_t kick_timer_{};
  bool has_kick_timer_ = false;
};

}  // namespace isolab::emulator
