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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "containers/container.h"
#include "containers/kernel.h"
#include "emulator/host.h"
#include "lab/debugger.h"

namespace isolab::lab {

// Simulated nanoseconds one round lasts (a weight-1 VM's slice).
constexpr uint64_t kRoundNs = 100000;

// What the lab keeps about a VM beyond the host's Vm.
struct VmExtra {
  std::string image;           // "minios" or the kernel file
  std::string pending_input;   // typed with `vm type`, fed a line at a time
};

// A container the lab started, with what it wrote.
struct LabContainer {
  containers::Container c;
  std::string image;
  std::vector<std::string> cmd;
  std::string logs;  // stdout and stderr, interleaved as written
};

struct VmSpec {
  std::string name;
  uint64_t mem_bytes = 64ull << 20;
  uint32_t weight = 1;
  std::string image = "minios";  // or a multiboot kernel file
  emulator::PagingMode paging = emulator::PagingMode::Shadow;
};

class Lab {
 public:
  Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  emulator::Host host{kRoundNs};
  containers::Kernel kernel;
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

  // Start a container (not waiting for it). Error message or nullopt.
  std::optional<std::string> run_container(const std::string& image, containers::ContainerSpec spec);
  LabContainer* find_container(const std::string& name);
  const std::vector<std::unique_ptr<LabContainer>>& containers() const { return containers_; }

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
  std::vector<std::unique_ptr<LabContainer>> containers_;
  uint64_t now_ns_ = 0;
};

}  // namespace isolab::lab
