// A VM whose guest runs in another isolab process: where a VM lives after
// the lab migrated it (migration.h) to a target process of its own.
//
// The lab starts the target itself (start_target: the same executable as
// `isolab vm receive --listen 127.0.0.1:0`, told to die with its parent by
// PR_SET_PDEATHSIG), migrates the VM to it in lockstep mode, and from then
// on drives it round by round over the same TCP connection, so the VM
// keeps its name, its console and its probes in the lab:
//   lab -> target   'X' u64 slice_ns, u32 length, typed text   run one slice
//                   'Q'                                         quit
//   target -> lab   u8 MachineStop, u32 exit code, u64 idle ns, the CPU
//                   state, the exit and MMU counters (raw: both sides are
//                   the same executable, checked by size), u32 length and
//                   the console bytes the slice produced, then u32 length
//                   and the VGA device's state when its text changed (else 0).
// RemoteBackend is the lab's end (a Backend, so the host's scheduler runs
// it like any VM); serve_lockstep is the target's.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>

#include "emulator/backend.h"
#include "emulator/migration.h"

namespace isolab::emulator {

// Start `exe vm receive --listen 127.0.0.1:0` as a child that dies with
// this process, and wait (up to 10 s) for the port it listens on.
// Returns the child's pid, or -1 with `error` set.
pid_t start_target(const std::string& exe, uint16_t& port, std::string& error);

class RemoteBackend final : public Backend {
 public:
  // `local` is the lab's copy of the machine: after every slice it gets the
  // remote CPU state, counters and console output, so probes read it as
  // before. `pid` is the target process (reaped when this ends).
  RemoteBackend(Machine& local, std::unique_ptr<Link> link, pid_t pid);
  ~RemoteBackend() override;
  BackendKind kind() const override { return BackendKind::Interp; }
  MachineStop run(uint64_t max_ns) override;
  std::string failure() const override { return failure_; }
  pid_t pid() const { return pid_; }
  // Typed text waiting to go to the guest (sent with the next slice).
  std::function<std::string()> take_input;

 private:
  Machine& local_;
  std::unique_ptr<Link> link_;
  pid_t pid_;
  std::string failure_;
};

// The target's side: run slices of `m` as the source asks, feeding typed
// text a line at a time when the guest is idle, until 'Q' or the source
// goes away. Returns normally in both cases.
void serve_lockstep(Machine& m, Link& link);

}  // namespace isolab::emulator
