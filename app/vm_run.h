// `isolab vm run` (DESIGN.md section 7).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/machine.h"
#include "trace/trace.h"

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

// What `vm run` and `vm receive` attach to a machine they run: the --input
// text typed a line at a time, each when the guest is idle waiting for it
// (so nothing typed ahead is echoed into a program's output), and --trace
// FILE, every VM exit as one JSON line written as it happens.
class VmSessionIo {
 public:
  VmSessionIo() = default;
  VmSessionIo(const VmSessionIo&) = delete;
  VmSessionIo& operator=(const VmSessionIo&) = delete;
  // Open the trace file (none when `path` is empty); the error's words, or nullopt.
  std::optional<std::string> open_trace(const std::string& path);
  // Type `input` (escapes resolved) into `m` and trace its exits; `m` and
  // this object must live as long as `m` runs.
  void attach(emulator::Machine& m, const std::string& input);

 private:
  std::string input_;
  size_t typed_ = 0;
  std::unique_ptr<trace::JsonLinesWriter> writer_;
  trace::Trace log_{1};
};

// The exit status of a VM command after its run stopped with `stop`
// (DESIGN.md section 7), with the line on stderr that a failure or a
// timeout gets, prefixed by `command`.
int vm_exit_status(const char* command, emulator::MachineStop stop, const emulator::Machine& m, const std::string& failure,
                   const std::string& timeout);


}  // namespace isolab::app
