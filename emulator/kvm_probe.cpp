// The KVM capability probe. See kvm_probe.h.
//
// The test guest, 2 MiB of RAM laid out by the host (no setup code runs in
// the guest: registers, GDT, IDT and page tables are all given to it):
//   0x0500  GDT: null, flat 32-bit code (0x08), flat data (0x10)
//   0x0600  IDT: vector 6 (#UD) -> a 32-bit interrupt gate to 0x00400100
//   0x1000  code page: `ud2` at +0, the #UD handler at +0x100
//   0x2000  page directory: PDE 0 -> 0x3000, PDE 1 -> 0x4000
//   0x3000  page table: the first 2 MiB mapped one to one
//   0x4000  page table: linear 0x400000 -> 0x1000 (code), 0x401000 -> 0x5000 (stack)
// It starts with CR0.PG set at linear 0x400000, where physical memory has
// nothing: only a CPU that walks the page tables finds the code. `ud2`
// raises #UD; delivering it reads the IDT and the GDT and pushes onto the
// paged stack; the handler writes 0x42 to port 0xF4 and halts. Expected:
// the first exit is KVM_EXIT_IO, OUT of 0x42 to port 0xF4.
#include "emulator/kvm_probe.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <sys/mman.h>
#include <ctime>
#include <unistd.h>

#include "emulator/kvm_api.h"

namespace isolab::emulator {

namespace {

constexpr uint64_t kRam = 2u << 20;
constexpr uint32_t kGdt = 0x500, kIdt = 0x600, kCode = 0x1000, kPageDir = 0x2000, kTable0 = 0x3000,
                   kTable1 = 0x4000, kStack = 0x5000;
constexpr uint32_t kLinearCode = 0x400000, kLinearStack = 0x402000;
constexpr uint16_t kPort = 0xF4;
constexpr uint8_t kValue = 0x42;
constexpr uint64_t kBoundNs = 2000000000;  // two seconds of host time

// The guest's code: each instruction with its encoding.
constexpr uint8_t kUd2[] = {0x0F, 0x0B};                              // ud2
constexpr uint8_t kHandler[] = {0xB0, kValue,                         // mov al, 0x42
                                0xE6, uint8_t(kPort),                 // out 0xF4, al
                                0xF4};                                // hlt

constexpr const char* kSuggest = "; use --backend interp";

kvm_segment flat_segment(uint16_t selector, bool code) {
  kvm_segment s{};
  s.base = 0;
  s.limit = 0xFFFFFFFF;
  s.selector = selector;
  s.type = code ? 0xB : 0x3;  // execute/read accessed, read/write accessed
  s.present = 1;
  s.s = 1;
  s.db = 1;
  s.g = 1;
  return s;
}

void put32(uint8_t* ram, uint32_t addr, uint32_t v) { std::memcpy(ram + addr, &v, 4); }
void put64(uint8_t* ram, uint32_t addr, uint64_t v) { std::memcpy(ram + addr, &v, 8); }

void lay_out_guest(uint8_t* ram) {
  put64(ram, kGdt + 8, 0x00CF9A000000FFFFull);   // code: base 0, limit 4 GiB, 32-bit
  put64(ram, kGdt + 16, 0x00CF92000000FFFFull);  // data
  const uint32_t handler = kLinearCode + 0x100;
  put32(ram, kIdt + 6 * 8, (0x08u << 16) | (handler & 0xFFFF));
  put32(ram, kIdt + 6 * 8 + 4, (handler & 0xFFFF0000u) | 0x8E00);  // P, DPL 0, 32-bit interrupt gate
  std::memcpy(ram + kCode, kUd2, sizeof kUd2);
  std::memcpy(ram + kCode + 0x100, kHandler, sizeof kHandler);
  constexpr uint32_t kPresentWritable = 0x3;
  put32(ram, kPageDir + 0, kTable0 | kPresentWritable);
  put32(ram, kPageDir + 4, kTable1 | kPresentWritable);
  for (uint32_t page = 0; page < kRam / 4096; page++) put32(ram, kTable0 + page * 4, page * 4096 | kPresentWritable);
  put32(ram, kTable1 + 0, kCode | kPresentWritable);
  put32(ram, kTable1 + 4, kStack | kPresentWritable);
}

// Run the test guest on an open /dev/kvm; "" if it behaved, else what it did.
std::string run_test_guest(KvmVm& kvm) {
  if (std::string e = kvm.create(); !e.empty()) return e;
  void* mem = mmap(nullptr, kRam, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return "cannot map the test guest's memory";
  std::unique_ptr<void, void (*)(void*)> unmap(mem, [](void* p) { munmap(p, kRam); });
  auto* ram = static_cast<uint8_t*>(mem);
  lay_out_guest(ram);
  if (std::string e = kvm.add_memory(0, 0, kRam, ram); !e.empty()) return e;

  kvm_sregs sregs{};
  if (!kvm.get_sregs(sregs)) return "KVM_GET_SREGS failed";
  sregs.cs = flat_segment(0x08, true);
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(0x10, false);
  sregs.gdt.base = kGdt;
  sregs.gdt.limit = 3 * 8 - 1;
  sregs.idt.base = kIdt;
  sregs.idt.limit = 32 * 8 - 1;
  sregs.cr3 = kPageDir;
  sregs.cr4 = 0;
  sregs.efer = 0;
  sregs.cr0 = 0x80000011;  // PG, ET, PE
  if (!kvm.set_sregs(sregs)) return "KVM_SET_SREGS refused a 32-bit paged state";
  kvm_regs regs{};
  regs.rip = kLinearCode;
  regs.rsp = kLinearStack;
  regs.rflags = 0x2;
  if (!kvm.set_regs(regs)) return "KVM_SET_REGS failed";

  timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int err;
  do {  // a stray signal may interrupt KVM_RUN early: go on until the bound
    kvm.arm_kick(kBoundNs);
    err = kvm.run();
    clock_gettime(CLOCK_MONOTONIC, &t);
  } while (err == EINTR && uint64_t(t.tv_sec - t0.tv_sec) * 1000000000u + uint64_t(t.tv_nsec) - uint64_t(t0.tv_nsec) < kBoundNs);
  kvm.arm_kick(0);
  if (err == EINTR) return "it did not finish a dozen instructions in 2 s";
  if (err) return fmt::format("KVM_RUN failed: {}", std::strerror(err));
  const kvm_run* run = kvm.run_state();
  if (run->exit_reason == KVM_EXIT_IO) {
    const uint8_t value = reinterpret_cast<const uint8_t*>(run)[run->io.data_offset];
    if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == kPort && run->io.size == 1 && value == kValue) return "";
    return fmt::format("its exception handler should write {:#x} to port {:#x}, but the guest accessed port {:#x}",
                       kValue, kPort, run->io.port);
  }
  return fmt::format("it should leave with KVM_EXIT_IO from its exception handler, but left with {}",
                     kvm_exit_name(run->exit_reason));
}

}  // namespace

KvmProbe probe_kvm(const char* device) {
  KvmProbe p;
  auto refuse = [&](const std::string& why) {
    p.refusal = why + kSuggest;
    return p;
  };
  if (access(device, F_OK) != 0)
    return refuse(fmt::format("the kvm backend needs {}, which this host does not have (no KVM module loaded, "
                              "or a CPU without VT-x or AMD-V)", device));
  KvmVm kvm;
  if (std::string e = kvm.open_device(device); !e.empty()) {
    if (errno == EACCES || errno == EPERM)
      return refuse(fmt::format("the kvm backend cannot open {}: permission denied (join the group that owns it, "
                                "usually kvm)", device));
    return refuse(fmt::format("the kvm backend cannot open {}", e));
  }
  p.api_version = kvm.api_version;
  if (kvm.api_version != KVM_API_VERSION)
    return refuse(fmt::format("{} speaks KVM API version {}, and the kvm backend needs version {}", device,
                              kvm.api_version, KVM_API_VERSION));
  if (std::string e = run_test_guest(kvm); !e.empty()) {
    // kvm-pvm (a paravirtualized KVM some cloud sandboxes offer) shows
    // itself as a module; say so, since its /dev/kvm looks like any other.
    const bool pvm = access("/sys/module/kvm_pvm", F_OK) == 0;
    return refuse(fmt::format("{} cannot run a 32-bit paged guest that takes an exception through its IDT ({}){}",
                              device, e, pvm ? ": this host's KVM is kvm-pvm, which cannot run such guests" : ""));
  }
  p.ok = true;
  return p;
}

}  // namespace isolab::emulator
