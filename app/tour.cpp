// The terminal tour: what `isolab` runs when there is no display for the
// visualizer (DESIGN.md section 7). The visualizer's default scenario (two
// miniOS VMs with CPU weights 1 and 3, three containers on the one shared
// kernel, ui/scenario.h) runs with a text dashboard redrawn in place: the
// VMs with their CPU share and exits, the exits by reason, the containers
// and their cgroups' usage. Below it the first lesson plays: every few
// frames its next step's commands run (on a lab of its own, as `isolab
// lesson run` runs them), and its checks show whether they hold, measured
// in this run.
//
// On a terminal the dashboard redraws on the alternate screen until q or
// Ctrl-C. When stdout is not a terminal (a pipe, a test, CI) it prints a
// bounded number of frames one after another, each lab round fixed, and
// exits 0, so the same command prints the same text.
#include "app/tour.h"

#include <fmt/format.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <csignal>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>

#include "lab/console.h"
#include "lab/probes.h"
#include "lessons/lesson.h"
#include "ui/scenario.h"

namespace isolab::app {

namespace {

constexpr int kPipeFrames = 8;         // frames printed when stdout is not a terminal
constexpr uint64_t kRoundsPerFrame = 50;  // 5 ms of lab time a frame
constexpr int kFramesPerStep = 25;     // a lesson step every this many frames (pipe: every frame)
constexpr auto kFramePeriod = std::chrono::milliseconds(100);

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

// The terminal in the mode the dashboard needs, restored however the tour
// ends: keys arrive at once without echo, the alternate screen, no cursor.
class TerminalMode {
 public:
  TerminalMode() {
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios raw = saved_;
      raw.c_lflag &= ~tcflag_t(ICANON | ECHO);
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      restore_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    std::fputs("\x1b[?1049h\x1b[?25l", stdout);
  }
  ~TerminalMode() {
    std::fputs("\x1b[?25h\x1b[?1049l", stdout);
    std::fflush(stdout);
    if (restore_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool restore_ = false;
};

// True when q was typed (or stdin ended) since the last look.
bool quit_typed() {
  if (!isatty(STDIN_FILENO)) return false;
  pollfd p{STDIN_FILENO, POLLIN, 0};
  while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
    char c;
    if (read(STDIN_FILENO, &c, 1) != 1) return false;
    if (c == 'q' || c == 'Q') return true;
  }
  return false;
}

std::string bar(double fraction, int width) {
  const int n = std::clamp(int(fraction * width + 0.5), 0, width);
  return std::string(size_t(n), '#') + std::string(size_t(width - n), '.');
}

std::string kib(uint64_t pages) { return fmt::format("{} KiB", pages * 4); }

// The lesson as it plays, on a lab of its own as `isolab lesson run` plays
// it (its waits then cost only its own VM's time, not the scenario's
// spinning guests'): how many steps ran, and what they printed.
struct LessonPlay {
  std::optional<lessons::Lesson> lesson;
  std::unique_ptr<lab::Lab> lab = std::make_unique<lab::Lab>();
  size_t next = 0;
  std::string last_output;
};

void run_next_step(LessonPlay& play) {
  lab::Lab& lab = *play.lab;
  if (!play.lesson || play.next >= play.lesson->steps.size()) return;
  std::ostringstream out;
  for (const lessons::Item& item : play.lesson->steps[play.next].items) {
    if (!item.action) continue;
    out << "    > " << item.action->text << "\n";
    std::ostringstream printed;
    lab::Outcome o = lab::run_command(lab, item.action->command, printed);
    std::istringstream lines(printed.str());
    for (std::string l; std::getline(lines, l);) out << "      " << l << "\n";
    if (o.status != lab::Status::Ok) {
      out << "      error: " << o.message << "\n";
      break;
    }
  }
  play.last_output = out.str();
  play.next++;
}

std::string dashboard(lab::Lab& lab, const LessonPlay& play, bool tty) {
  std::string s;
  s += fmt::format("isolab tour: the default scenario, live{}   lab time {:.3f} s\n\n", tty ? "   (q or Ctrl-C quits)" : "",
                   double(lab.now_ns()) / 1e9);
  // VMs.
  uint64_t all = 0;
  emulator::ExitCounters exits;
  for (const auto& vm : lab.host.vms()) {
    all += vm->machine->cpu.s.insns;
    for (size_t r = 0; r < exits.by_reason.size(); r++) exits.by_reason[r] += vm->machine->exits.by_reason[r];
    exits.exits += vm->machine->exits.exits;
  }
  s += "VMs (each with its own kernel, miniOS)\n";
  s += fmt::format("  {:<8} {:<9} {:>6} {:>10}  {:<22} {:>8}\n", "NAME", "STATE", "WEIGHT", "INSNS", "CPU SHARE", "EXITS");
  for (const auto& vm : lab.host.vms()) {
    const double share = all ? double(vm->machine->cpu.s.insns) / double(all) : 0.0;
    s += fmt::format("  {:<8} {:<9} {:>6} {:>9.2f}M  {} {:>3.0f}% {:>8}\n", vm->name, emulator::vm_state_name(vm->state),
                     vm->weight, double(vm->machine->cpu.s.insns) / 1e6, bar(share, 16), share * 100,
                     vm->machine->exits.exits);
  }
  s += "\nVM exits by reason (all VMs)\n";
  const uint64_t most = std::max<uint64_t>(1, *std::max_element(exits.by_reason.begin(), exits.by_reason.end()));
  for (size_t r = 0; r < exits.by_reason.size(); r++)
    if (exits.by_reason[r])
      s += fmt::format("  {:<20} {} {}\n", emulator::kExitReasonNames[r], bar(double(exits.by_reason[r]) / double(most), 30),
                       exits.by_reason[r]);
  // Containers and their cgroups.
  containers::Kernel& k = lab.kernel;
  s += fmt::format("\nContainers (one shared kernel: {} processes, {} system calls)\n", k.processes().size(),
                   k.stats.syscalls);
  s += fmt::format("  {:<8} {:<10} {:>5} {:>10}  {:<12} {:>12} {:>8}\n", "NAME", "STATE", "PID", "CPU INSNS", "memory.current",
                   "memory.max", "pids");
  for (const auto& lc : lab.containers()) {
    uint64_t insns = 0;
    const containers::Cgroup* cg = lc->c.cgroup;
    if (cg)
      for (int pid : cg->procs)
        if (const containers::Process* p = k.find_host_pid(pid)) insns += p->user_insns;
    const std::string max = !cg || cg->memory.counter.max == containers::PageCounter::UNLIMITED ? "max" : kib(cg->memory.counter.max);
    const std::string pids = cg ? fmt::format("{}/{}", cg->pids.current,
                                              cg->pids.max == containers::PidsState::UNLIMITED ? std::string("max")
                                                                                               : std::to_string(cg->pids.max))
                                : "-";
    s += fmt::format("  {:<8} {:<10} {:>5} {:>9.2f}M  {:<14} {:>10} {:>8}\n", lc->c.name,
                     lc->c.exited ? fmt::format("exited({})", lc->c.exit_code) : "running", lc->c.init_host_pid,
                     double(insns) / 1e6, cg ? kib(cg->memory.counter.usage) : "-", max, pids);
  }
  // The lesson.
  if (play.lesson) {
    const lessons::Lesson& l = *play.lesson;
    s += fmt::format("\nLesson: {} (step {} of {} run, on a lab of its own)\n", l.title, play.next, l.steps.size());
    if (play.next > 0) {
      const lessons::Step& step = l.steps[play.next - 1];
      s += fmt::format("  Step {}: {}\n", step.number, step.title);
      s += play.last_output;
      lab::ProbeReader read = lab::probe_reader(*play.lab);
      for (const lessons::Item& item : step.items)
        if (item.check) {
          lab::CheckResult r = lab::check_expr(*item.check->expr, read);
          s += fmt::format("    [{}] {}\n", r.holds ? "ok" : "  ", item.check->expr_text);
          if (!r.holds) s += fmt::format("         {} ({})\n", item.check->message, r.error.empty() ? lab::format_seen(r.seen) : r.error);
        }
    }
  }
  return s;
}

}  // namespace

int run_tour() {
  const ui::Scenario* scenario = ui::find_scenario("default");
  lab::Lab lab;
  if (auto problem = ui::build_scenario(lab, *scenario)) {
    std::fprintf(stderr, "isolab tour: %s\n", problem->c_str());
    return 2;
  }
  LessonPlay play;
  if (!scenario->lesson.empty()) {
    lessons::ParsedLesson p = lessons::load_lesson(scenario->lesson);
    if (!p.lesson) {
      std::fprintf(stderr, "isolab tour: %s\n", p.error.c_str());
      return 2;
    }
    play.lesson = std::move(*p.lesson);
  }
  const bool tty = isatty(STDOUT_FILENO);
  if (!tty) {
    // A bounded run: the same frames every time.
    for (int frame = 0; frame < kPipeFrames; frame++) {
      for (uint64_t r = 0; r < kRoundsPerFrame; r++) lab.run_round();
      run_next_step(play);
      std::printf("%s--- frame %d of %d ---\n\n", dashboard(lab, play, false).c_str(), frame + 1, kPipeFrames);
    }
    return 0;
  }
  g_interrupted = 0;
  struct sigaction sa {}, old {};
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, &old);
  {
    TerminalMode mode;
    for (int frame = 0; !g_interrupted && !quit_typed(); frame++) {
      const auto start = std::chrono::steady_clock::now();
      for (uint64_t r = 0; r < kRoundsPerFrame && !g_interrupted; r++) lab.run_round();
      if (frame % kFramesPerStep == kFramesPerStep - 1) run_next_step(play);
      std::fputs("\x1b[H\x1b[J", stdout);  // home, clear: redraw in place
      std::fputs(dashboard(lab, play, true).c_str(), stdout);
      std::fflush(stdout);
      std::this_thread::sleep_until(start + kFramePeriod);
    }
  }
  sigaction(SIGINT, &old, nullptr);
  std::printf("isolab tour: ended after %.3f s of lab time.\n", double(lab.now_ns()) / 1e9);
  return 0;
}

}  // namespace isolab::app
