// One virtual machine on the interpreter. See machine.h.
#include "emulator/machine.h"

#include "cpu/flags.h"
#include "emulator/mptable.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <sys/mman.h>
#include <unistd.h>
#include <chrono>

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
  void* mem = mmap(nullptr, cfg.ram_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) throw std::bad_alloc();
  ram_ = static_cast<uint8_t*>(mem);
  rtc.set_memory_size(cfg.ram_bytes);
  // What a PC BIOS leaves behind for an OS that looks: the MP tables.
  write_mp_table(ram_, cfg.ram_bytes);
  cpu.reset();
  cpu.hooks = this;
  cpu.has_local_apic = true;  // CPUID reports the APIC the machine has
  cpu.intc = this;
  if (config.paging != PagingMode::Direct) cpu.translator = this;
}

Machine::~Machine() { munmap(ram_, config.ram_bytes); }

bool Machine::share_ram(Machine& other) {
  if (other.config.ram_bytes != config.ram_bytes) return false;
  const size_t n = config.ram_bytes;
  int fd = memfd_create("isolab-ram", MFD_CLOEXEC);
  if (fd < 0) return false;
  // Freeze this machine's RAM into the file, then map both machines onto
  // it privately, in place (MAP_FIXED keeps every host pointer valid).
  bool ok = ftruncate(fd, off_t(n)) == 0;
  for (size_t done = 0; ok && done < n;) {
    ssize_t w = pwrite(fd, ram_ + done, n - done, off_t(done));
    if (w <= 0) ok = false;
    else done += size_t(w);
  }
  const int prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_FIXED;
  ok = ok && mmap(ram_, n, prot, flags, fd, 0) != MAP_FAILED;
  ok = ok && mmap(other.ram_, n, prot, flags, fd, 0) != MAP_FAILED;
  close(fd);  // the mappings keep the file alive
  cpu.flush_tlb();
  other.cpu.flush_tlb();
  return ok;
}

uint64_t Machine::private_ram_bytes() const {
  // /proc/self/smaps: find this mapping and read its Private_Dirty.
  FILE* f = std::fopen("/proc/self/smaps", "r");
  if (!f) return 0;
  char line[512];
  bool in = false;
  uint64_t kib = 0;
  const uintptr_t start = reinterpret_cast<uintptr_t>(ram_);
  while (std::fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (std::sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && std::strchr(line, '-') < std::strchr(line, ' ')) {
      in = lo == start;
      continue;
    }
    unsigned long v;
    if (in && std::sscanf(line, "Private_Dirty: %lu kB", &v) == 1) kib += v;
  }
  std::fclose(f);
  return kib * 1024;
}

std::vector<uint32_t> Machine::take_dirty_pages() {
  std::vector<uint32_t> pages;
  if (!dirty_log.on) return pages;
  const std::vector<uint8_t>& bits = dirty_log.dirty;
  for (size_t pfn = 0; pfn < bits.size(); pfn++)
    if (bits[pfn]) pages.push_back(uint32_t(pfn));
  cpu.start_dirty_round();
  return pages;
}

void Machine::attach(Device& d) {
  devices_.push_back(&d);
  for (IoRange r : d.io_ranges())
    for (uint32_t p = r.first; p <= r.last; p++) ports_[p].device = &d;
  for (MmioRange r : d.mmio_ranges()) mmio_.push_back({r, &d});
}

// --- the bus -------------------------------------------------------------------

bool Machine::is_ram_page(uint32_t page) const {
  if (page >= 0xA0000 && page < 0xC0000) return false;  // the VGA window
  if (rom.hides_ram_page(page)) return false;            // the ROM's low copy
  return uint64_t(page) + 4096 <= config.ram_bytes;
}

// MMIO and port I/O exits carry (address or port, size, 0 read / 1 write,
// value) as their qualification, as VT-x's exit qualification does.
uint32_t Machine::mmio_read(uint32_t addr, int size) {
  // ROM is read-only memory to the guest, not a device: reading it (code
  // fetches included) is no exit.
  if (uint32_t offset; rom.maps(addr, offset)) return rom.read(addr, size);
  const uint64_t t0 = exit_started();
  advance_devices();
  uint32_t v = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
  bool claimed = false;
  for (const MmioSlot& m : mmio_)
    if (addr >= m.range.first && addr <= m.range.last && m.device->mmio_read(addr, size, v)) {
      claimed = true;
      break;
    }
  if (!claimed && addr < config.ram_bytes && addr >= 0xA0000 && addr < 0xC0000) v = ram_[addr];
  vm_exit(ExitReason::MMIO, addr, uint32_t(size), 0, v, t0);
  return v;
}

void Machine::mmio_write(uint32_t addr, int size, uint32_t value) {
  const uint64_t t0 = exit_started();
  advance_devices();
  // A write to ROM exits (the VMM sees it) and is dropped.
  if (uint32_t offset; rom.maps(addr, offset)) {
    vm_exit(ExitReason::MMIO, addr, uint32_t(size), 1, value, t0);
    return;
  }
  for (const MmioSlot& m : mmio_)
    if (addr >= m.range.first && addr <= m.range.last && m.device->mmio_write(addr, size, value)) {
      cpu.interrupt_line_changed();
      break;
    }
  vm_exit(ExitReason::MMIO, addr, uint32_t(size), 1, value, t0);
}

uint32_t Machine::io_read(uint16_t port, int size) {
  const uint64_t t0 = exit_started();
  advance_devices();
  // Nothing decoding the port reads as an ISA bus with nothing driving it.
  uint32_t v = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
  if (Device* d = ports_[port].device; d && d->io_read(port, size, v)) cpu.interrupt_line_changed();
  vm_exit(ExitReason::IO_INSTRUCTION, port, uint32_t(size), 0, v, t0);
  return v;
}

void Machine::io_write(uint16_t port, int size, uint32_t value) {
  const uint64_t t0 = exit_started();
  advance_devices();
  if (Device* d = ports_[port].device) d->io_write(port, size, value);
  cpu.interrupt_line_changed();
  vm_exit(ExitReason::IO_INSTRUCTION, port, uint32_t(size), 1, value, t0);
}

bool Machine::on_software_interrupt(cpu::Cpu& c, uint8_t vector) {
  if (stop_on_syscall && vector == 0x80) {
    syscall_stop_ = true;
    syscall_nr_ = c.s.reg[cpu::EAX];
    c.request_stop();
  }
  return false;  // delivered through the guest's IDT, as on hardware
}

uint64_t Machine::exit_started() const {
  if (!trace) return 0;
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch()).count());
}

void Machine::vm_exit(ExitReason r, uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3, uint64_t started) {
  exits.count(r);
  if (stop_on_exit) {
    exit_stop_ = true;
    cpu.request_stop();
  }
  if (!trace) return;
  trace::Event e;
  e.kind = trace::Kind::VmExit;
  e.time_ns = now_ns();
  e.insns = cpu.s.insns;
  e.set_source(name.c_str());
  e.what = exit_reason_name(r);
  e.code = uint32_t(r);
  e.detail[0] = d0;
  e.detail[1] = d1;
  e.detail[2] = d2;
  e.detail[3] = d3;
  if (started) e.handling_ns = exit_started() - started;
  e.has_state = true;
  e.state.eip = cpu.s.eip;
  e.state.cs = cpu.s.seg[cpu::CS].selector;
  e.state.eflags = cpu.flags();
  e.state.cr0 = cpu.s.cr0;
  e.state.cr3 = cpu.s.cr3;
  for (int k = 0; k < 8; k++) e.state.reg[k] = cpu.s.reg[k];
  trace->record(e);
}

// --- VM exits -----------------------------------------------------------------------

bool Machine::on_exception(cpu::Cpu& c, uint8_t vector, uint32_t error_code, bool has_error) {
  // A #PF under shadow paging left the guest when the shadow tables refused
  // the access (translate) and is being reflected now: no second exit.
  // Under nested paging the guest's #PF never leaves it. Every other
  // exception is still an exit a student can count; the guest's IDT
  // handles it (return false).
  if (vector != cpu::PF_ || config.paging == PagingMode::Direct) vm_exit(ExitReason::EXCEPTION_NMI, vector, error_code);
  return false;
}

// CR0 and CR4 writes always exit (VT-x's guest/host masks); CR3 loads only
// when the VMM must switch shadow roots. CR0 and CR4 reads never exit (VT-x
// read shadows) and CR2 is the guest's own.
void Machine::on_cr_write(cpu::Cpu& c, int cr, uint32_t old_value, uint32_t new_value) {
  if (cr == 2 || (cr == 3 && config.paging == PagingMode::Nested)) return;
  vm_exit(ExitReason::CR_ACCESS, uint32_t(cr), 1, old_value, new_value);
  if (config.paging != PagingMode::Shadow) return;
  const uint32_t changed = old_value ^ new_value;
  if (cr == 3) shadow.load_cr3(c.s);
  else if ((cr == 0 && (changed & (cpu::CR0_PG | cpu::CR0_WP))) || (cr == 4 && (changed & cpu::CR4_PSE)))
    shadow.paging_mode_changed();
}

void Machine::on_cr_read(cpu::Cpu& c, int cr) {
  if (cr == 3 && config.paging != PagingMode::Nested) vm_exit(ExitReason::CR_ACCESS, uint32_t(cr), 0, c.s.cr3);
}

void Machine::on_invlpg(cpu::Cpu& c, uint32_t linear) {
  if (config.paging == PagingMode::Nested) return;
  const uint64_t t0 = exit_started();
  if (config.paging == PagingMode::Shadow) shadow.invlpg(linear);
  vm_exit(ExitReason::INVLPG, linear, 0, 0, 0, t0);
}

// A write to a guest page table the shadow MMU write-protects: on hardware
// a #PF on the read-only shadow entry, after which the VMM emulates the write.
void Machine::on_watched_write(cpu::Cpu& c, uint32_t phys, int size) {
  if (config.paging != PagingMode::Shadow) return;
  const uint64_t t0 = exit_started();
  shadow.guest_write(phys, size);
  vm_exit(ExitReason::EXCEPTION_NMI, cpu::PF_, mmu::PFERR_P | mmu::PFERR_W, phys, uint32_t(size), t0);
}

// --- the VMM's MMU --------------------------------------------------------------------

mmu::Translation Machine::translate(const cpu::CpuState& s, uint32_t linear, mmu::Access access, bool user) {
  switch (config.paging) {
    case PagingMode::Shadow: {
      mmu::Translation t = shadow.walk_shadow(s, linear, access, user);
      if (t.ok) return t;
      // The shadow tables refuse the access: a #PF, which the VMM intercepts.
      const uint64_t t0 = exit_started();
      t = shadow.page_fault(s, linear, access, user);
      vm_exit(ExitReason::EXCEPTION_NMI, cpu::PF_, t.ok ? 0 : t.error_code, linear, t.ok ? 1 : 0, t0);
      return t;
    }
    case PagingMode::Nested: {
      mmu::Translation t;
      while (!nested.walk_2d(s, linear, access, user, t)) {
        const uint64_t t0 = exit_started();
        nested.map_page(nested.violation_gpa());
        vm_exit(ExitReason::EPT_VIOLATION, nested.violation_gpa(), linear, 0, 0, t0);
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
    exit_stop_ = false;
    syscall_stop_ = false;
    cpu::StopReason r = cpu.run(insns);
    advance_devices();
    if (exit_requested_) return MachineStop::DebugExit;
    if (r == cpu::StopReason::TripleFault) return MachineStop::TripleFault;
    if (exit_stop_ || syscall_stop_) return MachineStop::Exited;
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
