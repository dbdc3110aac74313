// Protection: real-mode interrupts, entering protected mode, every
// exception with its error code, double and triple fault, privilege
// changes through interrupt, trap and call gates, IRET to ring 3 and the
// I/O permission bitmap (SDM Vol. 3A chapters 3, 5, 6 and 7).
//
// Each guest is a few instructions, assembled with `as --32` (the source
// is beside the bytes), in a 4 MiB RamBus whose GDT, IDT and TSS the test
// writes. Every IDT vector points at its own HLT at HANDLERS + 16 * vector,
// so the handler the CPU halts in tells which exception was delivered, and
// the frame on the handler's stack shows what was pushed.
#include <doctest/doctest.h>

#include <cstring>
#include <initializer_list>
#include <string>

#include "cpu/cpu.h"
#include "cpu/flags.h"

using namespace isolab::cpu;

namespace {

// Where things are in the test machine's memory.
constexpr uint32_t GDT = 0x0500, IDT = 0x1000, TSS = 0x2000, HANDLERS = 0x10000, CODE = 0x20000,
                   USER_STACK = 0x70000, KERNEL_STACK = 0x90000;
constexpr uint16_t GDT_LIMIT = 16 * 8 - 1;

// The GDT: flat ring 0 and ring 3 code and data, a 32-bit TSS, ring 1
// code, a call gate into ring 0 and a descriptor that is not present.
constexpr uint16_t KCODE = 0x08, KDATA = 0x10, UCODE = 0x18 | 3, UDATA = 0x20 | 3, TSS_SEL = 0x28,
                   R1CODE = 0x30 | 1, CALL_GATE = 0x38 | 3, ABSENT = 0x40;
// The TSS's I/O bitmap starts at offset 0x68 and covers ports 0-0xF7.
constexpr uint32_t IO_BITMAP = 0x68, TSS_LIMIT = IO_BITMAP + 0x20;
// Where the call gate leads.
constexpr uint32_t GATE_TARGET = CODE + 0x100;

uint64_t segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  return (limit & 0xFFFF) | uint64_t(base & 0xFFFFFF) << 16 | uint64_t(access) << 40 |
         uint64_t((limit >> 16) & 0xF) << 48 | uint64_t(flags & 0xF) << 52 | uint64_t(base >> 24) << 56;
}
// type: 0xE interrupt gate, 0xF trap gate, 0xC call gate (32-bit).
uint64_t gate(uint16_t sel, uint32_t offset, uint8_t type, uint8_t dpl, uint8_t params = 0) {
  return (offset & 0xFFFF) | uint64_t(sel) << 16 | uint64_t(params) << 32 |
         uint64_t(0x80u | dpl << 5 | type) << 40 | uint64_t(offset >> 16) << 48;
}
uint32_t handler(int vector) { return HANDLERS + 16 * uint32_t(vector); }

struct Machine {
  RamBus bus{4u << 20};
  Cpu cpu{bus};

  // A machine in protected mode at ring `cpl` running CODE, or, with
  // cpl < 0, in real mode as reset left it (the tables are written anyway).
  explicit Machine(int cpl) {
    put64(GDT + 0x08, segment(0, 0xFFFFF, 0x9A, 0xC));
    put64(GDT + 0x10, segment(0, 0xFFFFF, 0x92, 0xC));
    put64(GDT + 0x18, segment(0, 0xFFFFF, 0xFA, 0xC));
    put64(GDT + 0x20, segment(0, 0xFFFFF, 0xF2, 0xC));
    put64(GDT + 0x28, segment(TSS, TSS_LIMIT, 0x89, 0x0));
    put64(GDT + 0x30, segment(0, 0xFFFFF, 0xBA, 0xC));
    put64(GDT + 0x38, gate(KCODE, GATE_TARGET, 0xC, 3, 2));
    put64(GDT + 0x40, segment(0, 0xFFFFF, 0x12, 0xC));
    for (int v = 0; v < 256; v++) {
      put64(IDT + 8 * v, gate(KCODE, handler(v), 0xE, 0));
      bus.ram()[handler(v)] = 0xF4;  // hlt
    }
    put32(TSS + 4, KERNEL_STACK);  // ESP0
    put32(TSS + 8, KDATA);         // SS0
    put16(TSS + 0x66, IO_BITMAP);
    if (cpl >= 0) enter(cpl);
  }

  void enter(int cpl) {
    CpuState& s = cpu.s;
    s.cr0 |= CR0_PE;
    s.gdtr = TableRegister{GDT, GDT_LIMIT};
    s.idtr = TableRegister{IDT, 256 * 8 - 1};
    Cpu::cache_from_descriptor(s.tr, TSS_SEL, get64(GDT + TSS_SEL) | 2ull << 40);  // busy
    load(CS, cpl ? UCODE : KCODE);
    for (int seg : {ES, SS, DS, FS, GS}) load(seg, cpl ? UDATA : KDATA);
    s.cpl = uint8_t(cpl);
    s.reg[ESP] = cpl ? USER_STACK : KERNEL_STACK;
    s.eip = CODE;
    cpu.flush_tlb();
  }
  void load(int seg, uint16_t sel) { Cpu::cache_from_descriptor(cpu.s.seg[seg], sel, get64(GDT + (sel & ~7))); }

  void put(uint32_t at, std::initializer_list<uint8_t> bytes) { std::memcpy(bus.ram() + at, std::data(bytes), bytes.size()); }
  void put16(uint32_t at, uint16_t v) { std::memcpy(bus.ram() + at, &v, 2); }
  void put32(uint32_t at, uint32_t v) { std::memcpy(bus.ram() + at, &v, 4); }
  void put64(uint32_t at, uint64_t v) { std::memcpy(bus.ram() + at, &v, 8); }
  uint16_t get16(uint32_t at) { uint16_t v; std::memcpy(&v, bus.ram() + at, 2); return v; }
  uint32_t get32(uint32_t at) { uint32_t v; std::memcpy(&v, bus.ram() + at, 4); return v; }
  uint64_t get64(uint32_t at) { uint64_t v; std::memcpy(&v, bus.ram() + at, 8); return v; }

  // The k-th dword from the top of the current stack.
  uint32_t stack(int k) { return get32(cpu.s.seg[SS].base + cpu.s.reg[ESP] + 4 * uint32_t(k)); }
  // The vector whose handler the CPU halted in, or -1.
  int halted_in() {
    uint32_t off = cpu.s.seg[CS].base + cpu.s.eip - 1 - HANDLERS;
    if (!cpu.s.halted || off >= 256 * 16 || off % 16) return -1;
    return int(off / 16);
  }
};

}  // namespace

TEST_CASE("protection: real-mode INT goes through the IVT and IRET comes back") {
  Machine m(-1);
  m.cpu.load_segment_real(CS, 0);
  m.cpu.load_segment_real(SS, 0);
  m.cpu.s.eip = 0x7C00;
  m.cpu.s.reg[ESP] = 0x7000;
  m.cpu.s.eflags |= IF;
  m.put16(0x21 * 4, 0x0000);  // IVT[0x21] = 0800:0000
  m.put16(0x21 * 4 + 2, 0x0800);
  m.put(0x7C00, {0xCD, 0x21, 0x90, 0xF4});  // int $0x21 ; nop ; hlt
  m.put(0x8000, {0xB8, 0x34, 0x12, 0xCF});  // mov $0x1234, %ax ; iret

  m.cpu.run(1);
  CHECK(m.cpu.s.seg[CS].selector == 0x0800);
  CHECK(m.cpu.s.seg[CS].base == 0x8000);
  CHECK(m.cpu.s.eip == 0);
  CHECK(m.cpu.s.reg[ESP] == 0x7000 - 6);
  CHECK(m.get16(0x6FFA) == 0x7C02);  // IP after the INT
  CHECK(m.get16(0x6FFC) == 0x0000);  // CS
  CHECK((m.get16(0x6FFE) & IF) != 0);
  CHECK((m.cpu.flags() & IF) == 0);

  CHECK(m.cpu.run(10) == StopReason::Halted);
  CHECK((m.cpu.s.reg[EAX] & 0xFFFF) == 0x1234);
  CHECK(m.cpu.s.seg[CS].selector == 0);
  CHECK(m.cpu.s.eip == 0x7C04);
  CHECK(m.cpu.s.reg[ESP] == 0x7000);
  CHECK((m.cpu.flags() & IF) != 0);
}

TEST_CASE("protection: LGDT, CR0.PE and a far jump enter 32-bit protected mode") {
  Machine m(-1);
  m.cpu.load_segment_real(CS, 0);
  m.cpu.s.eip = 0x7C00;
  m.put16(0x600, GDT_LIMIT);
  m.put32(0x602, GDT);
  m.put(0x7C00, {
      0x0F, 0x01, 0x16, 0x00, 0x06,              // lgdt 0x600
      0x0F, 0x20, 0xC0,                          // mov %cr0, %eax
      0x66, 0xB8, 0x11, 0x00, 0x00, 0x00,        // mov $0x11, %eax   (PE | ET)
      0x0F, 0x22, 0xC0,                          // mov %eax, %cr0
      0x66, 0xEA, 0x00, 0x7E, 0x00, 0x00, 0x08, 0x00,  // ljmpl $0x08, $0x7E00
  });
  m.put(0x7E00, {
      0xB8, 0x10, 0x00, 0x00, 0x00,  // mov $0x10, %eax
      0x8E, 0xD8,                    // mov %eax, %ds
      0x8E, 0xD0,                    // mov %eax, %ss
      0xF4,                          // hlt
  });
  CHECK(m.cpu.run(100) == StopReason::Halted);
  CHECK(m.cpu.protected_mode());
  CHECK(m.cpu.s.eip == 0x7E0A);
  CHECK(m.cpu.s.seg[CS].selector == KCODE);
  CHECK(m.cpu.s.seg[CS].big());
  CHECK(m.cpu.s.seg[CS].limit == 0xFFFFFFFFu);
  CHECK(m.cpu.s.seg[DS].selector == KDATA);
  CHECK(m.cpu.s.seg[SS].selector == KDATA);
  CHECK(m.cpu.s.seg[DS].flat_read);
  // The CPU set the accessed bit of each descriptor it loaded.
  CHECK((m.get64(GDT + KCODE) >> 40 & 1) == 1);
  CHECK((m.get64(GDT + KDATA) >> 40 & 1) == 1);
}

TEST_CASE("protection: #DE pushes the DIV's address and no error code") {
  Machine m(0);
  m.put(CODE, {0xB9, 0, 0, 0, 0, 0xF7, 0xF1});  // mov $0, %ecx ; div %ecx
  CHECK(m.cpu.run(100) == StopReason::Halted);
  CHECK(m.halted_in() == DE);
  CHECK(m.cpu.s.reg[ESP] == KERNEL_STACK - 12);
  CHECK(m.stack(0) == CODE + 5);
  CHECK(m.stack(1) == KCODE);
}

TEST_CASE("protection: #UD from UD2") {
  Machine m(0);
  m.put(CODE, {0x0F, 0x0B});  // ud2
  m.cpu.run(100);
  CHECK(m.halted_in() == UD);
  CHECK(m.cpu.s.reg[ESP] == KERNEL_STACK - 12);
  CHECK(m.stack(0) == CODE);
}

TEST_CASE("protection: segment loads fault with the selector as error code") {
  Machine m(0);
  uint8_t modrm = 0;
  int vector = 0;
  uint32_t selector = 0;
  SUBCASE("#NP: DS from a descriptor that is not present") { modrm = 0xD8, vector = NP, selector = ABSENT; }
  SUBCASE("#SS: SS from a descriptor that is not present") { modrm = 0xD0, vector = SS_, selector = ABSENT; }
  SUBCASE("#GP: DS from beyond the GDT limit") { modrm = 0xD8, vector = GP, selector = 0x1000; }
  SUBCASE("#GP: DS from a system descriptor (the TSS)") { modrm = 0xD8, vector = GP, selector = TSS_SEL; }
  SUBCASE("#GP: SS with RPL != CPL") { modrm = 0xD0, vector = GP, selector = KDATA | 3; }
  // mov $selector, %eax ; mov %eax, %ds (or %ss)
  m.put(CODE, {0xB8, uint8_t(selector), uint8_t(selector >> 8), 0, 0, 0x8E, modrm});
  m.cpu.run(100);
  CHECK(m.halted_in() == vector);
  CHECK(m.stack(0) == (selector & 0xFFFC));
  CHECK(m.stack(1) == CODE + 5);
  CHECK(m.cpu.s.seg[DS].selector == KDATA);  // nothing was loaded
  CHECK(m.cpu.s.seg[SS].selector == KDATA);
}

TEST_CASE("protection: INT n through a DPL 0 gate from ring 3 is #GP(vector*8+2)") {
  Machine m(3);
  m.put(CODE, {0xCD, 0x30});  // int $0x30
  m.cpu.run(100);
  CHECK(m.halted_in() == GP);
  CHECK(m.stack(0) == 0x30 * 8 + 2);
  CHECK(m.stack(1) == CODE);  // the INT itself faulted
  CHECK(m.stack(2) == UCODE);
}

TEST_CASE("protection: a gate that is not present is #NP with EXT for an exception") {
  Machine m(0);
  m.put64(IDT + 8 * UD, m.get64(IDT + 8 * UD) & ~(1ull << 47));
  m.put(CODE, {0x0F, 0x0B});  // ud2
  m.cpu.run(100);
  CHECK(m.halted_in() == NP);
  CHECK(m.stack(0) == UD * 8 + 2 + 1);  // IDT bit and EXT: it happened delivering #UD
  CHECK(m.stack(1) == CODE);
}

TEST_CASE("protection: #TS when the TSS names a bad stack for the target ring") {
  Machine m(3);
  // INT 0x40 leads to ring 1 code, but SS1 names a ring 0 data segment.
  m.put64(IDT + 8 * 0x40, gate(R1CODE & ~3, handler(0x40), 0xE, 3));
  m.put32(TSS + 12, 0x60000);     // ESP1
  m.put32(TSS + 16, KDATA | 1);  // SS1: RPL 1, but DPL 0
  m.put(CODE, {0xCD, 0x40});      // int $0x40
  m.cpu.run(100);
  CHECK(m.halted_in() == TS);
  CHECK(m.cpu.s.cpl == 0);
  CHECK(m.stack(0) == KDATA);  // the bad SS selector
  CHECK(m.stack(1) == CODE);
  CHECK(m.stack(2) == UCODE);
  CHECK(m.stack(4) == USER_STACK);
  CHECK(m.stack(5) == UDATA);
}

TEST_CASE("protection: #PF reports the access in its error code and the address in CR2") {
  Machine m(0);
  // Identity-map the 4 MiB with user-writable pages, except 0x300000 (not
  // present) and 0x301000 (read-only).
  constexpr uint32_t PD = 0x100000, PT = 0x101000;
  m.put32(PD, PT | 7);
  for (uint32_t i = 0; i < 1024; i++) m.put32(PT + 4 * i, i << 12 | 7);
  m.put32(PT + 4 * 0x300, 0);
  m.put32(PT + 4 * 0x301, 0x301000 | 5);
  m.cpu.s.cr3 = PD;
  m.cpu.s.cr0 |= CR0_PG;

  SUBCASE("ring 0 reads a page that is not present: error 0") {
    m.put(CODE, {0xA1, 0x10, 0x00, 0x30, 0x00});  // mov 0x300010, %eax
    m.cpu.run(100);
    CHECK(m.halted_in() == PF_);
    CHECK(m.stack(0) == 0);
    CHECK(m.stack(1) == CODE);
    CHECK(m.cpu.s.cr2 == 0x300010);
  }
  SUBCASE("ring 3 writes a read-only page: error P|W|U") {
    m.enter(3);
    m.cpu.s.cr0 |= CR0_PG;
    m.put(CODE, {0xA3, 0x04, 0x10, 0x30, 0x00});  // mov %eax, 0x301004
    m.cpu.run(100);
    CHECK(m.halted_in() == PF_);
    CHECK(m.stack(0) == 7);
    CHECK(m.stack(1) == CODE);
    CHECK(m.stack(2) == UCODE);
    CHECK(m.cpu.s.cr2 == 0x301004);
  }
}

TEST_CASE("protection: a #GP while delivering a #GP is a double fault") {
  Machine m(0);
  m.put64(IDT + 8 * GP, 0);  // not a gate
  // mov $0x1000, %eax ; mov %eax, %ds   -- #GP(0x1000), then #GP(0x6B) delivering it
  m.put(CODE, {0xB8, 0x00, 0x10, 0, 0, 0x8E, 0xD8});
  m.cpu.run(100);
  CHECK(m.halted_in() == DF_);
  CHECK(m.stack(0) == 0);
  CHECK(m.stack(1) == CODE + 5);
}

TEST_CASE("protection: an exception with no usable IDT is a triple fault") {
  Machine m(0);
  m.cpu.s.idtr.limit = 0;
  m.put(CODE, {0x0F, 0x0B});  // ud2
  CHECK(m.cpu.run(100) == StopReason::TripleFault);
}

TEST_CASE("protection: INT from ring 3 switches to the TSS stack, only interrupt gates clear IF") {
  Machine m(3);
  m.cpu.s.eflags |= IF;
  m.put64(IDT + 8 * 0x80, gate(KCODE, handler(0x80), 0xE, 3));
  m.put64(IDT + 8 * 0x81, gate(KCODE, handler(0x81), 0xF, 3));
  bool interrupt_gate = true;
  SUBCASE("interrupt gate") { interrupt_gate = true; }
  SUBCASE("trap gate") { interrupt_gate = false; }
  const int vector = interrupt_gate ? 0x80 : 0x81;
  m.put(CODE, {0xCD, uint8_t(vector)});  // int $0x80 / $0x81
  CHECK(m.cpu.run(100) == StopReason::Halted);
  CHECK(m.halted_in() == vector);
  CHECK(m.cpu.s.cpl == 0);
  CHECK(m.cpu.s.seg[CS].selector == KCODE);
  CHECK(m.cpu.s.seg[SS].selector == KDATA);
  CHECK(m.cpu.s.reg[ESP] == KERNEL_STACK - 20);
  CHECK(m.stack(0) == CODE + 2);
  CHECK(m.stack(1) == UCODE);
  CHECK((m.stack(2) & IF) != 0);
  CHECK(m.stack(3) == USER_STACK);
  CHECK(m.stack(4) == UDATA);
  CHECK(((m.cpu.flags() & IF) != 0) == !interrupt_gate);
}

TEST_CASE("protection: a call gate copies parameters to ring 0 and RETF returns to ring 3") {
  Machine m(3);
  m.put(CODE, {
      0x68, 0x11, 0x11, 0x11, 0x11,              // push $0x11111111
      0x68, 0x22, 0x22, 0x22, 0x22,              // push $0x22222222
      0x9A, 0x00, 0x00, 0x00, 0x00, 0x3B, 0x00,  // lcall $0x3B, $0   (the call gate)
  });
  m.put(GATE_TARGET, {
      0xB8, 0x10, 0x00, 0x00, 0x00,  // mov $0x10, %eax
      0x8E, 0xD8,                    // mov %eax, %ds   (ring 0 data)
      0xCA, 0x08, 0x00,              // lret $8
  });
  m.cpu.run(3);
  CHECK(m.cpu.s.cpl == 0);
  CHECK(m.cpu.s.seg[CS].selector == KCODE);
  CHECK(m.cpu.s.eip == GATE_TARGET);
  CHECK(m.cpu.s.seg[SS].selector == KDATA);
  CHECK(m.cpu.s.reg[ESP] == KERNEL_STACK - 24);
  CHECK(m.stack(0) == CODE + 17);  // return address
  CHECK(m.stack(1) == UCODE);
  CHECK(m.stack(2) == 0x22222222);  // the parameters, in the caller's order
  CHECK(m.stack(3) == 0x11111111);
  CHECK(m.stack(4) == USER_STACK - 8);
  CHECK(m.stack(5) == UDATA);

  m.cpu.run(3);
  CHECK(m.cpu.s.cpl == 3);
  CHECK(m.cpu.s.seg[CS].selector == UCODE);
  CHECK(m.cpu.s.eip == CODE + 17);
  CHECK(m.cpu.s.seg[SS].selector == UDATA);
  CHECK(m.cpu.s.reg[ESP] == USER_STACK);  // RETF 8 released the parameters
  // Ring 3 cannot keep a ring 0 data segment: DS became null.
  CHECK(m.cpu.s.seg[DS].selector == 0);
  CHECK(!m.cpu.s.seg[DS].present());
  CHECK(m.cpu.s.seg[ES].selector == UDATA);
}

TEST_CASE("protection: IRET to ring 3, and HLT there is #GP(0)") {
  Machine m(0);
  m.put(CODE, {
      0x68, 0x23, 0x00, 0x00, 0x00,  // push $UDATA
      0x68, 0x00, 0x00, 0x07, 0x00,  // push $USER_STACK
      0x68, 0x02, 0x02, 0x00, 0x00,  // push $0x202   (IF)
      0x68, 0x1B, 0x00, 0x00, 0x00,  // push $UCODE
      0x68, 0x00, 0x01, 0x02, 0x00,  // push $CODE+0x100
      0xCF,                          // iret
  });
  m.put(CODE + 0x100, {0xF4});  // hlt
  m.cpu.run(6);
  CHECK(m.cpu.s.cpl == 3);
  CHECK(m.cpu.s.seg[CS].selector == UCODE);
  CHECK(m.cpu.s.eip == CODE + 0x100);
  CHECK(m.cpu.s.seg[SS].selector == UDATA);
  CHECK(m.cpu.s.reg[ESP] == USER_STACK);
  CHECK((m.cpu.flags() & IF) != 0);
  CHECK(m.cpu.s.seg[DS].selector == 0);

  m.cpu.run(100);
  CHECK(m.halted_in() == GP);
  CHECK(m.stack(0) == 0);
  CHECK(m.stack(1) == CODE + 0x100);
  CHECK(m.stack(2) == UCODE);
}

TEST_CASE("protection: the TSS I/O bitmap decides IN at CPL > IOPL") {
  Machine m(3);
  m.bus.ram()[TSS + IO_BITMAP + 0x61 / 8] = 1 << (0x61 % 8);  // deny port 0x61
  m.put(CODE, {0xE4, 0x60, 0xE4, 0x61});                      // in $0x60, %al ; in $0x61, %al
  m.cpu.run(1);
  CHECK(m.cpu.s.eip == CODE + 2);
  CHECK((m.cpu.s.reg[EAX] & 0xFF) == 0xFF);  // nothing drives the port
  m.cpu.run(100);
  CHECK(m.halted_in() == GP);
  CHECK(m.stack(0) == 0);
  CHECK(m.stack(1) == CODE + 2);

  SUBCASE("ports past the end of the TSS are denied") {
    Machine n(3);
    n.put(CODE, {0x66, 0xBA, 0xF8, 0x03, 0xEC});  // mov $0x3F8, %dx ; in (%dx), %al
    n.cpu.run(100);
    CHECK(n.halted_in() == GP);
    CHECK(n.stack(1) == CODE + 4);
  }
  SUBCASE("IOPL 3 lets ring 3 use every port") {
    Machine n(3);
    n.cpu.s.eflags |= IOPL;
    n.put(CODE, {0xE4, 0x61});
    n.cpu.run(1);
    CHECK(n.cpu.s.eip == CODE + 2);
  }
}

TEST_CASE("protection: the embedder can take INT 0x80 before the CPU delivers it") {
  struct Syscalls : CpuHooks {
    int seen = -1;
    uint32_t eip = 0;
    bool on_software_interrupt(Cpu& cpu, uint8_t vector) override {
      seen = vector;
      eip = cpu.s.eip;
      return vector == 0x80;
    }
  } hooks;
  Machine m(3);
  m.cpu.hooks = &hooks;
  m.put(CODE, {0xCD, 0x80, 0x90});  // int $0x80 ; nop
  m.cpu.run(1);
  CHECK(hooks.seen == 0x80);
  CHECK(hooks.eip == CODE + 2);  // the hook sees EIP past the INT
  CHECK(m.cpu.s.cpl == 3);
  CHECK(m.cpu.s.eip == CODE + 2);
}

TEST_CASE("protection: LTR loads the task register and marks the TSS busy") {
  Machine m(0);
  m.cpu.s.tr = SegmentCache{};
  m.put(CODE, {0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8});  // mov $0x28, %ax ; ltr %ax
  m.cpu.run(2);
  CHECK(m.cpu.s.tr.selector == TSS_SEL);
  CHECK(m.cpu.s.tr.base == TSS);
  CHECK(m.cpu.s.tr.type() == 0xB);
  CHECK((m.get64(GDT + TSS_SEL) >> 40 & 0xF) == 0xB);
}

namespace {
// One interrupt line, raised by the test, optionally only once `cpu` has
// retired `after` instructions.
struct Line : InterruptSource {
  bool raised = false;
  uint8_t vector = 0x20;
  const Cpu* cpu = nullptr;
  uint64_t after = 0;
  bool pending() override { return raised && (!cpu || cpu->s.insns >= after); }
  uint8_t acknowledge() override {
    raised = false;
    return vector;
  }
};
}  // namespace

TEST_CASE("protection: MOV SS holds off an interrupt for one instruction") {
  Machine m(0);
  Line line;
  m.cpu.intc = &line;
  m.cpu.s.eflags |= IF;
  // mov $0x10, %eax ; mov %eax, %ss ; nop ; nop
  m.put(CODE, {0xB8, 0x10, 0x00, 0x00, 0x00, 0x8E, 0xD0, 0x90, 0x90});
  line.raised = true;  // from the end of MOV SS on
  line.cpu = &m.cpu;
  line.after = 2;
  m.cpu.run(100);
  CHECK(m.halted_in() == 0x20);
  CHECK(m.stack(0) == CODE + 8);  // taken after the NOP that follows MOV SS
}

TEST_CASE("protection: STI enables interrupts after the next instruction") {
  Machine m(0);
  Line line;
  line.raised = true;
  m.cpu.intc = &line;
  m.put(CODE, {0xFB, 0x90, 0x90});  // sti ; nop ; nop
  m.cpu.run(100);
  CHECK(m.halted_in() == 0x20);
  CHECK(m.stack(0) == CODE + 2);
  CHECK((m.stack(2) & IF) != 0);
}

TEST_CASE("protection: a fault delivering an external interrupt has EXT set") {
  Machine m(0);
  Line line;
  line.raised = true;
  m.cpu.intc = &line;
  m.cpu.s.eflags |= IF;
  m.put64(IDT + 8 * 0x20, m.get64(IDT + 8 * 0x20) & ~(1ull << 47));  // not present
  m.put(CODE, {0x90});
  m.cpu.run(100);
  CHECK(m.halted_in() == NP);
  CHECK(m.stack(0) == 0x20 * 8 + 2 + 1);
  CHECK(m.stack(1) == CODE);  // the interrupted instruction had not run
}

TEST_CASE("protection: a 16-bit interrupt gate pushes a 16-bit frame") {
  Machine m(0);
  m.put64(IDT + 8 * 0x50, gate(KCODE, 0x8000, 0x6, 0));
  m.put(0x8000, {0xF4});
  m.put(CODE, {0xCD, 0x50});  // int $0x50
  m.cpu.run(100);
  CHECK(m.cpu.s.eip == 0x8001);
  CHECK(m.cpu.s.reg[ESP] == KERNEL_STACK - 6);
  CHECK(m.get16(KERNEL_STACK - 6) == uint16_t(CODE + 2));
  CHECK(m.get16(KERNEL_STACK - 4) == KCODE);
}

TEST_CASE("protection: ring 3 cannot change IF or IOPL") {
  Machine m(3);
  m.cpu.s.eflags |= IF;
  // push $0 ; popf ; cli
  m.put(CODE, {0x6A, 0x00, 0x9D, 0xFA});
  m.cpu.run(2);
  CHECK((m.cpu.flags() & IF) != 0);  // POPF left IF alone
  CHECK((m.cpu.flags() & IOPL) == 0);
  m.cpu.run(100);
  CHECK(m.halted_in() == GP);  // CLI at CPL 3 > IOPL 0
  CHECK(m.stack(1) == CODE + 3);
}

TEST_CASE("protection: a far call from ring 3 straight to ring 0 code is #GP(selector)") {
  Machine m(3);
  m.put(CODE, {0x9A, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00});  // lcall $0x08, $0
  m.cpu.run(100);
  CHECK(m.halted_in() == GP);
  CHECK(m.stack(0) == KCODE);
  CHECK(m.stack(1) == CODE);
  CHECK(m.stack(4) == USER_STACK);  // nothing was pushed on the user stack
}

TEST_CASE("protection: LAR, LSL, VERR and VERW look at a descriptor without faulting") {
  Machine m(3);
  m.put(CODE, {
      0xB8, 0x23, 0x00, 0x00, 0x00,  // mov $UDATA, %eax
      0x0F, 0x02, 0xD8,              // lar %eax, %ebx
      0x0F, 0x03, 0xC8,              // lsl %eax, %ecx
      0x0F, 0x00, 0xE8,              // verw %ax
      0xB8, 0x10, 0x00, 0x00, 0x00,  // mov $KDATA, %eax
      0x0F, 0x00, 0xE0,              // verr %ax   (ring 0 data: not from ring 3)
      0x0F, 0x02, 0xD0,              // lar %eax, %edx
  });
  m.cpu.run(2);
  CHECK(m.cpu.zf());
  CHECK(m.cpu.s.reg[EBX] == 0x00C0F200u);  // type, DPL, P, and the AVL/D/G nibble
  m.cpu.run(1);
  CHECK(m.cpu.zf());
  CHECK(m.cpu.s.reg[ECX] == 0xFFFFFFFFu);
  m.cpu.run(1);
  CHECK(m.cpu.zf());
  m.cpu.s.reg[EDX] = 0x1234;
  m.cpu.run(2);
  CHECK(!m.cpu.zf());
  m.cpu.run(1);
  CHECK(!m.cpu.zf());
  CHECK(m.cpu.s.reg[EDX] == 0x1234);
}

TEST_CASE("protection: control registers, MSRs and CPUID") {
  Machine m(0);
  SUBCASE("CR1 does not exist: #UD") {
    m.put(CODE, {0x0F, 0x20, 0xC8});  // mov %cr1, %eax
    m.cpu.run(100);
    CHECK(m.halted_in() == UD);
  }
  SUBCASE("CR4.PAE is reserved on this CPU: #GP(0)") {
    m.put(CODE, {0xB8, 0x20, 0, 0, 0, 0x0F, 0x22, 0xE0});  // mov $0x20, %eax ; mov %eax, %cr4
    m.cpu.run(100);
    CHECK(m.halted_in() == GP);
    CHECK(m.cpu.s.cr4 == 0);
  }
  SUBCASE("CR0.PG without PE: #GP(0)") {
    // mov $0x80000010, %eax ; mov %eax, %cr0
    m.put(CODE, {0xB8, 0x10, 0, 0, 0x80, 0x0F, 0x22, 0xC0});
    m.cpu.run(100);
    CHECK(m.halted_in() == GP);
    CHECK(m.cpu.protected_mode());
  }
  SUBCASE("an unknown MSR: #GP(0)") {
    m.put(CODE, {0xB9, 0x45, 0x23, 0x01, 0x00, 0x0F, 0x32});  // mov $0x12345, %ecx ; rdmsr
    m.cpu.run(100);
    CHECK(m.halted_in() == GP);
  }
  SUBCASE("WRMSR then RDMSR of SYSENTER_EIP") {
    // mov $0x176, %ecx ; mov $0xC0DE, %eax ; mov $0, %edx ; wrmsr ; mov $0, %eax ; rdmsr
    m.put(CODE, {0xB9, 0x76, 0x01, 0, 0, 0xB8, 0xDE, 0xC0, 0, 0, 0xBA, 0, 0, 0, 0, 0x0F, 0x30,
                 0xB8, 0, 0, 0, 0, 0x0F, 0x32});
    m.cpu.run(6);
    CHECK(m.cpu.s.sysenter_eip == 0xC0DE);
    CHECK(m.cpu.s.reg[EAX] == 0xC0DE);
  }
  SUBCASE("CPUID: GenuineIntel, family 6, an FPU, no SSE, MMX or PGE") {
    // mov $0, %eax ; cpuid ; mov $1, %eax ; cpuid
    m.put(CODE, {0xB8, 0, 0, 0, 0, 0x0F, 0xA2, 0xB8, 1, 0, 0, 0, 0x0F, 0xA2});
    m.cpu.run(2);
    CHECK(m.cpu.s.reg[EAX] == 1);
    char vendor[13] = {};
    std::memcpy(vendor, &m.cpu.s.reg[EBX], 4);
    std::memcpy(vendor + 4, &m.cpu.s.reg[EDX], 4);
    std::memcpy(vendor + 8, &m.cpu.s.reg[ECX], 4);
    CHECK(std::string(vendor) == "GenuineIntel");
    m.cpu.run(2);
    CHECK(m.cpu.s.reg[EAX] == 0x633);
    const uint32_t edx = m.cpu.s.reg[EDX];
    CHECK((edx & (1u << 15)) != 0);          // CMOV
    CHECK((edx & (1u << 8)) != 0);           // CX8
    CHECK((edx & (1u << 4)) != 0);           // TSC
    CHECK((edx & (1u << 0)) != 0);           // FPU
    CHECK((edx & ((1u << 13) | (1u << 23) | (1u << 24) | (1u << 25))) == 0);  // PGE MMX FXSR SSE
  }
}
