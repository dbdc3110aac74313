// One virtual machine on the interpreter. See machine.h.
#include "emulator/machine.h"

#include <algorithm>

namespace isolab::emulator {

Machine::Machine(const MachineConfig& cfg)
    : config(cfg),
      cpu(*this),
      ioapic(lapic),
      router(pic, &ioapic, &lapic),
      pit(router),
      uart(router),
      rtc(router, cfg.rtc_epoch),
      kbc(router),
      ata(router),
      ram_(new uint8_t[cfg.ram_bytes]()),
      ports_(65536) {
  for (Device* d : std::initializer_list<Device*>{&pic, &pit, &uart, &rtc, &vga, &kbc, &ata, &debugcon, &debug_exit,
                                                  &lapic, &ioapic})
    attach(*d);
  uart.on_transmit = [this](uint8_t b) {
    if (on_console) on_console(b);
  };
  debugcon.on_output = [this](uint8_t b) {
    if (on_console) on_console(b);
  };
  debug_exit.on_exit = [this](uint32_t code) {
    exit_requested_ = true;
    exit_code_ = code;
    cpu.request_stop();
  };
  kbc.on_a20 = [this](bool on) {
    cpu.s.a20 = on;
    cpu.flush_tlb();
  };
  rtc.set_memory_size(cfg.ram_bytes);
  cpu.reset();
  cpu.hooks = this;
  cpu.intc = this;
  if (config.paging != PagingMode::Direct) cpu.translator = this;
}

Machine::~Machine() = default;

void Machine::attach(Device& d) {
  devices_.push_back(&d);
  for (IoRange r : d.io_ranges())
    for (uint32_t p = r.first; p <= r.last; p++) ports_[p].device = &d;
  for (MmioRange r : d.mmio_ranges()) mmio_.push_back({r, &d});
}

// --- the bus -------------------------------------------------------------------

bool Machine::is_ram_page(uint32_t page) const {
  if (page >= 0xA0000 && page < 0xC0000) return false;  // the VGA window
  return uint64_t(page) + 4096 <= config.ram_bytes;
}

uint32_t Machine::mmio_read(uint32_t addr, int size) {
  exits.count(ExitReason::MMIO);
  advance_devices();
  for (const MmioSlot& m : mmio_) {
    uint32_t v;
    if (addr >= m.range.first && addr <= m.range.last && m.device->mmio_read(addr, size, v)) return v;
  }
  if (addr < config.ram_bytes && addr >= 0xA0000 && addr < 0xC0000) return ram_[addr];
  return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

void Machine::mmio_write(uint32_t addr, int size, uint32_t value) {
  exits.count(ExitReason::MMIO);
  advance_devices();
  for (const MmioSlot& m : mmio_)
    if (addr >= m.range.first && addr <= m.range.last && m.device->mmio_write(addr, size, value)) {
      cpu.interrupt_line_changed();
      return;
    }
}

uint32_t Machine::io_read(uint16_t port, int size) {
  exits.count(ExitReason::IO_INSTRUCTION);
  advance_devices();
  uint32_t v;
  if (Device* d = ports_[port].device; d && d->io_read(port, size, v)) {
    cpu.interrupt_line_changed();
    return v;
  }
  // Nothing decodes the port: an ISA bus with nothing driving it.
  return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

void Machine::io_write(uint16_t port, int size, uint32_t value) {
  exits.count(ExitReason::IO_INSTRUCTION);
  advance_devices();
  if (Device* d = ports_[port].device) d->io_write(port, size, value);
  cpu.interrupt_line_changed();
}

// --- VM exits -----------------------------------------------------------------------

bool Machine::on_exception(cpu::Cpu& c, uint8_t vector, uint32_t error_code, bool has_error) {
  // A #PF under shadow paging left the guest when the shadow tables refused
  // the access (translate) and is being reflected now: no second exit.
  // Under nested paging the guest's #PF never leaves it. Every other
  // exception is still an exit a student can count; the guest's IDT
  // handles it (return false).
  if (vector != cpu::PF_ || config.paging == PagingMode::Direct) exits.count(ExitReason::EXCEPTION_NMI);
  return false;
}

// CR0 and CR4 writes always exit (VT-x's guest/host masks); CR3 loads only
// when the VMM must switch shadow roots. CR0 and CR4 reads never exit (VT-x
// read shadows) and CR2 is the guest's own.
void Machine::on_cr_write(cpu::Cpu& c, int cr, uint32_t old_value, uint32_t new_value) {
  if (cr == 2 || (cr == 3 && config.paging == PagingMode::Nested)) return;
  exits.count(ExitReason::CR_ACCESS);
  if (config.paging != PagingMode::Shadow) return;
  const uint32_t changed = old_value ^ new_value;
  if (cr == 3) shadow.load_cr3(c.s);
  else if ((cr == 0 && (changed & (cpu::CR0_PG | cpu::CR0_WP))) || (cr == 4 && (changed & cpu::CR4_PSE)))
    shadow.paging_mode_changed();
}

void Machine::on_cr_read(cpu::Cpu& c, int cr) {
  if (cr == 3 && config.paging != PagingMode::Nested) exits.count(ExitReason::CR_ACCESS);
}

void Machine::on_invlpg(cpu::Cpu& c, uint32_t linear) {
  if (config.paging == PagingMode::Nested) return;
  exits.count(ExitReason::INVLPG);
  if (config.paging == PagingMode::Shadow) shadow.invlpg(linear);
}

// A write to a guest page table the shadow MMU write-protects: on hardware
// a #PF on the read-only shadow entry, after which the VMM emulates the write.
void Machine::on_watched_write(cpu::Cpu& c, uint32_t phys, int size) {
  if (config.paging != PagingMode::Shadow) return;
  exits.count(ExitReason::EXCEPTION_NMI);
  shadow.guest_write(phys, size);
}

// --- the VMM's MMU --------------------------------------------------------------------

mmu::Translation Machine::translate(const cpu::CpuState& s, uint32_t linear, mmu::Access access, bool user) {
  switch (config.paging) {
    case PagingMode::Shadow: {
      mmu::Translation t = shadow.walk_shadow(s, linear, access, user);
      if (t.ok) return t;
      // The shadow tables refuse the access: a #PF, which the VMM intercepts.
      exits.count(ExitReason::EXCEPTION_NMI);
      return shadow.page_fault(s, linear, access, user);
    }
    case PagingMode::Nested: {
      mmu::Translation t;
      while (!nested.walk_2d(s, linear, access, user, t)) {
        exits.count(ExitReason::EPT_VIOLATION);
        nested.map_page(nested.violation_gpa());
      }
      return t;
    }
    case PagingMode::Direct: break;
  }
  return mmu::walk(*this, s.cr0, s.cr3, s.cr4, linear, access, user);
}

mmu::MmuCounters Machine::mmu_counters() const {
  switch (config.paging) {
    case PagingMode::Shadow: return shadow.counters;
    case PagingMode::Nested: return nested.counters;
    case PagingMode::Direct: break;
  }
  return {};
}

// --- time ---------------------------------------------------------------------------

void Machine::advance_devices() {
  uint64_t now = now_ns();
  for (Device* d : devices_) d->advance(now);
}

uint64_t Machine::next_device_event() const {
  uint64_t next = kNoEvent;
  for (const Device* d : devices_) next = std::min(next, d->next_event_ns());
  return next;
}

MachineStop Machine::run(uint64_t max_ns) {
  const uint64_t end_ns = now_ns() + max_ns;
  exit_requested_ = false;
  // Run in quanta that end at the next device event, so timer interrupts
  // arrive at the programmed rate in simulated time.
  constexpr uint64_t kQuantum = 20000;
  while (true) {
    if (exit_requested_) return MachineStop::DebugExit;
    uint64_t now = now_ns();
    if (now >= end_ns) return MachineStop::Timeout;
    uint64_t next = next_device_event();
    uint64_t span_ns = std::min(end_ns, next) > now ? std::min(end_ns, next) - now : 1;
    uint64_t insns = std::clamp<uint64_t>(span_ns / config.ns_per_insn, 1, kQuantum);
    cpu::StopReason r = cpu.run(insns);
    advance_devices();
    if (exit_requested_) return MachineStop::DebugExit;
    if (r == cpu::StopReason::TripleFault) return MachineStop::TripleFault;
    if (r == cpu::StopReason::Halted) {
      if (!(cpu.s.eflags & cpu::IF)) return MachineStop::Halted;
      if (router.pending()) continue;
      if (on_idle && uart.input_queued() == 0 && on_idle()) {
        advance_devices();
        continue;
      }
      // Idle: jump the clock to the next device event (DESIGN.md section 4),
      // so an idle guest costs nothing and the run stays deterministic.
      uint64_t wake = next_device_event();
      if (wake == kNoEvent) return MachineStop::Halted;
      if (wake > end_ns) {
        idle_ns_ += end_ns - now_ns();
        return MachineStop::Timeout;
      }
      if (wake > now_ns()) idle_ns_ += wake - now_ns();
      advance_devices();
    }
  }
}

}  // namespace isolab::emulator
