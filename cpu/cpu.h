// The i686 interpreter: an x86 CPU that runs guest code one decoded block
// at a time and reports privileged events to whoever embeds it.
//
// How it runs (DESIGN.md section 3): code is decoded once into Insn records
// grouped in blocks, cached by physical address and code size, and dropped
// when their page is written. A block runs its handlers back to back;
// interrupts are checked between blocks. Guest memory goes through a soft
// TLB that maps a linear page to a host pointer, with separate entries for
// reads and writes and for supervisor and user access. Arithmetic flags are
// lazy (state.h). A guest fault is a CPU exception: the handler that meets
// it calls fault(), which unwinds to the run loop with longjmp (no C++
// exception, no destructor skipped: handlers hold no resources) and the
// loop delivers it through the IDT, or to the embedder's hook.
//
// The embedder sees: port I/O and MMIO through the Bus, and HLT, CR and
// MSR access, CPUID, INVLPG, INT n and exceptions through CpuHooks.
#pragma once
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "cpu/bus.h"
#include "cpu/insn.h"
#include "cpu/state.h"
#include "mmu/walker.h"

namespace isolab::cpu {

class BlockCache;
struct Block;

// Why run() returned.
enum class StopReason : uint8_t {
  Budget,       // the instruction budget was used
  Halted,       // HLT with nothing pending (the embedder decides what time does)
  Requested,    // a hook called request_stop()
  TripleFault,  // shutdown: the CPU cannot deliver an exception
};

// Privileged events the CPU reports (DESIGN.md section 3). The hypervisor
// turns them into VM exits; the container kernel turns INT 0x80 into a
// system call and #PF into demand paging.
class CpuHooks {
 public:
  virtual ~CpuHooks() = default;
  // An exception is about to be delivered to the guest. Return true if the
  // embedder handled it (the CPU then resumes at CS:EIP as the hook left it).
  virtual bool on_exception(Cpu& cpu, uint8_t vector, uint32_t error_code, bool has_error) { return false; }
  // INT n / INT3 / INTO is about to be executed. Return true to handle it
  // in the embedder; EIP already points past the instruction.
  virtual bool on_software_interrupt(Cpu& cpu, uint8_t vector) { return false; }
  // After the fact notifications; the CPU has done the architectural work.
  virtual void on_hlt(Cpu& cpu) {}
  virtual void on_cr_write(Cpu& cpu, int cr, uint32_t old_value, uint32_t new_value) {}
  virtual void on_cr_read(Cpu& cpu, int cr) {}
  virtual void on_invlpg(Cpu& cpu, uint32_t linear) {}
  virtual void on_cpuid(Cpu& cpu, uint32_t leaf) {}
  virtual void on_msr(Cpu& cpu, uint32_t msr, bool write) {}
  virtual void on_io(Cpu& cpu, uint16_t port, int size, bool write, uint32_t value) {}
  virtual void on_external_interrupt(Cpu& cpu, uint8_t vector) {}
  virtual void on_triple_fault(Cpu& cpu) {}
  // A write landed on a watched physical page (watch_page), after the
  // bytes were written: how a shadow MMU sees the guest edit its page tables.
  virtual void on_watched_write(Cpu& cpu, uint32_t phys, int size) {}
};

// The interrupt controller the CPU asks at instruction boundaries.
class InterruptSource {
 public:
  virtual ~InterruptSource() = default;
  virtual bool pending() = 0;        // an unmasked interrupt is waiting
  virtual uint8_t acknowledge() = 0;  // the INTA cycle: returns its vector
};

// One entry of the soft TLB: the linear page it maps (tag) and the host
// address of the guest page. A tag with bit 0 set never matches.
struct TlbEntry {
  uint32_t tag = 1;
  uint8_t* host = nullptr;
};
constexpr int TLB_BITS = 8;
constexpr int TLB_SIZE = 1 << TLB_BITS;

// Counters a student can read (and the benchmarks print).
struct CpuStats {
  uint64_t blocks_decoded = 0;
  uint64_t blocks_invalidated = 0;
  uint64_t tlb_misses = 0;
  uint64_t tlb_flushes = 0;
  uint64_t exceptions = 0;
  uint64_t interrupts = 0;
};

class Cpu {
 public:
  explicit Cpu(Bus& bus);
  ~Cpu();
  Cpu(const Cpu&) = delete;
  Cpu& operator=(const Cpu&) = delete;

  CpuState s;
  Bus& bus;
  CpuHooks* hooks = nullptr;
  InterruptSource* intc = nullptr;
  // The machine has a local APIC, so CPUID.1:EDX.APIC reports one (the APIC
  // itself is a device of the machine, not of the CPU core).
  bool has_local_apic = false;
  // Paging goes through the translator if one is set, else the guest walk.
  mmu::Translator* translator = nullptr;
  CpuStats stats;

  // --- running ---------------------------------------------------------
  // Power-on state (SDM Vol. 3A 9.1.1): real mode, CS:EIP = F000:FFF0.
  void reset();
  // Run at most `max_insns` instructions (retired units).
  StopReason run(uint64_t max_insns);
  StopReason step() { return run(1); }
  // From a hook: end run() once the current instruction completes.
  void request_stop() { stop_requested_ = true; block_stop_ = true; }
  // The interrupt line changed; the CPU looks at intc at the next boundary.
  // Ending the block here makes the interrupt arrive right after the
  // instruction that raised it, however run() calls are sliced.
  void interrupt_line_changed() {
    irq_poll_ = true;
    block_stop_ = true;
  }
  // Enter protected mode with flat 4 GiB segments at the given ring, for
  // tests, benchmarks and the container kernel (which has no boot code).
  void set_flat_protected_mode(int cpl = 0);

  // --- registers ---------------------------------------------------------
  uint32_t& r32(int n) { return s.reg[n]; }
  // The low 16 bits of a register, readable and assignable. A proxy
  // rather than a uint16_t& into a uint32_t, which C++'s aliasing rules
  // do not allow.
  struct Reg16 {
    uint32_t& r;
    operator uint16_t() const { return uint16_t(r); }
    Reg16& operator=(uint16_t v) {
      r = (r & 0xFFFF0000u) | v;
      return *this;
    }
  };
  Reg16 r16(int n) { return Reg16{s.reg[n]}; }
  // AL CL DL BL AH CH DH BH: 0-3 are low bytes, 4-7 the high bytes of 0-3.
  uint8_t& r8(int n) { return reinterpret_cast<uint8_t*>(&s.reg[n & 3])[n >> 2]; }
  // EFLAGS with the lazily computed arithmetic flags filled in.
  uint32_t flags();
  // Set the bits of `mask` in EFLAGS to `value` (arithmetic flags included).
  void set_flags(uint32_t value, uint32_t mask);
  bool cf();
  bool zf();
  bool sf();
  bool of();
  bool pf();
  bool af();
  // Condition code cc (the low nibble of Jcc/SETcc/CMOVcc).
  bool cond(int cc);
  bool protected_mode() const { return s.cr0 & CR0_PE; }
  bool paging() const { return (s.cr0 & (CR0_PG | CR0_PE)) == (CR0_PG | CR0_PE); }

  // --- memory through segments (may fault) --------------------------------
  uint8_t read8(int seg, uint32_t off) { return uint8_t(read_seg(seg, off, 1)); }
  uint16_t read16(int seg, uint32_t off) { return uint16_t(read_seg(seg, off, 2)); }
  uint32_t read32(int seg, uint32_t off) { return read_seg(seg, off, 4); }
  void write8(int seg, uint32_t off, uint8_t v) { write_seg(seg, off, 1, v); }
  void write16(int seg, uint32_t off, uint16_t v) { write_seg(seg, off, 2, v); }
  void write32(int seg, uint32_t off, uint32_t v) { write_seg(seg, off, 4, v); }
  // Check that a write of `size` bytes at seg:off would succeed, faulting
  // if not, so an instruction can make all its checks before changing
  // anything (a read-modify-write, a far call's pushes).
  void check_write(int seg, uint32_t off, int size);

  inline uint32_t read_seg(int seg, uint32_t off, int size);
  inline void write_seg(int seg, uint32_t off, int size, uint32_t value);
  // Linear-address access; `user` says whether U/S rules apply (false for
  // the CPU's implicit supervisor accesses to the GDT, IDT and TSS).
  uint32_t read_linear(uint32_t lin, int size, bool user);
  void write_linear(uint32_t lin, int size, uint32_t value, bool user);
  bool user_mode() const { return s.cpl == 3; }

  // Translate a linear address without touching A/D bits or faulting (for
  // the debugger and UI). Returns false if not mapped.
  bool debug_translate(uint32_t lin, uint32_t& phys);
  // Read guest memory by linear address for display; false if unmapped.
  bool debug_read(uint32_t lin, void* out, uint32_t len);

  // --- the stack ------------------------------------------------------------
  void push16(uint16_t v);
  void push32(uint32_t v);
  uint16_t pop16();
  uint32_t pop32();
  void push(uint32_t v, int size) { size == 4 ? push32(v) : push16(uint16_t(v)); }
  uint32_t pop(int size) { return size == 4 ? pop32() : pop16(); }
  bool stack32() const { return s.seg[SS].big(); }
  uint32_t sp() const { return stack32() ? s.reg[ESP] : (s.reg[ESP] & 0xFFFF); }
  void set_sp(uint32_t v) {
    if (stack32()) s.reg[ESP] = v;
    else s.reg[ESP] = (s.reg[ESP] & 0xFFFF0000u) | (v & 0xFFFF);
  }

  // --- faults -----------------------------------------------------------
  // Raise exception `vector` from inside an instruction: unwinds to the
  // run loop, which delivers it with CS:EIP at the faulting instruction.
  [[noreturn]] void fault(uint8_t vector, uint32_t error_code);
  [[noreturn]] void fault(uint8_t vector);  // no error code
  // Deliver an interrupt or exception through the IVT or IDT now
  // (interrupts.cpp). On return CS:EIP (and next_eip) is the handler.
  // `software`: INT n, INT3 or INTO; the gate's DPL must be >= CPL.
  // `ext`: the event is not part of the program (a hardware interrupt, an
  //   exception, INT1): a fault raised while delivering it gets the EXT bit
  //   (bit 0) in its error code (SDM Vol. 3A 6.13). `error_code` itself is
  //   pushed as given: an instruction's own #GP(0) stays 0.
  // `after_insn`: called from an instruction's handler (INT n, INT3, INTO,
  //   INT1): the return address pushed is next_eip, and a fault during
  //   delivery still reports the INT instruction itself. Otherwise it is
  //   s.eip (the faulting instruction, or the next one for an interrupt).
  void deliver(uint8_t vector, bool has_error, uint32_t error_code, bool software, bool ext,
               bool after_insn = false);

  // --- segments ------------------------------------------------------------
  // Load a segment register as MOV Sreg does (checks per SDM Vol. 3A 5.4-5.5).
  void load_segment(int seg, uint16_t selector);
  // Fill a segment cache as real mode does: base = selector * 16.
  void load_segment_real(int seg, uint16_t selector);
  // Read the 8-byte descriptor for `selector` from the GDT or LDT; faults
  // with #GP(selector) (or `vector`) if outside the table.
  uint64_t read_descriptor(uint16_t selector, uint8_t vector = GP);
  void write_descriptor_accessed(uint16_t selector, uint64_t desc);
  static void cache_from_descriptor(SegmentCache& sc, uint16_t selector, uint64_t desc);
  static void update_flat(SegmentCache& sc, bool protected_mode);
  void set_cpl(uint8_t cpl);
  // Far transfers (ops_far.cpp): JMP/CALL far, RET far, IRET.
  void far_jump(uint16_t selector, uint32_t offset, int opsize);
  void far_call(uint16_t selector, uint32_t offset, int opsize, uint32_t return_eip);
  void far_return(int opsize, uint16_t pop_bytes);
  void interrupt_return(int opsize);
  // Ring stack pointer for `dpl` from the current TSS (SDM Vol. 3A 7.2.1).
  void tss_stack(int dpl, uint16_t& ss, uint32_t& esp);
  // Does the TSS I/O bitmap allow `size` ports from `port`? (SDM Vol. 1 19.5)
  void check_io(uint16_t port, int size);

  // --- control registers and the TLB ---------------------------------------
  void write_cr(int cr, uint32_t value);
  void flush_tlb();
  void flush_tlb_page(uint32_t lin);

  // --- the executor's plumbing (used by handlers) ------------------------
  uint32_t next_eip = 0;  // where EIP goes when the current instruction completes
  uint64_t run_end = 0;   // s.insns value at which the current run() ends
  // Compute the effective offset of a memory operand.
  uint32_t ea(const Insn& i) const {
    uint32_t a = i.disp;
    if (i.base != REG_NONE) a += s.reg[i.base];
    if (i.index != REG_NONE) a += s.reg[i.index] << i.scale;
    return i.addr32 ? a : (a & 0xFFFF);
  }
  // End the current block after this instruction (mode changes, SMC).
  void end_block() { block_stop_ = true; }
  // Watch a physical page: writes to it take the slow path and call
  // hooks->on_watched_write. The shadow MMU watches guest page tables.
  void watch_page(uint32_t phys_page);
  void unwatch_page(uint32_t phys_page);
  bool is_watched(uint32_t phys_page) const { return !watched_.empty() && watched_[phys_page >> 12]; }
  // Dirty logging (dirty_log.h), as KVM's KVM_GET_DIRTY_LOG re-arms it:
  // clear the bus's log and drop every direct write entry of the soft TLB,
  // so the next write to each page is seen and marks it. stop_dirty_log()
  // turns the log off (write entries come back on their own as they refill).
  void start_dirty_round();
  void stop_dirty_log();
  // Invalidate decoded code on the physical page (self-modifying code).
  void invalidate_code(uint32_t phys_page);
  // Fetch bytes for the decoder by linear address (may fault).
  uint8_t fetch8(uint32_t lin);
  BlockCache& block_cache() { return *blocks_; }
  uint64_t tsc() const { return s.insns + s.tsc_offset; }

 private:
  friend class BlockCache;
  uint32_t read_seg_slow(int seg, uint32_t off, int size);
  void write_seg_slow(int seg, uint32_t off, int size, uint32_t value);
  uint32_t segment_check(int seg, uint32_t off, int size, bool write);
  // Translate for an access; fills the TLB; faults with #PF on failure.
  uint32_t translate(uint32_t lin, mmu::Access access, bool user);
  uint32_t phys_read(uint32_t phys, int size);
  void phys_write(uint32_t phys, int size, uint32_t value);
  void fill_tlb(uint32_t lin, uint32_t phys, bool write, bool user, bool writable);
  void handle_fault_unwind();
  void deliver_pending_interrupt();
  Block* lookup_block();
  void flush_write_tlb();
  StopReason run_loop(uint64_t end);
  void deliver_real(uint8_t vector, uint32_t return_eip);
  void deliver_protected(uint8_t vector, bool has_error, uint32_t error_code, bool software, bool ext,
                         uint32_t return_eip);

  TlbEntry tlb_read_[2][TLB_SIZE];
  TlbEntry tlb_write_[2][TLB_SIZE];
  std::unique_ptr<BlockCache> blocks_;
  std::vector<uint8_t> watched_;  // one byte per 4 KiB page, allocated on first use
  std::jmp_buf* fault_jmp_ = nullptr;
  bool stop_requested_ = false;
  bool block_stop_ = false;
  bool irq_poll_ = true;           // look at the interrupt controller before the next block
  Block* prev_block_ = nullptr;    // the block just run, whose chain links may be followed
  // The exception being raised (set by fault(), read by the run loop).
  uint8_t pending_vector_ = 0;
  uint32_t pending_error_ = 0;
  bool pending_has_error_ = false;
  // Double-fault bookkeeping (SDM Vol. 3A table 6-5).
  bool delivering_ = false;            // an event is being delivered through the IDT
  bool delivering_exception_ = false;  // ... and it is an exception (not an interrupt)
  uint8_t delivering_vector_ = 0;
  bool triple_fault_ = false;
};

// --- the hot path: segment + TLB access, inline ---------------------------

inline uint32_t load_le(const uint8_t* p, int size) {
  if (size == 4) { uint32_t v; std::memcpy(&v, p, 4); return v; }
  if (size == 2) { uint16_t v; std::memcpy(&v, p, 2); return v; }
  return *p;
}
inline void store_le(uint8_t* p, int size, uint32_t v) {
  if (size == 4) std::memcpy(p, &v, 4);
  else if (size == 2) { uint16_t w = uint16_t(v); std::memcpy(p, &w, 2); }
  else *p = uint8_t(v);
}

inline uint32_t Cpu::read_seg(int seg, uint32_t off, int size) {
  const SegmentCache& sc = s.seg[seg];
  if (__builtin_expect(sc.flat_read, 1)) {
    const TlbEntry& e = tlb_read_[s.cpl == 3][(off >> 12) & (TLB_SIZE - 1)];
    if (__builtin_expect(e.tag == (off & ~0xFFFu) && (off & 0xFFF) <= 0x1000u - size, 1))
      return load_le(e.host + (off & 0xFFF), size);
  }
  return read_seg_slow(seg, off, size);
}

inline void Cpu::write_seg(int seg, uint32_t off, int size, uint32_t value) {
  const SegmentCache& sc = s.seg[seg];
  if (__builtin_expect(sc.flat_write, 1)) {
    const TlbEntry& e = tlb_write_[s.cpl == 3][(off >> 12) & (TLB_SIZE - 1)];
    if (__builtin_expect(e.tag == (off & ~0xFFFu) && (off & 0xFFF) <= 0x1000u - size, 1)) {
      store_le(e.host + (off & 0xFFF), size, value);
      return;
    }
  }
  write_seg_slow(seg, off, size, value);
}

}  // namespace isolab::cpu
