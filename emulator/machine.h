// One PC-compatible virtual machine on the interpreter: guest RAM, the
// devices of DESIGN.md section 4, interrupt routing, a virtual clock, and the
// hypervisor's view of the guest as VM exits.
//
// The machine is the CPU's Bus (RAM, port I/O and MMIO dispatched to the
// device that claims the address) and its CpuHooks (privileged events,
// counted as VM exits by their VT-x names). Simulated time is a function of
// retired instructions (plus the time skipped while the guest halts), so the
// same inputs always give the same run. Lesson 1 counts this machine's exits.
//
// With paging on, the machine is also the CPU's Translator: the VMM's MMU
// sits between the guest and memory in one of three paging modes
// (DESIGN.md section 4). Which events leave the guest follows what VT-x
// intercepts in each mode: under shadow paging, #PF (hidden or the guest's
// own, EXCEPTION_NMI), CR3 loads and reads (CR_ACCESS) and INVLPG; under
// nested paging none of these, and an EPT violation when the host tables
// lack a page. Lesson 2 compares the two.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cpu/cpu.h"
#include "mmu/nested.h"
#include "mmu/shadow.h"
#include "emulator/devices/ata.h"
#include "emulator/devices/debug_exit.h"
#include "emulator/devices/debugcon.h"
#include "emulator/devices/ioapic.h"
#include "emulator/devices/irq_router.h"
#include "emulator/devices/kbc.h"
#include "emulator/devices/lapic.h"
#include "emulator/devices/pic.h"
#include "emulator/devices/pit.h"
#include "emulator/devices/rtc.h"
#include "emulator/devices/uart.h"
#include "emulator/devices/vga.h"
#include "emulator/rom.h"
#include "emulator/vm_exit.h"
#include "trace/trace.h"

namespace isolab::emulator {

// How the VMM virtualizes the guest's paging.
enum class PagingMode : uint8_t {
  Shadow,  // shadow page tables kept by the VMM (mmu/shadow.h): the default
  Nested,  // a 2-D walk through the guest's tables and host tables (mmu/nested.h)
  Direct,  // no VMM MMU: the CPU walks the guest's tables (for comparison)
};
constexpr std::array<const char*, 3> kPagingModeNames = {"shadow", "nested", "direct"};
inline const char* paging_mode_name(PagingMode m) { return kPagingModeNames[size_t(m)]; }

struct MachineConfig {
  uint64_t ram_bytes = 64ull << 20;
  PagingMode paging = PagingMode::Shadow;
  // Simulated nanoseconds per retired instruction: a 1 GHz CPU at one
  // instruction per cycle.
  uint64_t ns_per_insn = 1;
  // The RTC's wall clock at power-on (fixed, so runs repeat): 2026-01-01.
  int64_t rtc_epoch = 1767225600;
};

// Why Machine::run stopped.
enum class MachineStop {
  DebugExit,    // the guest wrote isa-debug-exit: exit_code holds value*2+1
  Halted,       // HLT with interrupts off, or nothing left that could wake it
  TripleFault,  // the CPU shut down
  Timeout,      // the simulated-time budget ran out
  Exited,       // stop_on_exit was set and the guest made a VM exit, or
                // stop_on_syscall was set and it made a system call
};

class Machine : public cpu::Bus, public cpu::CpuHooks, public cpu::InterruptSource, public mmu::Translator {
 public:
  explicit Machine(const MachineConfig& config = {});
  ~Machine() override;
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  MachineConfig config;
  cpu::Cpu cpu;
  ExitCounters exits;

  // The devices (DESIGN.md section 4).
  Pic pic;
  LocalApic lapic;
  IoApic ioapic;
  InterruptRouter router;
  Pit pit;
  Uart uart;
  Rtc rtc;
  Vga vga;
  Kbc kbc;
  Ata ata;
  DebugCon debugcon;
  DebugExit debug_exit;

  // The firmware ROM (emulator/rom.h), mapped when its image is not empty:
  // at the top of 4 GiB and its last 128 KiB below 1 MiB, read-only. Set
  // it before the first run; the CPU starts at the reset vector in it.
  Rom rom;

 private:
  // The shadow MMU's handle on the CPU: write-protection and TLB flushes.
  struct CpuLink : mmu::CpuControl {
    cpu::Cpu& cpu;
    explicit CpuLink(cpu::Cpu& c) : cpu(c) {}
    void watch_page(uint32_t page) override { cpu.watch_page(page); }
    void unwatch_page(uint32_t page) override { cpu.unwatch_page(page); }
    void flush_tlb_page(uint32_t linear) override { cpu.flush_tlb_page(linear); }
    void flush_tlb() override { cpu.flush_tlb(); }
  };
  CpuLink cpu_link_{cpu};

 public:
  // The VMM's MMU: the one config.paging names is in use.
  mmu::ShadowMmu shadow{*this, cpu_link_};
  mmu::NestedMmu nested{*this};
  // Its counters (KVM's names); all zero under Direct.
  mmu::MmuCounters mmu_counters() const;

  // Serial and port-0xE9 output go here (default: nowhere).
  std::function<void(uint8_t)> on_console;
  // Called when the guest is idle (HLT with interrupts on) and the UART has
  // no input queued: the place to type the next line, as a person types
  // after the prompt. Return true if it queued input.
  std::function<bool()> on_idle;
  // When set, every VM exit is recorded here as a trace event carrying the
  // guest state at the exit and the host time the VMM spent handling it
  // (the one field that is measured, not simulated, and so varies between
  // runs). `name` is the event's source.
  trace::Trace* trace = nullptr;
  std::string name = "vm";
  // When set, run() returns MachineStop::Exited right after the
  // instruction that made a VM exit: the debugger's "step to the next exit".
  bool stop_on_exit = false;
  // When set, run() returns MachineStop::Exited right after the guest's
  // INT 0x80 is delivered through its IDT (miniOS's system call, Linux's
  // number in EAX): the debugger's "step to the next system call".
  // stopped_at_syscall() then says so and syscall_nr() is the number.
  bool stop_on_syscall = false;
  bool stopped_at_syscall() const { return syscall_stop_; }
  uint32_t syscall_nr() const { return syscall_nr_; }

  // Run until the guest exits, stops, or `max_ns` of simulated time pass.
  MachineStop run(uint64_t max_ns);
  uint64_t now_ns() const { return cpu.s.insns * config.ns_per_insn + idle_ns_; }
  // Simulated time spent idle (skipped while the guest halted); snapshots
  // save and restore it with the CPU state.
  uint64_t idle_ns() const { return idle_ns_; }
  // Make `other` (a machine of the same RAM size) a copy-on-write sharer of
  // this machine's RAM: both mappings become private views of one frozen
  // copy, and a page is duplicated only when one of them writes it. Both
  // keep their addresses. Returns false (and changes nothing) if the host
  // refuses, in which case the caller copies.
  bool share_ram(Machine& other);
  // Host memory this machine's RAM uses on its own: pages it has written
  // since it was created or cloned (Private_Dirty of its mapping).
  uint64_t private_ram_bytes() const;
  void set_idle_ns(uint64_t ns) { idle_ns_ = ns; }
  uint32_t exit_code() const { return exit_code_; }
  // The debug-exit code, for a VM whose guest runs in another process
  // (emulator/remote_vm.h) and reported it from there.
  void set_exit_code(uint32_t code) { exit_code_ = code; }

  // Dirty-page logging for live migration (cpu/dirty_log.h, migration.h).
  // start_dirty_log() turns it on with every page clean; take_dirty_pages()
  // returns the page numbers (guest-physical address / 4096) written since
  // the last call, in order (none while the log is off), and starts a new round with every page clean
  // and write-protected again, as KVM_GET_DIRTY_LOG does.
  void start_dirty_log() {
    dirty_log.wp_faults = 0;
    cpu.start_dirty_round();
  }
  std::vector<uint32_t> take_dirty_pages();
  void stop_dirty_log() { cpu.stop_dirty_log(); }
  // First writes to a clean page since logging began: each one cost a
  // slow-path write (a write-protection fault on KVM).
  uint64_t dirty_log_wp_faults() const { return dirty_log.wp_faults; }

  // cpu::Bus
  uint8_t* ram() override { return ram_; }
  uint64_t ram_size() const override { return config.ram_bytes; }
  bool is_ram_page(uint32_t page) const override;
  uint32_t mmio_read(uint32_t addr, int size) override;
  void mmio_write(uint32_t addr, int size, uint32_t value) override;
  uint32_t io_read(uint16_t port, int size) override;
  void io_write(uint16_t port, int size, uint32_t value) override;

  // cpu::CpuHooks: privileged events become counted VM exits.
  bool on_exception(cpu::Cpu& c, uint8_t vector, uint32_t error_code, bool has_error) override;
  void on_hlt(cpu::Cpu& c) override { vm_exit(ExitReason::HLT); }
  void on_cr_write(cpu::Cpu& c, int cr, uint32_t old_value, uint32_t new_value) override;
  void on_cr_read(cpu::Cpu& c, int cr) override;
  void on_invlpg(cpu::Cpu& c, uint32_t linear) override;
  void on_watched_write(cpu::Cpu& c, uint32_t phys, int size) override;
  void on_cpuid(cpu::Cpu& c, uint32_t leaf) override { vm_exit(ExitReason::CPUID, leaf); }
  void on_msr(cpu::Cpu& c, uint32_t msr, bool write) override {
    vm_exit(write ? ExitReason::MSR_WRITE : ExitReason::MSR_READ, msr);
  }
  void on_external_interrupt(cpu::Cpu& c, uint8_t vector) override { vm_exit(ExitReason::EXTERNAL_INTERRUPT, vector); }
  void on_triple_fault(cpu::Cpu& c) override { vm_exit(ExitReason::TRIPLE_FAULT); }
  // INT n is the guest's own business (no exit); seen only for stop_on_syscall.
  bool on_software_interrupt(cpu::Cpu& c, uint8_t vector) override;

  // mmu::Translator: a soft-TLB miss with paging on.
  mmu::Translation translate(const cpu::CpuState& s, uint32_t linear, mmu::Access access, bool user) override;

  // cpu::InterruptSource: the router's INTR line.
  bool pending() override { return router.pending(); }
  uint8_t acknowledge() override { return router.acknowledge(); }

 private:
  // The KVM backend (kvm.h) runs this machine's guest on hardware: it uses
  // the device clock, the exit recording and the run flags below.
  friend class KvmBackend;
  // Count a VM exit and, with a trace attached, record it. `started` is
  // exit_started() taken when the VMM began handling it.
  void vm_exit(ExitReason r, uint32_t d0 = 0, uint32_t d1 = 0, uint32_t d2 = 0, uint32_t d3 = 0, uint64_t started = 0);
  uint64_t exit_started() const;
  struct PortSlot {
    Device* device = nullptr;
  };
  void attach(Device& d);
  void advance_devices();
  uint64_t next_device_event() const;

  // Guest RAM: an anonymous private mapping, so untouched pages cost
  // nothing, and a clone can share pages copy-on-write (share_ram).
  uint8_t* ram_ = nullptr;
  std::vector<Device*> devices_;
  std::vector<PortSlot> ports_;  // 65536 entries: which device decodes each port
  struct MmioSlot {
    MmioRange range;
    Device* device;
  };
  std::vector<MmioSlot> mmio_;
  uint64_t idle_ns_ = 0;
  bool exit_requested_ = false;
  bool exit_stop_ = false;  // a VM exit happened with stop_on_exit set
  bool syscall_stop_ = false;  // an INT 0x80 happened with stop_on_syscall set
  uint32_t syscall_nr_ = 0;
  uint32_t exit_code_ = 0;
};

}  // namespace isolab::emulator
