// The Intel MultiProcessor Specification 1.4 tables a PC BIOS leaves in
// memory, so SMP-aware teaching OSes (xv6, for one) find the local APIC,
// the I/O APIC and how the ISA interrupts reach it. See mptable.cpp.
#pragma once
#include <cstdint>

namespace isolab::emulator {

// Where the tables go: the floating pointer structure, then the
// configuration table, in the BIOS area (MP spec 4: "in the BIOS ROM
// address space between 0F0000h and 0FFFFFh").
inline constexpr uint32_t kMpFloatingPointerAddr = 0xF0000;
inline constexpr uint32_t kMpConfigTableAddr = 0xF0010;

// Write the floating pointer structure and the configuration table into
// guest RAM (one processor, the ISA bus, the I/O APIC, the ISA interrupt
// entries of irq_router.h, LINT0 ExtINT and LINT1 NMI), and the two BIOS
// data area words the specification's search starts from: the EBDA
// segment (0x40E) and the base memory size in KiB (0x413). Does nothing
// if `ram_size` does not reach 1 MiB. Call at power-on, before loading.
void write_mp_table(uint8_t* ram, uint64_t ram_size);

}  // namespace isolab::emulator
