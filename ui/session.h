// What the visualizer shows and steers: one Host of VMs built from a named
// scenario, each VM with a small trace of its latest exits, the lines typed
// into its console, and the run, pause and step controls.
//
// Panels read this state and never own it; the Controls panel and the
// keyboard shortcuts call the functions below. The session runs the
// emulation between frames on the UI thread, a fixed number of host rounds
// per frame when the run must repeat (screenshots), else as many as fit in
// a frame's time budget. (Issue 7 moves emulation to a worker thread and
// these controls into lab/, where the console's `step` verb will use them.)
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulator/host.h"
#include "trace/trace.h"

namespace isolab::ui {

// One VM of a scenario: its name, CPU weight and the console lines typed
// into it, one at a time, whenever it waits for input.
struct ScenarioVm {
  const char* name;
  uint32_t weight;
  std::vector<std::string> lines;
};

struct Scenario {
  const char* name;
  const char* description;
  std::vector<ScenarioVm> vms;
};

// The scenarios `isolab gui --scenario NAME` knows, "default" first.
const std::vector<Scenario>& scenarios();
const Scenario* find_scenario(const std::string& name);

// The GUI's extras beside one of the host's VMs.
struct VmSlot {
  emulator::Vm* vm = nullptr;
  std::unique_ptr<trace::Trace> exits;  // the latest VM exits, with qualification
  std::vector<std::string> input;       // lines still to type, from `typed`
  size_t typed = 0;
};

class Session {
 public:
  // Build the scenario's VMs, miniOS loaded in each, all running. On
  // failure returns null and sets `error` (what and where).
  static std::unique_ptr<Session> create(const Scenario& scenario, std::string& error);

  emulator::Host host;
  std::vector<VmSlot> slots;
  size_t selected = 0;       // the VM the per-VM panels show
  std::string status;        // the last control's outcome, for the Controls panel
  uint64_t frames = 0;       // frames advanced so far

  VmSlot& current() { return slots[selected]; }

  // Run the host for one frame: `rounds` rounds, or, when `rounds` is 0,
  // rounds until `budget_ms` of wall time have passed.
  void advance_frame(uint64_t rounds, double budget_ms);

  // Start every VM that is paused (or not started yet); pause every running one.
  void run_all();
  void pause_all();
  bool any_running() const;
  // Pause the VM and run it to its next VM exit: it stops after the
  // instruction (or interrupt delivery) that left the guest. One
  // instruction may leave it more than once (a shadow fill for its fetch,
  // another for its data): all of them are counted. Gives up after
  // `max_insns` instructions without an exit (a guest computing between
  // timer ticks runs 10M instructions without one; the step goes one
  // instruction at a time, about 3M a second). Sets `status`.
  void step_to_exit(VmSlot& slot, uint64_t max_insns = 2'000'000);
  // Pause the VM and retire one instruction. Sets `status`.
  void step_instruction(VmSlot& slot);
  // Type a line into the VM's serial console, as a user at its keyboard.
  void type_line(VmSlot& slot, const std::string& line);

 private:
  // Run one VM by `ns` of its simulated time outside the host's rounds,
  // and record how it stopped as the host's run does.
  emulator::MachineStop run_alone(emulator::Vm& vm, uint64_t ns);
};

}  // namespace isolab::ui
