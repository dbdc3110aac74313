// fuzz_cpu: random bytes run as guest code on the interpreter (libFuzzer).
//
// Whatever the guest does, the host must not crash, leak, hang or trip
// ASan or UBSan. The first input byte chooses the machine; the rest is code:
//
//   bits 0-1  mode: 0 real mode, 1 16-bit protected mode (ring 0),
//             2 32-bit protected mode ring 0, 3 32-bit protected mode ring 3
//   bit 2     exceptions: 0 stop the run at the first one (a CpuHooks
//             override), 1 deliver them through the IVT or IDT to handlers
//             that HLT (so #DF and triple fault are reachable too)
//   bits 4-7  external interrupts: 0 none, else one every 8 * n
//             instruction boundaries the CPU asks about
//
// Every run is bounded: at most kBudget instructions (a REP iteration counts
// as one), and HLT ends it. The machine is 1 MiB + 64 KiB of RAM with a GDT, a TSS,
// an IDT and the IVT in low memory and the code at 0x10000, followed by
// HLTs so that running off its end stops soon; it is reset
// (Cpu::reset, RAM zeroed) before each input, so an input replays alone.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cpu/block_cache.h"
#include "cpu/cpu.h"

using namespace isolab::cpu;

namespace {

constexpr uint64_t kBudget = 10'000;
constexpr uint32_t kRamSize = 0x110000;  // 1 MiB + 64 KiB: all that real mode reaches
constexpr size_t kMaxCode = 8192;
constexpr size_t kCodeWindow = 0x10000;  // filled with HLT after the code

// Low-memory layout.
constexpr uint32_t kIvt = 0x0000;      // real-mode vector table (256 x 4)
constexpr uint32_t kGdt = 0x0500;      // 16 descriptors
constexpr uint32_t kTss = 0x0600;      // 32-bit TSS, 104 bytes
constexpr uint32_t kHandler = 0x0700;  // every exception and interrupt lands here: HLT
constexpr uint32_t kIdt = 0x0800;      // 256 gates
constexpr uint32_t kUserStack = 0x8000;
constexpr uint32_t kKernelStack = 0xA000;
constexpr uint32_t kCode = 0x10000;

// GDT selectors.
enum : uint16_t {
  SEL_CODE32 = 0x08, SEL_DATA32 = 0x10, SEL_CODE16 = 0x18, SEL_DATA16 = 0x20,
  SEL_UCODE32 = 0x28 | 3, SEL_UDATA32 = 0x30 | 3, SEL_TSS = 0x38,
};

// A segment descriptor (SDM Vol. 3A 3.4.5). `flags` is the G, D/B nibble.
uint64_t descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  return (limit & 0xFFFF) | uint64_t(base & 0xFFFFFF) << 16 | uint64_t(access) << 40 |
         uint64_t((limit >> 16) & 0xF) << 48 | uint64_t(flags & 0xF) << 52 | uint64_t(base >> 24) << 56;
}

// An interrupt gate (SDM Vol. 3A 6.11): 32-bit, DPL 3 so INT n works from
// ring 3 too.
uint64_t interrupt_gate(uint16_t selector, uint32_t offset) {
  return (offset & 0xFFFF) | uint64_t(selector) << 16 | uint64_t(0xEE) << 40 | uint64_t(offset >> 16) << 48;
}

void put32(uint8_t* ram, uint32_t at, uint32_t v) { std::memcpy(ram + at, &v, 4); }
void put64(uint8_t* ram, uint32_t at, uint64_t v) { std::memcpy(ram + at, &v, 8); }

struct FuzzHooks : CpuHooks {
  bool stop_on_exception = true;
  uint64_t exceptions = 0;
  uint64_t triple_faults = 0;
  bool on_exception(Cpu& cpu, uint8_t vector, uint32_t error_code, bool has_error) override {
    exceptions++;
    if (!stop_on_exception) return false;
    cpu.request_stop();
    return true;
  }
  void on_triple_fault(Cpu& cpu) override { triple_faults++; }
};

// An interrupt controller that raises an interrupt every `period` questions.
struct FuzzInterrupts : InterruptSource {
  uint32_t period = 0;
  uint32_t asked = 0;
  bool pending() override { return period && ++asked % period == 0; }
  uint8_t acknowledge() override { return uint8_t(0x20 + (asked & 0xF)); }
};

void load(Cpu& cpu, int seg, uint16_t selector, uint8_t* ram) {
  uint64_t d;
  std::memcpy(&d, ram + kGdt + (selector & ~7u), 8);
  Cpu::cache_from_descriptor(cpu.s.seg[seg], selector, d);
}

// The descriptor tables every protected-mode run shares, and the IVT.
void build_tables(uint8_t* ram) {
  put64(ram, kGdt + SEL_CODE32, descriptor(0, 0xFFFFF, 0x9B, 0xC));
  put64(ram, kGdt + SEL_DATA32, descriptor(0, 0xFFFFF, 0x93, 0xC));
  put64(ram, kGdt + SEL_CODE16, descriptor(kCode, 0xFFFF, 0x9B, 0x0));
  put64(ram, kGdt + SEL_DATA16, descriptor(0, 0xFFFFF, 0x93, 0x0));
  put64(ram, kGdt + (SEL_UCODE32 & ~3), descriptor(0, 0xFFFFF, 0xFB, 0xC));
  put64(ram, kGdt + (SEL_UDATA32 & ~3), descriptor(0, 0xFFFFF, 0xF3, 0xC));
  put64(ram, kGdt + SEL_TSS, descriptor(kTss, 103, 0x89, 0x0));
  put32(ram, kTss + 4, kKernelStack);  // ESP0
  put32(ram, kTss + 8, SEL_DATA32);    // SS0
  ram[kHandler] = 0xF4;                // HLT
  for (int v = 0; v < 256; v++) {
    put64(ram, kIdt + 8 * v, interrupt_gate(SEL_CODE32, kHandler));
    put32(ram, kIvt + 4 * v, kHandler);  // 0000:0700
  }
}

void enter_mode(Cpu& cpu, uint8_t* ram, int mode) {
  if (mode == 0) {
    // Real mode: CS = 0x1000 puts the code at 0x10000; IVT at 0.
    for (int seg = 0; seg < 6; seg++) cpu.load_segment_real(seg, 0);
    cpu.load_segment_real(CS, uint16_t(kCode >> 4));
    cpu.s.eip = 0;
    cpu.s.reg[ESP] = kUserStack;
    return;
  }
  cpu.s.cr0 |= CR0_PE;
  cpu.s.gdtr = TableRegister{kGdt, 16 * 8 - 1};
  cpu.s.idtr = TableRegister{kIdt, 256 * 8 - 1};
  cpu.s.tr.selector = SEL_TSS;  // as if LTR had loaded it: a busy 32-bit TSS
  cpu.s.tr.base = kTss;
  cpu.s.tr.limit = 103;
  cpu.s.tr.attr = 0x8B;
  if (mode == 1) {
    load(cpu, CS, SEL_CODE16, ram);
    for (int seg : {SS, DS, ES, FS, GS}) load(cpu, seg, SEL_DATA16, ram);
    cpu.s.eip = 0;
    cpu.s.reg[ESP] = kUserStack;
    cpu.set_cpl(0);
  } else if (mode == 2) {
    load(cpu, CS, SEL_CODE32, ram);
    for (int seg : {SS, DS, ES, FS, GS}) load(cpu, seg, SEL_DATA32, ram);
    cpu.s.eip = kCode;
    cpu.s.reg[ESP] = kKernelStack;
    cpu.set_cpl(0);
  } else {
    load(cpu, CS, SEL_UCODE32, ram);
    for (int seg : {SS, DS, ES, FS, GS}) load(cpu, seg, SEL_UDATA32, ram);
    cpu.s.eip = kCode;
    cpu.s.reg[ESP] = kUserStack;
    cpu.set_cpl(3);
  }
  cpu.flush_tlb();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t header = data[0];
  const uint8_t* code = data + 1;
  const size_t code_size = size - 1 < kMaxCode ? size - 1 : kMaxCode;

  // One machine for the whole process, reset for every input (a fresh one
  // each time would spend most of the run zeroing new pages).
  static RamBus bus(kRamSize);
  static Cpu cpu(bus);
  uint8_t* ram = bus.ram();
  std::memset(ram, 0, kRamSize);
  build_tables(ram);
  std::memset(ram + kCode, 0xF4, kCodeWindow);
  std::memcpy(ram + kCode, code, code_size);
  cpu.reset();

  FuzzHooks hooks;
  hooks.stop_on_exception = !(header & 4);
  FuzzInterrupts interrupts;
  interrupts.period = 8u * (header >> 4);
  cpu.hooks = &hooks;
  cpu.intc = &interrupts;
  enter_mode(cpu, ram, header & 3);

  // Run in slices so a HLT with interrupts pending resumes, up to the budget.
  uint64_t start = cpu.s.insns;
  for (int slice = 0; slice < 64 && cpu.s.insns - start < kBudget; slice++) {
    StopReason why = cpu.run(kBudget - (cpu.s.insns - start));
    if (why == StopReason::TripleFault || why == StopReason::Requested) break;
    if (why == StopReason::Halted && !(interrupts.period && (cpu.s.eflags & IF))) break;
  }
  // Free the decoded blocks now, not at the next input's reset, so that
  // libFuzzer's leak check sees this input's allocations freed. (Dropping
  // them page by page is much cheaper than BlockCache::clear, which
  // rewrites its whole 1 MiB page map; blocks decoded outside RAM, from
  // open-bus bytes, are left to the next reset.)
  cpu.hooks = nullptr;
  cpu.intc = nullptr;
  for (uint32_t page = 0; page < kRamSize; page += 4096) cpu.block_cache().invalidate_page(page);
  cpu.block_cache().collect();
  return 0;
}
