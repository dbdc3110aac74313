// Snapshots: a VM saved as a folder, and restored bit-exact.
//
// The folder holds everything the VM is (DESIGN.md section 4):
//   config        RAM size, clock rate, RTC epoch (text, key = value)
//   ram.bin       guest RAM
//   cpu.bin       the CPU's architectural state (cpu/state.h), versioned
//   machine.bin   simulated idle time and the exit counters
//   devices/NAME.bin  each device's state (Device::save)
//   disk0.img, disk1.img  the ATA disks, with the guest's writes
//   rom.bin       the firmware ROM, when one is mapped (emulator/rom.h)
// Decoded code, the soft TLB and shadow page tables are caches: they are
// not saved, and are rebuilt after a restore. A restored VM continues
// exactly as the original would have (the test runs both and compares).
// Lesson 3 snapshots and clones a VM.
#pragma once
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/machine.h"

namespace isolab::emulator {

struct SnapshotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Write the machine to `folder` (created if needed). Throws SnapshotError
// naming the file that could not be written.
void save_snapshot(const Machine& m, const std::string& folder);

// Build a machine from `folder`. Throws SnapshotError naming the file and
// what is wrong with it (missing, wrong size, wrong version).
std::unique_ptr<Machine> restore_snapshot(const std::string& folder);

// The snapshot's contents as named byte strings, the names being the
// folder's file names ("config", "cpu.bin", "machine.bin",
// "devices/pit.bin", "disk0.img", "rom.bin"): everything but ram.bin.
// Live migration (migration.h) sends these after the RAM pages, so a
// migrated VM and a snapshot carry the same state in the same format.
using StateFiles = std::map<std::string, std::vector<uint8_t>>;
StateFiles save_state_files(const Machine& m);
// The configuration in `files` ("config"). Throws SnapshotError, naming
// `where` + "config", when it is missing or malformed.
MachineConfig config_from_state_files(const StateFiles& files, const std::string& where);
// Give `m` (built from that configuration, its RAM already in place) the
// CPU, device, disk and ROM state of `files`, and drop every cache built
// from its old state. Throws SnapshotError naming `where` + the file that
// is missing or does not fit.
void restore_state_files(Machine& m, const StateFiles& files, const std::string& where);

// A second machine with the same state (RAM copied, disks copied), running
// independently from here on.
std::unique_ptr<Machine> clone_machine(const Machine& m);

}  // namespace isolab::emulator
