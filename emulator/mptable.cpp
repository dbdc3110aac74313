// Intel MultiProcessor Specification 1.4 tables, as a PC BIOS leaves them.
// Reference: Intel MultiProcessor Specification, version 1.4 (May 1997),
// chapter 4 "MP Configuration Table"; the entries as SeaBIOS writes them
// for QEMU's pc machine (src/fw/mptable.c). Lesson: from the 8259 to the
// APIC.
//
// The hardware's story. Before ACPI, a multiprocessor PC's BIOS described
// the machine in two structures. The 16-byte floating pointer ("_MP_")
// sits on a 16-byte boundary in the first KiB of the EBDA, the last KiB
// of base memory or the BIOS area 0xF0000-0xFFFFF, where an OS scans for
// it; it holds the address of the configuration table ("PCMP"): a header
// (with the local APIC's address) followed by entries, processors first,
// then buses, I/O APICs, I/O interrupt assignments (which bus IRQ reaches
// which I/O APIC pin) and local interrupt assignments (what drives each
// CPU's LINT0 and LINT1 pins). Every byte of each structure sums to zero.
//
// The values come from the device models: the APIC IDs and versions are
// read from freshly reset LocalApic and IoApic registers, the pins from
// kIsaIrqToIoApicPin, so the table cannot disagree with what the guest
// reads from the hardware.
#include "emulator/mptable.h"

#include <cstring>
#include <vector>

#include "emulator/devices/ioapic.h"
#include "emulator/devices/irq_router.h"
#include "emulator/devices/lapic.h"

namespace isolab::emulator {

namespace {

// Entry types (MP spec table 4-3) and interrupt types (table 4-10).
enum : uint8_t { kProcessor = 0, kBus = 1, kIoApicEntry = 2, kIoInterrupt = 3, kLocalInterrupt = 4 };
enum : uint8_t { kIntINT = 0, kIntNMI = 1, kIntExtINT = 3 };

// CPUID leaf 1 as the interpreter answers it (cpu/ops_system.cpp): family
// 6 model 3 stepping 3; DE, PSE, TSC, MSR, CX8, APIC, CMOV.
constexpr uint32_t kCpuSignature = 0x633;
constexpr uint32_t kCpuFeatures = (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 8) | (1u << 9) | (1u << 15);

constexpr uint8_t kIsaBusId = 0;
constexpr uint16_t kEbdaSegment = 0x9FC0;  // 0x9FC00: the EBDA the memory maps reserve
constexpr uint16_t kBaseMemoryKiB = 639;   // conventional memory below the EBDA

class Bytes {
 public:
  void u8(uint8_t v) { b.push_back(v); }
  void u16(uint16_t v) { u8(uint8_t(v)), u8(uint8_t(v >> 8)); }
  void u32(uint32_t v) { u16(uint16_t(v)), u16(uint16_t(v >> 16)); }
  void text(const char* s, size_t n) {  // space-padded, no terminator
    for (size_t i = 0; i < n; i++) u8(i < std::strlen(s) ? uint8_t(s[i]) : ' ');
  }
  // Set byte `at` so that bytes [from, size) sum to zero.
  void checksum(size_t at, size_t from = 0) {
    uint8_t sum = 0;
    for (size_t i = from; i < b.size(); i++) sum += b[i];
    b[at] = uint8_t(-sum);
  }
  std::vector<uint8_t> b;
};

// An I/O or local interrupt entry (MP spec 4.3.4, 4.3.5): 8 bytes.
// Flags 0: polarity and trigger "conform to the bus" (ISA: active high, edge).
void interrupt_entry(Bytes& t, uint8_t type, uint8_t irq_type, uint8_t bus_irq, uint8_t apic_id, uint8_t pin) {
  t.u8(type);
  t.u8(irq_type);
  t.u16(0);
  t.u8(kIsaBusId);
  t.u8(bus_irq);
  t.u8(apic_id);
  t.u8(pin);
}

}  // namespace

void write_mp_table(uint8_t* ram, uint64_t ram_size) {
  if (ram_size < 0x100000) return;

  // What the guest will read from the APICs' ID and version registers.
  LocalApic lapic;
  IoApic ioapic(lapic);
  uint32_t lapic_id = 0, lapic_version = 0;
  lapic.mmio_read(lapic.base() + 0x20, 4, lapic_id);
  lapic.mmio_read(lapic.base() + 0x30, 4, lapic_version);
  const uint8_t ioapic_id = uint8_t((ioapic.read_register(0) >> 24) & 0x0F);
  const uint8_t ioapic_version = uint8_t(ioapic.read_register(1));

  // The configuration table: header (4.2), then the entries in the
  // order the specification requires.
  Bytes t;
  t.text("PCMP", 4);
  t.u16(0);   // base table length, set below
  t.u8(4);    // specification revision 1.4
  t.u8(0);    // checksum, set below
  t.text("ISOLAB", 8);
  t.text("ISOLAB PC", 12);
  t.u32(0);   // no OEM table
  t.u16(0);
  t.u16(0);   // entry count, set below
  t.u32(lapic.base());
  t.u16(0);   // no extended table
  t.u8(0);
  t.u8(0);
  uint16_t entries = 0;

  // One processor (4.3.1): enabled, the bootstrap processor.
  t.u8(kProcessor);
  t.u8(uint8_t(lapic_id >> 24));
  t.u8(uint8_t(lapic_version));
  t.u8(0x01 | 0x02);
  t.u32(kCpuSignature);
  t.u32(kCpuFeatures);
  t.u32(0);
  t.u32(0);
  entries++;

  // The ISA bus (4.3.2).
  t.u8(kBus);
  t.u8(kIsaBusId);
  t.text("ISA", 6);
  entries++;

  // The I/O APIC (4.3.3): enabled.
  t.u8(kIoApicEntry);
  t.u8(ioapic_id);
  t.u8(ioapic_version);
  t.u8(0x01);
  t.u32(kIoApicBase);
  entries++;

  // Each ISA IRQ to its I/O APIC pin (IRQ2, the 8259 cascade, has none).
  for (uint8_t irq = 0; irq < 16; irq++) {
    if (kIsaIrqToIoApicPin[irq] < 0) continue;
    interrupt_entry(t, kIoInterrupt, kIntINT, irq, ioapic_id, uint8_t(kIsaIrqToIoApicPin[irq]));
    entries++;
  }
  // The 8259's output on every CPU's LINT0 (virtual wire), NMI on LINT1.
  interrupt_entry(t, kLocalInterrupt, kIntExtINT, 0, 0xFF, 0);
  interrupt_entry(t, kLocalInterrupt, kIntNMI, 0, 0xFF, 1);
  entries += 2;

  t.b[4] = uint8_t(t.b.size());
  t.b[5] = uint8_t(t.b.size() >> 8);
  t.b[34] = uint8_t(entries);
  t.b[35] = uint8_t(entries >> 8);
  t.checksum(7);

  // The floating pointer structure (4.1): one 16-byte paragraph. Feature
  // byte 1 = 0: a configuration table is present; byte 2 bit 7 (IMCRP)
  // clear: the PIC runs in virtual wire mode, there is no IMCR.
  Bytes f;
  f.text("_MP_", 4);
  f.u32(kMpConfigTableAddr);
  f.u8(1);  // length in paragraphs
  f.u8(4);  // revision 1.4
  f.u8(0);  // checksum
  for (int i = 0; i < 5; i++) f.u8(0);
  f.checksum(10);

  std::memcpy(ram + kMpFloatingPointerAddr, f.b.data(), f.b.size());
  std::memcpy(ram + kMpConfigTableAddr, t.b.data(), t.b.size());

  // The BIOS data area words an OS follows to the EBDA and the top of
  // base memory, where the search for the floating pointer begins.
  ram[0x40E] = uint8_t(kEbdaSegment);
  ram[0x40F] = uint8_t(kEbdaSegment >> 8);
  ram[0x413] = uint8_t(kBaseMemoryKiB);
  ram[0x414] = uint8_t(kBaseMemoryKiB >> 8);
}

}  // namespace isolab::emulator
