// The lab console (DESIGN.md section 7): the command language a student
// types in the GUI's console, a script feeds to `isolab console`, and a
// lesson's ```isolab blocks hold. One command a line; `#` starts a comment
// line; words are separated by spaces and may be "quoted".
//
//   vm create NAME [--mem SIZE] [--weight N] [--image minios|FILE] [--paging shadow|nested|direct]
//             [--cmdline TEXT]         TEXT added to the kernel command line (miniOS: "bug=1")
//             [--backend interp|kvm]   kvm: the host CPU's hardware virtualization, refused (with
//                                      the capability probe's sentence) where the host cannot run it
//   vm start|pause|stop|kill NAME      stop: powered off (halted); kill: ended at once (exited, code 137)
//   vm type NAME TEXT                  TEXT (the rest of the line, "quoted" or not) with \n \t \\ \xHH escapes
//   vm snapshot NAME DIR   vm restore NAME DIR   vm clone NAME NEW
//   vm migrate NAME [--to ADDR:PORT] [--bandwidth RATE] [--max-rounds N] [--downtime-target DUR]
//                                      live migration, pre-copy (emulator/migration.h): to an
//                                      `isolab vm receive` (the VM leaves: state "migrated"), or
//                                      without --to to a process the lab starts, where the VM runs
//                                      on under its name; RATE in bit/s (default 1G), N rounds at
//                                      most (default 30), DUR the downtime aimed at (default 1ms)
//   vm step NAME [--to insn|exit|syscall|break]   the debugger (debugger.h): pause NAME, run it to the stop
//   vm break NAME exit REASON|syscall NR|NAME|addr 0xADDR   a breakpoint for `--to break`; `vm break NAME clear`
//   ctr step NAME [--syscall NR|NAME | --to syscall|break]
//                                      run the containers until NAME completes a system call (that
//                                      one; `--to break`: one it has a breakpoint on)
//   ctr break NAME syscall NR|NAME     a breakpoint for `ctr step NAME --to break` (a system call by
//                                      Linux i386 number or name); `ctr break NAME clear` removes
//                                      them, `ctr break NAME` lists them
//   ctr run [--name N] [--hostname H] [--memory SIZE] [--pids-limit N] [--cpu-weight N] [--cpus X]
//           [--input TEXT] IMAGE [CMD...]
//                                      started in the background, as `docker run -d`; --memory,
//                                      --pids-limit, --cpu-weight and --cpus write its cgroup's
//                                      memory.max, pids.max, cpu.weight and cpu.max ("X*100000 100000");
//                                      --input is its stdin (escapes as vm type), then end of file
//   ctr ps   ctr logs NAME
//   ctr exec NAME CMD [ARG...]         CMD in the container's namespaces and cgroup, in the
//                                      background; its output goes to the container's logs
//   ctr stop [-t SECONDS] NAME         SIGTERM to its init, SIGKILL after SECONDS (default 10) of lab time
//   ctr kill [-s SIGNAL] NAME          a signal (default KILL) to its init
//   ctr rm [-f] NAME                   remove an exited container (-f: a running one, killed first)
//   ctr stats [NAME]                   per container: CPU instructions, memory.current, pids.current,
//                                      its upper layer's bytes, copy-ups and whiteouts
//   ctr images                         the images with their layers; the layer store's bytes
//   ctr commit NAME IMAGE[:TAG]        its upper layer as a new layer over its image's: a new image
//   host ps                            every VM and container, one a line, then every process
//                                      of the container kernel with its host PID and its PID
//                                      inside its container
//   host cgroups                       the cgroup tree with each cgroup's processes, pids.current,
//                                      pids.max, memory.current and memory.max
//   host bug cow on|off                the container kernel's injected COW bug (containers/fault.h)
//   host bug oops                      oops the container kernel: every container goes down
//   wait DUR                           let the lab run for DUR of simulated time (e.g. 500ms, 2s)
//   wait until EXPR [--timeout DUR]    run until EXPR holds; an error (a failed check) at the timeout (default 10s)
//   expect EXPR                        a check: EXPR must hold now
//   show EXPR                          print `EXPR = value`
// Expressions are lab/expr.h's over lab/probes.h's probes.
//
// A line is parsed (parse_command) before anything runs, so a script or a
// lesson with a typing mistake on its last line does nothing at all; then
// run (run_command).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lab/expr.h"
#include "lab/lab.h"

namespace isolab::lab {

enum class Verb {
  Nothing,  // a blank or comment line
  VmCreate, VmStart, VmPause, VmStop, VmKill, VmType, VmSnapshot, VmRestore, VmClone, VmMigrate,
  VmStep, VmBreak, VmBreakClear,
  CtrRun, CtrPs, CtrLogs, CtrStep, CtrBreak, CtrBreakClear, CtrBreakList,
  CtrExec, CtrStop, CtrKill, CtrRm, CtrStats, CtrImages, CtrCommit,
  HostPs, HostCgroups, HostBug,
  Wait, WaitUntil, Expect, Show,
};

struct Command {
  Verb verb = Verb::Nothing;
  std::string name;   // the VM or container the command acts on
  std::string arg;    // DIR, NEW, or the TEXT to type (escapes resolved)
  VmSpec vm;          // vm create
  MigrateSpec migrate;  // vm migrate
  std::string image;  // ctr run
  std::string hostname;
  uint64_t memory_max = 0;  // ctr run --memory (0: no limit)
  int64_t pids_max = -1;    // ctr run --pids-limit (-1: no limit)
  std::string input;        // ctr run --input, escapes resolved
  uint32_t cpu_weight = 0;  // ctr run --cpu-weight: cpu.weight (0: the default)
  double cpus = 0;          // ctr run --cpus: cpu.max "<cpus*100000> 100000" (0: no limit)
  std::string network = "bridge";  // ctr run --network bridge|none|host
  std::vector<std::string> cmd;
  std::string expr_text;               // wait until, expect, show
  std::shared_ptr<const Expr> expr;
  uint64_t duration_ns = 10'000'000'000ull;  // wait DUR, wait until's timeout, ctr stop -t
  StepKind step = StepKind::Instruction;     // vm step --to, ctr step --to
  Breakpoint breakpoint;                     // vm break, ctr break
  std::optional<uint32_t> syscall_nr;        // ctr step --syscall
  int signal = 9;                            // ctr kill -s
  bool force = false;                        // ctr rm -f
};

struct ParsedCommand {
  std::optional<Command> command;  // nullopt on error
  std::string error;               // what is wrong, for "FILE:LINE: error"
};
ParsedCommand parse_command(const std::string& line);

// How a command ended. The numbers are the exit status of `isolab console`.
enum class Status { Ok = 0, CheckFailed = 1, BadCommand = 2 };
struct Outcome {
  Status status = Status::Ok;
  std::string message;  // on failure: what happened, with the values seen
  std::vector<std::pair<std::string, std::string>> seen;  // probes read by a check
};
// Run one parsed command on `lab`, printing what it shows on `out`.
Outcome run_command(Lab& lab, const Command& c, std::ostream& out);

// Parse every line of `text`, then run them in order, stopping at the first
// failure, which is reported on `err` as "NAME:LINE: message". Returns the
// exit status: 0, 1 (a check failed) or 2 (a bad line, or a command that
// could not be carried out).
int run_script(Lab& lab, const std::string& text, const std::string& name, std::ostream& out, std::ostream& err);

// "64M", "512K", "1G" or bytes; "10s", "500ms", "20us", "2m" or seconds.
bool parse_size(const std::string& text, uint64_t& out);
bool parse_duration(const std::string& text, uint64_t& out_ns);
// Backslash escapes: \n \r \t \\ \" and \xHH.
std::string unescape(const std::string& text);

}  // namespace isolab::lab
