// The scenarios (scenario.h).
#include "ui/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "lessons/lesson.h"

namespace isolab::ui {

namespace {

std::vector<Scenario> make_scenarios() {
  // The default: two VMs with CPU weights 1 and 3 boot miniOS, a student's
  // first commands are typed in, then each runs a CPU hog, so the VMs panel
  // shows the hypervisor sharing the CPU 1:3; beside them three containers
  // on the one shared kernel: two spinners that print and a sleeper; and
  // the first lesson open (DESIGN.md section 1).
  std::vector<Scenario> table = {
      {"default", "two miniOS VMs (weights 1 and 3) and three containers, the first lesson open",
       {{"vm1", 1, {"uname -a\n", "ps\n", "free\n", "spin\n"}},
        {"vm2", 3, {"echo hello from vm2\n", "ls /bin\n", "ps\n", "spin\n"}}},
       {{"web", {"sh", "-c", "while true; do echo web > /dev/null; done"}, {"spin", "1000000", "web"}},
        {"db", {"sleep", "1000000"}, {"sleep", "1000000"}},
        {"worker", {"sh", "-c", "while true; do ls / > /dev/null; done"}, {"spin", "1000000", "worker"}}},
       "", 0},
      {"idle", "two miniOS VMs, weights 1 and 3, at the shell prompt after ps",
       {{"vm1", 1, {"ps\n"}}, {"vm2", 3, {"ps\n"}}}, {}, "", 0},
      {"spin", "two miniOS VMs running spin flat out, weights 1 and 1 (isolab bench ui)",
       {{"vm1", 1, {"spin\n"}}, {"vm2", 1, {"spin\n"}}}, {}, "", 0},
  };
  // One scenario per lesson: an empty lab with the lesson open and its
  // first two steps run, so its world exists (lesson-01, lesson-02, ...).
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(lessons::default_lessons_dir(), ec)) {
    const std::string n = e.path().filename().string();
    if (n.size() > 3 && std::isdigit(uint8_t(n[0])) && std::isdigit(uint8_t(n[1])) && n[2] == '-' &&
        e.path().extension() == ".md")
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (!files.empty()) table[0].lesson = files.front().string();
  for (const auto& f : files) {
    const std::string n = f.filename().string();
    table.push_back({"lesson-" + n.substr(0, 2), "lesson " + n + " with its first two steps run", {}, {}, f.string(), 2});
  }
  return table;
}

}  // namespace

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> table = make_scenarios();
  return table;
}

const Scenario* find_scenario(const std::string& name) {
  for (const Scenario& s : scenarios())
    if (name == s.name) return &s;
  return nullptr;
}

std::optional<std::string> build_scenario(lab::Lab& lab, const Scenario& scenario) {
  for (const ScenarioVm& sv : scenario.vms) {
    lab::VmSpec spec;
    spec.name = sv.name;
    spec.mem_bytes = 32u << 20;
    spec.weight = sv.weight;
    if (auto problem = lab.create_vm(spec)) return fmt::format("scenario '{}': VM {}: {}", scenario.name, sv.name, *problem);
    for (const std::string& line : sv.lines) lab.extra(sv.name).pending_input += line;
    lab.host.start(*lab.find_vm(sv.name));
  }
  for (const ScenarioContainer& sc : scenario.containers) {
    containers::ContainerSpec spec;
    spec.name = sc.name;
    spec.cmd = sc.busybox_cmd;
    // busybox when this lab has the image (fetched by scripts/fetch-busybox), else miniOS's programs.
    if (lab.run_container("busybox", spec)) {
      spec.cmd = sc.minios_cmd;
      if (auto problem = lab.run_container("minios", spec))
        return fmt::format("scenario '{}': container {}: {}", scenario.name, sc.name, *problem);
    }
  }
  return std::nullopt;
}

}  // namespace isolab::ui
