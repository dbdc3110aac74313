// The session behind the visualizer: scenarios build their lab, the
// weights share the CPU, the worker thread runs the lab while the UI
// freezes it to read, and the controls the buttons call reach the lab.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "lab/debugger.h"
#include "ui/session.h"

using namespace isolab;
using namespace isolab::ui;
using emulator::VmState;

namespace {

std::unique_ptr<Session> open(const char* name) {
  const Scenario* sc = find_scenario(name);
  REQUIRE(sc != nullptr);
  std::string error;
  std::unique_ptr<Session> s = Session::create(*sc, error);
  INFO(error);
  REQUIRE(s != nullptr);
  return s;
}

// Wait (up to 20 s) for `cond`, checked with the lab frozen.
template <class F>
bool eventually(Session& s, F cond) {
  for (int k = 0; k < 2000; k++) {
    {
      auto frozen = s.freeze();
      if (cond()) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("session: scenarios: default first, idle, spin, and one per lesson") {
  CHECK(find_scenario("nosuch") == nullptr);
  CHECK(scenarios().front().name == "default");
  CHECK(find_scenario("idle") != nullptr);
  CHECK(find_scenario("spin") != nullptr);
  const Scenario* l1 = find_scenario("lesson-01");
  REQUIRE(l1 != nullptr);
  CHECK(l1->lesson.find("01-") != std::string::npos);
  CHECK(scenarios().front().lesson == l1->lesson);  // the first lesson is open by default
}

TEST_CASE("session: the default scenario: two VMs sharing the CPU 1:3, three containers, the first lesson") {
  auto s = open("default");
  REQUIRE(s->slots.size() == 2);
  CHECK(s->lab.containers().size() == 3);
  REQUIRE(s->lesson);
  CHECK(s->lesson->lesson.steps.size() >= 3);
  for (int f = 0; f < 40; f++) s->advance_frame(10);
  const emulator::Vm& vm1 = *s->slots[0].vm;
  const emulator::Vm& vm2 = *s->slots[1].vm;
  CHECK(vm1.state == VmState::Running);
  CHECK(vm2.state == VmState::Running);
  CHECK(vm1.console.find("PID") != std::string::npos);  // ps ran
  CHECK(vm2.console.find("hello from vm2") != std::string::npos);
  // Both spin by now: vm2 retires about three times as many instructions.
  const double ratio = double(vm2.machine->cpu.s.insns) / double(vm1.machine->cpu.s.insns);
  CHECK(ratio > 2.0);
  CHECK(ratio < 3.5);
  // The containers run on the one kernel and their calls are counted.
  CHECK(s->lab.containers_running() == 3);
  CHECK(s->lab.kernel.stats.syscalls > 0);
  CHECK(s->syscalls.total() > 0);
  CHECK(s->container_figures.size() == 3);
  for (const auto& [name, f] : s->container_figures) {
    INFO(name);
    CHECK(f.first_syscall_ns > 0);
  }
  // The prompt was seen: the VMs' start-up was measured.
  CHECK(*s->slots[0].ready_ns > 0);
}

TEST_CASE("session: without a worker, posted controls run at the next frame, in order") {
  auto s = open("default");
  s->advance_frame(20);
  s->selected = 0;
  s->step_to_exit();
  CHECK(s->status.empty());  // posted, not yet carried out
  s->advance_frame(0);
  CHECK(s->status.find("vm1: VM exit ") == 0);
  CHECK(s->slots[0].vm->state == VmState::Paused);
  // The stepped VM stays put while the other runs on.
  const uint64_t insns = s->slots[0].vm->machine->cpu.s.insns;
  s->advance_frame(10);
  CHECK(s->slots[0].vm->machine->cpu.s.insns == insns);
  CHECK(s->slots[1].vm->state == VmState::Running);
  s->step_instruction();
  s->advance_frame(0);
  CHECK(s->status.find("vm1: stepped ") == 0);
  s->run_all();
  s->advance_frame(10);
  CHECK(s->slots[0].vm->machine->cpu.s.insns > insns);
  s->pause_all();
  s->advance_frame(10);
  CHECK_FALSE(s->running);
  const uint64_t paused_at = s->total_insns();
  s->advance_frame(10);
  CHECK(s->total_insns() == paused_at);
}

TEST_CASE("session: a container steps to its next system call from the Containers panel's button") {
  auto s = open("default");
  s->advance_frame(5);
  const uint64_t calls = s->lab.kernel.stats.syscalls;
  s->step_container("web");
  s->advance_frame(0);
  CHECK(s->status.find("web: pid 1 (host pid ") == 0);
  CHECK(s->lab.kernel.stats.syscalls > calls);
}

TEST_CASE("session: the Syscall log's click sets a container's breakpoint, the Containers panel's continue runs to it") {
  auto s = open("default");
  s->advance_frame(5);
  constexpr uint32_t kWrite = 4;  // web's loop: echo web > /dev/null
  // Continue without a breakpoint is refused, and says so.
  s->continue_container("web");
  s->advance_frame(0);
  CHECK(s->status == "web has no breakpoints (ctr break web syscall NR|NAME)");
  s->toggle_container_breakpoint("web", kWrite);
  s->advance_frame(0);
  CHECK(s->status == "web: breakpoint syscall 4 (write)");
  REQUIRE(lab::container_breakpoints_of(s->lab, "web").size() == 1);
  CHECK(lab::container_breakpoints_of(s->lab, "db").empty());
  const uint64_t calls = s->lab.kernel.stats.syscalls;
  s->continue_container("web");
  s->advance_frame(0);
  CHECK(s->status.find("web: breakpoint syscall 4 (write): pid ") == 0);
  CHECK(s->lab.kernel.stats.syscalls > calls);
  // The latest call the kernel traced is web's write, where it stopped.
  const std::vector<trace::Event> events = s->syscalls.recent();
  REQUIRE_FALSE(events.empty());
  CHECK(std::string(events.back().source) == "web");
  CHECK(events.back().code == kWrite);
  // A second click removes it.
  s->toggle_container_breakpoint("web", kWrite);
  s->advance_frame(0);
  CHECK(s->status == "web: breakpoint syscall 4 (write) removed");
  CHECK(lab::container_breakpoints_of(s->lab, "web").empty());
}

namespace {

// The selected VM's VGA text screen, one string a row.
std::vector<std::string> screen_rows(Session& s) {
  return s.current()->vm->machine->vga.screen().lines;
}

bool screen_has_row(Session& s, const std::string& row) {
  for (std::string line : screen_rows(s)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == 0)) line.pop_back();
    if (line == row) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("session: keys typed on the Console panel's VGA screen reach the guest, which echoes them there") {
  auto s = open("idle");
  REQUIRE(s->current() != nullptr);
  const emulator::TextScreen first = s->current()->vm->machine->vga.screen();
  CHECK(first.rows == 25);
  CHECK(first.cols == 80);
  for (int f = 0; f < 400 && !screen_has_row(*s, "$"); f++) s->advance_frame(10);
  REQUIRE(screen_has_row(*s, "$"));  // at its prompt, after ps
  // Typed a key at a time, Enter as a terminal sends it (CR), a typing
  // mistake erased with Backspace (DEL).
  for (const char* key : {"e", "c", "h", "o", " ", "t", "y", "p", "x", "\x7f", "e", "d", "\r"}) s->type_keys(key);
  for (int f = 0; f < 400 && !screen_has_row(*s, "typed"); f++) s->advance_frame(10);
  CHECK(screen_has_row(*s, "$ echo typed"));  // the guest's echo of the keys, as edited
  CHECK(screen_has_row(*s, "typed"));         // and the command's output
  // Ctrl-C at the prompt: the guest prints ^C and a new prompt.
  s->type_keys("\x03");
  for (int f = 0; f < 400 && !screen_has_row(*s, "$ ^C"); f++) s->advance_frame(10);
  CHECK(screen_has_row(*s, "$ ^C"));
  // The screen's colours come from the attribute bytes: miniOS writes
  // light grey on black (0x07) where it printed.
  const emulator::TextScreen scr = s->current()->vm->machine->vga.screen();
  bool grey_on_black = false;
  for (int r = 0; r < scr.rows; r++)
    for (int c = 0; c < scr.cols; c++) grey_on_black |= scr.lines[r][c] == 't' && scr.attributes[r][c] == 0x07;
  CHECK(grey_on_black);
}

TEST_CASE("session: the lesson's Run button runs the step's actions on the lab") {
  auto s = open("default");
  REQUIRE(s->lesson);
  CHECK(s->lab.find_vm("a") == nullptr);
  s->run_lesson_step(0);  // lesson 1, step 1: vm create a
  s->advance_frame(0);
  CHECK(s->lesson->step_ran[0]);
  CHECK(s->lab.find_vm("a") != nullptr);
  CHECK(s->slots.size() == 3);  // the new VM got its slot and trace
  CHECK(s->lesson->action_output[0].find("> vm create a") == 0);
}

TEST_CASE("session: a lesson scenario opens the lesson with its first two steps run") {
  auto s = open("lesson-01");
  REQUIRE(s->lesson);
  CHECK(s->lesson->step_ran[0]);
  CHECK(s->lesson->step_ran[1]);
  REQUIRE(s->lab.find_vm("a") != nullptr);
  CHECK(s->lab.find_vm("a")->console.find("$ ") != std::string::npos);  // step 2 booted it
}

TEST_CASE("session: the console line runs lab commands and keeps what they print") {
  auto s = open("idle");
  s->console_command("vm break vm1 exit HLT");
  s->console_command("show vm.vm1.state");
  s->console_command("vm fly");
  s->advance_frame(0);
  CHECK(s->console_output.find("> vm break vm1 exit HLT\nvm1: breakpoint exit HLT\n") == 0);
  CHECK(s->console_output.find("vm.vm1.state = \"running\"") != std::string::npos);
  CHECK(s->console_output.find("error: vm: unknown verb 'fly'") != std::string::npos);
  s->continue_to_break();
  s->advance_frame(0);
  CHECK(s->status.find("vm1: breakpoint exit HLT after ") == 0);
}

TEST_CASE("session: the worker thread runs the lab while the UI freezes it to read, and controls cross over") {
  auto s = open("spin");
  s->start_worker();
  REQUIRE(s->has_worker());
  // It runs on its own: instructions grow between two frozen reads.
  uint64_t first = 0;
  {
    auto frozen = s->freeze();
    first = s->total_insns();
  }
  CHECK(eventually(*s, [&] { return s->total_insns() > first + 10'000'000; }));
  // Frozen, it stands still.
  {
    auto frozen = s->freeze();
    const uint64_t a = s->total_insns();
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    CHECK(s->total_insns() == a);
  }
  // A step posted from the UI thread is carried out by the worker.
  {
    auto frozen = s->freeze();  // the controls read the selected VM's slot
    s->selected = 1;
    s->step_to_exit();
  }
  CHECK(eventually(*s, [&] { return s->status.find("vm2: ") == 0; }));
  CHECK(eventually(*s, [&] { return s->slots[1].vm->state == VmState::Paused; }));
  s->pause_all();
  CHECK(eventually(*s, [&] { return !s->running; }));
  uint64_t paused_at = 0;
  {
    auto frozen = s->freeze();
    paused_at = s->total_insns();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    auto frozen = s->freeze();
    CHECK(s->total_insns() == paused_at);
  }
  s->run_all();
  CHECK(eventually(*s, [&] { return s->total_insns() > paused_at; }));
  s->stop_worker();
  CHECK_FALSE(s->has_worker());
}
