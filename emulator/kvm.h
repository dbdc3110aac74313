// The KVM backend: the same Machine (RAM, devices, exit counters, trace)
// with its guest run by the host CPU's hardware virtualization through
// Linux's KVM API (Documentation/virt/kvm/api.rst). Lesson material: what
// the interpreter costs, and which exits remain when hardware runs the guest.
//
// As kvmtool does it: guest RAM is the memory the Machine already maps,
// given to KVM as memory slots (below the VGA window and above it, so VGA
// text writes still reach the VGA model as MMIO); registers and segments
// come from the boot state the loader left in the Machine's CPU; there is no
// in-kernel irqchip, so the PIC, PIT, UART and the rest stay the user-space
// models, and every port access, MMIO access and HLT comes back to this
// run loop, which dispatches by exit reason to the Machine's own handlers.
// Those handlers count and trace each exit by the shared VT-x names
// (KVM_EXIT_IO -> IO_INSTRUCTION, KVM_EXIT_MMIO -> MMIO, KVM_EXIT_HLT ->
// HLT, KVM_EXIT_SHUTDOWN -> TRIPLE_FAULT, an injected interrupt ->
// EXTERNAL_INTERRUPT); the guest's registers are read back (KVM_GET_REGS,
// KVM_GET_SREGS) into the Machine's CPU state at every exit, so the trace,
// the UI and the console see the guest as it was when it left.
// Interrupts from the PIC go in with KVM_INTERRUPT when the vCPU can take
// one, and otherwise the vCPU is asked to exit as soon as it can
// (request_interrupt_window -> KVM_EXIT_IRQ_WINDOW_OPEN).
//
// Time: this is the one non-deterministic backend. The guest runs at the
// host CPU's speed and no instructions are counted, so the Machine's clock
// is host time (CLOCK_MONOTONIC since the backend started): the PIT and
// the other timers fire by the host clock. A timer signal kicks KVM_RUN out
// when the next device event falls due; a HLT with interrupts on sleeps
// until then. Runs differ in timing, not in what a well-behaved guest prints.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "emulator/backend.h"
#include "emulator/kvm_api.h"

namespace isolab::emulator {

class KvmBackend final : public Backend {
 public:
  // `m` must be loaded (its CPU holds the boot state) and outlive this.
  explicit KvmBackend(Machine& m) : m_(m) {}
  // Create the VM: memory slots, vCPU, CPUID, registers and segments from
  // the Machine's CPU. Returns "" or what failed, in words. Run the probe
  // (kvm_probe.h) first: this assumes a KVM that can run the guest.
  std::string start(const char* device = "/dev/kvm");

  BackendKind kind() const override { return BackendKind::Kvm; }
  MachineStop run(uint64_t max_ns) override;
  std::string failure() const override { return failure_; }

  // KVM's own exits by kvm_run exit_reason (KVM_EXIT_IO = 2, ...; the
  // timer's kicks as KVM_EXIT_INTR), before they are mapped to VT-x names.
  std::array<uint64_t, 64> kvm_exits{};

 private:
  void sync_clock();                  // the Machine's clock = host time
  void read_back_registers();         // KVM -> the Machine's CPU state
  void inject_interrupts();           // the PIC's INTR line -> KVM_INTERRUPT
  void handle_io();
  void handle_mmio();
  // HLT with interrupts on: wait (in host time) until an interrupt is
  // pending. Returns true and sets `stop` if the run ends meanwhile.
  bool wait_for_interrupt(uint64_t end_ns, MachineStop& stop);
  uint64_t host_ns() const;

  Machine& m_;
  KvmVm kvm_;
  std::string failure_;
  uint64_t host_origin_ns_ = 0;   // host time when the backend started
  uint64_t clock_origin_ns_ = 0;  // the Machine's clock then
};

}  // namespace isolab::emulator
