// The standard Linux KVM API, one VM with one vCPU. See kvm_api.h.
#include "emulator/kvm_api.h"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace isolab::emulator {

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

namespace {

// The signal that kicks KVM_RUN out: its handler does nothing, and it is
// installed without SA_RESTART so the ioctl returns EINTR.
int kick_signal() { return SIGRTMIN; }

void on_kick(int) {}

// Install the kick's handler and block the signal in this thread (it is
// unblocked inside KVM_RUN only). Returns the thread's mask without it,
// for KVM_SET_SIGNAL_MASK.
sigset_t prepare_kick_signal() {
  struct sigaction sa {};
  sa.sa_handler = on_kick;
  sigemptyset(&sa.sa_mask);
  sigaction(kick_signal(), &sa, nullptr);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, kick_signal());
  pthread_sigmask(SIG_BLOCK, &block, &old);
  sigdelset(&old, kick_signal());
  return old;
}

// Three ioctls pass structs that end in a flexible array. Linux 6.1's uapi
// headers declare those arrays with __DECLARE_FLEX_ARRAY, which in C++
// adds an empty struct of size 1: sizeof grows (kvm_cpuid2 is 12, not 8),
// the array moves, and the ioctl numbers, which encode sizeof, no longer
// match the kernel's. So these three are numbered, and their buffers laid
// out, with the C sizes: a header of `nent` and padding (8 bytes) before
// the CPUID entries, of `len` (4 bytes) before the signal mask.
constexpr size_t kCpuid2Header = 8, kSignalMaskHeader = 4;
constexpr unsigned long kGetSupportedCpuid = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x05, kCpuid2Header);
constexpr unsigned long kSetCpuid2 = _IOC(_IOC_WRITE, KVMIO, 0x90, kCpuid2Header);
constexpr unsigned long kSetSignalMask = _IOC(_IOC_WRITE, KVMIO, 0x8b, kSignalMaskHeader);

// Take a pending kick off the thread. KVM_RUN lets the signal in only
// while the guest runs and returns EINTR; back in user space the signal is
// blocked again and stays pending, so without this every later KVM_RUN
// would return at once (QEMU's kvm_eat_signals does the same).
void eat_kicks() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, kick_signal());
  const timespec zero{0, 0};
  while (sigtimedwait(&set, nullptr, &zero) >= 0) {
  }
}

std::string errno_text(const char* what) { return fmt::format("{}: {}", what, std::strerror(errno)); }

}  // namespace

std::string kvm_exit_name(uint32_t exit_reason) {
  // linux/kvm.h's numbering, the ones a VMM without an in-kernel irqchip meets.
  struct Name {
    uint32_t reason;
    const char* name;
  };
  static constexpr Name kNames[] = {
      {KVM_EXIT_UNKNOWN, "KVM_EXIT_UNKNOWN"},
      {KVM_EXIT_EXCEPTION, "KVM_EXIT_EXCEPTION"},
      {KVM_EXIT_IO, "KVM_EXIT_IO"},
      {KVM_EXIT_HYPERCALL, "KVM_EXIT_HYPERCALL"},
      {KVM_EXIT_DEBUG, "KVM_EXIT_DEBUG"},
      {KVM_EXIT_HLT, "KVM_EXIT_HLT"},
      {KVM_EXIT_MMIO, "KVM_EXIT_MMIO"},
      {KVM_EXIT_IRQ_WINDOW_OPEN, "KVM_EXIT_IRQ_WINDOW_OPEN"},
      {KVM_EXIT_SHUTDOWN, "KVM_EXIT_SHUTDOWN"},
      {KVM_EXIT_FAIL_ENTRY, "KVM_EXIT_FAIL_ENTRY"},
      {KVM_EXIT_INTR, "KVM_EXIT_INTR"},
      {KVM_EXIT_INTERNAL_ERROR, "KVM_EXIT_INTERNAL_ERROR"},
      {KVM_EXIT_SYSTEM_EVENT, "KVM_EXIT_SYSTEM_EVENT"},
  };
  for (const Name& n : kNames)
    if (n.reason == exit_reason) return n.name;
  return fmt::format("KVM_EXIT_{}", exit_reason);
}

KvmVm::~KvmVm() {
  if (has_kick_timer_) timer_delete(kick_timer_);
  if (run_) munmap(run_, run_size_);
}

std::string KvmVm::open_device(const char* device) {
  kvm_ = Fd(open(device, O_RDWR | O_CLOEXEC));
  if (!kvm_.valid()) return errno_text(device);
  api_version = ioctl(kvm_.get(), KVM_GET_API_VERSION, 0);
  return "";
}

std::string KvmVm::create() {
  vm_ = Fd(ioctl(kvm_.get(), KVM_CREATE_VM, 0));
  if (!vm_.valid()) return errno_text("KVM_CREATE_VM");
  // Intel VT-x needs three pages of guest-physical space for its real-mode
  // TSS and an identity map; AMD ignores them. Just below the BIOS area at
  // the top of 4 GiB, where isolab maps nothing.
  ioctl(vm_.get(), KVM_SET_TSS_ADDR, 0xFFFBD000ul);
  uint64_t identity = 0xFFFBC000;
  ioctl(vm_.get(), KVM_SET_IDENTITY_MAP_ADDR, &identity);
  vcpu_ = Fd(ioctl(vm_.get(), KVM_CREATE_VCPU, 0));
  if (!vcpu_.valid()) return errno_text("KVM_CREATE_VCPU");
  int size = ioctl(kvm_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size <= 0) return errno_text("KVM_GET_VCPU_MMAP_SIZE");
  void* p = mmap(nullptr, size_t(size), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_.get(), 0);
  if (p == MAP_FAILED) return errno_text("mmap of kvm_run");
  run_ = static_cast<kvm_run*>(p);
  run_size_ = size_t(size);

  // The CPUID the guest sees: whatever KVM can virtualize on this host.
  constexpr uint32_t kMaxEntries = 256;
  std::vector<uint8_t> cpuid(kCpuid2Header + kMaxEntries * sizeof(kvm_cpuid_entry2));
  std::memcpy(cpuid.data(), &kMaxEntries, 4);  // nent
  if (ioctl(kvm_.get(), kGetSupportedCpuid, cpuid.data()) < 0) return errno_text("KVM_GET_SUPPORTED_CPUID");
  if (ioctl(vcpu_.get(), kSetCpuid2, cpuid.data()) < 0) return errno_text("KVM_SET_CPUID2");

  // The kick: a timer signal to this thread, let through only in KVM_RUN.
  sigset_t inside = prepare_kick_signal();
  uint8_t mask[kSignalMaskHeader + 8];
  const uint32_t len = 8;  // the kernel's sigset_t on x86-64
  std::memcpy(mask, &len, 4);
  std::memcpy(mask + kSignalMaskHeader, &inside, 8);
  if (ioctl(vcpu_.get(), kSetSignalMask, mask) < 0) return errno_text("KVM_SET_SIGNAL_MASK");
  sigevent ev{};
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = kick_signal();
  ev._sigev_un._tid = pid_t(syscall(SYS_gettid));
  if (timer_create(CLOCK_MONOTONIC, &ev, &kick_timer_) < 0) return errno_text("timer_create");
  eat_kicks();  // one an earlier VM's timer left pending
  has_kick_timer_ = true;
  return "";
}

std::string KvmVm::add_memory(uint32_t slot, uint64_t gpa, uint64_t size, void* host) {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = gpa;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(host);
  if (ioctl(vm_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
    return errno_text(fmt::format("KVM_SET_USER_MEMORY_REGION slot {} at {:#x}+{:#x}", slot, gpa, size).c_str());
  return "";
}

bool KvmVm::get_regs(kvm_regs& r) const { return ioctl(vcpu_.get(), KVM_GET_REGS, &r) == 0; }
bool KvmVm::set_regs(const kvm_regs& r) const { return ioctl(vcpu_.get(), KVM_SET_REGS, &r) == 0; }
bool KvmVm::get_sregs(kvm_sregs& s) const { return ioctl(vcpu_.get(), KVM_GET_SREGS, &s) == 0; }
bool KvmVm::set_sregs(const kvm_sregs& s) const { return ioctl(vcpu_.get(), KVM_SET_SREGS, &s) == 0; }

bool KvmVm::interrupt(uint8_t vector) const {
  kvm_interrupt irq{};
  irq.irq = vector;
  return ioctl(vcpu_.get(), KVM_INTERRUPT, &irq) == 0;
}

int KvmVm::run() {
  if (ioctl(vcpu_.get(), KVM_RUN, 0) == 0) return 0;
  const int err = errno;
  if (err == EINTR) eat_kicks();
  return err;
}

void KvmVm::arm_kick(uint64_t ns) {
  if (!has_kick_timer_) return;
  itimerspec when{};
  when.it_value.tv_sec = time_t(ns / 1000000000u);
  when.it_value.tv_nsec = long(ns % 1000000000u);
  timer_settime(kick_timer_, 0, &when, nullptr);
}

}  // namespace isolab::emulator
