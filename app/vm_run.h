// `isolab vm run` (DESIGN.md section 7).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/machine.h"

namespace isolab::app {

struct VmRunOptions {
  std::string image;    // "minios", a multiboot kernel file, or empty to boot the first disk
  std::string initrd;
  std::vector<std::string> disks;
  std::string rom;      // a firmware image started at the reset vector (emulator/rom.h)
  std::string backend = "interp";
  std::string mem = "64M";
  std::string paging;   // shadow (the default when empty), nested or direct
  std::string input;
  std::string timeout = "60s";
  std::string trace;
  std::string cmdline;
  bool stats = false;   // print instructions, simulated time and exits to stderr at the end
};

int vm_run(const VmRunOptions& options);

// The exit status of a VM command after its run stopped with `stop`
// (DESIGN.md section 7), with the line on stderr that a failure or a
// timeout gets, prefixed by `command`.
int vm_exit_status(const char* command, emulator::MachineStop stop, const emulator::Machine& m, const std::string& failure,
                   const std::string& timeout);


}  // namespace isolab::app
