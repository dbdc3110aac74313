// The scenarios the visualizer and the terminal tour open: which VMs
// (with the console lines typed into them), which containers and which
// lesson make up the lab a student starts from (DESIGN.md section 1: two
// VMs running miniOS, three containers, the first lesson open). Built
// without SDL, so the tour has them on any machine.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lab/lab.h"

namespace isolab::ui {

// One VM of a scenario: its name, CPU weight and the console lines typed
// into it, one at a time, whenever it waits for input.
struct ScenarioVm {
  const char* name;
  uint32_t weight;
  std::vector<std::string> lines;
};

// One container of a scenario, from the busybox image when the lab has it,
// else from miniOS's programs.
struct ScenarioContainer {
  const char* name;
  std::vector<std::string> busybox_cmd, minios_cmd;
};

struct Scenario {
  std::string name;
  std::string description;
  std::vector<ScenarioVm> vms;
  std::vector<ScenarioContainer> containers;
  std::string lesson;  // a lesson file to open beside the panels ("" for none)
  int lesson_steps_run = 0;  // its first steps' actions, run when the scenario opens
};

// The scenarios `isolab gui --scenario NAME` knows: "default" first,
// "idle", then "lesson-NN" for each lesson file NN-*.md in lessons/.
const std::vector<Scenario>& scenarios();
const Scenario* find_scenario(const std::string& name);

// Create the scenario's VMs (miniOS loaded, the lines queued for typing,
// all started) and containers in `lab`. Returns an error (what and
// where), or nullopt. The lesson is the caller's to open.
std::optional<std::string> build_scenario(lab::Lab& lab, const Scenario& scenario);

}  // namespace isolab::ui
