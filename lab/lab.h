// The lab: one simulated host that holds virtual machines (emulator/host.h)
// and the container kernel (containers/kernel.h) side by side, with one
// clock. The console (console.h) acts on it, probes (probes.h) read it, and
// lessons drive it through the console.
//
// Time advances in rounds. A round gives every running VM its weighted
// slice of guest time (the hypervisor's scheduler, host.h) and the
// container kernel the same slice of instructions; the lab's clock moves
// one slice. Nothing runs between rounds, so a probe read between rounds
// sees a consistent host, and the same commands always give the same
// numbers.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "containers/container.h"
#include "containers/kernel.h"
#include "containers/runtime.h"
#include "emulator/host.h"
#include "emulator/migration.h"
#include "lab/debugger.h"

namespace isolab::lab {

// Simulated nanoseconds one round lasts (a weight-1 VM's slice).
constexpr uint64_t kRoundNs = 100000;

// What the lab keeps about a VM beyond the host's Vm.
struct VmExtra {
  std::string image;           // "minios" or the kernel file
  std::string pending_input;   // typed with `vm type`, fed a line at a time
  // The boot, as lesson 9 measures it: the guest's retired instructions and
  // its simulated time at the moment its console first ended with the shell
  // prompt "$ " (0 until then). Counted from the VM's first instruction, so
  // the time a VM spent created or paused before `vm start` is not in it.
  uint64_t boot_insns = 0, boot_ns = 0;
  // Its live migration (emulator/migration.h), once it had one, and the
  // process that runs its guest now (0: this one).
  std::optional<emulator::MigrationReport> migration;
  int host_pid = 0;
};

// `vm migrate` (emulator/migration.h): to an `isolab vm receive` at `to`
// (the VM then leaves this lab, state "migrated"), or, with `to` empty, to
// a target process the lab starts and keeps driving in lockstep
// (emulator/remote_vm.h): the VM keeps its name and runs on over there.
struct MigrateSpec {
  std::string to;  // ADDR:PORT, or empty
  emulator::MigrationOptions options;
};

// A container the lab started: the runtime's (containers/runtime.h), with
// what it wrote (logs), its stdin (`ctr run --input`), its start as lesson 9
// measures it (start_insns, start_ns), and, when the shared kernel refused
// its program, state Failed with the errno's words and exit code 126.
using LabContainer = containers::RuntimeContainer;

struct VmSpec {
  std::string name;
  uint64_t mem_bytes = 64ull << 20;
  uint32_t weight = 1;
  std::string image = "minios";  // or a multiboot kernel file
  emulator::PagingMode paging = emulator::PagingMode::Shadow;
  std::string cmdline;  // added to the kernel command line (miniOS: "bug=1")
  // interp (deterministic) or kvm (hardware; refused, with the capability
  // probe's sentence, where the host cannot run it).
  emulator::BackendKind backend = emulator::BackendKind::Interp;
};

class Lab {
 public:
  Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  emulator::Host host{kRoundNs};
  containers::Kernel kernel;
  // Docker's verbs on the lab's containers. Its images come from the lab's
  // catalog (below); its stop and rm let time pass by the lab's rounds.
  containers::Runtime runtime{kernel};
  Breakpoints breakpoints;  // the debugger's, by VM (debugger.h)

  // Create a VM with its kernel loaded, not started. Returns an error
  // message, or nullopt.
  std::optional<std::string> create_vm(const VmSpec& spec);
  emulator::Vm* find_vm(const std::string& name) { return host.find(name); }
  VmExtra& extra(const std::string& name) { return *extras_[name]; }

  // Give VM `name` a new machine (restored or cloned), keeping the lab's
  // hooks (console capture, typed input) on it.
  void replace_machine(emulator::Vm& vm, std::unique_ptr<emulator::Machine> m);
  // Add a VM `name` whose machine is `m` (a clone or a restored snapshot).
  std::optional<std::string> add_vm_with_machine(const std::string& name, std::unique_ptr<emulator::Machine> m,
                                                 uint32_t weight, const std::string& image);

  // Migrate VM `name` live (MigrateSpec). Error message or nullopt; the
  // report is in extra(name).migration.
  std::optional<std::string> migrate_vm(const std::string& name, const MigrateSpec& spec);
  // End the process that runs VM `name` after a migration, if any.
  void end_remote_vm(emulator::Vm& vm);
  // The executable started as a migration target: an isolab command that
  // has `vm receive`. This one, unless the environment's ISOLAB_EXE names
  // another (test programs that embed the lab without the whole command).
  std::string target_exe = std::getenv("ISOLAB_EXE") ? std::getenv("ISOLAB_EXE") : "/proc/self/exe";

  // Start a container (not waiting for it), its stdin `input` then end of
  // file. Error message or nullopt. The lab's image catalog: "minios"
  // (miniOS's programs in /bin, and in /boot/minios.elf the kernel file `vm
  // create --image minios` boots), "busybox" (when scripts/fetch-busybox has
  // fetched it) and "hello-amd64" (/bin/hello, an x86-64 program: an image
  // for another platform, lessons/programs/). A program the kernel refuses
  // to execute is not an error here: the container is kept, Failed.
  std::optional<std::string> run_container(const std::string& image, containers::ContainerSpec spec,
                                           const std::string& input = {});
  LabContainer* find_container(const std::string& name) { return runtime.find(name); }

  // Docker's verbs on a container, as the runtime does them; each returns
  // the runtime's error message, or nullopt. stop and rm run the lab's
  // rounds meanwhile (VMs too); stop's timeout is lab time.
  std::optional<std::string> exec_container(const std::string& name, const std::vector<std::string>& cmd);
  std::optional<std::string> kill_container(const std::string& name, int signal);
  std::optional<std::string> stop_container(const std::string& name, uint64_t timeout_ns);
  std::optional<std::string> rm_container(const std::string& name, bool force);
  std::optional<std::string> commit_container(const std::string& name, const std::string& image);
  // The images this lab has loaded or committed, by name.
  std::vector<containers::ImageInfo> images() const { return runtime.images(); }
  const std::vector<std::unique_ptr<LabContainer>>& containers() const { return runtime.containers(); }

  // One round (see above). Returns false when nothing could run: no VM is
  // running and the container kernel is idle.
  bool run_round();
  uint64_t now_ns() const { return now_ns_; }
  // Let `ns` pass with nothing to run (after run_round returned false).
  void pass_idle_time(uint64_t ns) { now_ns_ += ns; }

  size_t vms_running() const;
  size_t containers_running() const;

 private:
  void hook(emulator::Vm& vm);

  std::map<std::string, std::unique_ptr<VmExtra>> extras_;
  uint64_t now_ns_ = 0;
};

}  // namespace isolab::lab
