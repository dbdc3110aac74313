// The KVM backend's run loop. See kvm.h.
#include "emulator/kvm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "cpu/flags.h"

namespace isolab::emulator {

namespace {

// The VGA window (0xA0000-0xBFFFF) is the VGA model's, not RAM: guest RAM
// goes to KVM as two slots around it, so the window's accesses exit as MMIO.
constexpr uint64_t kVgaStart = 0xA0000, kVgaEnd = 0xC0000;

// A segment's descriptor cache, isolab's layout (state.h) to KVM's.
kvm_segment to_kvm(const cpu::SegmentCache& c) {
  kvm_segment k{};
  k.base = c.base;
  k.limit = c.limit;
  k.selector = c.selector;
  k.type = c.attr & 0xF;
  k.s = (c.attr >> 4) & 1;
  k.dpl = (c.attr >> 5) & 3;
  k.present = (c.attr >> 7) & 1;
  k.avl = (c.attr >> 12) & 1;
  k.l = (c.attr >> 13) & 1;
  k.db = (c.attr >> 14) & 1;
  k.g = (c.attr >> 15) & 1;
  k.unusable = !k.present;
  return k;
}

cpu::SegmentCache from_kvm(const kvm_segment& k) {
  cpu::SegmentCache c;
  c.base = uint32_t(k.base);
  c.limit = k.limit;
  c.selector = k.selector;
  c.attr = uint16_t(k.type | k.s << 4 | k.dpl << 5 | k.present << 7 | k.avl << 12 | k.l << 13 | k.db << 14 |
                    k.g << 15);
  return c;
}

// General registers: isolab's Intel encoding order to kvm_regs' fields.
constexpr __u64 kvm_regs::*kRegField[8] = {&kvm_regs::rax, &kvm_regs::rcx, &kvm_regs::rdx, &kvm_regs::rbx,
                                               &kvm_regs::rsp, &kvm_regs::rbp, &kvm_regs::rsi, &kvm_regs::rdi};

constexpr cpu::Seg kSegOrder[6] = {cpu::ES, cpu::CS, cpu::SS, cpu::DS, cpu::FS, cpu::GS};
constexpr kvm_segment kvm_sregs::*kSegField[6] = {&kvm_sregs::es, &kvm_sregs::cs, &kvm_sregs::ss,
                                                   &kvm_sregs::ds, &kvm_sregs::fs, &kvm_sregs::gs};

}  // namespace

uint64_t KvmBackend::host_ns() const {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

std::string KvmBackend::start(const char* device) {
  if (!m_.rom.image.empty()) return "the kvm backend does not map --rom images; boot a --image or a --disk";
  if (std::string e = kvm_.open_device(device); !e.empty()) return e;
  if (std::string e = kvm_.create(); !e.empty()) return e;
  const uint64_t ram = m_.ram_size();
  if (std::string e = kvm_.add_memory(0, 0, std::min(ram, kVgaStart), m_.ram()); !e.empty()) return e;
  if (ram > kVgaEnd)
    if (std::string e = kvm_.add_memory(1, kVgaEnd, ram - kVgaEnd, m_.ram() + kVgaEnd); !e.empty()) return e;

  // The boot state the loader left in the Machine's CPU (for multiboot:
  // flat 32-bit protected mode, EAX = 0x2BADB002, EBX = the info).
  const cpu::CpuState& s = m_.cpu.s;
  kvm_sregs sregs{};
  if (!kvm_.get_sregs(sregs)) return "KVM_GET_SREGS failed";
  for (int k = 0; k < 6; k++) sregs.*kSegField[k] = to_kvm(s.seg[kSegOrder[k]]);
  sregs.ldt = to_kvm(s.ldtr);
  if (s.ldtr.selector == 0) sregs.ldt.unusable = 1;
  sregs.tr = to_kvm(s.tr);
  if (!sregs.tr.present || sregs.tr.s) {
    // VT-x enters only with a busy TSS in TR, even one the guest never uses.
    sregs.tr = kvm_segment{};
    sregs.tr.limit = 0x67;
    sregs.tr.type = 11;
    sregs.tr.present = 1;
  }
  sregs.gdt.base = s.gdtr.base;
  sregs.gdt.limit = s.gdtr.limit;
  sregs.idt.base = s.idtr.base;
  sregs.idt.limit = s.idtr.limit;
  sregs.cr0 = s.cr0;
  sregs.cr2 = s.cr2;
  sregs.cr3 = s.cr3;
  sregs.cr4 = s.cr4;
  sregs.efer = 0;
  if (!kvm_.set_sregs(sregs)) return fmt::format("KVM_SET_SREGS refused the boot state: {}", std::strerror(errno));
  kvm_regs regs{};
  for (int k = 0; k < 8; k++) regs.*kRegField[k] = s.reg[k];
  regs.rip = s.eip;
  regs.rflags = m_.cpu.flags();
  if (!kvm_.set_regs(regs)) return fmt::format("KVM_SET_REGS failed: {}", std::strerror(errno));

  host_origin_ns_ = host_ns();
  clock_origin_ns_ = m_.now_ns();
  return "";
}

// No instructions are counted on KVM, so all of the Machine's clock past
// what the CPU retired is kept in its idle term, set to host time.
void KvmBackend::sync_clock() {
  const uint64_t now = clock_origin_ns_ + (host_ns() - host_origin_ns_);
  const uint64_t retired = m_.cpu.s.insns * m_.config.ns_per_insn;
  m_.idle_ns_ = std::max(m_.idle_ns_, now > retired ? now - retired : 0);
}

void KvmBackend::read_back_registers() {
  kvm_regs regs;
  kvm_sregs sregs;
  if (!kvm_.get_regs(regs) || !kvm_.get_sregs(sregs)) return;
  cpu::CpuState& s = m_.cpu.s;
  for (int k = 0; k < 8; k++) s.reg[k] = uint32_t(regs.*kRegField[k]);
  s.eip = uint32_t(regs.rip);
  s.eflags = uint32_t(regs.rflags);
  s.lazy.op = cpu::FlagOp::Known;
  for (int k = 0; k < 6; k++) s.seg[kSegOrder[k]] = from_kvm(sregs.*kSegField[k]);
  s.ldtr = from_kvm(sregs.ldt);
  s.tr = from_kvm(sregs.tr);
  s.gdtr = {uint32_t(sregs.gdt.base), sregs.gdt.limit};
  s.idtr = {uint32_t(sregs.idt.base), sregs.idt.limit};
  s.cr0 = uint32_t(sregs.cr0);
  s.cr2 = uint32_t(sregs.cr2);
  s.cr3 = uint32_t(sregs.cr3);
  s.cr4 = uint32_t(sregs.cr4);
  s.cpl = sregs.ss.dpl;
}

// The PIC's INTR line: inject its vector when the vCPU can take it (IF=1,
// no STI/MOV SS shadow, nothing else being injected), and otherwise ask KVM
// to exit the moment it can (KVM_EXIT_IRQ_WINDOW_OPEN).
void KvmBackend::inject_interrupts() {
  kvm_run* run = kvm_.run_state();
  run->request_interrupt_window = 0;
  if (!m_.router.pending()) return;
  if (run->ready_for_interrupt_injection && run->if_flag) {
    const uint8_t vector = m_.router.acknowledge();
    if (kvm_.interrupt(vector)) m_.on_external_interrupt(m_.cpu, vector);
    run->request_interrupt_window = m_.router.pending();
  } else {
    run->request_interrupt_window = 1;
  }
}

// KVM_EXIT_IO: `count` accesses (more than one for REP INS/OUTS) of `size`
// bytes at data_offset in kvm_run; IN results are written back there.
void KvmBackend::handle_io() {
  kvm_run* run = kvm_.run_state();
  uint8_t* data = reinterpret_cast<uint8_t*>(run) + run->io.data_offset;
  const int size = run->io.size;
  for (uint32_t k = 0; k < run->io.count; k++, data += size) {
    uint32_t value = 0;
    if (run->io.direction == KVM_EXIT_IO_OUT) {
      std::memcpy(&value, data, size_t(size));
      m_.io_write(run->io.port, size, value);
    } else {
      value = m_.io_read(run->io.port, size);
      std::memcpy(data, &value, size_t(size));
    }
  }
}

// KVM_EXIT_MMIO: one access of 1, 2, 4 or 8 bytes (8 as two halves).
void KvmBackend::handle_mmio() {
  kvm_run* run = kvm_.run_state();
  const uint32_t addr = uint32_t(run->mmio.phys_addr);
  const uint32_t len = run->mmio.len;
  for (uint32_t off = 0; off < len; off += 4) {
    const int size = int(std::min(4u, len - off));
    uint32_t value = 0;
    if (run->mmio.is_write) {
      std::memcpy(&value, run->mmio.data + off, size_t(size));
      m_.mmio_write(addr + off, size, value);
    } else {
      value = m_.mmio_read(addr + off, size);
      std::memcpy(run->mmio.data + off, &value, size_t(size));
    }
  }
}

bool KvmBackend::wait_for_interrupt(uint64_t end_ns, MachineStop& stop) {
  while (true) {
    sync_clock();
    m_.advance_devices();
    if (m_.exit_requested_) {
      stop = MachineStop::DebugExit;
      return true;
    }
    if (m_.router.pending()) return false;
    if (m_.on_idle && m_.uart.input_queued() == 0 && m_.on_idle()) continue;
    const uint64_t now = m_.now_ns();
    if (now >= end_ns) {
      stop = MachineStop::Timeout;
      return true;
    }
    const uint64_t wake = m_.next_device_event();
    if (wake == kNoEvent) {
      stop = MachineStop::Halted;
      return true;
    }
    // Sleep in host time until the earlier of the next device event and
    // the end of the run (the clock is host time: see sync_clock).
    const uint64_t until = std::min(wake, end_ns);
    if (until > now) {
      const uint64_t host_until = host_origin_ns_ + (until - clock_origin_ns_);
      timespec ts{time_t(host_until / 1000000000u), long(host_until % 1000000000u)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    }
  }
}

// One screen, as kvmtool's: enter the guest, then dispatch by exit reason.
MachineStop KvmBackend::run(uint64_t max_ns) {
  sync_clock();
  const uint64_t end_ns = m_.now_ns() + max_ns;
  m_.exit_requested_ = false;
  kvm_run* run = kvm_.run_state();
  while (true) {
    sync_clock();
    m_.advance_devices();
    if (m_.exit_requested_) return MachineStop::DebugExit;
    const uint64_t now = m_.now_ns();
    if (now >= end_ns) return MachineStop::Timeout;
    inject_interrupts();
    const uint64_t due = std::min(end_ns, m_.next_device_event());
    kvm_.arm_kick(due > now + 1000 ? due - now : 1000);
    m_.exit_stop_ = false;
    const int err = kvm_.run();
    read_back_registers();
    sync_clock();
    if (err == EINTR || err == EAGAIN) {  // the timer kicked: service the devices
      kvm_exits[KVM_EXIT_INTR]++;
      continue;
    }
    if (err) {
      failure_ = fmt::format("KVM_RUN failed: {}", std::strerror(err));
      return MachineStop::TripleFault;
    }
    kvm_exits[std::min<size_t>(run->exit_reason, kvm_exits.size() - 1)]++;
    switch (run->exit_reason) {
      case KVM_EXIT_IO: handle_io(); break;
      case KVM_EXIT_MMIO: handle_mmio(); break;
      case KVM_EXIT_IRQ_WINDOW_OPEN: break;  // the loop's top injects
      case KVM_EXIT_INTR: break;
      case KVM_EXIT_HLT: {
        m_.on_hlt(m_.cpu);
        if (m_.exit_stop_) return MachineStop::Exited;
        if (!(m_.cpu.s.eflags & cpu::IF)) return MachineStop::Halted;
        MachineStop stop;
        if (wait_for_interrupt(end_ns, stop)) return stop;
        break;
      }
      case KVM_EXIT_SHUTDOWN:  // a triple fault: the CPU shut down
        m_.on_triple_fault(m_.cpu);
        return MachineStop::TripleFault;
      case KVM_EXIT_FAIL_ENTRY:
        failure_ = fmt::format("KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, hardware reason {:#x})",
                               uint64_t(run->fail_entry.hardware_entry_failure_reason));
        return MachineStop::TripleFault;
      case KVM_EXIT_INTERNAL_ERROR:
        failure_ = fmt::format("KVM could not emulate the guest at {:#x} (KVM_EXIT_INTERNAL_ERROR, suberror {})",
                               m_.cpu.s.eip, run->internal.suberror);
        return MachineStop::TripleFault;
      default:
        failure_ = fmt::format("the guest left KVM with {}, which the kvm backend does not handle",
                               kvm_exit_name(run->exit_reason));
        return MachineStop::TripleFault;
    }
    if (m_.exit_requested_) return MachineStop::DebugExit;
    if (m_.exit_stop_) return MachineStop::Exited;
  }
}

}  // namespace isolab::emulator
