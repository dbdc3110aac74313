// The CPU core: reset, memory access through segments and the soft TLB,
// the stack, and the run loop. Instruction semantics live in ops_*.cpp,
// interrupt and exception delivery in interrupts.cpp, segment loading and
// far transfers in segments.cpp.
#include "cpu/cpu.h"

#include "cpu/block_cache.h"
#include "cpu/decoder.h"
#include "cpu/flags.h"

namespace isolab::cpu {

Cpu::Cpu(Bus& b) : bus(b), blocks_(new BlockCache) { reset(); }
Cpu::~Cpu() = default;

void Cpu::reset() {
  s = CpuState{};
  s.reg[EDX] = 0x00000633;  // family 6, model 3, stepping 3: a Pentium II
  s.eip = 0xFFF0;
  for (int i = 0; i < 6; i++) load_segment_real(i, 0);
  s.seg[CS].selector = 0xF000;
  s.seg[CS].base = 0xFFFF0000u;
  s.seg[CS].attr = 0x009B;
  s.ldtr = SegmentCache{};
  s.ldtr.attr = 0x0082;
  s.tr = SegmentCache{};
  s.tr.attr = 0x008B;
  s.idtr = TableRegister{0, 0x3FF};
  flush_tlb();
  blocks_->clear();
  stop_requested_ = block_stop_ = false;
  delivering_ = triple_fault_ = false;
}

void Cpu::set_flat_protected_mode(int cpl) {
  s.cr0 |= CR0_PE;
  for (int i = 0; i < 6; i++) {
    SegmentCache& sc = s.seg[i];
    sc.base = 0;
    sc.limit = 0xFFFFFFFFu;
    uint8_t dpl = uint8_t(cpl) << 5;
    sc.attr = uint16_t(0xC000 | 0x80 | dpl | (i == CS ? 0x1B : 0x13));
    sc.selector = uint16_t((i == CS ? 0x08 : 0x10) | cpl);
    update_flat(sc, true);
  }
  s.cpl = uint8_t(cpl);
  flush_tlb();
}

// --- the soft TLB ------------------------------------------------------------

void Cpu::flush_tlb() {
  for (int u = 0; u < 2; u++)
    for (int i = 0; i < TLB_SIZE; i++) tlb_read_[u][i] = tlb_write_[u][i] = TlbEntry{};
  stats.tlb_flushes++;
  blocks_->bump_generation();
}

// Drop every direct write mapping (reads stay): a page just became one
// whose writes must be seen (code, or a watched page table).
void Cpu::flush_write_tlb() {
  for (int u = 0; u < 2; u++)
    for (int i = 0; i < TLB_SIZE; i++) tlb_write_[u][i] = TlbEntry{};
}

void Cpu::flush_tlb_page(uint32_t lin) {
  uint32_t idx = (lin >> 12) & (TLB_SIZE - 1);
  for (int u = 0; u < 2; u++) tlb_read_[u][idx] = tlb_write_[u][idx] = TlbEntry{};
  blocks_->bump_generation();
}

void Cpu::fill_tlb(uint32_t lin, uint32_t phys, bool write, bool user, bool writable) {
  uint32_t page = phys & ~0xFFFu;
  if (!bus.is_ram_page(page)) return;  // MMIO and holes always take the slow path
  uint32_t idx = (lin >> 12) & (TLB_SIZE - 1);
  TlbEntry e{lin & ~0xFFFu, bus.ram() + page};
  tlb_read_[user][idx] = e;
  // Dirty logging (dirty_log.h): a write marks the page; a clean page gets
  // no direct write entry, so its first write comes back here.
  if (bus.dirty_log.on) {
    if (write) bus.dirty_log.mark(page, true);
    else if (!bus.dirty_log.is_dirty(page)) writable = false;
  }
  if (writable && !bus.is_readonly_page(page) && !blocks_->is_code_page(page) && !is_watched(page))
    tlb_write_[user][idx] = e;
  else if (write || tlb_write_[user][idx].tag == e.tag) tlb_write_[user][idx] = TlbEntry{};
}

// Linear to physical, filling the TLB; raises #PF if the walk fails.
uint32_t Cpu::translate(uint32_t lin, mmu::Access access, bool user) {
  stats.tlb_misses++;
  uint32_t a20_mask = s.a20 ? 0xFFFFFFFFu : ~(1u << 20);
  if (!paging()) {
    uint32_t phys = lin & a20_mask;
    fill_tlb(lin, phys, access == mmu::Access::Write, user, true);
    return phys;
  }
  mmu::Translation t = translator ? translator->translate(s, lin, access, user)
                                  : mmu::walk(bus, s.cr0, s.cr3, s.cr4, lin, access, user);
  if (!t.ok) {
    s.cr2 = lin;
    fault(PF_, t.error_code);
  }
  uint32_t phys = t.phys & a20_mask;
  fill_tlb(lin, phys, access == mmu::Access::Write, user, t.writable);
  return phys;
}

bool Cpu::debug_translate(uint32_t lin, uint32_t& phys) {
  if (!paging()) {
    phys = lin;
    return true;
  }
  mmu::Translation t = mmu::walk(bus, s.cr0, s.cr3, s.cr4, lin, mmu::Access::Read, false, false);
  phys = t.phys;
  return t.ok;
}

bool Cpu::debug_read(uint32_t lin, void* out, uint32_t len) {
  auto* o = static_cast<uint8_t*>(out);
  for (uint32_t i = 0; i < len; i++) {
    uint32_t phys;
    if (!debug_translate(lin + i, phys)) return false;
    o[i] = bus.is_ram_page(phys & ~0xFFFu) ? bus.ram()[phys] : 0xFF;
  }
  return true;
}

// --- watched pages ---------------------------------------------------------------

void Cpu::watch_page(uint32_t page) {
  if (watched_.empty()) watched_.assign(1u << 20, 0);
  if (watched_[page >> 12]) return;
  watched_[page >> 12] = 1;
  flush_write_tlb();  // one of the direct write mappings may reach this page
}

void Cpu::start_dirty_round() {
  DirtyLog& log = bus.dirty_log;
  log.on = true;
  log.dirty.assign(size_t((bus.ram_size() + 4095) >> 12), 0);
  flush_write_tlb();  // every page is clean again: its next write must be seen
}

void Cpu::stop_dirty_log() {
  bus.dirty_log.on = false;
  bus.dirty_log.dirty.clear();
}

void Cpu::unwatch_page(uint32_t page) {
  if (!watched_.empty()) watched_[page >> 12] = 0;
}

// --- physical access -----------------------------------------------------------

uint32_t Cpu::phys_read(uint32_t phys, int size) {
  if (bus.is_ram_page(phys & ~0xFFFu)) return load_le(bus.ram() + phys, size);
  return bus.mmio_read(phys, size) & size_mask(size);
}

void Cpu::phys_write(uint32_t phys, int size, uint32_t value) {
  uint32_t page = phys & ~0xFFFu;
  if (bus.is_ram_page(page)) {
    if (bus.is_readonly_page(page)) return;
    if (blocks_->is_code_page(page)) invalidate_code(page);
    store_le(bus.ram() + phys, size, value);
    if (is_watched(page) && hooks) hooks->on_watched_write(*this, phys, size);
    return;
  }
  bus.mmio_write(phys, size, value);
}

void Cpu::invalidate_code(uint32_t page) {
  blocks_->invalidate_page(page);
  stats.blocks_invalidated++;
  // The block being run may have been the victim: stop after this
  // instruction so the next one is decoded from the new bytes.
  block_stop_ = true;
}

// --- linear access -------------------------------------------------------------

uint32_t Cpu::read_linear(uint32_t lin, int size, bool user) {
  const TlbEntry& e = tlb_read_[user][(lin >> 12) & (TLB_SIZE - 1)];
  if (e.tag == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000u - size) return load_le(e.host + (lin & 0xFFF), size);
  if ((lin & 0xFFF) + size <= 0x1000) return phys_read(translate(lin, mmu::Access::Read, user), size);
  // Straddles two pages: translate both before reading either.
  uint32_t first = 0x1000 - (lin & 0xFFF);
  uint32_t p0 = translate(lin, mmu::Access::Read, user);
  uint32_t p1 = translate(lin + first, mmu::Access::Read, user);
  uint32_t v = 0;
  for (int i = 0; i < size; i++) {
    uint32_t p = uint32_t(i) < first ? p0 + i : p1 + (i - first);
    v |= phys_read(p, 1) << (8 * i);
  }
  return v;
}

void Cpu::write_linear(uint32_t lin, int size, uint32_t value, bool user) {
  const TlbEntry& e = tlb_write_[user][(lin >> 12) & (TLB_SIZE - 1)];
  if (e.tag == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000u - size) {
    store_le(e.host + (lin & 0xFFF), size, value);
    return;
  }
  if ((lin & 0xFFF) + size <= 0x1000) {
    phys_write(translate(lin, mmu::Access::Write, user), size, value);
    return;
  }
  uint32_t first = 0x1000 - (lin & 0xFFF);
  uint32_t p0 = translate(lin, mmu::Access::Write, user);
  uint32_t p1 = translate(lin + first, mmu::Access::Write, user);
  for (int i = 0; i < size; i++) {
    uint32_t p = uint32_t(i) < first ? p0 + i : p1 + (i - first);
    phys_write(p, 1, (value >> (8 * i)) & 0xFF);
  }
}

// --- segment checks (SDM Vol. 3A 5.3, 5.5; real mode keeps the cached limit) ---

uint32_t Cpu::segment_check(int seg, uint32_t off, int size, bool write) {
  const SegmentCache& sc = s.seg[seg];
  const uint8_t fault_vector = seg == SS ? SS_ : GP;
  if (protected_mode()) {
    if (!sc.present() || (sc.selector < 4 && seg != CS && seg != SS && !(sc.attr & 0x80))) fault(fault_vector, 0);
    if (sc.is_code()) {
      if (write || !(sc.attr & 0x2)) fault(fault_vector, 0);
    } else if (write && !(sc.attr & 0x2)) {
      fault(fault_vector, 0);
    }
  }
  uint32_t last = off + uint32_t(size - 1);
  if (sc.expand_down()) {
    uint32_t upper = sc.big() ? 0xFFFFFFFFu : 0xFFFFu;
    if (off <= sc.limit || last > upper || last < off) fault(fault_vector, 0);
  } else if (sc.limit != 0xFFFFFFFFu) {
    if (off > sc.limit || last > sc.limit || last < off) fault(fault_vector, 0);
  }
  return sc.base + off;
}

uint32_t Cpu::read_seg_slow(int seg, uint32_t off, int size) {
  uint32_t lin = s.seg[seg].flat_read ? off : segment_check(seg, off, size, false);
  return read_linear(lin, size, s.cpl == 3);
}

void Cpu::write_seg_slow(int seg, uint32_t off, int size, uint32_t value) {
  uint32_t lin = s.seg[seg].flat_write ? off : segment_check(seg, off, size, true);
  write_linear(lin, size, value, s.cpl == 3);
}

void Cpu::check_write(int seg, uint32_t off, int size) {
  uint32_t lin = s.seg[seg].flat_write ? off : segment_check(seg, off, size, true);
  bool user = s.cpl == 3;
  const TlbEntry& e = tlb_write_[user][(lin >> 12) & (TLB_SIZE - 1)];
  if (e.tag == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000u - size) return;
  translate(lin, mmu::Access::Write, user);
  if ((lin & 0xFFF) + size > 0x1000) translate((lin | 0xFFF) + 1, mmu::Access::Write, user);
}

uint8_t Cpu::fetch8(uint32_t lin) { return uint8_t(read_linear(lin, 1, s.cpl == 3)); }

// --- the stack -------------------------------------------------------------------

void Cpu::push32(uint32_t v) {
  uint32_t nsp = sp() - 4;
  if (!stack32()) nsp &= 0xFFFF;
  write32(SS, nsp, v);
  set_sp(nsp);
}

void Cpu::push16(uint16_t v) {
  uint32_t nsp = sp() - 2;
  if (!stack32()) nsp &= 0xFFFF;
  write16(SS, nsp, v);
  set_sp(nsp);
}

uint32_t Cpu::pop32() {
  uint32_t v = read32(SS, sp());
  set_sp(sp() + 4);
  return v;
}

uint16_t Cpu::pop16() {
  uint16_t v = read16(SS, sp());
  set_sp(sp() + 2);
  return v;
}

// --- faults ------------------------------------------------------------------------

void Cpu::fault(uint8_t vector, uint32_t error_code) {
  pending_vector_ = vector;
  pending_error_ = error_code;
  pending_has_error_ = true;
  std::longjmp(*fault_jmp_, 1);
}

void Cpu::fault(uint8_t vector) {
  pending_vector_ = vector;
  pending_error_ = 0;
  pending_has_error_ = false;
  std::longjmp(*fault_jmp_, 1);
}

// Exceptions that are "contributory" for double-fault purposes
// (SDM Vol. 3A table 6-4).
static bool contributory(uint8_t v) { return v == DE || (v >= TS && v <= GP); }

// A fault unwound to the run loop. Deliver it, turning a fault while
// delivering an exception into #DF where table 6-5 says so, and a fault
// while delivering #DF into shutdown. A fault while delivering an external
// interrupt or INT n is simply the new exception.
void Cpu::handle_fault_unwind() {
  uint8_t v = pending_vector_;
  uint32_t err = pending_error_;
  bool has_err = pending_has_error_;
  stats.exceptions++;
  // Every delivered event costs one unit of simulated time, so a guest
  // that faults forever still uses up its budget and cannot hang the host.
  s.insns++;
  if (delivering_ && delivering_exception_) {
    uint8_t first = delivering_vector_;
    if (first == DF_) {
      triple_fault_ = true;
      return;
    }
    bool df = (contributory(first) && contributory(v)) || (first == PF_ && (contributory(v) || v == PF_));
    if (df) {
      v = DF_;
      err = 0;
      has_err = true;
    }
  }
  if (hooks && !delivering_ && hooks->on_exception(*this, v, err, has_err)) {
    block_stop_ = true;
    return;
  }
  delivering_ = true;
  delivering_exception_ = true;
  delivering_vector_ = v;
  deliver(v, has_err, err, false, true);
  delivering_ = delivering_exception_ = false;
}

void Cpu::deliver_pending_interrupt() {
  uint8_t vector = intc->acknowledge();
  stats.interrupts++;
  s.insns++;
  s.halted = false;
  if (hooks) hooks->on_external_interrupt(*this, vector);
  delivering_ = true;
  delivering_exception_ = false;
  delivering_vector_ = vector;
  deliver(vector, false, 0, false, true);
  delivering_ = false;
}

// --- the run loop -----------------------------------------------------------------

// Find (or decode) the block at CS:EIP. May fault (#PF, #GP) on the fetch.
Block* Cpu::lookup_block() {
  const uint32_t lin = s.seg[CS].base + s.eip;
  const bool user = s.cpl == 3;
  uint32_t phys;
  const TlbEntry& e = tlb_read_[user][(lin >> 12) & (TLB_SIZE - 1)];
  if (e.tag == (lin & ~0xFFFu)) phys = uint32_t(e.host - bus.ram()) + (lin & 0xFFF);
  else phys = translate(lin, mmu::Access::Fetch, user);
  const bool code32 = s.seg[CS].big();
  Block* b = blocks_->find(BlockCache::key(phys, code32));
  if (b && b->last_page != (b->phys & ~0xFFFu)) {
    // The block's last instruction runs into the next page: make sure
    // that page still maps where it did when the block was decoded.
    uint32_t next_phys = translate((lin & ~0xFFFu) + 0x1000, mmu::Access::Fetch, user) & ~0xFFFu;
    if (next_phys != b->last_page) {
      blocks_->invalidate_page(b->phys & ~0xFFFu);
      b = nullptr;
    }
  }
  if (!b) {
    std::unique_ptr<Block> nb = decode_block(*this, s.eip, phys, code32);
    b = nb.get();
    stats.blocks_decoded++;
    if (blocks_->insert(std::move(nb))) {
      // A page just became a code page: writes to it must now take the
      // slow path, so drop the write entries that map straight to it.
      flush_write_tlb();
    }
  }
  return b;
}

// The run loop. Between blocks it does as little as it can: the checks
// that are rarely needed (stop requests, interrupts, HLT, dead blocks)
// run only when something set `block_stop_` or `irq_poll_`, and the next
// block is usually found through the previous block's chain link rather
// than a lookup.
StopReason Cpu::run(uint64_t max_insns) {
  const uint64_t end = s.insns + max_insns;
  run_end = end;
  stop_requested_ = false;
  std::jmp_buf jb;
  std::jmp_buf* saved = fault_jmp_;
  fault_jmp_ = &jb;
  if (setjmp(jb)) {
    // An instruction faulted: nothing it did is committed and s.eip is
    // still its address. Deliver the exception and carry on.
    handle_fault_unwind();
    if (triple_fault_) {
      delivering_ = delivering_exception_ = false;
      if (hooks) hooks->on_triple_fault(*this);
      fault_jmp_ = saved;
      return StopReason::TripleFault;
    }
    block_stop_ = true;
  }
  StopReason reason = run_loop(end);
  fault_jmp_ = saved;
  return reason;
}

// The loop itself, apart from run() so that the compiler may keep its
// state in registers (a function that calls setjmp may not).
StopReason Cpu::run_loop(uint64_t end) {
  prev_block_ = nullptr;
  irq_poll_ = true;
  StopReason reason = StopReason::Budget;
  while (s.insns < end) {
    if (block_stop_ || irq_poll_) {
      if (block_stop_) prev_block_ = nullptr;
      block_stop_ = false;
      if (blocks_->has_dead()) {
        blocks_->collect();
        prev_block_ = nullptr;
      }
      if (stop_requested_) {
        reason = StopReason::Requested;
        break;
      }
      // Interrupts are taken between instructions when IF is set and no
      // STI / MOV SS shadow holds them off. With IF clear nothing can be
      // taken until an instruction sets it, and those end their block.
      irq_poll_ = false;
      if (intc && (s.eflags & IF)) {
        if (s.insns < s.irq_inhibit_until) {
          irq_poll_ = true;
        } else if (intc->pending()) {
          deliver_pending_interrupt();
          irq_poll_ = true;
          prev_block_ = nullptr;
          continue;
        }
      }
      if (s.halted) {
        reason = StopReason::Halted;
        break;
      }
    }
    // The next block: through the chain link if it is still good.
    Block* b = nullptr;
    const uint32_t lin = s.seg[CS].base + s.eip;
    const uint8_t mode = uint8_t((s.seg[CS].big() ? 1 : 0) | (s.cpl << 1));
    if (Block* p = prev_block_) {
      const uint64_t gen = blocks_->generation();
      for (BlockLink& l : p->links)
        if (l.lin == lin && l.mode == mode && l.generation == gen) b = l.to;
      if (!b) {
        b = lookup_block();
        if (b->last_page == (b->phys & ~0xFFFu)) {
          BlockLink& l = p->links[p->next_victim];
          p->next_victim ^= 1;
          l = BlockLink{lin, mode, blocks_->generation(), b};
        }
      }
    } else {
      b = lookup_block();
    }
    // How many of the block's instructions to run: all, unless the budget
    // or an interrupt shadow or single-stepping says fewer.
    uint64_t n = b->count;
    if (end - s.insns < n) n = end - s.insns;
    bool single_step = false;
    if (__builtin_expect(s.insns < s.irq_inhibit_until || (s.eflags & TF), 0)) {
      if (s.insns < s.irq_inhibit_until && s.irq_inhibit_until - s.insns < n) n = s.irq_inhibit_until - s.insns;
      single_step = s.eflags & TF;
      if (single_step) n = 1;
      prev_block_ = nullptr;
      irq_poll_ = true;
    }
    const Insn* in = b->insns;
    const Insn* stop = in + n;
    for (; in != stop; ++in) {
      const uint32_t fall_through = s.eip + in->len;
      next_eip = fall_through;
      in->fn(*this, *in);
      s.eip = next_eip;
      s.insns++;
      // Leave the block when something needs the loop's attention, or a
      // branch inside it was taken.
      if (block_stop_ | (next_eip != fall_through)) {
        ++in;  // `in` counts the instructions that completed
        break;
      }
    }
    // Chain links are keyed by where execution goes next, so any exit but
    // one that asked for attention may be chained from.
    prev_block_ = block_stop_ ? nullptr : b;
    if (single_step && in != b->insns) {
      // The instruction completed with TF set: a trap after it (SDM Vol. 3A
      // 17.3.1.4), #DB with DR6.BS, whether or not it ended the block.
      s.dr[6] |= 1u << 14;
      delivering_ = delivering_exception_ = true;
      delivering_vector_ = DB;
      deliver(DB, false, 0, false, true);
      delivering_ = delivering_exception_ = false;
    }
  }
  if (stop_requested_) reason = StopReason::Requested;
  return reason;
}

}  // namespace isolab::cpu
