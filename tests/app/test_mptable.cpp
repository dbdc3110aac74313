// The Intel MultiProcessor 1.4 tables of emulator/mptable.cpp, read back
// as an OS reads them (MP spec chapter 4).
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "emulator/devices/irq_router.h"
#include "emulator/mptable.h"

using namespace isolab::emulator;

namespace {

struct Ram {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(2u << 20, 0);
  Ram() { write_mp_table(bytes.data(), bytes.size()); }
  uint8_t u8(uint32_t a) const { return bytes[a]; }
  uint16_t u16(uint32_t a) const { return uint16_t(bytes[a] | bytes[a + 1] << 8); }
  uint32_t u32(uint32_t a) const { return u16(a) | uint32_t(u16(a + 2)) << 16; }
  uint8_t sum(uint32_t a, uint32_t n) const {
    uint8_t s = 0;
    for (uint32_t i = 0; i < n; i++) s += bytes[a + i];
    return s;
  }
  // The first 16-byte-aligned "_MP_" with a good checksum in [from, from+len).
  uint32_t find(uint32_t from, uint32_t len) const {
    for (uint32_t a = from; a < from + len; a += 16)
      if (!std::memcmp(&bytes[a], "_MP_", 4) && sum(a, 16u * bytes[a + 8]) == 0) return a;
    return 0;
  }
};

}  // namespace

TEST_CASE("mptable: the floating pointer is found in the BIOS area with a good checksum") {
  Ram ram;
  uint32_t fp = ram.find(0xF0000, 0x10000);
  REQUIRE(fp != 0);
  CHECK(fp % 16 == 0);
  CHECK(ram.u8(fp + 8) == 1);     // one paragraph
  CHECK(ram.u8(fp + 9) == 4);     // revision 1.4
  CHECK(ram.u8(fp + 11) == 0);    // a configuration table follows, not a default configuration
  CHECK((ram.u8(fp + 12) & 0x80) == 0);  // virtual wire mode, no IMCR
}

TEST_CASE("mptable: the configuration table holds one processor, ISA, the I/O APIC and the ISA interrupts") {
  Ram ram;
  uint32_t ct = ram.u32(ram.find(0xF0000, 0x10000) + 4);
  REQUIRE(std::memcmp(&ram.bytes[ct], "PCMP", 4) == 0);
  uint16_t length = ram.u16(ct + 4);
  CHECK(ram.sum(ct, length) == 0);
  CHECK(ram.u8(ct + 6) == 4);
  CHECK(ram.u32(ct + 36) == 0xFEE00000);

  int processors = 0, buses = 0, ioapics = 0, locals = 0;
  int pin_of_irq[16];
  for (int& p : pin_of_irq) p = -1;
  uint32_t e = ct + 44;
  for (int k = 0; k < ram.u16(ct + 34); k++) {
    switch (ram.u8(e)) {
      case 0:
        processors++;
        CHECK(ram.u8(e + 1) == 0);     // LAPIC ID
        CHECK(ram.u8(e + 2) == 0x14);  // LAPIC version
        CHECK(ram.u8(e + 3) == 3);     // enabled, bootstrap processor
        e += 20;
        break;
      case 1:
        buses++;
        CHECK(std::memcmp(&ram.bytes[e + 2], "ISA   ", 6) == 0);
        e += 8;
        break;
      case 2:
        ioapics++;
        CHECK(ram.u8(e + 2) == 0x11);
        CHECK(ram.u32(e + 4) == 0xFEC00000);
        e += 8;
        break;
      case 3:
        CHECK(ram.u8(e + 1) == 0);  // INT
        pin_of_irq[ram.u8(e + 5)] = ram.u8(e + 7);
        e += 8;
        break;
      case 4:
        locals++;
        CHECK(ram.u8(e + 1) == (ram.u8(e + 7) == 0 ? 3 : 1));  // LINT0 ExtINT, LINT1 NMI
        e += 8;
        break;
      default: FAIL("entry type " << int(ram.u8(e)));
    }
  }
  CHECK(e == ct + length);
  CHECK(processors == 1);
  CHECK(buses == 1);
  CHECK(ioapics == 1);
  CHECK(locals == 2);
  for (int irq = 0; irq < 16; irq++) CHECK(pin_of_irq[irq] == kIsaIrqToIoApicPin[irq]);
}

TEST_CASE("mptable: the BIOS data area points at the EBDA and gives 639 KiB of base memory") {
  Ram ram;
  CHECK(ram.u16(0x40E) == 0x9FC0);
  CHECK(ram.u16(0x413) == 639);
}
